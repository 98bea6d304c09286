// The apply loop, serialised like the kubelet's: requests (file events, the periodic relist,
// `sync --wait` on the control socket) are coalesced over a short delay, one apply runs at a
// time, and requests that arrive during an apply get the next one. Every request is answered
// with the result of an apply that started after it was made, except that one which asks for it
// (`sync` on the control socket) takes the failure of an apply in progress: while podman hangs,
// the next apply would fail the same way, and the daemon tries again by itself.

interface Waiter<R> {
  reason: string;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
  takesFailure: boolean;
}

export class ApplyLoop<R> {
  private waiters: Waiter<R>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  /** Applies run so far, for tests and logs. */
  count = 0;

  constructor(
    private readonly apply: (reasons: string[]) => Promise<R>,
    private readonly delayMs = 200,
    /** Whether a result is a failed apply (one that throws is one too). */
    private readonly failed: (r: R) => boolean = () => false,
  ) {}

  /** `takesFailure`: made while an apply runs, it takes that apply's failure rather than wait for the next. */
  request(reason: string, opts: { takesFailure?: boolean } = {}): Promise<R> {
    if (this.stopped) return Promise.reject(new Error('the daemon is stopping'));
    const p = new Promise<R>((resolve, reject) =>
      this.waiters.push({ reason, resolve, reject, takesFailure: opts.takesFailure ?? false }),
    );
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
    const reasons = [...new Set(waiters.map((w) => w.reason))];
    this.waiters = [];
    // made during this apply and asking for its failure: answered by it when it fails
    const late = () => {
      const taking = this.waiters.filter((w) => w.takesFailure);
      this.waiters = this.waiters.filter((w) => !w.takesFailure);
      return taking;
    };
    try {
      this.count++;
      const r = await this.apply(reasons);
      for (const w of [...waiters, ...(this.failed(r) ? late() : [])]) w.resolve(r);
    } catch (e) {
      for (const w of [...waiters, ...late()]) w.reject(e);
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
