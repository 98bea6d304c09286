// How much V8 compiles. Its optimising compiler (TurboFan) pays for itself only in code that runs
// for a while: a one-shot command, or the daemon's boot recovery, is over before the optimised
// code repays its compile time, which competes for the CPU with the work itself (and, at boot,
// with podman). `check` over 1,000 units runs about a quarter faster without it (npm run bench).

import { setFlagsFromString } from 'node:v8';

/** Interpreter and baseline code only: for what ends soon. */
export function withoutOptimiser(): void {
  setFlagsFromString('--no-opt');
}

/** The optimising compiler again: for the daemon once boot recovery is done, since it runs for days. */
export function withOptimiser(): void {
  setFlagsFromString('--opt');
}
