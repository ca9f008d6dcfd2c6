import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { DoctorCheck } from './doctor-check.ts';
import { envFilePath } from './load-env-file.ts';

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(3, '0');

/** PYRAMID_HOME and the files in it that hold secrets or data: owner-only, as Pyramid creates them. */
export function permissionChecks(home: string, configFile: string): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const mode = (path: string) => {
    try {
      return statSync(path).mode;
    } catch {
      return undefined;
    }
  };
  const homeMode = mode(home);
  if (homeMode === undefined) {
    checks.push({
      name: 'PYRAMID_HOME',
      status: 'fail',
      detail: `${home} does not exist`,
      fix: 'run pyramid init',
    });
    return checks;
  }
  checks.push(
    (homeMode & 0o022) !== 0
      ? {
          name: 'PYRAMID_HOME',
          status: 'warn',
          detail: `${home} is writable by its group or others (mode ${octal(homeMode)})`,
          fix: `chmod 700 ${home}`,
        }
      : { name: 'PYRAMID_HOME', status: 'ok', detail: `${home} (mode ${octal(homeMode)})` },
  );
  const files: { name: string; path: string; missing: string; severity: 'warn' | 'fail' }[] = [
    {
      name: 'env file',
      path: envFilePath(home),
      missing: 'none (optional: secrets as NAME=value lines)',
      severity: 'fail',
    },
    {
      name: 'credentials',
      path: join(home, 'credentials'),
      missing: 'none yet (pyramid start generates it)',
      severity: 'warn',
    },
    {
      name: 'pyramid.db',
      path: join(home, 'pyramid.db'),
      missing: 'none yet (pyramid start creates it)',
      severity: 'warn',
    },
    { name: 'config file', path: configFile, missing: 'missing', severity: 'warn' },
  ];
  for (const file of files) {
    const fileMode = mode(file.path);
    if (fileMode === undefined) {
      checks.push({
        name: `${file.name} permissions`,
        status: 'ok',
        detail: `${file.path}: ${file.missing}`,
      });
    } else if ((fileMode & 0o077) !== 0) {
      checks.push({
        name: `${file.name} permissions`,
        status: file.severity,
        detail: `${file.path} can be read by its group or others (mode ${octal(fileMode)})${file.severity === 'fail' ? ': Pyramid refuses it' : ''}`,
        fix: `chmod 600 ${file.path}`,
      });
    } else {
      checks.push({
        name: `${file.name} permissions`,
        status: 'ok',
        detail: `${file.path} (mode ${octal(fileMode)})`,
      });
    }
  }
  return checks;
}
