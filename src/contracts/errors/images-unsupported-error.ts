import { PyramidError } from './pyramid-error.ts';

/**
 * The request carries images and no candidate model can take them: none declares `input: [text,
 * image]`, or those that do cannot take the kind given (Ollama has no image URLs). `models` are the
 * candidates, each with why it was passed over.
 */
export class ImagesUnsupportedError extends PyramidError {
  readonly models: { model: string; reason: string }[];
  constructor(models: { model: string; reason: string }[]) {
    super(
      'images_unsupported',
      `no candidate model can take this request's images (${models.map(({ model, reason }) => `${model}: ${reason}`).join('; ')}); declare input: [text, image] under models.<name> for a vision model in the request's tiers, or send the request without images`,
    );
    this.models = models;
  }
}
