/** What a running `pyramid start` answers on its instance socket. */
export type RunningInstance = {
  pid: number;
  /** The gateway's URL once it listens; null while starting. */
  url: string | null;
  home: string;
  /** When the process started, ms since the epoch. */
  startedAt: number;
  version: string;
};
