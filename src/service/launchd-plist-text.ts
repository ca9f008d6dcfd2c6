import { join } from 'node:path';
import { launchdLabel, restartPolicy, type ServiceSpec, serviceEnvName } from './service-spec.ts';

function escapeXml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/**
 * The LaunchAgent plist. launchd cannot exclude an exit code from KeepAlive, so Pyramid, told by
 * PYRAMID_SERVICE=launchd, exits 0 (not 78) on an invalid config after recording why in
 * PYRAMID_HOME/last-exit.json; KeepAlive restarts only unsuccessful exits and crashes, so a broken
 * config is not respawned every ThrottleInterval. A stop (SIGTERM) also exits 0 and stays stopped.
 * ExitTimeOut outlasts gateway.drainTime. stdout and stderr (only what Node prints on a fatal crash:
 * Pyramid writes its own size-rotated logs) go to PYRAMID_HOME/logs, never /dev/null.
 */
export function launchdPlistText(spec: ServiceSpec): string {
  const string = (value: string) => `<string>${escapeXml(value)}</string>`;
  const logs = join(spec.home, 'logs');
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by `pyramid service install`; `pyramid service uninstall` removes it. -->',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  ${string(launchdLabel(spec.name))}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    `    ${string(spec.nodePath)}`,
    `    ${string(spec.entryPath)}`,
    `    ${string('start')}`,
    '  </array>',
    '  <key>EnvironmentVariables</key>',
    '  <dict>',
    '    <key>PYRAMID_HOME</key>',
    `    ${string(spec.home)}`,
    '    <key>PYRAMID_CONFIG</key>',
    `    ${string(spec.configFile)}`,
    `    <key>${serviceEnvName}</key>`,
    `    ${string('launchd')}`,
    '  </dict>',
    '  <key>WorkingDirectory</key>',
    `  ${string(spec.home)}`,
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '    <key>Crashed</key>',
    '    <true/>',
    '  </dict>',
    '  <key>ThrottleInterval</key>',
    `  <integer>${restartPolicy.delaySeconds}</integer>`,
    '  <key>ExitTimeOut</key>',
    `  <integer>${Math.ceil(spec.drainMs / 1000) + 15}</integer>`,
    '  <key>ProcessType</key>',
    `  ${string('Background')}`,
    '  <key>Umask</key>',
    '  <integer>63</integer>',
    '  <key>StandardOutPath</key>',
    `  ${string(join(logs, 'launchd.out.log'))}`,
    '  <key>StandardErrorPath</key>',
    `  ${string(join(logs, 'launchd.err.log'))}`,
    '</dict>',
    '</plist>',
    '',
  ];
  return lines.join('\n');
}
