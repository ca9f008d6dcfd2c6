/** A formatting entity as written in one dialect: `<b>`…`</b>`, `*`…`*`. */
export type Wrap = { open: string; close: string };

/**
 * Rendered output before it is cut into messages. Text is already escaped for the dialect. An `open`
 * marked `splittable` (a code block, a quote) may be closed at a cut and reopened in the next message;
 * inline entities are never cut, except as a last resort inside one line longer than the limit.
 */
export type MarkupPiece =
  | { kind: 'text'; text: string }
  | { kind: 'open'; wrap: Wrap; splittable: boolean }
  | { kind: 'close' }
  | { kind: 'break'; level: 'block' | 'line'; text: string };
