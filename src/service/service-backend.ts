import type { ProgramResult } from './run-program.ts';
import type { ServiceSpec } from './service-spec.ts';

/** What the service manager says about the unit. */
export type ManagerStatus = {
  /** The manager knows the unit (systemd: LoadState=loaded; launchd: the label is bootstrapped). */
  loaded: boolean;
  running: boolean;
  pid?: number;
  /** The last exit code the manager saw, when the process has exited at least once. */
  lastExitCode?: number;
  /** The signal that ended it, when it was killed. */
  lastSignal?: string;
  /** How many times the manager restarted it (systemd NRestarts; launchd: runs - 1). */
  restarts?: number;
  /** The manager's own word (systemd ActiveState/SubState/Result; launchd state). */
  state: string;
};

/** One service manager: where its unit goes, its text, and the commands that load, unload and ask it. */
export type ServiceBackend = {
  unitFile: string;
  unitText(spec: ServiceSpec): string;
  /** Run before writing the unit, failures ignored (an earlier install may or may not be loaded). */
  preInstallCommands: string[][];
  /** Run in order after writing the unit; a failure stops the install. */
  installCommands: string[][];
  /** Run in order before removing the unit; failures are reported, not fatal (it may not be loaded). */
  uninstallCommands: string[][];
  statusCommand: string[];
  parseStatus(result: ProgramResult): ManagerStatus;
  /** What to run to see Node's own fatal-crash output, which bypasses Pyramid's log. */
  crashOutput: string;
};
