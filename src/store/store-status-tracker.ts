import { StoreError } from '../contracts/errors/store-error.ts';
import type { StoreStatus } from '../contracts/stores.ts';
import type { MethodKind } from './store-methods.ts';

/**
 * Follows a store's health from the outcome of its calls: a transient failure makes it `degraded`
 * until a write succeeds again (reads may still work on a full disk); `gone` stays until restart.
 */
export class StoreStatusTracker {
  #status: StoreStatus;
  readonly #now: () => number;
  readonly #listeners = new Set<(status: StoreStatus) => void>();

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#status = { state: 'ok', since: now() };
  }

  status(): StoreStatus {
    return this.#status;
  }

  onStatus(listener: (status: StoreStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  succeeded(kind: MethodKind): void {
    if (kind === 'write' && this.#status.state === 'degraded') this.#set({ state: 'ok', since: this.#now() });
  }

  failed(error: unknown): void {
    if (!(error instanceof StoreError)) return;
    if (error.code === 'store_gone') this.gone(error.message);
    else if (error.transient && this.#status.state === 'ok') {
      this.#set({ state: 'degraded', reason: `${error.code}: ${error.message}`, since: this.#now() });
    }
  }

  gone(reason: string): void {
    if (this.#status.state !== 'gone') this.#set({ state: 'gone', reason, since: this.#now() });
  }

  #set(status: StoreStatus): void {
    this.#status = status;
    for (const listener of this.#listeners) listener(status);
  }
}
