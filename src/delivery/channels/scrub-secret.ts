/** Replaces every occurrence of `secret` in `text` (grammY puts the bot token in request URLs). */
export function scrubSecret(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 6) return text;
  return text.split(secret).join('[redacted]');
}
