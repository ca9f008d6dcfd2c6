import { PyramidError } from './pyramid-error.ts';

/**
 * Under strict parameters, no candidate model can express every parameter the request set. `parameters`
 * are wire names (`top_p`, `seed`); `models` the candidates skipped for it.
 */
export class UnsupportedParameterError extends PyramidError {
  readonly parameters: string[];
  readonly models: string[];
  constructor(parameters: string[], models: string[]) {
    super(
      'unsupported_parameter',
      `no candidate model can express ${parameters.join(', ')} (skipped ${models.join(', ')}); leave the parameter out, pick a model whose protocol takes it, or set gateway.strictParams: false to drop it with a note`,
    );
    this.parameters = parameters;
    this.models = models;
  }
}
