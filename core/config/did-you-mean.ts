// Suggest the closest valid key or value for a typo (Levenshtein distance, fastest-levenshtein).
import { distance } from 'fastest-levenshtein';

/** The candidate closest to `input`, or null when none is close enough to be a plausible typo. */
export function closestMatch(input: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(input.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  // A third of the longer word, at least 2 edits: 'concurency' → 'concurrency', not 'foo' → 'arches'.
  const limit = best === null ? 0 : Math.max(2, Math.floor(Math.max(input.length, best.length) / 3));
  return best !== null && bestDistance <= limit ? best : null;
}

/** `; did you mean 'x'?` or '' when nothing is close. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const match = closestMatch(input, candidates);
  return match === null ? '' : `; did you mean '${match}'?`;
}
