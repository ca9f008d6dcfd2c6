import type { Pacing } from './channels/channel.ts';

/**
 * Spaces sends out: a minimum gap per target (Telegram: about 1 message/s per chat) and an even spread
 * per channel (30/s overall). `reserve` books the next slot and says how long to wait for it; `pause`
 * keeps a target quiet after the channel asked for it (429 retry_after). In memory: a restart starts afresh.
 */
export class Pacer {
  readonly #targetFreeAt = new Map<string, number>();
  /** Booked send times per channel, ascending, each at least one channel gap from the next. */
  readonly #channelSlots = new Map<string, number[]>();

  /** Milliseconds to wait before sending to `target` over `channel`; the slot is booked. */
  reserve(channel: string, target: string, pacing: Pacing | undefined, now: number): number {
    if (!pacing) return 0;
    const targetKey = `${channel}\u0000${target}`;
    const gap = 1000 / pacing.perSecond;
    // The earliest free channel slot from when the target may send: a target waiting for its own next
    // slot (or paused after a 429) books the channel then, and leaves the time before it to other targets.
    const slots = (this.#channelSlots.get(channel) ?? []).filter((slot) => slot > now - gap);
    let at = Math.max(now, this.#targetFreeAt.get(targetKey) ?? 0);
    let index = 0;
    for (; index < slots.length; index++) {
      if (slots[index] + gap <= at) continue;
      if (slots[index] >= at + gap) break;
      at = slots[index] + gap;
    }
    slots.splice(index, 0, at);
    this.#channelSlots.set(channel, slots);
    this.#targetFreeAt.set(targetKey, at + pacing.perTargetMs);
    return at - now;
  }

  /**
   * A send to `target` finished at `now`. The gap is kept from here as well as from the booked start:
   * the channel counts messages as they arrive, and a slow request can arrive late, so the next one
   * must not start until a full gap after this one is known to have landed.
   */
  sent(channel: string, target: string, pacing: Pacing | undefined, now: number): void {
    if (!pacing) return;
    this.pause(channel, target, now + pacing.perTargetMs);
  }

  /** No send to `target` before `until`. */
  pause(channel: string, target: string, until: number): void {
    const targetKey = `${channel}\u0000${target}`;
    this.#targetFreeAt.set(targetKey, Math.max(until, this.#targetFreeAt.get(targetKey) ?? 0));
  }
}
