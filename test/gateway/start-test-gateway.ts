import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createPlatform, type Platform } from '../../src/cli/create-platform.ts';
import {
  createGateway,
  createGatewayLogger,
  type Gateway,
  type GatewayServer,
  startGatewayServer,
} from '../../src/gateway/index.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';

export const adminToken = 'pyr_test_admin_token_0123456789abcdef';
export const clientToken = 'pyr_test_client_token_0123456789abcdef';

/** tier 0: `local` (ollama fake), tier 1: `cloud` (openai fake); tasks default 0, classify 0, summarize 1. */
export function gatewayTestYaml(
  local: { baseUrl: string },
  cloud: { baseUrl: string },
  gatewayYaml = '',
): string {
  return `
providers:
  local: { api: ollama, baseUrl: "${local.baseUrl}", timeouts: { connect: 1s, firstToken: 2s, total: 10s } }
  cloud: { api: openai-completions, baseUrl: "${cloud.baseUrl}", apiKey: "env:CLOUD_KEY", timeouts: { connect: 1s, firstToken: 2s, total: 10s } }
models:
  local-model: { provider: local, id: "fake-model", cost: { input: 0, output: 0 } }
  cloud-model: { provider: cloud, id: fake-model, cost: { input: 1, output: 2, cacheRead: 0.5 } }
tiers:
  - [local-model]
  - [cloud-model]
tasks:
  default: 0
  classify: 0
  summarize: 1
gateway:
  probeInterval: 1h
  auth:
    tokens:
      - { name: ops, token: "env:ADMIN_TOKEN", scopes: [admin] }
      - { name: support-bot, token: "env:CLIENT_TOKEN", scopes: [client] }
    throttle: { maxFailures: 1000, window: 1m }
${gatewayYaml}`;
}

export type TestGateway = {
  url: string;
  local: FakeModelServer;
  cloud: FakeModelServer;
  platform: Platform;
  gateway: Gateway;
  server: GatewayServer;
  /** Every JSON log line written so far. */
  logs(): string;
  /** fetch with the admin token (or `token`). */
  call(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  close(): Promise<void>;
};

/**
 * The real wiring (createPlatform over a YAML file in a temp PYRAMID_HOME, the SQLite ledger, the
 * provider probes) behind a gateway on 127.0.0.1 and a free port, with two fake model servers.
 * Probes run only when a test calls `gateway.context.health.probeAll()`.
 */
export async function startTestGateway(
  options: {
    gatewayYaml?: string;
    yaml?: (local: FakeModelServer, cloud: FakeModelServer) => string | Promise<string>;
  } = {},
): Promise<TestGateway> {
  const home = await mkdtemp(join(tmpdir(), 'pyramid-gateway-'));
  const [local, cloud] = await Promise.all([
    startFakeModelServer({ api: 'ollama' }),
    startFakeModelServer({ api: 'openai-completions' }),
  ]);
  await writeFile(
    join(home, 'pyramid.yaml'),
    options.yaml ? await options.yaml(local, cloud) : gatewayTestYaml(local, cloud, options.gatewayYaml),
  );
  const logStream = new PassThrough();
  let logText = '';
  logStream.setEncoding('utf8').on('data', (chunk: string) => (logText += chunk));
  const io = {
    env: {
      PYRAMID_HOME: home,
      CLOUD_KEY: 'sk-cloud-secret-value-123',
      ADMIN_TOKEN: adminToken,
      CLIENT_TOKEN: clientToken,
    },
    stdout: logStream,
    stderr: logStream,
    homedir: home,
    cwd: home,
  };
  const platform = await createPlatform(io, {});
  const logger = createGatewayLogger(logStream);
  const gatewayConfig = platform.config.gateway!;
  const gateway = createGateway({
    config: platform.config,
    gateway: gatewayConfig,
    router: platform.router,
    ledger: platform.ledger,
    responses: platform.responses,
    probes: platform.probes,
    onRequestRecorded: platform.onRequestRecorded,
    tokens: gatewayConfig.auth.tokens,
    logger,
    version: 'test',
  });
  const server = await startGatewayServer({
    app: gateway.app,
    port: 0,
    bind: '127.0.0.1',
    connections: gatewayConfig.connections,
  });
  gateway.setReady(true);
  return {
    url: server.url,
    local,
    cloud,
    platform,
    gateway,
    server,
    logs: () => logText,
    call(path, init = {}) {
      const { token = adminToken, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== null) headers.set('authorization', `Bearer ${token}`);
      if (rest.body !== undefined && !headers.has('content-type'))
        headers.set('content-type', 'application/json');
      return fetch(server.url + path, { ...rest, headers });
    },
    async close() {
      await server.close(0);
      gateway.dispose();
      await platform.close();
      await Promise.all([local.close(), cloud.close()]);
      await rm(home, { recursive: true, force: true });
    },
  };
}
