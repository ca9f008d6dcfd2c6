import { AllCandidatesFailedError } from '../contracts/errors/all-candidates-failed-error.ts';
import { BudgetExceededError } from '../contracts/errors/budget-exceeded-error.ts';
import { ImagesUnsupportedError } from '../contracts/errors/images-unsupported-error.ts';
import { InvalidQueryError } from '../contracts/errors/invalid-query-error.ts';
import { StoreError } from '../contracts/errors/store-error.ts';
import { UnknownModelError } from '../contracts/errors/unknown-model-error.ts';
import { UnsupportedParameterError } from '../contracts/errors/unsupported-parameter-error.ts';
import { GatewayHttpError } from './gateway-http-error.ts';

/** The HTTP answer for an error from the router; undefined for an unexpected one (a bug: 500). */
export function toGatewayHttpError(error: unknown): GatewayHttpError | undefined {
  if (error instanceof GatewayHttpError) return error;
  if (error instanceof AllCandidatesFailedError) {
    return new GatewayHttpError(502, 'api_error', error.code, error.message, {
      details: {
        attempts: error.trace.attempts.map((attempt) => ({
          model: attempt.model,
          tier: attempt.tier,
          outcome: attempt.outcome,
          reason: attempt.reason ?? null,
        })),
      },
    });
  }
  if (error instanceof BudgetExceededError)
    return new GatewayHttpError(429, 'insufficient_quota', error.code, error.message);
  if (error instanceof InvalidQueryError)
    return new GatewayHttpError(400, 'invalid_request_error', error.code, error.message, {
      param: error.param,
    });
  if (error instanceof UnsupportedParameterError)
    return new GatewayHttpError(400, 'invalid_request_error', error.code, error.message, {
      param: error.parameters[0],
      details: { models: error.models },
    });
  if (error instanceof ImagesUnsupportedError)
    return new GatewayHttpError(400, 'invalid_request_error', error.code, error.message, {
      param: 'messages',
      details: { models: error.models },
    });
  if (error instanceof UnknownModelError)
    return new GatewayHttpError(400, 'invalid_request_error', 'model_not_found', error.message, {
      param: 'model',
    });
  if (error instanceof StoreError && error.code !== 'store_error') {
    // Busy, full, I/O, gone, closing: the store's state, not the request's fault; worth trying again later.
    return new GatewayHttpError(
      503,
      'api_error',
      error.code,
      `The store cannot answer now: ${error.message}`,
      {
        headers: { 'retry-after': error.code === 'store_busy' ? '2' : '30' },
      },
    );
  }
  return undefined;
}
