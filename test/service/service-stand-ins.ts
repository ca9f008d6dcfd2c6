import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Stand-ins for systemctl and launchctl on PATH: each records its argv, one call a line, and answers canned output. */
export type StandIns = {
  /** Put first on PATH. */
  bin: string;
  /** Every call so far, as argv arrays (program first). */
  calls(): Promise<string[][]>;
  /** What `systemctl show` prints (`launchctl print` with `launchctlPrint`; absent: exit 113, not loaded). */
  answer(files: { systemctlShow?: string; launchctlPrint?: string }): Promise<void>;
};

export async function createStandIns(dir: string): Promise<StandIns> {
  const bin = join(dir, 'stand-in-bin');
  await mkdir(bin, { recursive: true });
  const log = join(dir, 'stand-in-calls.log');
  await writeFile(log, '');
  const script = (name: string, answerFile: string, answerWhen: string) => `#!/bin/sh
{ printf '%s' "${name}"; for arg in "$@"; do printf '\\t%s' "$arg"; done; printf '\\n'; } >> "${log}"
case " $* " in
  *" ${answerWhen} "*) if [ -f "${answerFile}" ]; then cat "${answerFile}"; exit 0; else echo "Could not find service" >&2; exit 113; fi ;;
esac
exit 0
`;
  const systemctlShow = join(dir, 'systemctl-show.txt');
  const launchctlPrint = join(dir, 'launchctl-print.txt');
  await writeFile(join(bin, 'systemctl'), script('systemctl', systemctlShow, 'show'));
  await writeFile(join(bin, 'launchctl'), script('launchctl', launchctlPrint, 'print'));
  await chmod(join(bin, 'systemctl'), 0o755);
  await chmod(join(bin, 'launchctl'), 0o755);
  return {
    bin,
    async calls() {
      const text = await readFile(log, 'utf8');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.split('\t'));
    },
    async answer(files) {
      if (files.systemctlShow !== undefined) await writeFile(systemctlShow, files.systemctlShow);
      if (files.launchctlPrint !== undefined) await writeFile(launchctlPrint, files.launchctlPrint);
    },
  };
}
