import { join } from 'node:path';
import { launchdPlistText } from './launchd-plist-text.ts';
import type { ManagerStatus, ServiceBackend } from './service-backend.ts';
import { launchdLabel } from './service-spec.ts';

/** launchd: a LaunchAgent in ~/Library/LaunchAgents, loaded into the user's GUI domain. */
export function launchdBackend(options: { name: string; homedir: string; uid: number }): ServiceBackend {
  const label = launchdLabel(options.name);
  const domain = `gui/${options.uid}`;
  const unitFile = join(options.homedir, 'Library', 'LaunchAgents', `${label}.plist`);
  return {
    unitFile,
    unitText: launchdPlistText,
    preInstallCommands: [['launchctl', 'bootout', `${domain}/${label}`]],
    installCommands: [
      // enable first (a disabled label cannot be bootstrapped); RunAtLoad starts it at bootstrap.
      ['launchctl', 'enable', `${domain}/${label}`],
      ['launchctl', 'bootstrap', domain, unitFile],
    ],
    uninstallCommands: [['launchctl', 'bootout', `${domain}/${label}`]],
    statusCommand: ['launchctl', 'print', `${domain}/${label}`],
    parseStatus(result) {
      if (result.code !== 0) return { loaded: false, running: false, state: 'not loaded' };
      const field = (name: string) =>
        new RegExp(`^\\s*${name} = (.+)$`, 'm').exec(result.stdout)?.[1]?.trim();
      const state = field('state') ?? 'unknown';
      const pid = Number(field('pid'));
      const runs = Number(field('runs'));
      const lastExit = Number(field('last exit code'));
      const status: ManagerStatus = { loaded: true, running: state === 'running' && pid > 0, state };
      if (status.running) status.pid = pid;
      if (Number.isInteger(runs) && runs > 0) status.restarts = runs - 1;
      if (Number.isInteger(lastExit)) status.lastExitCode = lastExit;
      return status;
    },
    crashOutput: join('$PYRAMID_HOME', 'logs', 'launchd.err.log'),
  };
}
