import { z } from 'zod';
import type { GatewayConfig, GatewayScope } from '../../contracts/pyramid-config.ts';
import { gatewayScopes } from '../../contracts/pyramid-config.ts';
import type { ConfigSection, SectionIssue } from '../config-section.ts';
import { durationSchema } from '../duration-schema.ts';
import { nameSchema, positiveInteger } from '../names.ts';
import { parseDuration } from '../parse-duration.ts';
import { asMapping } from '../raw-value.ts';
import { isEnvReference, resolveSecret, secretSchema } from '../secret-reference.ts';

export const defaultGateway = {
  port: 18789,
  bind: '127.0.0.1',
  bodyLimit: '2mb',
  drainTime: '10s',
  probeInterval: '30s',
  probeTimeout: '5s',
  throttle: { maxFailures: 10, window: '1m' },
  limits: { depth: 64, items: 10_000, stringLength: 1_048_576, messages: 4096, tools: 256 },
  connections: { max: 500, headersTimeout: '10s', bodyTimeout: '30s', idleTimeout: '5s' },
} as const;

/** `name`, `name:port`, `[::1]:port`, or `*`. */
const allowedHostPattern = /^(\*|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/;

const sizePattern = /^(\d+(?:\.\d+)?)\s*(b|kb|mb)$/i;
const sizeUnits: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** Bytes from `2mb`, `512kb`, `1000b` or a number of bytes. */
export function parseSize(value: string | number): number {
  if (typeof value === 'number') return Math.round(value);
  const match = sizePattern.exec(value.trim());
  if (!match) throw new RangeError(`invalid size "${value}"`);
  return Math.round(Number(match[1]) * sizeUnits[match[2].toLowerCase()]);
}

const sizeSchema = z
  .union([
    z.number().int().positive({ error: 'a size must be positive' }),
    z.string().regex(sizePattern, { error: 'expected a size such as "2mb", "512kb" or a number of bytes' }),
  ])
  .describe('A size: "2mb", "512kb", or a number of bytes.');

const loopbackHosts = new Set(['127.0.0.1', '::1', 'localhost']);

/** Whether an address only accepts connections from this machine. */
export function isLoopbackAddress(host: string): boolean {
  return loopbackHosts.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const tokenSchema = z
  .strictObject({
    name: nameSchema('token').describe('Who holds the token; requests are tagged with it in the ledger.'),
    token: secretSchema('The bearer token.'),
    scopes: z
      .array(z.enum(gatewayScopes, { error: `expected one of ${gatewayScopes.join(', ')}` }))
      .min(1, { error: 'give at least one scope: admin or client' })
      .default(['client'])
      .describe('client: the OpenAI-compatible API (/v1); admin: everything, /api and /metrics included.'),
  })
  .describe('A bearer token the gateway accepts.');

const schema = z
  .strictObject({
    port: z.number().int().min(0).max(65535).default(defaultGateway.port).describe('TCP port.'),
    bind: z
      .string()
      .min(1)
      .default(defaultGateway.bind)
      .describe('Address to listen on. A non-loopback address requires auth.'),
    bodyLimit: sizeSchema.default(defaultGateway.bodyLimit),
    limits: z
      .strictObject({
        depth: positiveInteger
          .max(1000, { error: 'at most 1000' })
          .default(defaultGateway.limits.depth)
          .describe('How deeply objects and arrays in a JSON body may nest.'),
        items: positiveInteger
          .default(defaultGateway.limits.items)
          .describe('Items in one JSON array, or keys in one JSON object.'),
        stringLength: positiveInteger
          .default(defaultGateway.limits.stringLength)
          .describe('Characters in one JSON string (object keys included).'),
        messages: positiveInteger
          .default(defaultGateway.limits.messages)
          .describe('Messages in one chat request.'),
        tools: positiveInteger.default(defaultGateway.limits.tools).describe('Tools in one chat request.'),
      })
      .prefault({})
      .describe('Bounds on every JSON body a client sends; a body past one is answered 400 naming it.'),
    connections: z
      .strictObject({
        max: positiveInteger
          .default(defaultGateway.connections.max)
          .describe(
            'Open connections at most. Past it a new connection closes the least recently used idle one (or is refused when none is idle). Keep it under half the open-file limit.',
          ),
        headersTimeout: durationSchema(
          'How long a client may take to send the headers of a request (from the connection, or the end of the last response).',
        ).default(defaultGateway.connections.headersTimeout),
        bodyTimeout: durationSchema('How long a client may take to send a body, after its headers.').default(
          defaultGateway.connections.bodyTimeout,
        ),
        idleTimeout: durationSchema('How long an idle keep-alive connection stays open.').default(
          defaultGateway.connections.idleTimeout,
        ),
      })
      .prefault({})
      .describe('Connection limits and timeouts (slow or idle clients cannot hold the gateway).'),
    allowedHosts: z
      .array(
        z.string().regex(allowedHostPattern, {
          error: 'expected a host name such as "pyramid.example.com", optionally with ":port", or "*"',
        }),
      )
      .default([])
      .describe(
        'Host names a request may be addressed to (its Host and Origin headers) besides 127.0.0.1, localhost, [::1] and the bind address on the gateway port: the names of a reverse proxy in front of it. "*" allows any (DNS rebinding protection off).',
      ),
    drainTime: durationSchema(
      'On SIGTERM/SIGINT, how long in-flight requests may take to finish before the gateway exits.',
    ).default(defaultGateway.drainTime),
    probeInterval: durationSchema('How often each provider is probed (a model list call).').default(
      defaultGateway.probeInterval,
    ),
    probeTimeout: durationSchema('How long one probe may take.').default(defaultGateway.probeTimeout),
    strictParams: z
      .boolean()
      .default(false)
      .describe(
        'A parameter (tool_choice, seed, top_p, ...) the answering model cannot take: false drops it with a trace note and an x-pyramid-dropped-params header; true skips such models, and answers 400 when none can take it.',
      ),
    auth: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe('Require a bearer token. Turning it off is refused on a non-loopback bind.'),
        tokens: z
          .array(tokenSchema)
          .default([])
          .describe(
            'Accepted tokens. When empty, `pyramid start` generates an admin token into $PYRAMID_HOME/credentials.',
          ),
        throttle: z
          .strictObject({
            maxFailures: positiveInteger
              .default(defaultGateway.throttle.maxFailures)
              .describe('Failed authentications from one address within `window` before it gets 429.'),
            window: durationSchema('The window failures are counted over.').default(
              defaultGateway.throttle.window,
            ),
          })
          .prefault({}),
      })
      .prefault({}),
  })
  .prefault({})
  .describe('The HTTP gateway (`pyramid start`).');

export const gatewaySection: ConfigSection<typeof schema, GatewayConfig> = {
  schema,

  check(raw) {
    const issues: SectionIssue[] = [];
    const gateway = asMapping(raw);
    const auth = asMapping(gateway?.auth);
    const bind = typeof gateway?.bind === 'string' ? gateway.bind : defaultGateway.bind;
    if (auth?.enabled === false && !isLoopbackAddress(bind)) {
      issues.push({
        path: ['auth', 'enabled'],
        message: `cannot be false with bind ${bind}: a non-loopback address needs auth (bind 127.0.0.1, or configure tokens)`,
      });
    }
    const seen = new Set<string>();
    const tokens = Array.isArray(auth?.tokens) ? auth.tokens : [];
    for (const [index, token] of tokens.entries()) {
      const name = asMapping(token)?.name;
      if (typeof name !== 'string') continue;
      if (seen.has(name))
        issues.push({ path: ['auth', 'tokens', index, 'name'], message: `duplicate token name "${name}"` });
      seen.add(name);
    }
    return issues;
  },

  warn(gateway) {
    return gateway.auth.tokens.flatMap((token, index) =>
      isEnvReference(token.token)
        ? []
        : [
            {
              path: ['auth', 'tokens', index, 'token'],
              message: `is a literal secret in the config file; write token: "env:PYRAMID_TOKEN_${token.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}"`,
            },
          ],
    );
  },

  resolve(gateway, { env }) {
    return {
      port: gateway.port,
      bind: gateway.bind,
      bodyLimitBytes: parseSize(gateway.bodyLimit),
      limits: { ...gateway.limits },
      connections: {
        max: gateway.connections.max,
        headersTimeoutMs: parseDuration(gateway.connections.headersTimeout),
        bodyTimeoutMs: parseDuration(gateway.connections.bodyTimeout),
        idleTimeoutMs: parseDuration(gateway.connections.idleTimeout),
      },
      allowedHosts: gateway.allowedHosts.map((host) => host.toLowerCase()),
      drainMs: parseDuration(gateway.drainTime),
      probeIntervalMs: parseDuration(gateway.probeInterval),
      probeTimeoutMs: parseDuration(gateway.probeTimeout),
      strictParams: gateway.strictParams,
      auth: {
        enabled: gateway.auth.enabled,
        tokens: gateway.auth.tokens.map((token) => {
          const secret = resolveSecret(token.token, env);
          return {
            name: token.name,
            scopes: [...new Set(token.scopes)] as GatewayScope[],
            ...(secret.value === undefined ? {} : { token: secret.value }),
            ...(secret.unavailableReason === undefined
              ? {}
              : { unavailableReason: secret.unavailableReason }),
          };
        }),
        throttle: {
          maxFailures: gateway.auth.throttle.maxFailures,
          windowMs: parseDuration(gateway.auth.throttle.window),
        },
      },
    };
  },
};
