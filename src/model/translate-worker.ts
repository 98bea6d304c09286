// One share of translateDirParallel (parallel.ts): read, parse and index the units it is given,
// send that index, receive the whole directory's, translate, send the results.

import { parentPort, workerData } from 'node:worker_threads';
import { buildIndex, type UnitInfo } from './index.js';
import type { ShareJob, WorkerMessage } from './parallel.js';
import { leanResult, loadUnits, translateLoaded } from './translate.js';

const job = workerData as ShareJob;
const port = parentPort!;
const send = (m: WorkerMessage) => port.postMessage(m);
const fail = (e: unknown) => send({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
try {
  const loaded = loadUnits(job.dir, job.names, new Set(job.subdirs));
  send({ index: [...buildIndex(loaded)] });
  port.once('message', (m: { index: [string, UnitInfo][] }) => {
    try {
      const results = translateLoaded(loaded, new Map(m.index), job.opts);
      send({ results: job.lean ? results.map(leanResult) : results });
    } catch (e) {
      fail(e);
    }
  });
} catch (e) {
  fail(e);
}
