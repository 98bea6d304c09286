// The stanza finit-pods writes, on each real Finit (FINIT_PODS_STACKS): what finitCaps says a
// version takes, that Finit takes. The kill delay: a pod whose stop timeout needs more than the
// 60 s Finit 4.13 and earlier allow gets it from 4.14 (kill:SEC up to 300). Finit ignores a
// kill: out of its range and keeps its default of 3 s: it would then SIGKILL the runner while
// podman stop waits, and the container would be left running. Needs a build (dist/).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { finitCaps } from '../../src/render/finit.js';
import { CLI, IMAGE, stacksFromEnv, Testbed } from '../helpers/testbed.js';

if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);

// Every stack at once (each its own sandbox): they mostly wait for podman stop.
t.jobs = 3;
const NAME = `stanza-${process.pid}`;

for (const stack of stacksFromEnv()) {
  t.test(`${stack}: a kill delay past 60 s where Finit allows one`, async (t) => {
    const tb = await Testbed.boot({ stack, name: NAME });
    t.teardown(() => tb.destroy());
    const caps = finitCaps(tb.info.finit);
    // just past 4.13's maximum where the version allows it, else its maximum: about a minute each
    const stop = Math.min(caps.maxKill, 66) - 5;
    // busybox sleep as the container's PID 1 ignores SIGTERM: podman stop waits all of `stop`
    await tb.writeUnit(
      'slow.container',
      `[Container]\nImage=${IMAGE}\nExec=sleep 100000\nStopTimeout=${stop}\n`,
    );
    const sync = await tb.exec(['node', CLI, 'sync'], { reject: false, timeout: 180_000 });
    t.equal(sync.exitCode, 0, `sync exits 0 ${sync.stderr}`);
    const conf = readFileSync(path.join(tb.finitDir, 'enabled', 'pod-slow.conf'), 'utf8');
    t.match(conf, new RegExp(` kill:${stop + 5} `), `the stanza has kill:${stop + 5}`);
    await tb.waitForStatus('pod:slow', 'running');
    await tb.waitNewContainer('slow');
    t.notMatch(await tb.consoleLog(), /killdelay/, 'Finit took the kill delay');

    const t0 = Date.now();
    await tb.initctl('stop', 'pod:slow');
    await tb.waitFor(
      async () => (await tb.podman('ps', '-a', '--filter', 'name=^slow$', '-q')).stdout.trim() === '',
      { timeout: (stop + 30) * 1000, message: 'no container slow after initctl stop' },
    );
    const took = (Date.now() - t0) / 1000;
    t.ok(took >= stop - 1, `podman stop had its ${stop} s (${took.toFixed(1)} s), and no container is left`);
    t.equal(await tb.waitForStatus('pod:slow', 'stopped'), 'stopped', 'pod:slow stopped');
  });
}
