// finit-pods daemon: a Finit service that watches the units directory and applies every change
// through the sync engine, within a second, without a command to run. At rest it does nothing:
//  - chokidar events (create, write, rename, move in/out, delete, symlink) → a coalesced apply;
//  - every 30 s the units' identities (inode, size, mtime) are compared with the last apply's, to
//    catch what an event missed: an apply only when they differ (or a pod waits for an image);
//  - a units directory that disappears (unmounted, renamed) changes nothing: sync refuses to
//    read it, the daemon reports it and re-attaches when it is back (its parent is watched);
//  - pods starting and stopping are seen through the runner's files in RUN_DIR/argv (created as
//    a pod starts, removed as it ends): Finit is asked only then, never polled;
//  - a running pod with a health check has one timer: one `podman healthcheck run` when it is due
//    (health-monitor.ts), and what HealthOnFailure= and Notify=healthy ask when its health changes;
//  - restarting the daemon never restarts an unchanged pod and never clears usr/finit-pods.

import {
  existsSync,
  type FSWatcher as FsWatch,
  watch as fsWatch,
  mkdirSync,
  readdirSync,
  statSync,
} from 'node:fs';
import type { Server } from 'node:net';
import { basename, dirname, join } from 'node:path';
import type { FSWatcher } from 'chokidar';
import { bootRecovery, isFirstRunSinceBoot } from '../apply/boot.js';
import type { Finit } from '../apply/finit.js';
import { hasProcess, inPassing } from '../apply/finit-status.js';
import { withLock } from '../apply/lock.js';
import { podmanCli } from '../apply/podman.js';
import type { Runner } from '../apply/run.js';
import type { Storage } from '../apply/storage.js';
import type { SyncConfig, SyncReport } from '../apply/sync.js';
import { doubled } from '../lib/backoff.js';
import { isIgnoredName, parseUnitName } from '../parse/load.js';
import { OWN_SERVICE, runnerCopies, runnerOfCopy } from '../render/labels.js';
import { listenControl } from './control.js';
import { HealthMonitor } from './health-monitor.js';
import type { Logger } from './log.js';
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
  /** How often the units directory's identity is checked besides the watch on its parent (re-attach after it was replaced). */
  dirCheckMs?: number;
  debounceMs?: number;
  /** Auto-update's schedule (daemon/updates.ts): started once the first apply is done. */
  updates?: { start(): void; stop(): Promise<void> };
}

export { controlPath } from './control.js';

const RETRY_MIN_MS = 2000;
const RETRY_MAX_MS = 30_000;
/** How long an apply waits for another finit-pods (a `sync` by hand) to finish applying. */
const LOCK_WAIT_MS = 300_000;
/** A burst of runner events (a pod restarting) is one look at Finit's state. */
const POD_EVENT_MS = 300;
/** A pod Finit shows paused, starting or stopping is looked at again after this, doubling. */
const SETTLE_MIN_MS = 250;
const SETTLE_MAX_MS = 8000;

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

/**
 * What the units directory holds, as identities (name, inode, size, mtime of every unit file and
 * drop-in, symlinks followed) plus any `paths` outside it (image archives): equal strings, same units.
 */
export function unitsFingerprint(dir: string, paths: readonly string[] = []): string {
  const parts: string[] = [];
  const add = (p: string) => {
    try {
      const s = statSync(p);
      parts.push(`${p}\0${s.ino}\0${s.size}\0${s.mtimeMs}`);
    } catch {
      parts.push(`${p}\0-`);
    }
  };
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return '';
  }
  for (const n of names) {
    const p = join(dir, n);
    if (!isRelevant(dir, p)) continue;
    add(p);
    if (!n.endsWith('.d')) continue;
    try {
      for (const f of readdirSync(p).sort()) if (isRelevant(dir, join(p, f))) add(join(p, f));
    } catch {
      // not a directory after all
    }
  }
  for (const p of paths) add(p);
  return parts.join('\n');
}

export class Daemon {
  private watcher: FSWatcher | undefined;
  /** The units as the last apply found them (unitsFingerprint), and whether a pod waits for an image. */
  private applied: { print: string; archives: string[]; waiting: boolean } | undefined;
  private fsWatches: FsWatch[] = [];
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
    this.loop = new ApplyLoop(
      (reasons) => this.apply(reasons),
      opts.debounceMs ?? 200,
      (rep) => rep === undefined,
    );
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
    this.retryMs = doubled(this.retryMs, RETRY_MIN_MS, RETRY_MAX_MS);
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
    // taken before the apply reads the units: a change made while it runs shows at the next relist
    const print = unitsFingerprint(this.cfg.unitsDir, this.applied?.archives);
    // loaded here: at boot, boot recovery starts removing before the sync engine is loaded
    const { sync, UnitsDirError } = await import('../apply/sync.js');
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
    this.applied = {
      // taken with the archives the last apply knew: another list means another print next time
      print: rep.archives.join('\n') === (this.applied?.archives ?? []).join('\n') ? print : '',
      archives: rep.archives,
      waiting: rep.units.some((u) => u.waitingFor !== undefined),
    };
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
            `${what} not applied; its last good stanza is kept and the pod keeps running`,
          );
        }
      } else if (u.state === 'error') {
        if (JSON.stringify(prev?.messages) !== JSON.stringify(messages))
          this.log.error({ unit: u.file, errors: messages }, `skipped ${what}`);
      } else if (u.state === 'waiting' && prev?.last !== 'waiting')
        this.log.info({ unit: u.file, waitingFor: u.waitingFor }, `${what} waits for ${u.waitingFor}`);
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
        return (
          (await this.loop.request('control: sync', { takesFailure: true })) ?? {
            error: this.lastError ?? 'apply failed',
          }
        );
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
    this.timers.push(setInterval(() => this.relist(), this.opts.relistMs ?? 30_000));
    this.timers.push(setInterval(() => void this.attach(), this.opts.dirCheckMs ?? 10_000));
    this.watchParent();
    this.watchRunner();
    this.health = new HealthMonitor({
      runDir: this.cfg.runDir,
      podman: podmanCli(this.cfg.podman, this.opts.exec),
      finit: this.opts.finit,
      log: this.log,
    });
    void this.watchPods();
    this.opts.updates?.start();
    this.log.info({ dir: this.cfg.unitsDir }, 'watching');
  }

  /** An apply when the units differ from the last apply's, or a pod waits for an image to appear. */
  private relist(): void {
    const a = this.applied;
    if (a && !a.waiting && a.print !== '' && unitsFingerprint(this.cfg.unitsDir, a.archives) === a.print)
      return;
    void this.loop.request('relist').catch(() => undefined);
  }

  /** The units directory appearing, going or replaced is seen at once through its parent's watch. */
  private watchParent(): void {
    const parent = dirname(this.cfg.unitsDir);
    const name = basename(this.cfg.unitsDir);
    try {
      const w = fsWatch(parent, (_event, file) => {
        if (file === null || file === name) void this.attach();
      });
      w.on('error', () => w.close());
      this.fsWatches.push(w);
    } catch {
      // no parent to watch: the periodic check re-attaches
    }
  }

  /** The runner creates RUN_DIR/argv/ID.PID as a service starts and removes it as it ends. */
  private watchRunner(): void {
    const dir = runnerCopies(this.cfg.runDir);
    let timer: NodeJS.Timeout | undefined;
    try {
      mkdirSync(dir, { recursive: true });
      const w = fsWatch(dir, (_event, file) => {
        // POD.PID gone: that runner ended (the pod stopped, or died and Finit starts it again)
        const r = file ? runnerOfCopy(file) : undefined;
        if (r && !existsSync(join(dir, file!)))
          this.log.info({ pod: r.identity, pid: r.pid }, `${r.identity} ended (runner ${r.pid})`);
        clearTimeout(timer);
        timer = setTimeout(() => void this.watchPods(), POD_EVENT_MS);
      });
      w.on('error', () => w.close());
      this.fsWatches.push(w);
    } catch (e) {
      this.log.warn(
        `cannot watch ${dir}: ${(e as Error).message}; pods starting and stopping are not logged`,
      );
    }
  }

  /** The services whose runner is there (RUN_DIR/argv/ID.PID). */
  private runners(): string[] {
    try {
      return readdirSync(runnerCopies(this.cfg.runDir)).flatMap((f) => runnerOfCopy(f)?.identity ?? []);
    } catch {
      return [];
    }
  }

  /** Each pod's state and PID as Finit last said them. */
  private podStatus = new Map<string, { status: string; pid: number }>();
  private polling = false;
  /** A runner event came during a poll: one more poll, so no start or stop goes unseen. */
  private pollAgain = false;
  /** A poll that failed is tried again (doubling from RETRY_MIN_MS up to RETRY_MAX_MS). */
  private pollRetryMs = 0;
  /** A pod in a passing state (inPassing) is looked at again (doubling from SETTLE_MIN_MS up to SETTLE_MAX_MS). */
  private settleMs = 0;
  /** The next look at Finit that no runner event asked for (a retry, or a pod settling). */
  private lookAgainTimer: NodeJS.Timeout | undefined;
  /** stop() was called: nothing new is started. */
  private stopped = false;
  /** Health checks of the running pods (started with the pod watch). */
  private health: HealthMonitor | undefined;

  /** Logs pods starting, stopping and crashing, as Finit reports them (one initctl call). */
  private async watchPods(): Promise<void> {
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    this.pollAgain = false;
    try {
      const version = this.state?.finitVersion ?? (await this.opts.finit.version());
      // a pod seen before, or whose runner is there, is asked for by name if the list lacks it
      const services = await this.opts.finit.services(version, [...this.podStatus.keys(), ...this.runners()]);
      const seen = new Set<string>();
      let passing = false;
      for (const s of services) {
        if (!OWN_SERVICE.test(s.identity)) continue;
        seen.add(s.identity);
        passing ||= inPassing(s);
        // paused while a reload has its conditions in flux is still the same run
        const status = hasProcess(s) ? 'running' : s.status;
        const before = this.podStatus.get(s.identity);
        this.podStatus.set(s.identity, { status, pid: s.pid });
        if (before?.status === status) {
          // the same state under another PID: it ended and Finit started it again in between
          if (status === 'running' && before.pid !== s.pid)
            this.log.info({ pod: s.identity, pid: s.pid, was: before.pid }, `${s.identity} restarted`);
          continue;
        }
        if (before !== undefined || status === 'running') {
          const level = status === 'crashed' ? 'error' : 'info';
          this.log[level](
            { pod: s.identity, pid: s.pid, was: before?.status ?? 'unknown' },
            `${s.identity} ${status === 'running' ? 'started' : status}`,
          );
        }
      }
      for (const id of [...this.podStatus.keys()]) {
        if (!seen.has(id)) {
          this.podStatus.delete(id);
          this.log.info({ pod: id }, `${id} removed from Finit`);
        }
      }
      this.health?.observe(services);
      this.pollRetryMs = 0;
      // no runner starts or ends as such a state ends: look again until every pod has settled
      this.settleMs = passing ? doubled(this.settleMs, SETTLE_MIN_MS, SETTLE_MAX_MS) : 0;
      this.lookAgain(passing ? this.settleMs : undefined);
    } catch (e) {
      // never read as "no change": a pod that started meanwhile would go unchecked, and what
      // waits for it to be healthy would wait for ever
      this.pollRetryMs = doubled(this.pollRetryMs, RETRY_MIN_MS, RETRY_MAX_MS);
      this.log.warn(
        { err: (e as Error).message },
        `cannot tell which pods run; asking Finit again in ${this.pollRetryMs / 1000} s`,
      );
      this.lookAgain(this.pollRetryMs);
    } finally {
      this.polling = false;
      if (this.pollAgain && !this.stopped) void this.watchPods();
    }
  }

  /** One look at Finit `ms` from now, in place of any planned; none when `ms` is undefined. */
  private lookAgain(ms: number | undefined): void {
    clearTimeout(this.lookAgainTimer);
    if (ms !== undefined && !this.stopped) this.lookAgainTimer = setTimeout(() => void this.watchPods(), ms);
  }

  /** Boot recovery, logged: what was removed and why, which images are missing. */
  private async boot(): Promise<void> {
    const t0 = Date.now();
    try {
      const storage = await this.opts.storage?.();
      if (storage && 'unsupported' in storage)
        this.log.info(`boot recovery asks podman, not its storage files: ${storage.unsupported}`);
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
          removalStart: r.removalStart === undefined ? undefined : Math.round(r.removalStart),
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
    this.stopped = true;
    await this.opts.updates?.stop();
    await this.health?.stop();
    for (const t of this.timers) clearInterval(t);
    for (const w of this.fsWatches) w.close();
    clearTimeout(this.retryTimer);
    clearTimeout(this.lookAgainTimer);
    await this.watcher?.close();
    await this.loop.stop();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
