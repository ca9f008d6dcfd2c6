import { PyramidError } from './pyramid-error.ts';

/** A query parameter of an HTTP request that is unknown, repeated or has a bad value (answered 400). */
export class InvalidQueryError extends PyramidError {
  /** The query parameter at fault. */
  readonly param: string;
  constructor(param: string, message: string) {
    super('invalid_query', message);
    this.param = param;
  }
}
