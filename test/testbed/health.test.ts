// Health checks and readiness on the real stacks (FINIT_PODS_STACKS), run by the finit-pods daemon
// as a Finit service, as on a device (issue 17's "done when"):
//  - a healthy pod stays up and `status --json` shows it healthy;
//  - a pod whose check starts failing (its container removes the file the check looks for) is
//    killed by the daemon (HealthOnFailure=kill), restarted by Finit, and counted by Finit;
//  - a pod that waits for a Notify=healthy pod (Requires=, After=) starts only once that pod is
//    healthy, not when it runs.
// The checks look at the container's own /tmp, which only the container changes.
// Needs a build (dist/): `npx tsc -p tsconfig.json && node tools/bundle.mjs`.
import { existsSync } from 'node:fs';
import t from 'tap';
import type { StatusView } from '../../src/inspect/status.js';
import { heldUntilReady } from '../helpers/readiness.js';
import { CLI, IMAGE, MESSAGES, SYSLOGD, stackInfo, stacksFromEnv, Testbed } from '../helpers/testbed.js';

if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);

/** A container whose check passes while /tmp/ok exists; `exec` decides when it does. */
const checked = (exec: string, more = '') =>
  `[Container]\nImage=${IMAGE}\nExec=sh -c '${exec}'\nHealthCmd=test -e /tmp/ok\nHealthInterval=1s\nStopTimeout=1\n${more}`;

const UNITS: Record<string, string> = {
  'ok.container': checked('touch /tmp/ok; exec sleep 100000'),
  // healthy for 8 s, then failing: killed after two failed checks, and again after each restart
  'flaky.container': checked(
    'touch /tmp/ok; sleep 8; rm /tmp/ok; exec sleep 100000',
    'HealthRetries=2\nHealthOnFailure=kill\n',
  ),
  // ready 6 s after it starts; app waits for that
  'db.container': checked('sleep 6; touch /tmp/ok; exec sleep 100000', 'Notify=healthy\n'),
  'app.container': `[Unit]\nRequires=db.container\nAfter=db.container\n[Container]\nImage=${IMAGE}\nExec=sleep 100000\nStopTimeout=1\n`,
};
const READY_AFTER_S = 6;

t.jobs = 2;
for (const stack of stacksFromEnv()) {
  const info = stackInfo(stack);
  t.test(
    `${stack}: health checks and readiness under Finit ${info.finit}, Podman ${info.podman}`,
    async (t) => {
      const tb = await Testbed.boot({ stack, name: 'health' });
      t.teardown(() => tb.destroy());
      await tb.writeStanza('syslogd.conf', SYSLOGD);
      await tb.initctl('reload');
      await tb.waitForStatus('syslogd', 'running');
      const status = async (): Promise<StatusView> =>
        JSON.parse(
          (await tb.exec([info.node, CLI, 'status', '--json'], { reject: false, timeout: 60_000 })).stdout,
        );
      const health = async (pod: string) => (await status()).units.find((u) => u.name === pod)?.health;

      await tb.startDaemon(UNITS);

      // readiness: while db runs but is not healthy yet, app is held back
      await heldUntilReady(t, tb, {
        dep: 'db',
        waiter: 'app',
        readyAfterS: READY_AFTER_S,
        when: 'was healthy',
      }).catch(async (e: Error) => {
        // what the daemon said and what it recorded, to tell why app was never let start
        const log = ((await tb.readInside(MESSAGES)) ?? '')
          .split('\n')
          .filter((l) => /db|ready|health|pods run/.test(l));
        const recorded = (await tb.readInside('/run/finit-pods/health.json')) ?? '(no health.json)';
        throw new Error(`${e.message}\ndaemon log:\n${log.slice(-40).join('\n')}\nhealth.json: ${recorded}`);
      });
      // health.json is written at most every 5 s: what status shows may lag the condition
      await tb.waitFor(async () => (await health('db'))?.status === 'healthy', {
        timeout: 30_000,
        message: 'db healthy in status --json',
      });
      t.pass('db: healthy in status --json');

      // a healthy pod stays up
      await tb.waitForStatus('pod:ok', 'running', { timeout: 60_000 });
      await tb.waitFor(async () => (await health('ok'))?.status === 'healthy', {
        timeout: 60_000,
        message: 'pod:ok healthy in status --json',
      });
      const okPid = (await tb.service('pod:ok'))?.pid;

      // a pod whose check starts failing: killed, restarted by Finit, counted
      await tb.waitForStatus('pod:flaky', 'running', { timeout: 60_000 });
      const before = await tb.restarts('pod:flaky');
      const firstId = await tb.waitNewContainer('flaky');
      await tb.waitFor(async () => (await tb.restarts('pod:flaky')) >= before + 2, {
        timeout: 120_000,
        interval: 1000,
        message: 'Finit to restart pod:flaky twice',
      });
      t.pass(`Finit restarted pod:flaky: ${before} → ${await tb.restarts('pod:flaky')} restarts`);
      t.not(await tb.waitNewContainer('flaky', firstId), firstId, 'in a new container');
      t.match(
        (await tb.readInside(MESSAGES)) ?? '',
        /pod:flaky: container flaky killed because it is unhealthy; Finit restarts the pod/,
        'the daemon says why it killed it',
      );
      const s = await status();
      const flaky = s.units.find((u) => u.name === 'flaky');
      t.ok(flaky?.health, `pod:flaky has health in status --json: ${JSON.stringify(flaky?.health)}`);
      if (info.finit !== '4.2') t.ok((flaky?.finit?.restarts ?? 0) >= 2, 'status shows the restart count');

      // the healthy pod, all along
      t.equal((await tb.service('pod:ok'))?.pid, okPid, 'pod:ok was never restarted');
      t.equal(await tb.restarts('pod:ok'), 0);
      const ok = s.units.find((u) => u.name === 'ok');
      t.match(ok, { healthy: true, health: { status: 'healthy', failingStreak: 0, exitCode: 0 } });
      t.equal(await tb.serviceStatus('finit-pods'), 'running', 'the daemon runs on');
    },
  );
}
