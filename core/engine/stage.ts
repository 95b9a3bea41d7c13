// Named stage numbers for ordering taps on one hook (tapable's `stage` option): lower runs first.
export const STAGE = Object.freeze({
  /** Before everything: pins and overrides. */
  PIN: -200,
  /** Early taps that prepare or normalise input. */
  PRE: -100,
  /** The default stage of a tap without one. */
  DEFAULT: 0,
  /** Filters and vetoes (blocklist, noarch, already present). */
  FILTER: 100,
  /** Taps that only observe (progress, timing, reporters). */
  OBSERVE: 500,
  /** Fallbacks that answer only when nobody else did (the host runner, the default renderer). */
  FALLBACK: 1000,
});

export type Stage = (typeof STAGE)[keyof typeof STAGE];
