import { type FakeModels, isBase64 } from './fake-protocol.ts';

const knownFields = new Set([
  'contents',
  'systemInstruction',
  'tools',
  'toolConfig',
  'safetySettings',
  'generationConfig',
  'cachedContent',
  'labels',
]);
const knownGenerationFields = new Set([
  'stopSequences',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'responseModalities',
  'candidateCount',
  'maxOutputTokens',
  'temperature',
  'topP',
  'topK',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'responseLogprobs',
  'logprobs',
  'thinkingConfig',
  'mediaResolution',
  'speechConfig',
  'audioTimestamp',
  'imageConfig',
]);

const invalid = (message: string) => ({
  status: 400,
  body: { error: { code: 400, message, status: 'INVALID_ARGUMENT' } },
});

/** The 400s the Gemini API answers for the request fields Pyramid sends; undefined when it would accept the body. */
export function googleRequestRejection(
  body: unknown,
  model: string,
  models: FakeModels,
): { status: number; body: unknown } | undefined {
  if (typeof body !== 'object' || body === null) return invalid('Invalid JSON payload received.');
  const request = body as Record<string, unknown>;
  for (const field of Object.keys(request)) {
    if (!knownFields.has(field))
      return invalid(`Invalid JSON payload received. Unknown name "${field}": Cannot find field.`);
  }
  const parts = partRejection(request.contents, model, models.takesImages(model));
  if (parts) return parts;
  const generation = (request.generationConfig ?? {}) as Record<string, unknown>;
  for (const field of Object.keys(generation)) {
    if (!knownGenerationFields.has(field))
      return invalid(
        `Invalid JSON payload received. Unknown name "${field}" at 'generation_config': Cannot find field.`,
      );
  }
  if (
    (generation.responseSchema !== undefined || generation.responseJsonSchema !== undefined) &&
    generation.responseMimeType !== 'application/json'
  )
    return invalid(
      'GenerateContentRequest.generation_config.response_mime_type: response_mime_type must be application/json when response_schema is set.',
    );
  // Gemini 2.5 (not 3): structured output and function calling cannot be combined.
  const functions = (request.tools as { functionDeclarations?: unknown[] }[] | undefined)?.some(
    (tool) => tool.functionDeclarations?.length,
  );
  if (functions && generation.responseMimeType === 'application/json')
    return invalid("Function calling with a response mime type: 'application/json' is unsupported");
  return undefined;
}

/**
 * Parts as Gemini checks them: `inlineData` needs a mimeType and base64 data, `fileData` a fileUri;
 * a model without image input refuses image parts.
 */
function partRejection(contents: unknown, model: string, takesImages: boolean) {
  if (!Array.isArray(contents)) return undefined;
  for (const [index, content] of contents.entries()) {
    const parts = (content as { parts?: unknown }).parts;
    if (!Array.isArray(parts)) continue;
    for (const [position, part] of parts.entries()) {
      const { inlineData, fileData } = part as {
        inlineData?: { mimeType?: unknown; data?: unknown };
        fileData?: { mimeType?: unknown; fileUri?: unknown };
      };
      if (!inlineData && !fileData) continue;
      const path = `contents[${index}].parts[${position}]`;
      if (!takesImages) return invalid(`Image input modality is not enabled for models/${model}`);
      if (inlineData) {
        if (typeof inlineData.mimeType !== 'string' || inlineData.mimeType === '')
          return invalid(`* GenerateContentRequest.${path}.inline_data.mime_type: mime_type must be set.`);
        if (typeof inlineData.data !== 'string' || !isBase64(inlineData.data))
          return invalid(
            `Invalid value at '${path}.inline_data.data' (TYPE_BYTES), Base64 decoding failed for "${String(inlineData.data).slice(0, 20)}"`,
          );
      }
      if (fileData && (typeof fileData.fileUri !== 'string' || fileData.fileUri === ''))
        return invalid(`* GenerateContentRequest.${path}.file_data.file_uri: file_uri must be set.`);
    }
  }
  return undefined;
}
