import type { OutgoingMessage } from './channel.ts';

/** The JSON document webhook and file channels write for a message. */
export function runPayload(message: OutgoingMessage): Record<string, unknown> {
  return {
    id: message.deliveryId,
    kind: message.kind,
    ...(message.runId ? { runId: message.runId } : {}),
    ...(message.jobId ? { jobId: message.jobId } : {}),
    ...(message.agentId ? { agentId: message.agentId } : {}),
    createdAt: new Date(message.createdAt).toISOString(),
    ...(message.header ? { header: message.header } : {}),
    text: message.text,
    ...(message.footer ? { footer: message.footer } : {}),
    ...(message.meta ? { meta: message.meta } : {}),
  };
}
