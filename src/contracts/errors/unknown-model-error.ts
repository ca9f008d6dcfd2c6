import { PyramidError } from './pyramid-error.ts';

/** A caller named a model or tier that the config does not have. */
export class UnknownModelError extends PyramidError {
  readonly valid: string[];
  constructor(asked: string, valid: string[]) {
    super('unknown_model', `unknown model "${asked}"; valid: ${valid.join(', ')}`);
    this.valid = valid;
  }
}
