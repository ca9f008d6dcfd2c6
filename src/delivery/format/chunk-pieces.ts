import type { MarkupPiece, Wrap } from './markup-piece.ts';

type OpenEntity = { wrap: Wrap; splittable: boolean };

/** The entities open at a point, innermost last, with the lengths needed to close and reopen them. */
type Stack = {
  entities: readonly OpenEntity[];
  openLength: number;
  closeLength: number;
  /** Every open entity may be closed and reopened at a line break (code blocks, quotes). */
  splittable: boolean;
};

type Atom = { text: string; kind: 'text' | 'space' | 'newline' | 'open' | 'close' | 'break'; level?: string };

const emptyStack: Stack = { entities: [], openLength: 0, closeLength: 0, splittable: true };

// Entity references and surrogate pairs are never cut in half.
const unitPattern = /&#?[A-Za-z0-9]+;|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\s\S]/g;

/**
 * Cuts rendered pieces into messages of at most `limit` characters (markup included), each with its
 * entities balanced. Prefers, in order: a paragraph break outside any entity; a line break where only
 * code blocks or quotes are open (they are closed and reopened, so one huge code block becomes several
 * closed ones); a space, likewise; and, only for a single line longer than the limit, any character.
 */
export function chunkPieces(pieces: readonly MarkupPiece[], limit: number): string[] {
  const atoms: Atom[] = [];
  const stacks: Stack[] = [];
  let stack = emptyStack;
  const push = (atom: Atom) => {
    atoms.push(atom);
    stacks.push(stack);
  };
  for (const piece of pieces) {
    if (piece.kind === 'text') {
      for (const unit of piece.text.match(unitPattern) ?? []) {
        push({ text: unit, kind: unit === '\n' ? 'newline' : /^\s$/.test(unit) ? 'space' : 'text' });
      }
    } else if (piece.kind === 'break') {
      push({ text: piece.text, kind: 'break', level: piece.level });
    } else if (piece.kind === 'open') {
      push({ text: piece.wrap.open, kind: 'open' });
      stack = pushEntity(stack, { wrap: piece.wrap, splittable: piece.splittable });
    } else {
      const top = stack.entities[stack.entities.length - 1];
      if (!top) continue;
      push({ text: top.wrap.close, kind: 'close' });
      stack = popEntity(stack);
    }
  }
  stacks.push(stack);

  const chunks: string[] = [];
  let start = 0;
  while (start < atoms.length) {
    while (start < atoms.length && (atoms[start].kind === 'break' || atoms[start].kind === 'newline'))
      start++;
    if (start >= atoms.length) break;
    const opening = stacks[start];
    let length = opening.openLength;
    const best = [-1, -1, -1, -1];
    let index = start;
    for (; index < atoms.length; index++) {
      if (index > start && length + stacks[index].closeLength <= limit) {
        best[cutPriority(atoms[index], stacks[index])] = index;
      }
      const next = length + atoms[index].text.length;
      if (next + stacks[index + 1].closeLength > limit) break;
      length = next;
    }
    let cut = index;
    if (index < atoms.length) {
      cut = best[3] >= 0 ? best[3] : best[2] >= 0 ? best[2] : best[1] >= 0 ? best[1] : best[0];
      if (cut < 0) cut = start + 1; // not even one character fits after the reopened entities
    }
    const body = atoms
      .slice(start, cut)
      .map((atom) => atom.text)
      .join('');
    const text = opening.entities.map((entity) => entity.wrap.open).join('') + body + closing(stacks[cut]);
    if (text.trim()) chunks.push(text);
    start = cut < atoms.length && atoms[cut].kind === 'space' ? cut + 1 : cut;
  }
  return chunks;
}

function cutPriority(atom: Atom, stack: Stack): number {
  if (atom.kind === 'break' && atom.level === 'block' && stack.entities.length === 0) return 3;
  if ((atom.kind === 'break' || atom.kind === 'newline') && stack.splittable) return 2;
  if (atom.kind === 'space' && stack.splittable) return 1;
  return 0;
}

function closing(stack: Stack): string {
  return stack.entities
    .map((entity) => entity.wrap.close)
    .reverse()
    .join('');
}

function pushEntity(stack: Stack, entity: OpenEntity): Stack {
  return {
    entities: [...stack.entities, entity],
    openLength: stack.openLength + entity.wrap.open.length,
    closeLength: stack.closeLength + entity.wrap.close.length,
    splittable: stack.splittable && entity.splittable,
  };
}

function popEntity(stack: Stack): Stack {
  const entities = stack.entities.slice(0, -1);
  return {
    entities,
    openLength: entities.reduce((sum, entity) => sum + entity.wrap.open.length, 0),
    closeLength: entities.reduce((sum, entity) => sum + entity.wrap.close.length, 0),
    splittable: entities.every((entity) => entity.splittable),
  };
}
