// translateDir on more than one CPU, for one-shot commands over large directories (`check`).
// Each thread reads, parses and indexes its share of the units (files in name order, split
// evenly); the partial indexes are exchanged, since a unit may name any other
// (Network=db.network); then each thread translates its share. The results are the same, in the
// same order, as translateDir's. The workers are started before this thread loads the translator,
// so their own start-up overlaps it.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { scanDir, type UnitName } from '../parse/load.js';
import type { UnitInfo } from './index.js';
import type { DirOptions, UnitResult } from './translate.js';

/** Below this many units per thread, a thread costs more to start than it saves. */
export const MIN_UNITS_PER_THREAD = 150;

/** What a worker is given (workerData). */
export interface ShareJob {
  dir: string;
  names: UnitName[];
  subdirs: string[];
  opts: DirOptions;
  /** Leave the models out of the results (check needs only the diagnostics). */
  lean: boolean;
}
/** Worker → main: first its share of the index, then its results. Main → worker: the whole index. */
export type WorkerMessage = { index: [string, UnitInfo][] } | { results: UnitResult[] } | { error: string };

export interface ParallelOptions {
  /** Threads to use at most, this one included (default: the CPUs, at most 4). */
  threads?: number;
  minUnitsPerThread?: number;
  /** Results without their models. */
  lean?: boolean;
  /** The worker script (tests give one that fails, to see the fallback). */
  workerUrl?: URL;
}

const WORKER_URL = new URL('./translate-worker.js', import.meta.url);

/** Translates every unit in a directory, like translateDir, on up to `threads` threads. */
export async function translateDirParallel(
  dir: string,
  opts: DirOptions = {},
  {
    threads = Math.min(availableParallelism(), 4),
    minUnitsPerThread = MIN_UNITS_PER_THREAD,
    lean = false,
    workerUrl = WORKER_URL,
  }: ParallelOptions = {},
): Promise<UnitResult[]> {
  const { names, subdirs } = scanDir(dir);
  // opts.exists is a function, which cannot be sent to a worker
  const n = opts.exists ? 1 : Math.min(threads, Math.floor(names.length / minUnitsPerThread));
  const per = Math.ceil(names.length / Math.max(n, 1));
  const shares = Array.from({ length: Math.max(n, 1) }, (_, i) => names.slice(i * per, (i + 1) * per));
  const workers = shares
    .slice(1)
    .map((share) => startWorker(workerUrl, { dir, names: share, subdirs: [...subdirs], opts, lean }));
  const { buildIndex } = await import('./index.js');
  const { leanResult, loadUnits, translateLoaded } = await import('./translate.js');
  const finish = (r: UnitResult[]) => (lean ? r.map(leanResult) : r);
  const loaded = loadUnits(dir, shares[0]!, subdirs);
  const index = new Map(buildIndex(loaded));
  if (workers.length === 0) return finish(translateLoaded(loaded, index, opts));
  try {
    for (const w of workers) for (const [k, v] of expect(await w.next(), 'index').index) index.set(k, v);
    const all = [...index];
    for (const w of workers) w.worker.postMessage({ index: all });
    const out = finish(translateLoaded(loaded, index, opts));
    for (const w of workers) for (const r of expect(await w.next(), 'results').results) out.push(r);
    return out;
  } catch {
    // A worker that cannot start or dies: this thread does the whole directory instead. (An
    // error in the translation itself happens here too and is thrown from here.)
    const rest = loadUnits(dir, names.slice(per), subdirs);
    for (const [k, v] of buildIndex(rest)) index.set(k, v);
    return finish(translateLoaded([...loaded, ...rest], index, opts));
  } finally {
    for (const w of workers) void w.worker.terminate();
  }
}

function expect<K extends 'index' | 'results'>(
  m: WorkerMessage,
  key: K,
): Extract<WorkerMessage, Record<K, unknown>> {
  if (!(key in m)) throw new Error('error' in m ? m.error : `translate worker: expected its ${key}`);
  return m as Extract<WorkerMessage, Record<K, unknown>>;
}

/** A worker with its messages, one at a time; an error or an early exit rejects. */
function startWorker(url: URL, job: ShareJob): { worker: Worker; next(): Promise<WorkerMessage> } {
  const worker = new Worker(url, { workerData: job });
  const queue: WorkerMessage[] = [];
  let waiting: { resolve: (m: WorkerMessage) => void; reject: (e: Error) => void } | undefined;
  let failed: Error | undefined;
  const fail = (e: Error) => {
    failed ??= e;
    waiting?.reject(e);
    waiting = undefined;
  };
  worker.on('message', (m: WorkerMessage) => {
    if (!waiting) return void queue.push(m);
    const w = waiting;
    waiting = undefined;
    w.resolve(m);
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`translate worker exited (${code})`)));
  return {
    worker,
    next: () =>
      queue.length > 0
        ? Promise.resolve(queue.shift()!)
        : failed
          ? Promise.reject(failed)
          : new Promise((resolve, reject) => {
              waiting = { resolve, reject };
            }),
  };
}
