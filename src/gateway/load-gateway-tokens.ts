import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../contracts/errors/config-error.ts';
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
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text === undefined) {
    const token: GatewayToken = {
      name: 'admin',
      scopes: ['admin'],
      token: (options.newToken ?? newGatewayToken)(),
    };
    await mkdir(home, { recursive: true, mode: 0o700 });
    await writeFile(file, `${JSON.stringify({ tokens: [token] }, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    return { tokens: [token], generatedFile: file, notices };
  }
  const mode = (await stat(file)).mode;
  if (mode & 0o077) notices.push(`${file} is readable by other users; run: chmod 600 ${file}`);
  return { tokens: parseCredentials(text, file), notices };
}

function parseCredentials(text: string, file: string): GatewayToken[] {
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
