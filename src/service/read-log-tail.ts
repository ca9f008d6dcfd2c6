import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultLogRotation } from './rotating-log-file.ts';

/** The last `lines` lines of the service log in `dir`, reaching into rotated files (pyramid.log.1, ...) as needed. */
export function readLogTail(dir: string, lines: number, keep: number = defaultLogRotation.keep): string[] {
  const base = join(dir, defaultLogRotation.name);
  const collected: string[] = [];
  for (let index = 0; index <= keep && collected.length < lines; index++) {
    let text: string;
    try {
      text = readFileSync(index === 0 ? base : `${base}.${index}`, 'utf8');
    } catch {
      continue;
    }
    const fileLines = text.split('\n');
    if (fileLines.at(-1) === '') fileLines.pop();
    collected.unshift(...fileLines.slice(-(lines - collected.length)));
  }
  return collected;
}
