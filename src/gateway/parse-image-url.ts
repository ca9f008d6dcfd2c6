import type { ImageDetail, ImageInput } from '../contracts/message.ts';
import { invalidParam } from './parse-request-body.ts';

const details = new Set<string>(['auto', 'low', 'high']);

/**
 * An OpenAI-style image URL (`image_url.url`, Responses `input_image.image_url`) as an image: a
 * `data:image/...;base64,` URL becomes inline bytes, an http(s) URL stays a URL for the provider to
 * fetch. Anything else is a 400 naming `param`.
 */
export function parseImageUrl(url: unknown, param: string, detail?: unknown): ImageInput {
  if (typeof url !== 'string' || url === '')
    throw invalidParam(param, `Missing required parameter: '${param}'.`);
  if (detail !== undefined && detail !== null && !details.has(String(detail)))
    throw invalidParam(param, `Invalid value for detail: '${String(detail)}'; expected auto, low or high.`);
  const hint = detail ? { detail: detail as ImageDetail } : {};
  if (/^https?:\/\//i.test(url)) return { kind: 'url', url, ...hint };
  const inline = /^data:(image\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/]+={0,2})$/i.exec(url);
  if (inline) return { kind: 'base64', mediaType: inline[1].toLowerCase(), data: inline[2], ...hint };
  throw invalidParam(
    param,
    `Invalid value for '${param}': expected an http(s) URL or a base64 data URL with an image type (data:image/png;base64,...).`,
  );
}
