/** The candidate nearest to `word` by edit distance, when it is close enough to be a likely typo. */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  return nameSuggester(candidates).closest(word, 1)[0];
}

/** ` (did you mean "x"?)` or nothing. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closestName(word, candidates);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}

/** Lists at most this many names in a message; past it, only the closest few are suggested. */
const listedNames = 5;

/** Suggestions from one set of names, prepared once so that thousands of lookups stay cheap. */
export type NameSuggester = {
  /** Up to `limit` names close enough to `word` to be a likely typo, nearest first. */
  closest(word: string, limit?: number): string[];
  /**
   * What to tell about an unknown name, bounded whatever the number of names: ` (known: a, b)` when
   * there are few, else the closest few (` (did you mean "a" or "b"?)`) or how many there are.
   */
  hint(word: string): string;
};

/** A NameSuggester over `names`; `noun` (plural, `agents`) is used in hints. */
export function nameSuggester(names: Iterable<string>, noun = 'names'): NameSuggester {
  const all = [...names];
  // By length: a name whose length differs by more than the allowed edits is never compared.
  const byLength = new Map<number, { name: string; lower: string; mask: number }[]>();
  for (const name of all) {
    const entries = byLength.get(name.length) ?? [];
    const lower = name.toLowerCase();
    entries.push({ name, lower, mask: letterMask(lower) });
    byLength.set(name.length, entries);
  }
  const closest = (word: string, limit = 3) => {
    const allowed = Math.min(Math.max(1, Math.floor(word.length / 3)), word.length - 1);
    if (allowed < 0) return [];
    const lower = word.toLowerCase();
    const distance = boundedDistance(lower, allowed);
    const mask = letterMask(lower);
    const found: { name: string; distance: number }[] = [];
    for (let length = word.length - allowed; length <= word.length + allowed; length++) {
      for (const entry of byLength.get(length) ?? []) {
        // One edit adds or removes at most two of the letters present: a cheap bound before counting.
        if (bitCount(mask ^ entry.mask) > 2 * allowed) continue;
        const value = distance(entry.lower);
        if (value <= allowed) found.push({ name: entry.name, distance: value });
      }
    }
    return found
      .sort((left, right) => left.distance - right.distance)
      .slice(0, limit)
      .map((entry) => entry.name);
  };
  return {
    closest,
    hint(word) {
      if (all.length === 0) return ` (no ${noun} are defined)`;
      const close = closest(word);
      if (all.length <= listedNames) {
        const guess = close.length > 0 ? `did you mean "${close[0]}"? ` : '';
        return ` (${guess}known: ${all.join(', ')})`;
      }
      if (close.length === 0) return ` (none of the ${all.length} ${noun} is close to it)`;
      return ` (did you mean ${close.map((name) => `"${name}"`).join(' or ')}?)`;
    },
  };
}

/** Which letters a name has, hashed to 32 bits. */
function letterMask(text: string): number {
  let mask = 0;
  for (let index = 0; index < text.length; index++) mask |= 1 << (text.charCodeAt(index) & 31);
  return mask;
}

function bitCount(value: number): number {
  let bits = value - ((value >>> 1) & 0x55555555);
  bits = (bits & 0x33333333) + ((bits >>> 2) & 0x33333333);
  return (((bits + (bits >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * The optimal string alignment distance (a swap of two neighbours, "loacl", counts as one edit) from
 * `word` to a candidate, or `max + 1` as soon as it must exceed `max`: first a cheap bound from the
 * letter counts (one edit changes at most two), then only the cells within `max` of the diagonal, in
 * buffers allocated once per word.
 */
function boundedDistance(word: string, max: number): (candidate: string) => number {
  const outside = max + 1;
  const letters = new Int32Array(256);
  for (let index = 0; index < word.length; index++) letters[word.charCodeAt(index) & 255]++;
  let rows = [new Int32Array(0), new Int32Array(0), new Int32Array(0)];
  return (candidate) => {
    for (let index = 0; index < candidate.length; index++) letters[candidate.charCodeAt(index) & 255]--;
    // The counts that differ, each once (zeroed as counted; the word's counts are put back after).
    let changed = 0;
    for (let index = 0; index < word.length; index++) {
      const code = word.charCodeAt(index) & 255;
      changed += Math.abs(letters[code]);
      letters[code] = 0;
    }
    for (let index = 0; index < candidate.length; index++) {
      const code = candidate.charCodeAt(index) & 255;
      changed += Math.abs(letters[code]);
      letters[code] = 0;
    }
    for (let index = 0; index < word.length; index++) letters[word.charCodeAt(index) & 255]++;
    if (Math.ceil(changed / 2) > max) return outside;
    if (rows[0].length < candidate.length + 1) rows = rows.map(() => new Int32Array(candidate.length + 1));
    let [beforePrevious, previous, current] = rows;
    for (let column = 0; column <= candidate.length; column++) previous[column] = Math.min(column, outside);
    for (let row = 1; row <= word.length; row++) {
      current.fill(outside, 0, candidate.length + 1);
      current[0] = Math.min(row, outside);
      let rowMin = current[0];
      const to = Math.min(candidate.length, row + max);
      for (let column = Math.max(1, row - max); column <= to; column++) {
        const substitution = previous[column - 1] + (word[row - 1] === candidate[column - 1] ? 0 : 1);
        let value = Math.min(previous[column] + 1, current[column - 1] + 1, substitution);
        const swapped =
          row > 1 &&
          column > 1 &&
          word[row - 1] === candidate[column - 2] &&
          word[row - 2] === candidate[column - 1];
        if (swapped) value = Math.min(value, beforePrevious[column - 2] + 1);
        current[column] = Math.min(value, outside);
        if (current[column] < rowMin) rowMin = current[column];
      }
      if (rowMin > max) return outside;
      [beforePrevious, previous, current] = [previous, current, beforePrevious];
    }
    return previous[candidate.length];
  };
}
