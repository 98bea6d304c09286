// The daemon's auto-update schedule: off unless --auto-update SPAN (env FINIT_PODS_AUTO_UPDATE)
// is given, as podman's timer is off until enabled. An update a power cut interrupted is settled
// at the daemon's start whatever the schedule. A run that could not check or update a pod (a
// registry that cannot be reached) is tried again sooner, doubling from a minute up to the
// schedule's own span: never a busy loop, and never a crash of the daemon.

import { doubled } from '../lib/backoff.js';
import type { AutoUpdateConfig, AutoUpdateDeps } from '../update/auto-update.js';
import { readUpdates } from '../update/state.js';
import type { Logger } from './log.js';

const RETRY_MIN_MS = 60_000;

export class UpdateSchedule {
  private timer: NodeJS.Timeout | undefined;
  private retryMs = 0;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    readonly cfg: AutoUpdateConfig,
    readonly deps: Omit<AutoUpdateDeps, 'log'> & { log: Logger },
    /** Between two runs (ms); undefined: only interrupted updates are settled. */
    readonly everyMs?: number,
  ) {}

  start(): void {
    if (Object.keys(readUpdates(this.cfg.stateDir).pending).length > 0) this.running = this.run(true);
    else this.next(this.everyMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private next(ms: number | undefined): void {
    if (this.stopped || ms === undefined) return;
    // setTimeout fires at once beyond 2^31-1 ms (24.8 days): a longer span waits that long
    ms = Math.min(ms, 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      this.running = this.run(false);
    }, ms);
  }

  private async run(resumeOnly: boolean): Promise<void> {
    const { log } = this.deps;
    let failed = false;
    try {
      // loaded at the first run: the daemon starts without the updater
      const { autoUpdate } = await import('../update/auto-update.js');
      const reports = await autoUpdate(
        this.cfg,
        { ...this.deps, log: (level, message) => log[level](message) },
        { resumeOnly },
      );
      failed = reports.some((r) => r.result === 'failed');
      const n = reports.filter((r) => r.result === 'updated').length;
      if (!resumeOnly) log.info({ updated: n, checked: reports.length }, `auto-update: ${n} updated`);
    } catch (e) {
      failed = true;
      log.error(`auto-update failed: ${(e as Error).message}`);
    }
    // an interrupted update is settled again even without a schedule: its pod waits for it
    const again = failed && (this.everyMs !== undefined || resumeOnly);
    this.retryMs = again ? doubled(this.retryMs, RETRY_MIN_MS, this.everyMs ?? 3_600_000) : 0;
    if (again) log.info({ inMs: this.retryMs }, 'auto-update: trying again');
    this.next(again ? this.retryMs : this.everyMs);
  }
}
