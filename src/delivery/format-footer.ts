/** Run metadata shown in the footer line. */
export type RunMeta = { tier?: number; model?: string; costUsd?: number };

/** `tier 1 · gemini-flash · $0.0012`; undefined when nothing is known. */
export function formatFooter(meta: RunMeta | undefined): string | undefined {
  if (!meta) return undefined;
  const parts: string[] = [];
  if (meta.tier !== undefined) parts.push(`tier ${meta.tier}`);
  if (meta.model) parts.push(meta.model);
  if (meta.costUsd !== undefined)
    parts.push(`$${meta.costUsd < 0.01 ? meta.costUsd.toFixed(4) : meta.costUsd.toFixed(2)}`);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}
