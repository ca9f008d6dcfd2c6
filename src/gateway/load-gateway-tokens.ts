import { randomBytes } from 'node:crypto';
import { link, mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSmallFile } from '../config/read-small-file.ts';
import { ConfigError } from '../contracts/errors/config-error.ts';
import { FileReadError } from '../contracts/errors/file-read-error.ts';
import { type GatewayConfig, type GatewayToken, gatewayScopes } from '../contracts/pyramid-config.ts';

/** The tokens the gateway accepts, and what start-up should tell the operator (never a token). */
export type GatewayTokens = {
  tokens: GatewayToken[];
  /** Set when this start generated an admin token: the file it is in. */
  generatedFile?: string;
  notices: string[];
};

/** `$PYRAMID_HOME/credentials`: where a generated admin token is kept (JSON, mode 0600). */
export function credentialsFile(home: string): string {
  return join(home, 'credentials');
}

/** The largest credentials file read (a few tokens take well under 1 KB): a bigger one is refused unread. */
export const maxCredentialsBytes = 65_536;

/** A new random bearer token (`pyr_` + 43 base64url characters, 256 bits). */
export function newGatewayToken(): string {
  return `pyr_${randomBytes(32).toString('base64url')}`;
}

/**
 * The configured tokens; with none configured, the ones in `$PYRAMID_HOME/credentials`, generating an
 * admin token there (mode 0600) on the first start. Throws ConfigError for an unreadable credentials file.
 */
export async function loadGatewayTokens(options: {
  gateway: GatewayConfig;
  home: string;
  newToken?: () => string;
}): Promise<GatewayTokens> {
  const { gateway, home } = options;
  const notices: string[] = [];
  if (!gateway.auth.enabled) return { tokens: [], notices: ['auth is off (gateway.auth.enabled: false)'] };
  if (gateway.auth.tokens.length > 0) {
    for (const token of gateway.auth.tokens) {
      if (token.unavailableReason)
        notices.push(`token ${token.name} is unusable: ${token.unavailableReason}`);
    }
    return { tokens: gateway.auth.tokens, notices };
  }
  const file = credentialsFile(home);
  let text: string | undefined;
  try {
    text = await readSmallFile(file, maxCredentialsBytes);
  } catch (error) {
    if (!(error instanceof FileReadError)) throw error;
    if (error.problem !== 'not_found') throw credentialsError(file, unreadable(error));
  }
  if (text === undefined) {
    const token: GatewayToken = {
      name: 'admin',
      scopes: ['admin'],
      token: (options.newToken ?? newGatewayToken)(),
    };
    // Written whole to a temporary file, then linked into place (which fails if the file exists): two
    // starts sharing a home (a PostgreSQL store) never read a half-written file, and the one that
    // loses the race uses the winner's token.
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      await mkdir(home, { recursive: true, mode: 0o700 });
      await writeFile(temporary, `${JSON.stringify({ tokens: [token] }, null, 2)}\n`, {
        flag: 'wx',
        mode: 0o600,
      });
      await link(temporary, file);
    } catch (error) {
      await unlink(temporary).catch(() => {});
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST')
        return { tokens: parseCredentials(await readSmallFile(file, maxCredentialsBytes), file), notices };
      const why =
        code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? 'permission denied'
          : (code ?? String(error));
      throw credentialsError(
        file,
        `cannot write a generated admin token there (${why}): make PYRAMID_HOME writable by this user, set PYRAMID_HOME to a folder Pyramid can write, or configure gateway.auth.tokens`,
      );
    }
    await unlink(temporary).catch(() => {});
    return { tokens: [token], generatedFile: file, notices };
  }
  const mode = (await stat(file)).mode;
  if (mode & 0o077) notices.push(`${file} is readable by other users; run: chmod 600 ${file}`);
  return { tokens: parseCredentials(text, file), notices };
}

export const credentialsError = (file: string, message: string) =>
  new ConfigError([{ path: 'credentials', message }], file);

const regenerate = 'remove it to have a new admin token generated';

export function unreadable(error: FileReadError): string {
  switch (error.problem) {
    case 'dangling_link':
      return `is a symbolic link to a file that does not exist: fix the link, or ${regenerate}`;
    case 'folder':
      return `is a folder, not a file: ${regenerate}`;
    case 'not_regular':
      return `is ${error.detail}, not a regular file: ${regenerate}`;
    case 'too_large':
      return `is too large to be a credentials file (${error.detail}): ${regenerate}`;
    case 'permission':
      return 'cannot be read: permission denied (make it readable by this user, mode 0600)';
    case 'not_a_folder':
      return 'cannot be read: part of its path is a file, not a folder (check PYRAMID_HOME)';
    default:
      return `cannot be read (${error.detail ?? error.message})`;
  }
}

export function parseCredentials(text: string, file: string): GatewayToken[] {
  const invalid = (message: string) => new ConfigError([{ path: 'credentials', message }], file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('is not JSON; delete it to have a new admin token generated');
  }
  const tokens = (parsed as { tokens?: unknown }).tokens;
  if (!Array.isArray(tokens)) throw invalid('expected { "tokens": [{ "name", "token", "scopes" }] }');
  return tokens.map((entry, index) => {
    const { name, token, scopes } = entry as Record<string, unknown>;
    const validScopes =
      Array.isArray(scopes) && scopes.length > 0 && scopes.every((scope) => gatewayScopes.includes(scope));
    if (typeof name !== 'string' || typeof token !== 'string' || token.length < 16 || !validScopes)
      throw invalid(
        `tokens[${index}] needs a name, a token of 16 characters or more, and scopes (admin, client)`,
      );
    return { name, token, scopes: scopes as GatewayToken['scopes'] };
  });
}
