import { dirname } from 'node:path';
import { restartPolicy, type ServiceSpec, serviceEnvName, stopTimeoutSeconds } from './service-spec.ts';

/**
 * One word of a systemd command line or assignment: `%` (specifiers) and `$` (variables) escaped,
 * quoted when it holds a space, a quote or a backslash.
 */
export function systemdWord(value: string): string {
  const escaped = value.replaceAll('%', '%%').replaceAll('$', '$$');
  if (!/[\s"'\\]/.test(escaped)) return escaped;
  return `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/**
 * The systemd unit. Restart=on-failure with RestartSec and a start limit (at most 5 starts in 10
 * minutes, then it stays failed): a crash loop cannot storm. Exit 78 (invalid config) is never
 * restarted. TimeoutStopSec outlasts gateway.drainTime so a stop lets in-flight requests finish.
 * Pyramid writes its own size-rotated logs in PYRAMID_HOME/logs; the journal keeps what Node itself
 * prints on a fatal crash.
 */
export function systemdUnitText(spec: ServiceSpec): string {
  const system = spec.systemUser !== undefined;
  const lines = [
    '# Written by `pyramid service install`; `pyramid service uninstall` removes it.',
    '[Unit]',
    `Description=Pyramid AI operations platform (${spec.home.replaceAll('%', '%%')})`,
    ...(system ? ['Wants=network-online.target', 'After=network-online.target'] : []),
    `StartLimitIntervalSec=${restartPolicy.startLimitIntervalSeconds}`,
    `StartLimitBurst=${restartPolicy.startLimitBurst}`,
    '',
    '[Service]',
    'Type=simple',
    ...(system ? [`User=${spec.systemUser}`] : []),
    // A path setting takes the rest of the line as it is (no quotes), specifiers still expanded.
    `WorkingDirectory=${spec.home.replaceAll('%', '%%')}`,
    `Environment=${systemdWord(`PYRAMID_HOME=${spec.home}`)}`,
    `Environment=${systemdWord(`PYRAMID_CONFIG=${spec.configFile}`)}`,
    `Environment=${serviceEnvName}=systemd`,
    `Environment=${systemdWord(`PATH=${dirname(spec.nodePath)}:/usr/local/bin:/usr/bin:/bin`)}`,
    `ExecStart=${[spec.nodePath, spec.entryPath, 'start'].map(systemdWord).join(' ')}`,
    'Restart=on-failure',
    `RestartSec=${restartPolicy.delaySeconds}`,
    'RestartPreventExitStatus=78',
    `TimeoutStopSec=${stopTimeoutSeconds(spec)}`,
    'KillMode=mixed',
    'UMask=0077',
    '',
    '[Install]',
    `WantedBy=${system ? 'multi-user.target' : 'default.target'}`,
    '',
  ];
  return lines.join('\n');
}
