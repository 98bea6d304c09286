// finit-pods daemon: a Finit service that watches the units directory and applies every change
// through the sync engine, within a second, without a command to run.
//  - chokidar events (create, write, rename, move in/out, delete, symlink) → a coalesced apply;
//  - a full relist every 30 s catches anything an event missed;
//  - a units directory that disappears (unmounted, renamed) changes nothing: sync refuses to
//    read it, the daemon reports it and re-attaches when it is back;
//  - restarting the daemon never restarts an unchanged pod and never clears usr/finit-pods.

import { mkdirSync, statSync } from 'node:fs';
import type { Server } from 'node:net';
import { basename, dirname, join } from 'node:path';
import type { FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import { bootRecovery, isFirstRunSinceBoot } from '../apply/boot.js';
import type { Finit } from '../apply/finit.js';
import type { Runner } from '../apply/run.js';
import type { Storage } from '../apply/storage.js';
import type { SyncConfig, SyncReport } from '../apply/sync.js';
import { isIgnoredName, parseUnitName } from '../parse/load.js';
import { listenControl } from './control.js';
import { ApplyLoop } from './loop.js';
import { type DaemonState, readState, stateFromReport, writeState } from './state.js';

export interface DaemonOptions {
  log: Logger;
  finit: Finit;
  exec: Runner;
  /**
   * containers/storage's records, for boot recovery to read instead of asking podman (see
   * apply/storage.ts), or why they cannot be read here; looked for only at a boot.
   */
  storage?: () => Promise<Storage | { unsupported: string }>;
  relistMs?: number;
  /** How often the units directory's identity is checked (re-attach after it was replaced). */
  dirCheckMs?: number;
  debounceMs?: number;
  /** How often Finit is asked about pods, to log them starting, stopping and crashing. */
  podPollMs?: number;
}

export { controlPath } from './control.js';

const RETRY_MIN_MS = 2000;
const RETRY_MAX_MS = 30_000;
/** How long an apply waits for another finit-pods (a `sync` by hand) to finish applying. */
const LOCK_WAIT_MS = 300_000;

/** Whether a path inside the units directory can change what sync does. */
export function isRelevant(unitsDir: string, path: string): boolean {
  if (path === unitsDir) return true;
  const name = basename(path);
  if (isIgnoredName(name)) return false;
  const parent = dirname(path);
  if (parent === unitsDir) return parseUnitName(name) !== undefined || name.endsWith('.d');
  // inside a drop-in directory: NAME.container.d/*.conf, container.d/*.conf
  return dirname(parent) === unitsDir && basename(parent).endsWith('.d') && name.endsWith('.conf');
}

export class Daemon {
  private watcher: FSWatcher | undefined;
  private dirId: string | undefined;
  private timers: NodeJS.Timeout[] = [];
  private server: Server | undefined;
  private state: DaemonState | undefined;
  /** Why the last apply failed (undefined after a good one): the control socket's answer. */
  private lastError: string | undefined;
  readonly loop: ApplyLoop<SyncReport | undefined>;

  constructor(
    readonly cfg: SyncConfig,
    readonly opts: DaemonOptions,
  ) {
    this.loop = new ApplyLoop((reasons) => this.apply(reasons), opts.debounceMs ?? 200);
  }

  private get log(): Logger {
    return this.opts.log;
  }

  /** When a failed apply is tried again (doubling from RETRY_MIN_MS up to RETRY_MAX_MS). */
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = 0;

  /** Tries again after a fault that may clear by itself (a full disk, podman or initctl failing). */
  private scheduleRetry(failed: boolean): void {
    if (!failed) {
      this.retryMs = 0;
      return;
    }
    if (this.retryTimer) return;
    this.retryMs = Math.min(Math.max(this.retryMs * 2, RETRY_MIN_MS), RETRY_MAX_MS);
    this.log.debug({ inMs: this.retryMs }, 'the apply did not complete: trying again');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.loop.request('retry').catch(() => undefined);
    }, this.retryMs);
  }

  /** Whether the last apply failed in a way that may clear by itself (not a missing units directory: attach() waits for that). */
  private retryable = false;

  private async apply(reasons: string[]): Promise<SyncReport | undefined> {
    const rep = await this.applyOnce(reasons);
    this.scheduleRetry(rep ? rep.retry : this.retryable);
    return rep;
  }

  /** The state file, written after each apply; a full run dir is logged, never fatal. */
  private saveState(s: DaemonState): void {
    try {
      writeState(this.cfg.runDir, s);
    } catch (e) {
      this.log.error(`${(e as Error).message}; status reads an older state until it can be written`);
    }
  }

  private async applyOnce(reasons: string[]): Promise<SyncReport | undefined> {
    let rep: SyncReport;
    // loaded here: at boot, boot recovery starts removing before the sync engine is loaded
    const { sync, UnitsDirError } = await import('../apply/sync.js');
    const { withLock } = await import('../apply/lock.js');
    try {
      rep = await withLock(
        this.cfg.runDir,
        () => sync(this.cfg, { finit: this.opts.finit, exec: this.opts.exec }),
        {
          waitMs: LOCK_WAIT_MS,
          onWait: (pid) => this.log.info(`waiting for finit-pods pid ${pid ?? '?'} to finish applying`),
        },
      );
    } catch (e) {
      // Nothing was changed. A units directory that cannot be read is reported as such; anything
      // else (initctl or podman not answering) as applyError, not as a units directory problem.
      const msg = (e as Error).message;
      const key = e instanceof UnitsDirError ? 'unitsDirError' : 'applyError';
      this.retryable = key === 'applyError';
      if (this.state?.[key] !== msg)
        this.log.error({ reasons }, key === 'unitsDirError' ? msg : `apply failed: ${msg}`);
      this.lastError = msg;
      this.state = {
        ...(this.state ?? { units: {} }),
        updatedAt: new Date().toISOString(),
        [key]: msg,
      };
      this.saveState(this.state);
      return undefined;
    }
    this.lastError = undefined;
    if (this.state?.unitsDirError)
      this.log.info({ dir: this.cfg.unitsDir }, 'units directory readable again');
    if (this.state?.applyError) this.log.info('applying works again');
    const next = stateFromReport(rep, this.state);
    for (const u of rep.units) {
      const what = u.pod ? `pod:${u.pod}` : u.file;
      const prev = this.state?.units[u.file];
      const messages = next.units[u.file]?.messages ?? [];
      if (u.state === 'applied') this.log.info({ unit: u.file, hash: u.hash }, `applied ${what}`);
      else if (u.state === 'kept') {
        if (JSON.stringify(prev?.messages) !== JSON.stringify(messages)) {
          this.log.error(
            { unit: u.file, errors: messages },
            `${what} is broken; its last good stanza is kept and the pod keeps running`,
          );
        }
      } else if (u.state === 'error' || u.state === 'skipped') {
        if (JSON.stringify(prev?.messages) !== JSON.stringify(messages))
          this.log.error({ unit: u.file, errors: messages }, `skipped ${what}`);
      }
    }
    for (const p of rep.problems) this.log.error(p);
    for (const r of rep.removed) this.log.info({ stanza: r }, `removed ${r}`);
    if (rep.reloaded) this.log.info({ reasons }, 'initctl reload');
    if (rep.readySet) this.log.info('condition usr/finit-pods set: pods may start');
    this.state = next;
    this.saveState(next);
    return rep;
  }

  private currentDirId(): string | undefined {
    try {
      const s = statSync(this.cfg.unitsDir);
      return s.isDirectory() ? `${s.dev}:${s.ino}` : undefined;
    } catch {
      return undefined;
    }
  }

  /** (Re)attaches the watcher when the units directory appears or was replaced. */
  private attaching = false;

  private async attach(): Promise<void> {
    if (this.attaching) return;
    this.attaching = true;
    try {
      await this.attachNow();
    } finally {
      this.attaching = false;
    }
  }

  private async attachNow(): Promise<void> {
    const id = this.currentDirId();
    if (id === this.dirId) return;
    this.dirId = id;
    await this.watcher?.close();
    this.watcher = undefined;
    if (id === undefined) {
      this.log.warn({ dir: this.cfg.unitsDir }, 'units directory is missing; pods are left as they are');
      void this.loop.request('units directory missing').catch(() => undefined);
      return;
    }
    const dir = this.cfg.unitsDir;
    // loaded here, after boot recovery: pods wait for it, not for the watch
    const { watch } = await import('chokidar');
    this.watcher = watch(dir, {
      ignoreInitial: true,
      depth: 1,
      ignored: (p: string) => p !== dir && !isRelevant(dir, p) && !p.endsWith('.d'),
    });
    const onEvent = (event: string) => (p: string) => {
      if (!isRelevant(dir, p)) return;
      this.log.debug({ event, path: p }, 'change');
      void this.loop.request(`${event} ${p}`).catch(() => undefined);
    };
    for (const ev of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const)
      this.watcher.on(ev, onEvent(ev));
    this.watcher.on('error', (e) => this.log.warn({ err: String(e) }, 'watch error'));
    await new Promise<void>((resolve) => this.watcher?.once('ready', () => resolve()));
    void this.loop.request('units directory attached').catch(() => undefined);
  }

  async start(): Promise<void> {
    mkdirSync(this.cfg.runDir, { recursive: true });
    this.state = readState(this.cfg.runDir, (msg) => this.log.error(msg));
    this.server = await listenControl(join(this.cfg.runDir, 'control.sock'), async (req) => {
      if (req.cmd === 'ping') return { ok: true };
      if (req.cmd === 'sync')
        return (await this.loop.request('control: sync')) ?? { error: this.lastError ?? 'apply failed' };
      if (req.cmd === 'status') return this.state ?? {};
      return { error: `unknown command ${req.cmd}` };
    });
    try {
      if (isFirstRunSinceBoot(this.cfg.runDir)) await this.boot();
      await this.attach();
      await this.loop.request('start');
    } catch (e) {
      // Close the socket and the watch, so the process ends and Finit starts it again (the next
      // attempt); a daemon left answering on its socket without watching would never retry.
      await this.stop();
      throw e;
    }
    this.timers.push(
      setInterval(
        () => void this.loop.request('relist').catch(() => undefined),
        this.opts.relistMs ?? 30_000,
      ),
    );
    this.timers.push(setInterval(() => void this.attach(), this.opts.dirCheckMs ?? 1000));
    this.timers.push(setInterval(() => void this.watchPods(), this.opts.podPollMs ?? 5000));
    this.log.info({ dir: this.cfg.unitsDir }, 'watching');
  }

  private podStatus = new Map<string, string>();
  private polling = false;

  /** Logs pods starting, stopping and crashing, as Finit reports them (one initctl call). */
  private async watchPods(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const version = this.state?.finitVersion ?? (await this.opts.finit.version());
      const services = await this.opts.finit.services(version);
      const seen = new Set<string>();
      for (const s of services) {
        if (!s.identity.startsWith('pod:')) continue;
        seen.add(s.identity);
        const before = this.podStatus.get(s.identity);
        if (before !== s.status) {
          this.podStatus.set(s.identity, s.status);
          if (before !== undefined || s.status === 'running') {
            const level = s.status === 'crashed' ? 'error' : 'info';
            this.log[level](
              { pod: s.identity, pid: s.pid, was: before ?? 'unknown' },
              `${s.identity} ${s.status === 'running' ? 'started' : s.status}`,
            );
          }
        }
      }
      for (const id of [...this.podStatus.keys()]) {
        if (!seen.has(id)) {
          this.podStatus.delete(id);
          this.log.info({ pod: id }, `${id} removed from Finit`);
        }
      }
    } catch (e) {
      this.log.debug({ err: (e as Error).message }, 'pod status poll failed');
    } finally {
      this.polling = false;
    }
  }

  /** Boot recovery, logged: what was removed and why, which images are missing. */
  private async boot(): Promise<void> {
    const t0 = Date.now();
    try {
      const storage = await this.opts.storage?.();
      if (storage && 'unsupported' in storage)
        this.log.info(`boot recovery asks podman, not its storage files: ${storage.unsupported}`);
      const { withLock } = await import('../apply/lock.js');
      const r = await withLock(
        this.cfg.runDir,
        async () =>
          // a `finit-pods sync` may have done it while this daemon waited for the lock
          isFirstRunSinceBoot(this.cfg.runDir)
            ? bootRecovery(this.cfg, {
                finit: this.opts.finit,
                exec: this.opts.exec,
                storage: storage && 'root' in storage ? storage : undefined,
              })
            : undefined,
        { waitMs: LOCK_WAIT_MS },
      );
      if (!r) return;
      for (const x of r.cleanup.plan.remove)
        this.log.info({ container: x.name, id: x.id.slice(0, 12) }, `removed: ${x.reason}`);
      for (const x of r.cleanup.plan.ghosts)
        this.log.info({ container: x.name, id: x.id.slice(0, 12) }, `removed: ${x.reason}`);
      for (const x of r.cleanup.plan.blocking)
        this.log.warn({ container: x.name, id: x.id.slice(0, 12) }, x.reason);
      for (const e of r.cleanup.errors) this.log.error(`cleanup: ${e}`);
      for (const u of r.sync.units)
        if (u.state === 'image-missing')
          this.log.error({ unit: u.file }, `pod:${u.pod}: ${u.diagnostics.at(-1)?.message}`);
      this.log.info(
        {
          ms: r.readyAt - t0,
          // from the daemon process's start: what the pods waited for
          sinceStart: Math.round(r.readyAt - performance.timeOrigin),
          podmanCalls: r.podmanCalls,
          removal: r.removal,
          // what said which containers were left and which images are here
          listing: r.listing,
          images: r.images,
          // which of the two the condition waited for (ms since the start, as sinceStart)
          removalDone: r.removalDone === undefined ? undefined : Math.round(r.removalDone),
          syncDone: Math.round(r.syncDone),
        },
        'boot recovery done: condition usr/finit-pods set, pods may start',
      );
    } catch (e) {
      this.log.error(
        `boot recovery failed: ${(e as Error).message}; pods are held back until the next attempt`,
      );
      throw e;
    }
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.retryTimer);
    await this.watcher?.close();
    await this.loop.stop();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
