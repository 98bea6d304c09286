// A clock for the health scheduler's tests (src/daemon/health.ts Clock): time moves only when the
// test advances it, and each timer due by then fires in order, with the promises it starts
// settled before the next one.

import type { Clock } from '../../src/daemon/health.js';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export class FakeClock implements Clock {
  t = Date.parse('2026-01-01T00:00:00Z');
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Timers set and not yet fired. */
  pending(): number {
    return this.timers.size;
  }
  /** Moves time on by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
      await settle();
      await settle();
    }
    this.t = end;
  }
}
