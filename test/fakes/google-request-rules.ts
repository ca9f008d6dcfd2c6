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
export function googleRequestRejection(body: unknown): { status: number; body: unknown } | undefined {
  if (typeof body !== 'object' || body === null) return invalid('Invalid JSON payload received.');
  const request = body as Record<string, unknown>;
  for (const field of Object.keys(request)) {
    if (!knownFields.has(field))
      return invalid(`Invalid JSON payload received. Unknown name "${field}": Cannot find field.`);
  }
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
  return undefined;
}
