/** Replaces every occurrence of the given secrets in `text` with `[redacted]`. */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    // Very short values would redact ordinary words; real keys are long.
    if (secret && secret.length >= 6) scrubbed = scrubbed.split(secret).join('[redacted]');
  }
  return scrubbed;
}
