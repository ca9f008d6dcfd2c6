/** What one piece of streamed text contained, once inline `<think>` blocks are taken out. */
export type SplitText = { text: string; reasoning: string };

export type ThinkTagSplitter = {
  /** Feeds the next piece of answer text; a tag may be split over several pieces. */
  push(piece: string): SplitText;
  /**
   * Releases what was held back. `truncated`: the model stopped at its token limit, so an `opened`
   * block that never closed was reasoning cut short, not an answer.
   */
  flush(truncated?: boolean): SplitText;
};

const openTag = '<think>';
const closeTag = '</think>';

/**
 * Separates inline `<think>...</think>` blocks (qwen3 and DeepSeek-R1 behind OpenAI-compatible servers
 * without a reasoning parser) from the answer text, safely across chunk boundaries.
 *
 * `opened`: the model's chat template writes `<think>` into the prompt, so its output starts inside
 * the block and only the closing tag appears. Everything up to `</think>` is then reasoning; it is held
 * back until that tag arrives. If the stream ends without it, the held text was an answer with no
 * reasoning (thinking turned off) and is released as text, unless the model hit its token limit: then
 * it was reasoning cut short. The answer after the tag streams as usual.
 */
export function createThinkTagSplitter(options: { opened?: boolean } = {}): ThinkTagSplitter {
  let inside = false;
  let pending = '';
  let sawBlock = false;
  let answerStarted = false;
  let awaitingClose = options.opened === true;
  let held = '';

  const emit = (out: SplitText, part: string) => {
    if (inside) {
      out.reasoning += part;
      return;
    }
    // The blank lines a model puts after `</think>` are not part of the answer.
    const visible = sawBlock && !answerStarted ? part.replace(/^\s+/, '') : part;
    if (visible) answerStarted = true;
    out.text += visible;
  };

  const split = (piece: string): SplitText => {
    const out: SplitText = { text: '', reasoning: '' };
    let rest = pending + piece;
    pending = '';
    for (;;) {
      const tag = inside ? closeTag : openTag;
      const index = rest.indexOf(tag);
      if (index === -1) break;
      emit(out, rest.slice(0, index));
      rest = rest.slice(index + tag.length);
      inside = !inside;
      sawBlock = true;
    }
    const heldBack = partialTagLength(rest, inside ? closeTag : openTag);
    emit(out, rest.slice(0, rest.length - heldBack));
    pending = rest.slice(rest.length - heldBack);
    return out;
  };

  return {
    push(piece) {
      if (!awaitingClose) return split(piece);
      held += piece;
      const index = held.indexOf(closeTag);
      if (index === -1) return { text: '', reasoning: '' };
      awaitingClose = false;
      sawBlock = true;
      // A model may still write the opening tag itself; it is not part of the reasoning.
      const reasoning = held.slice(0, index).replace(/^\s*<think>/, '');
      const rest = held.slice(index + closeTag.length);
      held = '';
      const out = split(rest);
      return { text: out.text, reasoning: reasoning + out.reasoning };
    },
    flush(truncated = false) {
      const out: SplitText = { text: '', reasoning: '' };
      if (awaitingClose) {
        awaitingClose = false;
        inside = truncated;
        const released = split(truncated ? held.replace(/^\s*<think>/, '') : held);
        held = '';
        out.text += released.text;
        out.reasoning += released.reasoning;
      }
      emit(out, pending);
      pending = '';
      return out;
    },
  };
}

/**
 * A whole answer split into reasoning and text. `</think>` with no `<think>` before it means the chat
 * template opened the block (see createThinkTagSplitter's `opened`), which a whole text shows for itself.
 */
export function splitThinkTags(
  text: string,
  options: { opened?: boolean; truncated?: boolean } = {},
): SplitText {
  const close = text.indexOf(closeTag);
  const open = text.indexOf(openTag);
  const orphanClose = close !== -1 && (open === -1 || open > close);
  const splitter = createThinkTagSplitter({ opened: options.opened === true || orphanClose });
  const first = splitter.push(text);
  const rest = splitter.flush(options.truncated);
  return { text: first.text + rest.text, reasoning: first.reasoning + rest.reasoning };
}

/** The length of the longest end of `text` that is the start of `tag`. */
function partialTagLength(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
    if (text.endsWith(tag.slice(0, length))) return length;
  }
  return 0;
}
