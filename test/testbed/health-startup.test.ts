// HealthStartupCmd= on the real stacks (FINIT_PODS_STACKS), with the daemon as a Finit service:
//  - Podman 4.4 and later: the pod is ready once its startup check passed HealthStartupSuccess=
//    times and then its regular check, not before, and what waits for it waits that long; a
//    startup check that keeps failing (HealthStartupRetries=) gets the pod restarted, and said why;
//  - Podman before 4.4 has no --health-startup-cmd, so podman would refuse the pod: present at
//    boot, it gets no stanza (boot recovery checks the options, as an apply does), and `status`
//    and `doctor` name the keys and the podman version, `doctor --fix` restarting nothing; an edit
//    that adds the keys to a running pod is not applied, and the pod keeps running, with the
//    reason in `status`.
// Needs a build (dist/): `npx tsc -p tsconfig.json && node tools/bundle.mjs`.
import { existsSync } from 'node:fs';
import t from 'tap';
import type { StatusView } from '../../src/inspect/status.js';
import { heldUntilReady } from '../helpers/readiness.js';
import { CLI, IMAGE, MESSAGES, SYSLOGD, stackInfo, stacksFromEnv, Testbed } from '../helpers/testbed.js';

if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);

/** Seconds after its start at which slow's startup check begins to pass. */
const STARTED_AFTER_S = 5;
const UNITS: Record<string, string> = {
  // regular check passing from the start; the startup check only from STARTED_AFTER_S, twice
  'slow.container': `[Container]\nImage=${IMAGE}\nExec=sh -c 'touch /tmp/ok; sleep ${STARTED_AFTER_S}; touch /tmp/started; exec sleep 100000'\nHealthCmd=test -e /tmp/ok\nHealthInterval=1s\nHealthStartupCmd=test -e /tmp/started\nHealthStartupInterval=1s\nHealthStartupSuccess=2\nNotify=healthy\nStopTimeout=1\n`,
  'app.container': `[Unit]\nRequires=slow.container\nAfter=slow.container\n[Container]\nImage=${IMAGE}\nExec=sleep 100000\nStopTimeout=1\n`,
  // runs everywhere; on Podman 4.3 an edit gives it a startup check
  'keep.container': `[Container]\nImage=${IMAGE}\nExec=sleep 100000\nStopTimeout=1\n`,
  // never starts up: restarted after three failed startup checks
  'stuck.container': `[Container]\nImage=${IMAGE}\nExec=sleep 100000\nHealthCmd=true\nHealthStartupCmd=false\nHealthStartupInterval=1s\nHealthStartupRetries=3\nStopTimeout=1\n`,
};

/** Whether a podman version (4.3.1, 5.4.2) has the startup check (4.4 and later). */
const hasStartupCheck = (v: string) => {
  const [major = 0, minor = 0] = v.split('.').map(Number);
  return major > 4 || (major === 4 && minor >= 4);
};

t.jobs = 2;
for (const stack of stacksFromEnv()) {
  const info = stackInfo(stack);
  t.test(`${stack}: HealthStartupCmd= under Finit ${info.finit}, Podman ${info.podman}`, async (t) => {
    const tb = await Testbed.boot({ stack, name: 'hstartup' });
    t.teardown(() => tb.destroy());
    await tb.writeStanza('syslogd.conf', SYSLOGD);
    await tb.initctl('reload');
    await tb.waitForStatus('syslogd', 'running');
    const cli = async (...args: string[]) =>
      tb.exec([info.node, CLI, ...args], { reject: false, timeout: 120_000 });
    await tb.startDaemon(UNITS);

    if (!hasStartupCheck(info.podman)) {
      // podman would refuse the options: no stanza at boot, so nothing crash-loops
      await tb.waitForStatus('pod:keep', 'running', { timeout: 60_000 });
      const want = new RegExp(
        `^pod:slow: not applied: \\S*slow\\.container: error: podman ${info.podman.replace(/\./g, '\\.')}[.\\d]* has no options --health-startup-cmd, --health-startup-interval, --health-startup-success \\(HealthStartupCmd=, HealthStartupInterval=, HealthStartupSuccess=\\), so it refuses to run the pod: remove them, or install a newer podman; the pod is not started$`,
        'm',
      );
      let shown = '';
      await tb.waitFor(
        async () => {
          shown = (await cli('status')).stdout;
          return want.test(shown);
        },
        { timeout: 30_000, message: () => `status to say why slow is not started; it says:\n${shown}` },
      );
      t.pass('status names the keys and the podman version');
      t.match(shown, /^pod:slow +error +- .* -$/m, 'slow: an error, unknown to Finit, no health shown');
      t.notOk(await tb.readInside('/etc/finit.d/enabled/pod-slow.conf'), 'slow: no stanza');
      t.notOk(await tb.readInside('/etc/finit.d/enabled/pod-stuck.conf'), 'stuck: no stanza');
      const r = await cli('doctor');
      t.equal(r.exitCode, 1, 'doctor: exit 1');
      t.match(r.stdout, want, 'doctor says the same');
      const fixed = await cli('doctor', '--fix');
      t.match(fixed.stdout, want, 'doctor --fix says the same');
      t.notMatch(fixed.stdout, /pod:slow[^\n]*\n\s+fixed:/, 'and does nothing for it');

      // an edit that adds a startup check to a running pod: not applied, the pod runs on
      const pid = (await tb.service('pod:keep'))?.pid;
      await tb.writeUnit(
        'keep.container',
        `${UNITS['keep.container']}HealthCmd=true\nHealthStartupCmd=true\n`,
      );
      const said =
        /^pod:keep: not applied: \S*keep\.container: error: podman [\d.]+ has no option --health-startup-cmd \(HealthStartupCmd=\), so it refuses to run the pod: remove the key, or install a newer podman; the pod keeps running as it was$/m;
      await tb.waitFor(
        async () => {
          shown = (await cli('status')).stdout;
          return said.test(shown);
        },
        {
          timeout: 30_000,
          message: () => `status to say why the edit was not applied; it says:\n${shown}`,
        },
      );
      t.pass('status says the edit was not applied, and why');
      t.equal((await tb.service('pod:keep'))?.pid, pid, 'pod:keep runs on, not restarted');
      t.equal(await tb.serviceStatus('pod:keep'), 'running');
      // app waits for slow: named, with nothing to do for it but what slow needs
      t.match(
        fixed.stdout,
        /^pod:app: Finit says \w+: waiting for pod:slow \(not known to Finit\)$/m,
        'app: held by slow',
      );
      t.notMatch(fixed.stdout, /pod:app[^\n]*\n\s+(fix|fixed):/, 'app: no restart');
      return;
    }

    // the startup check passes twice from 5 s, then the regular one: ready at ~7 s, not before
    await heldUntilReady(t, tb, {
      dep: 'slow',
      waiter: 'app',
      readyAfterS: STARTED_AFTER_S + 1,
      when: 'passed its startup check twice',
    });
    const status = async (): Promise<StatusView> => JSON.parse((await cli('status', '--json')).stdout);
    await tb.waitFor(
      async () => (await status()).units.find((u) => u.name === 'slow')?.health?.status === 'healthy',
      {
        timeout: 30_000,
        message: 'slow healthy in status --json',
      },
    );
    t.pass('slow: healthy in status --json');

    // a startup check that never passes: the pod is restarted, and the log says why
    await tb.waitFor(
      async () =>
        /pod:stuck is unhealthy: its startup check failed 3 times in a row/.test(
          (await tb.readInside(MESSAGES)) ?? '',
        ),
      { timeout: 90_000, interval: 1000, message: 'the daemon to act on stuck' },
    );
    t.pass('the daemon says stuck failed its startup check 3 times');
    const first = await tb.waitNewContainer('stuck');
    t.not(await tb.waitNewContainer('stuck', first), first, 'stuck runs again in a new container');
    t.equal(await tb.serviceStatus('pod:slow'), 'running', 'slow was left alone');
    t.equal(await tb.serviceStatus('finit-pods'), 'running', 'the daemon runs on');
  });
}
