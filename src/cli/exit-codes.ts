/** Process exit codes, after BSD sysexits where one fits. */
export const exitCodes = {
  ok: 0,
  /** The request ran and failed: every candidate failed, a budget refused it. */
  failure: 1,
  /** Bad command-line usage. */
  usage: 64,
  /** An internal error: a bug. */
  software: 70,
  /** The config file is missing or invalid (EX_CONFIG). */
  config: 78,
} as const;
