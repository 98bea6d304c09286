// The apply loop (src/daemon/loop.ts): coalescing, one apply at a time, every request answered
// by an apply that started after it.

import t from 'tap';
import { ApplyLoop } from '../../src/daemon/loop.js';
import { gate, sleep, until } from '../helpers/wait.js';

t.test('ApplyLoop', async (t) => {
  t.test('requests before the delay ends are one apply, all answered with its result', async (t) => {
    const calls: string[][] = [];
    const loop = new ApplyLoop(async (reasons) => {
      calls.push(reasons);
      return calls.length;
    }, 20);
    const answers = await Promise.all([loop.request('a'), loop.request('b'), loop.request('a')]);
    t.same(answers, [1, 1, 1], 'every request gets the result of the one apply');
    t.same(calls, [['a', 'b']], 'one apply, reasons deduplicated in order');
    t.equal(loop.count, 1, 'count is 1');
    await loop.stop();
  });

  t.test('N requests during one apply give exactly one more apply', async (t) => {
    const g = gate();
    const calls: string[][] = [];
    let running = 0;
    const loop = new ApplyLoop(async (reasons) => {
      calls.push(reasons);
      running++;
      if (calls.length === 1) await g.promise;
      running--;
      return calls.length;
    }, 5);
    const first = loop.request('first');
    await until(() => running === 1, 'the first apply to start');
    const during = Array.from({ length: 10 }, (_, i) => loop.request(`during-${i}`));
    await sleep(30); // far longer than the delay: the loop must still not start a second apply
    t.equal(calls.length, 1, 'no second apply while the first runs');
    g.open();
    t.equal(await first, 1, 'the first request is answered by the first apply');
    t.same(await Promise.all(during), Array(10).fill(2), 'the 10 later ones by the second apply');
    t.equal(calls.length, 2, 'two applies in all');
    t.same(
      calls[1],
      Array.from({ length: 10 }, (_, i) => `during-${i}`),
      'the second apply carries the 10 reasons',
    );
    await sleep(30);
    t.equal(loop.count, 2, 'and nothing runs afterwards');
    await loop.stop();
  });

  t.test('never two applies at once; each request answered by an apply that started after it', async (t) => {
    let clock = 0; // a logical clock: request and apply-start events in order
    let running = 0;
    let maxRunning = 0;
    const starts: number[] = []; // apply i started at starts[i - 1]
    const loop = new ApplyLoop(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      starts.push(++clock);
      const n = starts.length;
      await sleep(1 + ((n * 7) % 5));
      running--;
      return n;
    }, 1);
    const pending: Promise<void>[] = [];
    const checks: { at: number; apply: number }[] = [];
    for (let i = 0; i < 60; i++) {
      const at = ++clock;
      pending.push(
        loop.request(`r${i}`).then((apply) => {
          checks.push({ at, apply });
        }),
      );
      await sleep((i * 13) % 4);
    }
    await Promise.all(pending);
    t.equal(maxRunning, 1, 'at most one apply at a time');
    t.equal(checks.length, 60, 'every request answered');
    const late = checks.filter((c) => starts[c.apply - 1]! <= c.at);
    t.same(late, [], 'every answer comes from an apply that started after the request');
    t.ok(loop.count < 60, `requests were coalesced (${loop.count} applies for 60 requests)`);
    await loop.stop();
  });

  t.test('a failed apply rejects its requests; the next request applies again', async (t) => {
    let n = 0;
    const loop = new ApplyLoop(async () => {
      n++;
      if (n === 1) throw new Error('boom');
      return n;
    }, 1);
    await t.rejects(Promise.all([loop.request('a'), loop.request('b')]), /boom/, 'both rejected');
    t.equal(await loop.request('c'), 2, 'the loop keeps working');
    await loop.stop();
  });

  t.test('a request that takes failure, made during an apply that fails, gets that failure', async (t) => {
    const g = gate();
    const calls: string[][] = [];
    let running = 0;
    // undefined: a failed apply (the daemon's shape); a number: one that worked
    const loop = new ApplyLoop<number | undefined>(
      async (reasons) => {
        calls.push(reasons);
        running++;
        if (calls.length === 1) await g.promise;
        running--;
        return calls.length === 1 ? undefined : calls.length;
      },
      5,
      (r) => r === undefined,
    );
    const first = loop.request('edit');
    await until(() => running === 1, 'the first apply to start');
    const sync = loop.request('control: sync', { takesFailure: true });
    const event = loop.request('another edit');
    g.open();
    t.equal(await first, undefined, 'the first apply failed');
    t.equal(await sync, undefined, 'the sync made during it gets its failure, not the next apply');
    t.equal(await event, 2, 'a plain request still gets the next apply');
    t.same(calls[1], ['another edit'], 'which carries its own reason, not the answered one');

    // during an apply that works, the same request waits for the next one, as any other
    const g2 = gate();
    let applies = 0;
    const loop2 = new ApplyLoop<number | undefined>(
      async () => {
        applies++;
        if (applies === 1) await g2.promise;
        return applies;
      },
      5,
      (r) => r === undefined,
    );
    const a = loop2.request('edit');
    await sleep(20);
    const b = loop2.request('control: sync', { takesFailure: true });
    g2.open();
    t.equal(await a, 1);
    t.equal(await b, 2, 'after an apply that worked: the next apply');

    // an apply that throws: rejected alike
    const g3 = gate();
    const loop3 = new ApplyLoop<number>(async () => {
      await g3.promise;
      throw new Error('podman timed out');
    }, 5);
    const c = loop3.request('edit');
    await sleep(20);
    const d = loop3.request('control: sync', { takesFailure: true });
    g3.open();
    await t.rejects(c, /podman timed out/);
    await t.rejects(d, /podman timed out/, 'the sync made during it too');
    await Promise.all([loop.stop(), loop2.stop(), loop3.stop()]);
  });

  t.test('stop() waits for the apply in progress and refuses new requests', async (t) => {
    const g = gate();
    let finished = false;
    const loop = new ApplyLoop(async () => {
      await g.promise;
      finished = true;
      return 1;
    }, 1);
    const first = loop.request('a');
    await sleep(10);
    const stopped = loop.stop();
    g.open();
    await stopped;
    t.ok(finished, 'the apply in progress finished before stop() returned');
    t.equal(await first, 1, 'and its request was answered');
    await t.rejects(loop.request('b'), /stopping/, 'new requests are refused');
  });

  t.test('stop() rejects requests still waiting for their apply', async (t) => {
    const loop = new ApplyLoop(async () => 1, 1_000);
    const p = loop.request('a');
    await loop.stop();
    await t.rejects(p, /stopping/, 'rejected');
    t.equal(loop.count, 0, 'no apply ran');
  });
});
