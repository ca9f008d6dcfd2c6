import type { ImageInput } from '../contracts/message.ts';
import { type PyramidConfig, takesImages } from '../contracts/pyramid-config.ts';

/**
 * Why `model` cannot take `images`, or undefined when it can: its config declares no image input, or
 * its protocol cannot carry an image of the kind given (Ollama takes inline images, not URLs).
 */
export function imageRefusal(config: PyramidConfig, model: string, images: ImageInput[]): string | undefined {
  const modelConfig = config.models[model];
  if (!takesImages(modelConfig)) return `takes no images (models.${model}.input has no image)`;
  const api = config.providers[modelConfig.provider].api;
  if (api === 'ollama' && images.some((image) => image.kind === 'url'))
    return 'ollama takes inline (base64) images only, and the request has an image URL';
  return undefined;
}
