import { type Command, Option } from 'commander';
import type { ChatRequest } from '../../contracts/chat-request.ts';
import type { ChatResult, ChatStreamEvent } from '../../contracts/chat-result.ts';
import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import { UnknownModelError } from '../../contracts/errors/unknown-model-error.ts';
import type { ChatMessage } from '../../contracts/message.ts';
import type { Attempt, Trace } from '../../contracts/trace.ts';
import { askThroughGateway } from '../ask-through-gateway.ts';
import type { CliIo, GlobalOptions } from '../cli-io.ts';
import { createPlatform } from '../create-platform.ts';
import { exitCodes } from '../exit-codes.ts';
import { printWarnings } from '../print-warnings.ts';
import { resolveRunningGateway } from '../resolve-running-gateway.ts';

type AskOptions = {
  task?: string;
  stream?: boolean;
  json?: boolean;
  maxTokens?: string;
  model?: string;
  tier?: string;
  maxTier?: string;
  system?: string;
  reasoning?: 'off' | 'low' | 'medium' | 'high';
  url?: string;
  token?: string;
};

/** The attempt as `--json` prints it. */
function attemptJson(attempt: Attempt) {
  return {
    model: attempt.model,
    tier: attempt.tier,
    outcome: attempt.outcome,
    reason: attempt.reason ?? null,
    latencyMs: attempt.latencyMs,
    ttftMs: attempt.ttftMs ?? null,
    usage: attempt.usage,
    costUsd: attempt.costUsd,
  };
}

function resultJson(result: ChatResult) {
  return {
    requestId: result.requestId,
    text: result.text,
    model: result.model,
    tier: result.tier,
    attempts: result.trace.attempts.map(attemptJson),
    usage: result.usage,
    costUsd: result.costUsd,
    notes: result.trace.notes,
  };
}

function summaryLine(result: ChatResult): string {
  const attempts = result.trace.attempts.length;
  return `— ${result.model} (tier ${result.tier}) · ${attempts} attempt${attempts === 1 ? '' : 's'} · $${result.costUsd.toFixed(6)} · ${result.usage.input} in / ${result.usage.output} out${result.usage.reasoning ? ` / ${result.usage.reasoning} reasoning` : ''} tokens\n`;
}

/** Each attempt with its detail, and the trace's notes that the error message does not already hold. */
function describeFailure(trace: Trace, message: string): string {
  const lines = trace.attempts.map(
    (attempt) =>
      `  tier ${attempt.tier} ${attempt.model}: ${attempt.reason ?? attempt.outcome}${attempt.detail ? ` (${attempt.detail})` : ''}`,
  );
  const notes = trace.notes.filter((note) => !message.includes(note)).map((note) => `  note: ${note}`);
  return [...lines, ...notes].join('\n');
}

/** A flag's whole number (at least `min`); an empty, signed, hexadecimal or unsafe one is bad usage (exit 64). */
function parseInteger(value: string | undefined, flag: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(number) || number < min)
    throw new PyramidError(
      'usage',
      `${flag} takes a whole number${min > 0 ? ` of ${min} or more` : ''}, not "${value}"`,
    );
  return number;
}

async function readPrompt(prompt: string): Promise<string> {
  if (prompt !== '-') return prompt;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `pyramid ask "<prompt>"`: one request through the pyramid, from the command line. */
export function registerAskCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('ask')
    .description('send one prompt through the pyramid and print the answer')
    .argument('<prompt>', 'the prompt ("-" reads it from standard input)')
    .option('-t, --task <type>', 'task type; its minimum tier comes from `tasks:` in the config', 'default')
    .option('-s, --stream', 'print the answer as it arrives')
    .option('--json', 'print one JSON object: text, model, tier, attempts, usage, costUsd')
    .option('--max-tokens <n>', 'output token limit (reasoning models are raised to their minOutputTokens)')
    .option('--model <name>', 'pin one configured model: failover within its tier only, no escalation')
    .option('--tier <n>', 'start at this tier instead of the task minimum')
    .option('--max-tier <n>', 'never go above this tier')
    .option('--system <text>', 'a system prompt')
    .addOption(
      new Option('--reasoning <level>', 'overrides the task setting').choices([
        'off',
        'low',
        'medium',
        'high',
      ]),
    )
    .option(
      '--url <gateway>',
      'send it through a running pyramid start at this URL (its breakers, keys and caller tag) instead of in-process',
    )
    .option(
      '--token <token>',
      'with --url: the bearer token (default: PYRAMID_TOKEN, a configured admin token, or the generated one)',
    )
    .action(async (prompt: string, options: AskOptions, command: Command) => {
      if (options.url !== undefined) return askGateway(io, prompt, options, command, setExitCode);
      if (options.token !== undefined) throw new PyramidError('usage', '--token goes with --url');
      const platform = await createPlatform(io, command.optsWithGlobals<GlobalOptions>());
      try {
        printWarnings(io, platform.warnings, { brief: true });
        // The router quietly falls back to default for an unknown task; on the command line it is likely a typo.
        const knownTasks = Object.keys(platform.config.tasks);
        if (options.task !== undefined && !knownTasks.includes(options.task))
          io.stderr.write(
            `warning: unknown task type "${options.task}" (known: ${knownTasks.join(', ')}): using "default"\n`,
          );
        const messages: ChatMessage[] = [];
        if (options.system) messages.push({ role: 'system', content: options.system });
        messages.push({ role: 'user', content: await readPrompt(prompt) });
        const startTier = parseInteger(options.tier, '--tier');
        const lastTier = platform.config.tiers.length - 1;
        if (startTier !== undefined && startTier > lastTier)
          throw new PyramidError(
            'usage',
            `--tier ${startTier} does not exist: tiers go from 0 to ${lastTier}`,
          );
        const request: ChatRequest = {
          task: options.task,
          messages,
          maxTokens: parseInteger(options.maxTokens, '--max-tokens', 1),
          model: options.model,
          startTier,
          maxTier: parseInteger(options.maxTier, '--max-tier'),
          reasoning: options.reasoning,
          callerTag: 'cli',
        };
        const result = options.stream
          ? await streamAnswer(io, platform.router.stream(request), options)
          : await platform.router.complete(request);
        if (!result) {
          setExitCode(exitCodes.failure);
          return;
        }
        if (options.json && !options.stream)
          io.stdout.write(`${JSON.stringify(resultJson(result), null, 2)}\n`);
        else if (!options.json) {
          if (!options.stream) io.stdout.write(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
          io.stderr.write(summaryLine(result));
        }
      } catch (error) {
        const trace = (error as { trace?: Trace }).trace;
        if (!(error instanceof PyramidError)) throw error;
        // A model name that is not in the config is a mistake on the command line, not a failed request.
        const badUsage = error.code === 'usage' || error instanceof UnknownModelError;
        setExitCode(badUsage ? exitCodes.usage : exitCodes.failure);
        if (options.json) {
          io.stdout.write(
            `${JSON.stringify({ error: { code: error.code, message: error.message }, attempts: trace?.attempts.map(attemptJson) ?? [], notes: trace?.notes ?? [] }, null, 2)}\n`,
          );
        } else {
          io.stderr.write(
            `error: ${error.message}\n${trace ? `${describeFailure(trace, error.message)}\n` : ''}`,
          );
        }
      } finally {
        await platform.close();
      }
    });
}

/** `ask --url`: the same request through a running gateway's /v1/chat/completions. */
async function askGateway(
  io: CliIo,
  prompt: string,
  options: AskOptions,
  command: Command,
  setExitCode: (code: number) => void,
): Promise<void> {
  if (options.maxTier !== undefined)
    throw new PyramidError('usage', '--max-tier cannot be sent to a gateway: leave it out with --url');
  const url = options.url!.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/.test(url))
    throw new PyramidError(
      'usage',
      `--url takes the gateway's address, such as http://127.0.0.1:18789, not "${url}"`,
    );
  // The token: --token, PYRAMID_TOKEN, else the one `pyramid status` would send (the config may be absent).
  const token =
    options.token ??
    io.env.PYRAMID_TOKEN ??
    (await resolveRunningGateway(io, command, url).then(
      (running) => running.token,
      () => undefined,
    ));
  const messages: ChatMessage[] = [];
  if (options.system) messages.push({ role: 'system', content: options.system });
  messages.push({ role: 'user', content: await readPrompt(prompt) });
  let endedWithNewline = true;
  try {
    const answer = await askThroughGateway({
      url,
      token,
      messages,
      ...(options.task !== undefined && options.task !== 'default' ? { task: options.task } : {}),
      ...(options.model !== undefined ? { model: options.model } : {}),
      ...(options.tier !== undefined ? { startTier: parseInteger(options.tier, '--tier') } : {}),
      ...(options.maxTokens !== undefined
        ? { maxTokens: parseInteger(options.maxTokens, '--max-tokens', 1) }
        : {}),
      ...(options.reasoning ? { reasoning: options.reasoning } : {}),
      stream: Boolean(options.stream),
      fetch: io.fetch ?? fetch,
      onText: (text) => {
        if (options.json) return;
        io.stdout.write(text);
        endedWithNewline = text.endsWith('\n');
      },
    });
    if (options.json) {
      io.stdout.write(`${JSON.stringify({ ...answer, via: url }, null, 2)}\n`);
      return;
    }
    if (options.stream) {
      if (!endedWithNewline) io.stdout.write('\n');
    } else io.stdout.write(answer.text.endsWith('\n') ? answer.text : `${answer.text}\n`);
    io.stderr.write(
      `— ${answer.model} (tier ${answer.tier}) via ${url} · ${answer.attempts} attempt${answer.attempts === 1 ? '' : 's'} · $${answer.costUsd.toFixed(6)} · ${answer.usage.input} in / ${answer.usage.output} out tokens\n`,
    );
  } catch (error) {
    if (!(error instanceof PyramidError) || error.code === 'usage') throw error;
    setExitCode(exitCodes.failure);
    if (options.json)
      io.stdout.write(
        `${JSON.stringify({ error: { code: error.code, message: error.message }, via: url }, null, 2)}\n`,
      );
    else io.stderr.write(`${options.stream && !endedWithNewline ? '\n' : ''}error: ${error.message}\n`);
  }
}

/** Prints a streamed answer as it comes (NDJSON events with --json); returns the result, or undefined if the stream broke. */
async function streamAnswer(io: CliIo, events: AsyncIterable<ChatStreamEvent>, options: AskOptions) {
  let endedWithNewline = true;
  for await (const event of events) {
    if (options.json) {
      const line =
        event.type === 'done'
          ? { type: 'done', ...resultJson(event.result) }
          : event.type === 'error'
            ? {
                type: 'error',
                error: { code: event.error.code, message: event.error.message },
                attempts: event.trace.attempts.map(attemptJson),
              }
            : event;
      io.stdout.write(`${JSON.stringify(line)}\n`);
    } else if (event.type === 'text-delta') {
      io.stdout.write(event.text);
      endedWithNewline = event.text.endsWith('\n');
    }
    if (event.type === 'done') {
      if (!options.json && !endedWithNewline) io.stdout.write('\n');
      return event.result;
    }
    if (event.type === 'error') {
      if (!options.json)
        io.stderr.write(
          `\nerror: the stream broke after it started: ${event.error.message}\n${describeFailure(event.trace, event.error.message)}\n`,
        );
      return undefined;
    }
  }
  return undefined;
}
