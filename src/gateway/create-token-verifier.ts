import { hash, timingSafeEqual } from 'node:crypto';
import type { GatewayToken } from '../contracts/pyramid-config.ts';
import type { GatewayCaller } from './gateway-caller.ts';

// crypto.hash is the one-shot form: no Hash object per request.
const digest = (value: string) => hash('sha256', value, 'buffer');

/**
 * Checks a presented bearer token against every configured one in constant time: both sides are
 * hashed to equal-length digests and every token is compared, so neither the length nor the position
 * of a match leaks through timing. Tokens whose secret is unset match nothing.
 */
export function createTokenVerifier(
  tokens: readonly GatewayToken[],
): (presented: string) => GatewayCaller | undefined {
  const known = tokens
    .filter((token) => token.token !== undefined && token.token !== '')
    .map((token) => ({ caller: { name: token.name, scopes: token.scopes }, digest: digest(token.token!) }));
  return (presented) => {
    const candidate = digest(presented);
    let match: GatewayCaller | undefined;
    for (const token of known) {
      if (timingSafeEqual(candidate, token.digest) && match === undefined) match = token.caller;
    }
    return match;
  };
}
