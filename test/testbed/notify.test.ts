// Notify=true on the real stacks (FINIT_PODS_STACKS), the daemon running as a Finit service: a pod
// whose container says READY=1 over sd_notify (podman's --sdnotify=container, relayed by the
// runner's socat) holds back what waits for it (Requires=, After=) until it says so, not until it
// runs; one that never says it holds them back for good. The image is busybox with the sandbox's
// own socat, which sends the message, as a service linked with libsystemd would.
// Needs a build (dist/): `npx tsc -p tsconfig.json && node tools/bundle.mjs`.
import { existsSync } from 'node:fs';
import t from 'tap';
import type { StatusView } from '../../src/inspect/status.js';
import { heldUntilReady } from '../helpers/readiness.js';
import { CLI, IMAGE, stackInfo, stacksFromEnv, Testbed } from '../helpers/testbed.js';

if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);

const NOTIFY_IMAGE = 'localhost/notify:latest';
const READY_AFTER_S = 6;
/** socat and the libraries it links, from the sandbox's root, over busybox. */
const BUILD_IMAGE = `set -e
ctx=$(mktemp -d)
for f in /usr/bin/socat $(ldd /usr/bin/socat | grep -o '/[^ ]*'); do cp --parents -L "$f" "$ctx"; done
printf 'FROM ${IMAGE}\\nCOPY . /\\n' >"$ctx/Containerfile"
podman build -q -t ${NOTIFY_IMAGE} "$ctx" >/dev/null
rm -rf "$ctx"`;
const send = (msg: string) => `printf ${msg} | /usr/bin/socat -u - UNIX-SENDTO:$NOTIFY_SOCKET`;
const waiter = (on: string) =>
  `[Unit]\nRequires=${on}.container\nAfter=${on}.container\n[Container]\nImage=${IMAGE}\nExec=sleep 100000\nStopTimeout=1\n`;

const UNITS: Record<string, string> = {
  // says READY=1 6 s after it starts
  'sd.container': `[Container]\nImage=${NOTIFY_IMAGE}\nNotify=true\nStopTimeout=1\nExec=sh -c '${send('STATUS=starting')}; sleep ${READY_AFTER_S}; ${send('READY=1')}; exec sleep 100000'\n`,
  'app.container': waiter('sd'),
  // runs, never says it
  'mute.container': `[Container]\nImage=${NOTIFY_IMAGE}\nNotify=true\nStopTimeout=1\nExec=sleep 100000\n`,
  'held.container': waiter('mute'),
};

t.jobs = 2;
for (const stack of stacksFromEnv()) {
  const info = stackInfo(stack);
  t.test(`${stack}: Notify=true under Finit ${info.finit}, Podman ${info.podman}`, async (t) => {
    const tb = await Testbed.boot({ stack, name: 'notify' });
    t.teardown(() => tb.destroy());
    await tb.sh(BUILD_IMAGE, { timeout: 300_000 });

    await tb.startDaemon(UNITS);

    await heldUntilReady(t, tb, {
      dep: 'sd',
      waiter: 'app',
      readyAfterS: READY_AFTER_S,
      when: 'said READY=1',
    });

    // mute runs, but never says READY=1: held waits
    t.equal(await tb.serviceStatus('pod:mute'), 'running', 'mute runs');
    t.not(await tb.serviceStatus('pod:held'), 'running', 'held still waits for mute');
    t.equal(await tb.containerId('held'), undefined);
    const status = await tb.exec([info.node, CLI, 'status', '--json'], { reject: false, timeout: 60_000 });
    const view = JSON.parse(status.stdout) as StatusView;
    const ready = (pod: string) => view.units.find((u) => u.name === pod)?.ready;
    t.equal(ready('sd'), true, 'status: sd is ready');
    t.equal(ready('mute'), false, 'status: mute is not');
    const text = (await tb.exec([info.node, CLI, 'status'], { reject: false, timeout: 60_000 })).stdout;
    t.match(text, /^pod:mute: not ready yet \(its container has not sent READY=1\)/m, 'and says so');
    t.match(
      text,
      /^pod:held: Finit says \w+: waiting for pod:mute \(not ready: its container has not sent READY=1\)$/m,
      'and what held waits for',
    );

    // a restart of sd makes it unready until it says READY=1 again: app is stopped meanwhile
    await tb.initctl('restart', 'pod:sd');
    await tb.waitFor(async () => (await tb.serviceStatus('pod:app')) !== 'running', {
      timeout: 30_000,
      message: 'app stopped while sd is not ready',
    });
    await tb.waitForStatus('pod:app', 'running', { timeout: 60_000 });
    t.pass('app runs again once the new sd said READY=1');
    t.equal(await tb.serviceStatus('finit-pods'), 'running', 'the daemon runs on');
  });
}
