import type { StoreSet } from '../contracts/stores.ts';
import { storeMethods } from './store-methods.ts';
import type { StoreStatusTracker } from './store-status-tracker.ts';

/** Carries one call to wherever the stores live (the store worker, or this thread) and answers it. */
export type StoreCall = (store: keyof StoreSet, method: string, args: unknown[]) => Promise<unknown>;

/** The asynchronous store interfaces, each method forwarded through `send`, with the outcome told to `tracker`. */
export function forwardStores(send: StoreCall, tracker: StoreStatusTracker): StoreSet {
  const stores: Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const [store, methods] of Object.entries(storeMethods)) {
    const forwarded: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
    for (const [method, kind] of Object.entries(methods)) {
      forwarded[method] = async (...args) => {
        try {
          const value = await send(store as keyof StoreSet, method, args);
          tracker.succeeded(kind);
          return value;
        } catch (error) {
          tracker.failed(error);
          throw error;
        }
      };
    }
    stores[store] = forwarded;
  }
  return stores as unknown as StoreSet;
}
