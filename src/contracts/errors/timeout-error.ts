import { ProviderError, type ProviderErrorOptions } from './provider-error.ts';

export type TimeoutPhase = 'connect' | 'first-token' | 'total';

/** A call ran past one of its time limits; `phase` says which. */
export class TimeoutError extends ProviderError {
  readonly phase: TimeoutPhase;
  readonly timeoutMs: number;
  constructor(phase: TimeoutPhase, timeoutMs: number, options: ProviderErrorOptions) {
    super(
      'timeout',
      `no ${phase === 'total' ? 'complete answer' : phase === 'connect' ? 'response' : 'first token'} within ${timeoutMs} ms`,
      true,
      options,
    );
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}
