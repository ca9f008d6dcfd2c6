import { join } from 'node:path';
import type { ManagerStatus, ServiceBackend } from './service-backend.ts';
import { systemdUnitText } from './systemd-unit-text.ts';

/** systemd: a user unit in ~/.config/systemd/user (or $XDG_CONFIG_HOME), or a system unit in /etc/systemd/system. */
export function systemdBackend(options: {
  name: string;
  homedir: string;
  system: boolean;
  xdgConfigHome?: string;
  /** Where system units go (default /etc/systemd/system). */
  systemUnitDir?: string;
}): ServiceBackend {
  const unit = `${options.name}.service`;
  const dir = options.system
    ? (options.systemUnitDir ?? '/etc/systemd/system')
    : join(options.xdgConfigHome || join(options.homedir, '.config'), 'systemd', 'user');
  const systemctl = options.system ? ['systemctl'] : ['systemctl', '--user'];
  return {
    unitFile: join(dir, unit),
    unitText: systemdUnitText,
    preInstallCommands: [],
    installCommands: [
      [...systemctl, 'daemon-reload'],
      [...systemctl, 'enable', unit],
      // restart, not start: a reinstall must run the new unit.
      [...systemctl, 'restart', unit],
    ],
    uninstallCommands: [
      [...systemctl, 'disable', '--now', unit],
      [...systemctl, 'daemon-reload'],
    ],
    statusCommand: [
      ...systemctl,
      'show',
      unit,
      '--property=LoadState,ActiveState,SubState,Result,MainPID,ExecMainCode,ExecMainStatus,NRestarts',
    ],
    parseStatus(result) {
      const properties = new Map<string, string>();
      for (const line of result.stdout.split('\n')) {
        const equals = line.indexOf('=');
        if (equals > 0) properties.set(line.slice(0, equals), line.slice(equals + 1).trim());
      }
      const number = (key: string) => {
        const value = Number(properties.get(key));
        return Number.isFinite(value) ? value : undefined;
      };
      const pid = number('MainPID');
      const active = properties.get('ActiveState') ?? 'unknown';
      // ExecMainCode: 1 exited (ExecMainStatus is the exit code), 2 killed, 3 dumped (it is the signal).
      const execCode = number('ExecMainCode');
      const execStatus = number('ExecMainStatus');
      const status: ManagerStatus = {
        loaded: result.code === 0 && properties.get('LoadState') === 'loaded',
        running: active === 'active' && pid !== undefined && pid > 0,
        state: [active, properties.get('SubState'), properties.get('Result')].filter(Boolean).join(' / '),
        restarts: number('NRestarts'),
      };
      if (status.running) status.pid = pid;
      if (execCode === 1 && execStatus !== undefined) status.lastExitCode = execStatus;
      if ((execCode === 2 || execCode === 3) && execStatus !== undefined)
        status.lastSignal = `signal ${execStatus}`;
      return status;
    },
    crashOutput: `journalctl ${options.system ? '' : '--user '}-u ${unit}`,
  };
}
