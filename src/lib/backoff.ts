// One rule for waits that double while a thing keeps failing (or keeps not settling): from a
// first wait, doubling, never over a ceiling; the caller resets to 0 once it succeeded.

/** The wait after `ms`: `min` the first time (`ms` 0), then twice the last, at most `max`. */
export const doubled = (ms: number, min: number, max: number): number => Math.min(Math.max(ms * 2, min), max);
