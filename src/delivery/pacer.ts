import type { Pacing } from './channels/channel.ts';

/**
 * Spaces sends out: a minimum gap per target (Telegram: about 1 message/s per chat) and an even spread
 * per channel (30/s overall). `reserve` books the next slot and says how long to wait for it; `pause`
 * keeps a target quiet after the channel asked for it (429 retry_after). In memory: a restart starts afresh.
 */
export class Pacer {
  readonly #targetFreeAt = new Map<string, number>();
  readonly #channelFreeAt = new Map<string, number>();

  /** Milliseconds to wait before sending to `target` over `channel`; the slot is booked. */
  reserve(channel: string, target: string, pacing: Pacing | undefined, now: number): number {
    if (!pacing) return 0;
    const targetKey = `${channel}\u0000${target}`;
    const at = Math.max(now, this.#targetFreeAt.get(targetKey) ?? 0, this.#channelFreeAt.get(channel) ?? 0);
    this.#targetFreeAt.set(targetKey, at + pacing.perTargetMs);
    this.#channelFreeAt.set(channel, at + 1000 / pacing.perSecond);
    return at - now;
  }

  /** No send to `target` before `until`. */
  pause(channel: string, target: string, until: number): void {
    const targetKey = `${channel}\u0000${target}`;
    this.#targetFreeAt.set(targetKey, Math.max(until, this.#targetFreeAt.get(targetKey) ?? 0));
  }
}
