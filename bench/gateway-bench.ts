// npm run bench:gateway — the same load sent straight to an instant OpenAI-compatible upstream, through
// Pyramid (`pyramid start`: auth, routing, SQLite ledger, JSON logs) and through Portkey's open-source
// gateway, in one run; non-streaming, and streaming with time to first token. Each server is its own
// process on 127.0.0.1; the load generator (node:http, keep-alive, a fixed concurrency) is this one.
// Env: BENCH_REQUESTS (default 3000, so a run stays under about 2 minutes; the issue's example is 20000),
// BENCH_CONCURRENCY (64), BENCH_WARMUP (300), BENCH_STREAM_CHUNKS (8); for quick loops, BENCH_TARGETS
// (comma-separated, default direct,pyramid,responses,messages,portkey: `responses` and `messages` are
// Pyramid's POST /v1/responses, with store: false, and POST /v1/messages) and BENCH_RESULTS=0 (print only, RESULTS.md untouched);
// BENCH_PROFILE=DIR writes a V8 CPU profile of the Pyramid process into DIR (node's --cpu-prof);
// BENCH_STREAMING=0 runs only the non-streaming modes, 1 only the streaming ones; BENCH_ROUNDS (4): chat
// completions, Responses and Messages take turns in that many rounds, and a second table sets the
// latency each adds beside chat completions' (the ratio is what counts on a loaded machine);
// BENCH_BASELINE=DIR also runs `pyramid start` from another checkout (say, main's tree in a temp dir with
// this node_modules linked in) as the target `baseline`, so a change is measured against it in one run.
// Results are appended to bench/RESULTS.md under "## gateway". A timing is never a pass/fail test.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const requests = Number(process.env.BENCH_REQUESTS ?? 3000);
const defaultConcurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
// At 64 concurrent on a saturated server, added latency is mostly queueing (64 × the CPU per request);
// one request at a time shows what the gateway itself adds to a request.
const serialRequests = Number(process.env.BENCH_SERIAL_REQUESTS ?? 1000);
const warmup = Number(process.env.BENCH_WARMUP ?? 300);
const streamChunks = Number(process.env.BENCH_STREAM_CHUNKS ?? 8);
const baselineRoot = process.env.BENCH_BASELINE;
// Chat completions, Responses and Messages take turns in this many rounds per mode, so that a change in
// the machine's load during a run lands on all three alike: their ratio is the figure that counts.
const protocolRounds = Number(process.env.BENCH_ROUNDS ?? 4);
const protocolTargets = ['pyramid', 'responses', 'messages'];
const wanted = new Set(
  (
    process.env.BENCH_TARGETS ?? `direct,pyramid,${baselineRoot ? 'baseline,' : ''}responses,messages,portkey`
  ).split(','),
);
const writeResults = process.env.BENCH_RESULTS !== '0';
// BENCH_STREAMING=0 runs only the non-streaming modes, 1 only the streaming ones (for profiling one path).
const streamingFilter = process.env.BENCH_STREAMING;
const root = fileURLToPath(new URL('..', import.meta.url));
const token = 'pyr_bench_token_0123456789abcdefghij';

/** The upstream: answers at once, JSON or SSE with usage, like an OpenAI-compatible server. */
async function runUpstream(): Promise<void> {
  const completion = JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 0,
    model: 'bench-model',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello from the upstream.' },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 },
  });
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 0, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const stream = [
    chunk({ role: 'assistant', content: '' }),
    ...Array.from({ length: streamChunks }, (_, index) => chunk({ content: `word${index} ` })),
    chunk({}, 'stop'),
    `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 0, model: 'bench-model', choices: [], usage: { prompt_tokens: 12, completion_tokens: streamChunks, total_tokens: 12 + streamChunks } })}\n\n`,
    'data: [DONE]\n\n',
  ].join('');
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (data: string) => (body += data));
    request.on('end', () => {
      if (request.method === 'GET') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"object":"list","data":[{"id":"bench-model","object":"model"}]}');
      } else if (body.includes('"stream":true')) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.end(stream);
      } else {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(completion);
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
}

type Target = {
  name: string;
  url: string;
  path: string;
  headers: Record<string, string>;
  pid?: number;
  /** The request body in the target's protocol (default: a chat completion). */
  body?: (stream: boolean) => Record<string, unknown>;
  /** What marks the first token in the target's stream (default: a chat completion chunk's content). */
  tokenPattern?: RegExp;
};
type Result = {
  requests: number;
  errors: number;
  seconds: number;
  latencies: number[];
  ttfts: number[];
  /** CPU time the target's own process spent per request (user + system), when /proc can tell. */
  cpuMsPerRequest?: number;
};

/** User + system CPU time of a process in ms, from /proc (Linux); undefined elsewhere. */
async function cpuMs(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const contentPattern = /"content":"[^"]/;

/** Sends `count` requests, `concurrency` at a time, over keep-alive connections. */
async function load(
  target: Target,
  count: number,
  stream: boolean,
  concurrency = defaultConcurrency,
): Promise<Result> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL(target.path, target.url);
  const body = JSON.stringify(
    target.body?.(stream) ?? {
      model: target.name === 'pyramid' || target.name === 'baseline' ? 'auto' : 'bench-model',
      messages: [{ role: 'user', content: 'Say hello.' }],
      max_tokens: 64,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    },
  );
  const tokenPattern = target.tokenPattern ?? contentPattern;
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    ...target.headers,
  };
  const latencies: number[] = [];
  const ttfts: number[] = [];
  let errors = 0;
  let next = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      let text = '';
      let sawToken = false;
      const request = httpRequest(url, { method: 'POST', agent, headers }, (response) => {
        response.setEncoding('utf8');
        response.on('data', (data: string) => {
          if (!stream || sawToken) return;
          text += data;
          if (tokenPattern.test(text)) {
            sawToken = true;
            ttfts.push(performance.now() - started);
          }
        });
        response.on('end', () => {
          if (response.statusCode === 200) latencies.push(performance.now() - started);
          else errors++;
          resolve();
        });
      });
      request.on('error', () => {
        errors++;
        resolve();
      });
      request.end(body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        await one();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { requests: count, errors, seconds, latencies, ttfts };
}

function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function spawnServer(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (data: Buffer) => {
      output += data.toString('utf8');
      const match = ready.exec(output);
      if (match) {
        // Keep draining the pipes (logs) without holding them.
        child.stdout!.removeAllListeners('data');
        child.stderr!.removeAllListeners('data');
        child.stdout!.resume();
        child.stderr!.resume();
        resolve({ child, match });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) =>
      reject(new Error(`${args.join(' ')} exited ${code}:\n${output.slice(-2000)}`)),
    );
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

type Row = { target: string; mode: string; result: Result };

async function main() {
  const loadAtStart = loadavg()[0];
  const home = await mkdtemp(join(tmpdir(), 'pyramid-gateway-bench-'));
  const children: ChildProcess[] = [];
  try {
    const upstream = await spawnServer([fileURLToPath(import.meta.url), '--upstream'], {}, /listening (\d+)/);
    children.push(upstream.child);
    const upstreamUrl = `http://127.0.0.1:${upstream.match[1]}`;

    const yaml = `providers:
  upstream: { api: openai-completions, baseUrl: "${upstreamUrl}/v1", apiKey: "env:UPSTREAM_KEY" }
models:
  bench-model: { provider: upstream, id: bench-model, cost: { input: 0.3, output: 2.5 } }
tiers:
  - [bench-model]
tasks:
  default: 0
gateway:
  auth:
    tokens: [{ name: bench, token: "env:BENCH_TOKEN", scopes: [client] }]
`;
    await writeFile(join(home, 'pyramid.yaml'), yaml);
    const profile = process.env.BENCH_PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
      : [];
    const pyramid = await spawnServer(
      [...profile, join(root, 'bin/pyramid.js'), 'start', '--port', '0'],
      { PYRAMID_HOME: home, BENCH_TOKEN: token, UPSTREAM_KEY: 'sk-bench' },
      /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    );
    children.push(pyramid.child);

    const targets: Target[] = [
      {
        name: 'direct',
        url: upstreamUrl,
        path: '/v1/chat/completions',
        headers: { authorization: 'Bearer sk-bench' },
        pid: upstream.child.pid,
      },
      {
        name: 'pyramid',
        url: pyramid.match[1],
        path: '/v1/chat/completions',
        headers: { authorization: `Bearer ${token}` },
        pid: pyramid.child.pid,
      },
      {
        name: 'responses',
        url: pyramid.match[1],
        path: '/v1/responses',
        headers: { authorization: `Bearer ${token}` },
        pid: pyramid.child.pid,
        body: (stream) => ({
          model: 'auto',
          input: 'Say hello.',
          max_output_tokens: 64,
          store: false,
          stream,
        }),
        tokenPattern: /"delta":"[^"]/,
      },
      {
        name: 'messages',
        url: pyramid.match[1],
        path: '/v1/messages',
        headers: { 'x-api-key': token, 'anthropic-version': '2023-06-01' },
        pid: pyramid.child.pid,
        body: (stream) => ({
          model: 'auto',
          max_tokens: 64,
          messages: [{ role: 'user', content: 'Say hello.' }],
          stream,
        }),
        tokenPattern: /"text":"[^"]/,
      },
    ];
    if (baselineRoot && wanted.has('baseline')) {
      // Its own home, so the two never share a database.
      const baselineHome = join(home, 'baseline');
      await mkdir(baselineHome);
      await writeFile(join(baselineHome, 'pyramid.yaml'), yaml);
      const baseline = await spawnServer(
        [join(baselineRoot, 'bin/pyramid.js'), 'start', '--port', '0'],
        { PYRAMID_HOME: baselineHome, BENCH_TOKEN: token, UPSTREAM_KEY: 'sk-bench' },
        /listening on (http:\/\/127\.0\.0\.1:\d+)/,
      );
      children.push(baseline.child);
      targets.push({
        name: 'baseline',
        url: baseline.match[1],
        path: '/v1/chat/completions',
        headers: { authorization: `Bearer ${token}` },
        pid: baseline.child.pid,
      });
    }
    let portkeyNote = '';
    if (wanted.has('portkey'))
      try {
        const port = await freePort();
        const portkey = await spawnServer(
          [
            join(root, 'node_modules/@portkey-ai/gateway/build/start-server.js'),
            `--port=${port}`,
            '--headless',
          ],
          { NODE_ENV: 'production' },
          /Ready for connections|running at/,
        );
        children.push(portkey.child);
        await sleep(300);
        const target: Target = {
          name: 'portkey',
          url: `http://127.0.0.1:${port}`,
          path: '/v1/chat/completions',
          headers: {
            authorization: 'Bearer sk-bench',
            'x-portkey-provider': 'openai',
            'x-portkey-custom-host': `${upstreamUrl}/v1`,
          },
          pid: portkey.child.pid,
        };
        const probe = await load(target, 4, false);
        if (probe.errors > 0) throw new Error('Portkey answered errors to a probe request');
        targets.push(target);
      } catch (error) {
        portkeyNote = `Portkey could not run here: ${(error as Error).message.split('\n')[0]}`;
        console.error(portkeyNote);
      }

    const rows: Row[] = [];
    const notes: string[] = portkeyNote ? [portkeyNote] : [];
    const modes = [
      { mode: 'non-streaming', stream: false, concurrency: defaultConcurrency, count: requests },
      { mode: 'streaming', stream: true, concurrency: defaultConcurrency, count: requests },
      { mode: 'non-streaming, 1 at a time', stream: false, concurrency: 1, count: serialRequests },
      { mode: 'streaming, 1 at a time', stream: true, concurrency: 1, count: serialRequests },
    ].filter(
      (entry) =>
        entry.count > 0 && (streamingFilter === undefined || entry.stream === (streamingFilter === '1')),
    );
    /** Loads `target` with `count` requests; the CPU its process spent goes into the result. */
    const measure = async (target: Target, count: number, stream: boolean, concurrency: number) => {
      const cpuBefore = await cpuMs(target.pid);
      const result = await load(target, count, stream, concurrency);
      const cpuAfter = await cpuMs(target.pid);
      if (cpuBefore !== undefined && cpuAfter !== undefined)
        result.cpuMsPerRequest = (cpuAfter - cpuBefore) / count;
      return result;
    };
    for (const { mode, stream, concurrency, count } of modes) {
      const measured: Target[] = [];
      for (const target of targets) {
        if (!wanted.has(target.name) && target.name !== 'direct') continue;
        const probe = await load(target, 4, stream);
        if (probe.errors > 0) {
          notes.push(
            `${target.name} answered errors to ${mode} requests (${probe.errors} of 4); not measured.`,
          );
          console.error(notes.at(-1));
          continue;
        }
        await load(target, warmup, stream, concurrency);
        measured.push(target);
      }
      const results = new Map<string, Result>();
      for (const target of measured.filter((entry) => !protocolTargets.includes(entry.name)))
        results.set(target.name, await measure(target, count, stream, concurrency));
      const turns = measured.filter((entry) => protocolTargets.includes(entry.name));
      const perRound = Math.max(1, Math.ceil(count / protocolRounds));
      for (let done = 0; done < count; done += perRound) {
        for (const target of turns) {
          const part = await measure(target, Math.min(perRound, count - done), stream, concurrency);
          const sum = results.get(target.name);
          results.set(target.name, sum ? mergeResults(sum, part) : part);
        }
      }
      for (const target of measured) {
        const result = results.get(target.name)!;
        rows.push({ target: target.name, mode, result });
        console.error(
          `${mode} ${target.name}: ${(result.requests / result.seconds).toFixed(0)} req/s, p50 ${percentile(result.latencies, 50).toFixed(3)} ms, p99 ${percentile(result.latencies, 99).toFixed(3)} ms, errors ${result.errors}${result.cpuMsPerRequest === undefined ? '' : `, server CPU ${result.cpuMsPerRequest.toFixed(2)} ms/req`}`,
        );
      }
    }

    const table = `${report(rows)}\n\n${protocolReport(rows)}`;
    console.log(table);
    if (!writeResults) return;
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
    const section = `\n### ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — ${machine}\n\n${requests} requests per run at ${defaultConcurrency} concurrent, and ${serialRequests} one at a time (each after ${warmup} warm-up), upstream answering at once; streams of ${streamChunks} content chunks plus a usage chunk. Latencies in ms, measured by the load generator; "added" is the difference from the direct run at the same percentile; ratios are to the direct run. Server CPU is the user + system time of the target's own process per request (the direct row: the upstream's). Chat completions, Responses and Messages took turns in ${protocolRounds} rounds per mode; the second table is their added latency side by side, as a ratio of chat completions'. Load average at the start: ${loadAtStart.toFixed(1)} on ${cpus().length} cores (the machine is shared with other work: absolute figures vary from run to run, a ratio within one run is what counts).${notes.length ? `\n\n${notes.join('\n\n')}` : ''}\n\n${table}\n`;
    const resultsFile = join(root, 'bench/RESULTS.md');
    const existing = await readFile(resultsFile, 'utf8').catch(() => '');
    if (!existing) await writeFile(resultsFile, '# Benchmark results\n');
    if (!existing.includes('\n## gateway\n'))
      await appendFile(
        resultsFile,
        "\n## gateway\n\n`npm run bench:gateway`: the same load straight to an instant upstream, through Pyramid (auth, routing, SQLite ledger, JSON logs), and through Portkey's open-source gateway. Goal: added p50 under 1 ms, added p99 under 5 ms, throughput at or above Portkey's.\n",
      );
    // Keep the gateway section's runs together even when other benches append their own sections.
    const current = await readFile(resultsFile, 'utf8');
    const start = current.indexOf('\n## gateway\n');
    const nextSection = current.indexOf('\n## ', start + 1);
    const updated =
      nextSection < 0
        ? current + section
        : current.slice(0, nextSection) + section + current.slice(nextSection);
    await writeFile(resultsFile, updated);
    console.error(`appended to ${resultsFile}`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await sleep(500);
    await rm(home, { recursive: true, force: true });
  }
}

/** Two parts of one target's measurement as one (CPU per request weighted by requests). */
function mergeResults(first: Result, second: Result): Result {
  const requests = first.requests + second.requests;
  const cpu =
    first.cpuMsPerRequest === undefined || second.cpuMsPerRequest === undefined
      ? undefined
      : (first.cpuMsPerRequest * first.requests + second.cpuMsPerRequest * second.requests) / requests;
  return {
    requests,
    errors: first.errors + second.errors,
    seconds: first.seconds + second.seconds,
    latencies: [...first.latencies, ...second.latencies],
    ttfts: [...first.ttfts, ...second.ttfts],
    ...(cpu === undefined ? {} : { cpuMsPerRequest: cpu }),
  };
}

/**
 * The Responses and Messages paths beside chat completions, per mode: what each adds over the direct
 * run at p50 and p99, and that as a ratio of what chat completions adds (the issue's goal: within 1.10).
 */
function protocolReport(rows: Row[]): string {
  const lines = [
    '| mode | path | p50 | p99 | added p50 | added p99 | added p50 ÷ chat | added p99 ÷ chat | server CPU ms/req ÷ chat |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const paths: Record<string, string> = {
    pyramid: 'chat completions',
    responses: 'Responses',
    messages: 'Messages',
  };
  for (const mode of [...new Set(rows.map((row) => row.mode))]) {
    const direct = rows.find((row) => row.mode === mode && row.target === 'direct')?.result;
    const chat = rows.find((row) => row.mode === mode && row.target === 'pyramid')?.result;
    if (!direct || !chat) continue;
    const added = (result: Result, p: number) =>
      percentile(result.latencies, p) - percentile(direct.latencies, p);
    for (const target of protocolTargets) {
      const result = rows.find((row) => row.mode === mode && row.target === target)?.result;
      if (!result) continue;
      const cpuRatio =
        result.cpuMsPerRequest !== undefined && chat.cpuMsPerRequest
          ? (result.cpuMsPerRequest / chat.cpuMsPerRequest).toFixed(2)
          : '—';
      lines.push(
        `| ${mode} | ${paths[target]} | ${percentile(result.latencies, 50).toFixed(3)} | ${percentile(result.latencies, 99).toFixed(3)} | ${added(result, 50).toFixed(3)} | ${added(result, 99).toFixed(3)} | ${(added(result, 50) / added(chat, 50)).toFixed(2)} | ${(added(result, 99) / added(chat, 99)).toFixed(2)} | ${cpuRatio} |`,
      );
    }
  }
  return lines.join('\n');
}

function report(rows: Row[]): string {
  const lines = [
    '| mode | target | req/s | × direct | p50 | added p50 | p99 | added p99 | TTFT p50 | TTFT p99 | errors | server CPU ms/req |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const direct = rows.find((other) => other.mode === row.mode && other.target === 'direct')!.result;
    const { result } = row;
    const throughput = result.requests / result.seconds;
    const directThroughput = direct.requests / direct.seconds;
    const p50 = percentile(result.latencies, 50);
    const p99 = percentile(result.latencies, 99);
    const added = (value: number, base: number) =>
      row.target === 'direct' ? '—' : `${(value - base).toFixed(3)} (${(value / base).toFixed(2)}×)`;
    const ttft = (p: number) =>
      row.mode.startsWith('streaming') ? percentile(result.ttfts, p).toFixed(3) : '—';
    lines.push(
      `| ${row.mode} | ${row.target} | ${throughput.toFixed(0)} | ${(throughput / directThroughput).toFixed(2)} | ${p50.toFixed(3)} | ${added(p50, percentile(direct.latencies, 50))} | ${p99.toFixed(3)} | ${added(p99, percentile(direct.latencies, 99))} | ${ttft(50)} | ${ttft(99)} | ${result.errors} | ${result.cpuMsPerRequest?.toFixed(2) ?? '—'} |`,
    );
  }
  return lines.join('\n');
}

if (process.argv.includes('--upstream')) await runUpstream();
else await main();
