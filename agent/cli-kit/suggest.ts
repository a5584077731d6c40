/**
 * "Did you mean …?" for a mistyped command or option: the closest known word by edit distance, when
 * it is close enough to be the likely intent (a third of the word, at least 2 edits).
 */
import { distance } from 'fastest-levenshtein';

export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(word, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** `did you mean "x"? ` or nothing, to start a hint with. */
export function didYouMean(word: string, known: readonly string[]): string {
  const c = closest(word, known);
  return c === undefined ? '' : `did you mean "${c}"? `;
}
