import { PyramidError } from './pyramid-error.ts';

/** Why a small file (the config, the credentials) could not be read; callers turn it into advice. */
export type FileReadProblem =
  | 'not_found'
  /** A symbolic link whose target does not exist. */
  | 'dangling_link'
  | 'folder'
  /** A FIFO, a device (a link to /dev/zero), a socket: refused without reading, so nothing blocks. */
  | 'not_regular'
  | 'too_large'
  | 'permission'
  /** A file stands where a folder of the path should be. */
  | 'not_a_folder'
  | 'other';

/** A file Pyramid reads whole could not be read, or was refused before reading (`problem` says why). */
export class FileReadError extends PyramidError {
  readonly path: string;
  readonly problem: FileReadProblem;
  /** A short description of what was found: `a FIFO`, `a character device`, `12 MB`; or the errno code. */
  readonly detail?: string;
  constructor(path: string, problem: FileReadProblem, detail?: string, options?: { cause?: unknown }) {
    super(
      'file_unreadable',
      `cannot read ${path}: ${problem.replaceAll('_', ' ')}${detail ? ` (${detail})` : ''}`,
      options,
    );
    this.path = path;
    this.problem = problem;
    if (detail !== undefined) this.detail = detail;
  }
}
