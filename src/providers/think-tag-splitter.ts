/** What one piece of streamed text contained, once inline `<think>` blocks are taken out. */
export type SplitText = { text: string; reasoning: string };

export type ThinkTagSplitter = {
  /** Feeds the next piece of answer text; a tag may be split over several pieces. */
  push(piece: string): SplitText;
  /** Releases what was held back because it might have been the start of a tag. */
  flush(): SplitText;
};

const openTag = '<think>';
const closeTag = '</think>';

/**
 * Separates inline `<think>...</think>` blocks (qwen3 and DeepSeek-R1 behind OpenAI-compatible servers
 * without a reasoning parser) from the answer text, safely across chunk boundaries. A model that
 * emits only a closing tag (the opening one was in its chat template) is not detected: that would
 * need the whole answer buffered, which breaks streaming.
 */
export function createThinkTagSplitter(): ThinkTagSplitter {
  let inside = false;
  let pending = '';
  let sawBlock = false;
  let answerStarted = false;

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

  return {
    push(piece) {
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
      const held = partialTagLength(rest, inside ? closeTag : openTag);
      emit(out, rest.slice(0, rest.length - held));
      pending = rest.slice(rest.length - held);
      return out;
    },
    flush() {
      const out: SplitText = { text: '', reasoning: '' };
      emit(out, pending);
      pending = '';
      return out;
    },
  };
}

/** The length of the longest end of `text` that is the start of `tag`. */
function partialTagLength(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
    if (text.endsWith(tag.slice(0, length))) return length;
  }
  return 0;
}
