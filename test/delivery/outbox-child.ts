// A separate process for the restart test: enqueues deliveries, starts sending, and waits to be killed.
import { createTelegramChannel } from '../../src/delivery/channels/telegram-channel.ts';
import { botToken, openOutbox } from './outbox-harness.ts';

const [databasePath, apiRoot] = process.argv.slice(2);
const channel = createTelegramChannel({
  name: 'tg',
  botToken,
  apiRoot,
  pacing: { perTargetMs: 300, perSecond: 30 },
});
const { outbox } = openOutbox(databasePath, [channel], { leaseMs: 1000 });
const text = Array.from({ length: 6 }, (_, n) => `part ${n} ${'y'.repeat(3500)}`).join('\n\n');
const ids = await outbox.enqueueRunOutput({
  runId: 'run-restart',
  jobId: 'brief',
  agentId: 'analyst',
  text,
  targets: [{ channel: 'tg', to: '1' }],
});
const later = await outbox.enqueue({
  kind: 'message',
  text: 'queued behind',
  targets: [{ channel: 'tg', to: '1' }],
});
process.stdout.write(`${JSON.stringify([...ids, ...later])}\n`);
outbox.start();
setInterval(() => {}, 1000);
