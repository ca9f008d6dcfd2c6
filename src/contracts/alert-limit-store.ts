/** The `alerts:` rate limits one alert is checked against. */
export type AlertLimits = {
  /** One alert per subject per this long. */
  repeatMs: number;
  /** At most this many alerts in any hour, over all subjects. */
  maxPerHour: number;
  /** News that contradicts the last alert on its subject: only `maxPerHour` holds it back. */
  ignoreRepeat: boolean;
};

/** Whether an alert goes out, and how many on its subject were held back since the last one that did. */
export type AlertDecision = { send: boolean; heldBack: number };

/**
 * Alert rate limits several processes share (a PostgreSQL store), so that the platform, not each
 * process, sends one alert per subject per repeat window and at most `maxPerHour`. One decision at a
 * time: checking the limits and counting the send (or the hold-back) is one step.
 */
export interface AlertLimitStore {
  /** Decides on one alert about `subject` at `now`; a held-back alert is counted for the next one sent. */
  take(subject: string, now: number, limits: AlertLimits): Promise<AlertDecision>;
}
