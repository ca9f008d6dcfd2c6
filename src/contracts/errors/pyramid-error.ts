/** The base of every error Pyramid throws on purpose; `code` is stable and safe to branch on. */
export class PyramidError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
