// The Finit adapter on the real stacks (FINIT_PODS_STACKS) while another program lists Finit's
// services all along. Finit walks its services with one iterator shared by every client, so two
// `initctl status` at once each get part of the list; finit-pods must still see every pod:
//  - the daemon sees db start and checks it, so app, which waits for db to be healthy, starts;
//  - the daemon logs each pod starting, and none as removed from Finit;
//  - `finit-pods status` shows every pod running, every time.
// Needs a build (dist/): `npx tsc -p tsconfig.json && node tools/bundle.mjs`.
import { existsSync } from 'node:fs';
import t from 'tap';
import type { StatusView } from '../../src/inspect/status.js';
import { CLI, IMAGE, MESSAGES, SYSLOGD, stackInfo, stacksFromEnv, Testbed } from '../helpers/testbed.js';

if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);

const UNITS: Record<string, string> = {
  'db.container': `[Container]\nImage=${IMAGE}\nExec=sh -c 'sleep 3; touch /tmp/ok; exec sleep 100000'\nHealthCmd=test -e /tmp/ok\nHealthInterval=1s\nNotify=healthy\nStopTimeout=1\n`,
  'app.container': `[Unit]\nRequires=db.container\nAfter=db.container\n[Container]\nImage=${IMAGE}\nExec=sleep 100000\nStopTimeout=1\n`,
  'web.container': `[Container]\nImage=${IMAGE}\nExec=sleep 100000\nStopTimeout=1\n`,
};
const READS = 20;

t.jobs = 3;
for (const stack of stacksFromEnv()) {
  const info = stackInfo(stack);
  t.test(
    `${stack}: pods seen while another program lists Finit's services (Finit ${info.finit})`,
    async (t) => {
      const tb = await Testbed.boot({ stack, name: 'finit-list' });
      t.teardown(() => tb.destroy());
      // the other program: initctl status in a loop, as a Finit service
      await tb.sh(
        `printf 'while :; do %s -p -t status >/dev/null 2>&1; done\\n' ${tb.initctlPath} >/run/lister.sh`,
      );
      await tb.writeStanza('syslogd.conf', SYSLOGD);
      await tb.writeStanza(
        'lister.conf',
        'service [2345] name:lister /bin/sh /run/lister.sh -- lists services\n',
      );
      await tb.initctl('reload');
      await tb.waitForStatus('lister', 'running');

      await tb.startDaemon(UNITS);
      await tb.waitForStatus('pod:app', 'running', { timeout: 90_000 });
      t.pass('app started: the daemon saw db start, checked it and made it ready');
      // the daemon looks at Finit a moment after a runner starts
      let log = '';
      await tb
        .waitFor(
          async () => {
            log = (await tb.readInside(MESSAGES)) ?? '';
            return ['db', 'web', 'app'].every((pod) => log.includes(`pod:${pod} started`)) || undefined;
          },
          { timeout: 15_000, message: 'the daemon to log every pod starting' },
        )
        .catch(() => undefined);
      for (const pod of ['db', 'web', 'app'])
        t.match(log, new RegExp(`pod:${pod} started`), `the daemon logged pod:${pod} starting`);
      t.notMatch(log, /removed from Finit/, 'and no pod as removed');

      let whole = 0;
      const seen: string[] = [];
      for (let i = 0; i < READS; i++) {
        const r = await tb.exec([info.node, CLI, 'status', '--json'], { reject: false, timeout: 60_000 });
        const view = JSON.parse(r.stdout) as StatusView;
        const states = ['db', 'app', 'web'].map((n) => view.units.find((u) => u.name === n)?.finit?.status);
        seen.push(states.join('/'));
        if (states.every((s) => s === 'running')) whole++;
      }
      t.equal(
        whole,
        READS,
        `status showed every pod running at each of ${READS} reads (${[...new Set(seen)].join(', ')})`,
      );
      await tb.initctl('stop', 'lister');
    },
  );
}
