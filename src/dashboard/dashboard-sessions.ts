import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { GatewayCaller } from '../gateway/gateway-caller.ts';
import { GatewayHttpError } from '../gateway/gateway-http-error.ts';

/** The name of the dashboard's session cookie (HttpOnly, SameSite=Strict). */
export const sessionCookie = 'pyramid_session';
/** The header every state-changing request made with the session cookie must carry, set to the session's csrf. */
export const csrfHeader = 'x-pyramid-csrf';

export type DashboardSession = { id: string; csrf: string; caller: GatewayCaller; expiresAt: number };

export type DashboardSessions = {
  /** A new session for a caller who presented a token (or a one-time code). */
  create(caller: GatewayCaller): DashboardSession;
  get(id: string | undefined): DashboardSession | undefined;
  destroy(id: string | undefined): void;
  /** A one-time sign-in code (for `pyramid dashboard`'s link), valid for a few minutes. */
  createCode(caller: GatewayCaller): { code: string; expiresAt: number };
  /** The caller a code was made for; the code is spent either way. */
  redeem(code: string): GatewayCaller | undefined;
  /** For the auth middleware: the caller of the request's session cookie, after the CSRF check. */
  callerFor(c: Context): GatewayCaller | undefined;
};

export type DashboardSessionOptions = {
  now: () => number;
  /** How long a session lives after its last use (default 12 h). */
  idleMs?: number;
  /** How long a sign-in code is valid (default 5 min). */
  codeMs?: number;
  /** At most this many sessions (and codes) are kept; the oldest go first (default 1000). */
  max?: number;
};

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
const secret = () => randomBytes(32).toString('base64url');

/**
 * Dashboard sign-ins, in memory (a restart signs everyone out). A session is bound to the caller of
 * the token it was made from. Cross-site requests cannot act with it: the cookie is SameSite=Strict,
 * and every request that is not GET/HEAD must also send the session's csrf value in a header, which
 * only a page of this origin can read (from GET /ui/session).
 */
export function createDashboardSessions(options: DashboardSessionOptions): DashboardSessions {
  const { now } = options;
  const idleMs = options.idleMs ?? 12 * 3_600_000;
  const codeMs = options.codeMs ?? 5 * 60_000;
  const max = options.max ?? 1000;
  const sessions = new Map<string, DashboardSession>();
  const codes = new Map<string, { caller: GatewayCaller; expiresAt: number }>();
  const bounded = <V>(map: Map<string, V>) => {
    while (map.size > max) map.delete(map.keys().next().value as string);
  };
  const get = (id: string | undefined) => {
    if (!id) return undefined;
    const session = sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= now()) {
      sessions.delete(id);
      return undefined;
    }
    session.expiresAt = now() + idleMs;
    return session;
  };
  return {
    create(caller) {
      const session = { id: secret(), csrf: secret(), caller, expiresAt: now() + idleMs };
      sessions.set(session.id, session);
      bounded(sessions);
      return session;
    },
    get,
    destroy(id) {
      if (id) sessions.delete(id);
    },
    createCode(caller) {
      const code = secret();
      const expiresAt = now() + codeMs;
      codes.set(code, { caller, expiresAt });
      bounded(codes);
      return { code, expiresAt };
    },
    redeem(code) {
      const entry = codes.get(code);
      codes.delete(code);
      return entry && entry.expiresAt > now() ? entry.caller : undefined;
    },
    callerFor(c) {
      const session = get(getCookie(c, sessionCookie));
      if (!session) return undefined;
      if (!safeMethods.has(c.req.method) && c.req.header(csrfHeader) !== session.csrf) {
        throw new GatewayHttpError(
          403,
          'permission_error',
          'csrf_failed',
          `A request made with the dashboard's session must send the ${csrfHeader} header; reload the page.`,
        );
      }
      return session.caller;
    },
  };
}
