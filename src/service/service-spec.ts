/** Which service manager a unit is for. */
export type ServiceKind = 'systemd' | 'launchd';

/** Everything a generated unit says: what runs, where, for whom. */
export type ServiceSpec = {
  kind: ServiceKind;
  /** `pyramid` by default: the systemd unit `pyramid.service`, the launchd label `dev.pyramid.pyramid`. */
  name: string;
  /** PYRAMID_HOME, absolute. */
  home: string;
  /** The config file, absolute. */
  configFile: string;
  /** The pinned Node 24 binary, absolute. */
  nodePath: string;
  /** bin/pyramid.js, absolute. */
  entryPath: string;
  /** gateway.drainTime in ms: a stop waits longer than this. */
  drainMs: number;
  /** systemd only: a system unit (/etc/systemd/system) running as this user, instead of a user unit. */
  systemUser?: string;
};

/** How long the manager waits after SIGTERM before SIGKILL: the drain, plus time to close the store. */
export function stopTimeoutSeconds(spec: ServiceSpec): number {
  return Math.ceil(spec.drainMs / 1000) + 15;
}

/** The launchd label (reverse DNS). */
export function launchdLabel(name: string): string {
  return `dev.pyramid.${name}`;
}

/** Restart throttling shared by the docs and both unit generators. */
export const restartPolicy = {
  /** Wait this long before a restart after a crash (systemd RestartSec, launchd ThrottleInterval). */
  delaySeconds: 10,
  /** systemd: give up after this many starts within startLimitIntervalSeconds. */
  startLimitBurst: 5,
  startLimitIntervalSeconds: 600,
} as const;

/** The environment variable a unit sets so Pyramid knows it runs under a service manager, and which. */
export const serviceEnvName = 'PYRAMID_SERVICE';
