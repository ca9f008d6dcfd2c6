import { randomUUID } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readSmallFile } from '../config/read-small-file.ts';
import { FileReadError } from '../contracts/errors/file-read-error.ts';
import type { GatewayToken } from '../contracts/pyramid-config.ts';
import {
  credentialsError,
  credentialsFile,
  maxCredentialsBytes,
  newGatewayToken,
  parseCredentials,
  unreadable,
} from './load-gateway-tokens.ts';

/**
 * The tokens in `$PYRAMID_HOME/credentials`, or undefined when there is no such file. Throws ConfigError
 * for a file that cannot be read or is not a credentials file.
 */
export async function readCredentials(home: string): Promise<GatewayToken[] | undefined> {
  const file = credentialsFile(home);
  let text: string;
  try {
    text = await readSmallFile(file, maxCredentialsBytes);
  } catch (error) {
    if (!(error instanceof FileReadError)) throw error;
    if (error.problem === 'not_found') return undefined;
    throw credentialsError(file, unreadable(error));
  }
  return parseCredentials(text, file);
}

/**
 * Replaces the generated admin token (the `admin` entry; added when there is none) with a new random one,
 * keeping the other tokens. The file is replaced whole, owner-only (mode 0600), by a rename, so a reader
 * sees the old file or the new one. Resolves to the new entry.
 */
export async function rotateAdminToken(options: {
  home: string;
  newToken?: () => string;
}): Promise<GatewayToken> {
  const { home } = options;
  const file = credentialsFile(home);
  const tokens = (await readCredentials(home)) ?? [];
  const admin: GatewayToken = {
    name: 'admin',
    scopes: ['admin'],
    token: (options.newToken ?? newGatewayToken)(),
  };
  const index = tokens.findIndex((token) => token.name === 'admin');
  if (index === -1) tokens.unshift(admin);
  else tokens[index] = { ...tokens[index], token: admin.token };
  await mkdir(home, { recursive: true, mode: 0o700 });
  const temporary = join(dirname(file), `.credentials-${randomUUID()}`);
  try {
    await writeFile(temporary, `${JSON.stringify({ tokens }, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return tokens[index === -1 ? 0 : index] as GatewayToken;
}
