// The apply loop, serialised like the kubelet's: requests (file events, the periodic relist,
// `sync --wait` on the control socket) are coalesced over a short delay, one apply runs at a
// time, and requests that arrive during an apply get the next one. Every request is answered
// with the result of an apply that started after it was made.

export class ApplyLoop<R> {
  private waiters: { resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  /** Applies run so far, for tests and logs. */
  count = 0;

  constructor(
    private readonly apply: (reasons: string[]) => Promise<R>,
    private readonly delayMs = 200,
  ) {}

  private reasons: string[] = [];

  request(reason: string): Promise<R> {
    if (this.stopped) return Promise.reject(new Error('the daemon is stopping'));
    this.reasons.push(reason);
    const p = new Promise<R>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.schedule();
    return p;
  }

  private schedule(): void {
    if (this.running || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runOnce();
    }, this.delayMs);
  }

  private async runOnce(): Promise<void> {
    if (this.waiters.length === 0) return;
    this.running = true;
    const waiters = this.waiters;
    const reasons = [...new Set(this.reasons)];
    this.waiters = [];
    this.reasons = [];
    try {
      this.count++;
      const r = await this.apply(reasons);
      for (const w of waiters) w.resolve(r);
    } catch (e) {
      for (const w of waiters) w.reject(e);
    } finally {
      this.running = false;
      if (this.waiters.length > 0) this.schedule();
    }
  }

  /** Waits for the apply in progress, then refuses new requests. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.running) await new Promise((r) => setTimeout(r, 20));
    for (const w of this.waiters) w.reject(new Error('the daemon is stopping'));
    this.waiters = [];
  }
}
