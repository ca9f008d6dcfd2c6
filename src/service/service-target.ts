import { PyramidError } from '../contracts/errors/pyramid-error.ts';
import { launchdBackend } from './launchd-backend.ts';
import type { ServiceBackend } from './service-backend.ts';
import type { ServiceKind } from './service-spec.ts';
import { systemdBackend } from './systemd-backend.ts';

/** The service manager for a platform name (`darwin` -> launchd, `linux` -> systemd), or as asked. */
export function serviceKindFor(platform: string, asked?: string): ServiceKind {
  if (asked !== undefined) {
    if (asked === 'systemd' || asked === 'launchd') return asked;
    throw new PyramidError('usage', `--platform takes systemd or launchd, not "${asked}"`);
  }
  if (platform === 'darwin') return 'launchd';
  if (platform === 'linux') return 'systemd';
  throw new PyramidError(
    'service_unsupported',
    `no service manager Pyramid knows on ${platform} (systemd on Linux, launchd on macOS): run pyramid start under your own supervisor`,
  );
}

/** The backend for a kind, with its paths under `homedir`. */
export function serviceBackendFor(options: {
  kind: ServiceKind;
  name: string;
  homedir: string;
  uid: number;
  system: boolean;
  xdgConfigHome?: string;
}): ServiceBackend {
  if (options.kind === 'launchd') {
    if (options.system)
      throw new PyramidError(
        'usage',
        '--system is for systemd; launchd runs Pyramid as a LaunchAgent of the user',
      );
    return launchdBackend(options);
  }
  return systemdBackend(options);
}
