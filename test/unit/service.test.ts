// The systemd sections of a unit → what Finit offers (src/model/service.ts): description,
// start order, restart policy and delays, runlevels; everything else is warned about, by name.

import t from 'tap';
import type { Diagnostic } from '../../src/lib/diagnostics.js';
import { translateContainer } from '../../src/model/container.js';
import { buildIndex } from '../../src/model/index.js';
import { parseTimeSpan, type ServiceModel } from '../../src/model/service.js';
import { loadUnit } from '../helpers/units.js';

/** Translates web.container with `sections` (and [Container] Image=img) next to `others`. */
function service(sections: string, others: Record<string, string> = {}) {
  const self = loadUnit('web.container', `[Container]\nImage=img\n${sections}`);
  const index = buildIndex([self, ...Object.entries(others).map(([f, x]) => loadUnit(f, x))]);
  const r = translateContainer(self, { index });
  const pick = (s: string) => r.diagnostics.filter((d: Diagnostic) => d.severity === s);
  return {
    service: r.model!.service as ServiceModel,
    needs: r.model!.needs,
    errors: pick('error'),
    warnings: pick('warning'),
  };
}
const msgs = (ds: Diagnostic[]) => ds.map((d) => [d.line, d.message]);

t.test('[Unit] Description, Requires, After, Wants, BindsTo', async (t) => {
  const r = service(
    `[Unit]
Description=Web front end
Documentation=https://example.com/web
Requires=db.container
BindsTo=auth.container
After=db.container cache.network
Wants=metrics.container
`,
    {
      'db.container': '[Container]\nImage=x\n',
      'auth.container': '[Container]\nImage=x\n',
      'cache.network': '[Network]\n',
      'metrics.container': '[Container]\nImage=x\n',
    },
  );
  t.same(r.errors, []);
  t.same(r.warnings, []);
  t.equal(r.service.description, 'Web front end');
  t.same(r.service.requires, ['db.container', 'auth.container']);
  t.same(r.service.after, ['db.container', 'cache.network']);
  t.same(r.service.wants, ['metrics.container']);
  t.same([...r.needs].sort(), ['auth.container', 'cache.network', 'db.container', 'metrics.container']);
});

t.test('a dependency on a Quadlet unit that is not there is an error at its line', async (t) => {
  const r = service('[Unit]\nDescription=x\nAfter=network-online.target\nRequires=gone.container\n');
  t.same(msgs(r.errors), [
    [6, '[Unit] Requires=: unable to translate dependency for gone.container: no such unit in /units'],
  ]);
});

t.test('each missing dependency is reported once, at the line that names it', async (t) => {
  const r = service(
    '[Unit]\nWants=gone.container\nAfter=other.container gone.container\nBindsTo=other.container\n',
  );
  t.same(msgs(r.errors), [
    [4, '[Unit] Wants=: unable to translate dependency for gone.container: no such unit in /units'],
    [5, '[Unit] After=: unable to translate dependency for other.container: no such unit in /units'],
  ]);
});

t.test('dependencies on systemd units: well-known targets are fine, others are warned about', async (t) => {
  const r = service(
    '[Unit]\nWants=network-online.target\nAfter=network-online.target network.target local-fs.target\nRequires=postgresql.service\nAfter=dbus.socket\n',
  );
  t.same(r.errors, []);
  t.same(msgs(r.warnings), [
    [
      6,
      '[Unit] Requires=postgresql.service: finit-pods orders units only by the Quadlet units of this directory (NAME.container, .pod, .kube, …); ignored',
    ],
    [
      7,
      '[Unit] After=dbus.socket: finit-pods orders units only by the Quadlet units of this directory (NAME.container, .pod, .kube, …); ignored',
    ],
  ]);
});

t.test('[Service] Restart=', async (t) => {
  const cases: [string, ServiceModel['restart'], RegExp | null][] = [
    ['', 'default', null],
    ['Restart=no', 'no', null],
    ['Restart=always', 'always', null],
    ['Restart=on-failure', 'on-failure', null],
    ['Restart=on-abnormal', 'on-failure', /Restart=on-abnormal: Finit restarts a pod whenever it exits/],
    ['Restart=on-success', 'on-failure', /read as on-failure/],
    ['Restart=sometimes', 'default', /Restart=sometimes is not a systemd restart policy; ignored/],
  ];
  for (const [line, want, warn] of cases) {
    const r = service(`[Service]\n${line}\n`);
    t.equal(r.service.restart, want, line || '(none)');
    t.same(
      r.warnings.map((d) => d.message),
      warn ? [r.warnings[0]?.message] : [],
      `${line}: warnings`,
    );
    if (warn) t.match(r.warnings[0]?.message, warn);
  }
});

t.test('[Service] RestartSec= and TimeoutStopSec=', async (t) => {
  const r = service('[Service]\nRestartSec=1min 30s\nTimeoutStopSec=2min\n');
  t.same(r.warnings, []);
  t.equal(r.service.restartSec, 90);
  t.equal(r.service.timeoutStopSec, 120);
  const inf = service('[Service]\nTimeoutStopSec=infinity\nRestartSec=500ms\n');
  t.equal(inf.service.timeoutStopSec, Number.POSITIVE_INFINITY);
  t.equal(inf.service.restartSec, 0.5);
  const bad = service('[Service]\nRestartSec=soon\nTimeoutStopSec=5 parsecs\n');
  t.same(msgs(bad.warnings), [
    [4, '[Service] RestartSec=soon is not a time span; ignored'],
    [5, '[Service] TimeoutStopSec=5 parsecs is not a time span; ignored'],
  ]);
  t.equal(bad.service.restartSec, undefined);
  t.equal(bad.service.timeoutStopSec, undefined);
});

t.test('parseTimeSpan follows systemd.time(7)', async (t) => {
  const cases: [string, number | undefined][] = [
    ['10', 10],
    ['10s', 10],
    [' 10 sec ', 10],
    ['1.5s', 1.5],
    ['500ms', 0.5],
    ['500msec', 0.5],
    ['250us', 0.00025],
    ['1min 30s', 90],
    ['1min30s', 90],
    ['2h30m', 9000],
    ['1hr', 3600],
    ['2 hours', 7200],
    ['1d', 86400],
    ['2days', 172800],
    ['1w', 604800],
    ['1 week', 604800],
    ['infinity', Number.POSITIVE_INFINITY],
    ['', undefined],
    ['soon', undefined],
    ['5 parsecs', undefined],
    ['-5s', undefined],
    ['10s and', undefined],
  ];
  for (const [text, want] of cases) t.equal(parseTimeSpan(text), want, JSON.stringify(text));
});

t.test('[Service] TimeoutStartSec= and Environment=', async (t) => {
  const r = service('[Service]\nTimeoutStartSec=900\nEnvironment=A=1 "B=two words"\n');
  t.same(msgs(r.warnings), [
    [4, '[Service] TimeoutStartSec= has no effect: Finit does not time out a starting pod'],
  ]);
  t.same(
    [...r.service.environment],
    [
      ['A', '1'],
      ['B', 'two words'],
    ],
  );
});

t.test('[Install] WantedBy=/RequiredBy= → runlevels', async (t) => {
  const cases: [string, string][] = [
    ['', '2345'],
    ['WantedBy=multi-user.target', '2345'],
    ['WantedBy=default.target', '2345'],
    ['WantedBy=graphical.target', '5'],
    ['WantedBy=rescue.target', '1'],
    ['WantedBy=sysinit.target', 'S'],
    ['WantedBy=multi-user.target rescue.target', '12345'],
    ['WantedBy=sysinit.target\nRequiredBy=graphical.target', 'S5'],
  ];
  for (const [line, want] of cases) {
    const r = service(`[Install]\n${line}\n`);
    t.same(r.warnings, [], line);
    t.equal(r.service.runlevels, want, line || '(none)');
  }
  const odd = service('[Install]\nWantedBy=sockets.target\nRequiredBy=custom.target\n');
  t.same(msgs(odd.warnings), [
    [
      4,
      '[Install] WantedBy=sockets.target: not a target finit-pods maps to runlevels; the pod runs in [2345]',
    ],
    [
      5,
      '[Install] RequiredBy=custom.target: not a target finit-pods maps to runlevels; the pod runs in [2345]',
    ],
  ]);
  t.equal(odd.service.runlevels, '2345');
});

// Keys of the systemd sections that finit-pods cannot honour: each must produce a warning that
// names it (and its section), never vanish.
const UNMAPPED: Record<string, string[]> = {
  Unit: [
    'Conflicts',
    'OnFailure',
    'Upholds',
    'ConditionPathExists',
    'AssertPathExists',
    'StartLimitBurst',
    'StartLimitIntervalSec',
    'RequiresMountsFor',
    'DefaultDependencies',
  ],
  Service: [
    'Type',
    'User',
    'Group',
    'DynamicUser',
    'ExecStartPre',
    'ExecStartPost',
    'ExecStop',
    'ExecStopPost',
    'ExecReload',
    'KillMode',
    'KillSignal',
    'Delegate',
    'NotifyAccess',
    'SyslogIdentifier',
    'WorkingDirectory',
    'EnvironmentFile',
    'LimitNOFILE',
    'MemoryMax',
    'CPUQuota',
    'Slice',
    'RemainAfterExit',
    'SuccessExitStatus',
    'WatchdogSec',
  ],
  Install: ['Also', 'Alias', 'DefaultInstance', 'UpheldBy'],
};

t.test('systemd keys without a Finit counterpart are warned about, each by name', async (t) => {
  for (const [section, keys] of Object.entries(UNMAPPED)) {
    for (const key of keys) {
      const r = service(`[${section}]\n${key}=x\n`);
      t.same(r.errors, [], `[${section}] ${key}=: no error`);
      t.equal(r.warnings.length, 1, `[${section}] ${key}=: one warning`);
      t.match(r.warnings[0]?.message, `${key}= in [${section}]`, `[${section}] ${key}=: named`);
      t.equal(r.warnings[0]?.line, 4, `[${section}] ${key}=: at its line`);
    }
  }
});

t.test('a typo in a systemd key gets a suggestion', async (t) => {
  const r = service('[Service]\nRestrat=always\n[Unit]\nDescripton=x\n');
  t.same(msgs(r.warnings), [
    [
      6,
      'Descripton= in [Unit] is a systemd dependency or option with no Finit counterpart; ignored (did you mean Description=?)',
    ],
    [
      4,
      'Restrat= in [Service] has no effect: Finit, not systemd, runs the pod; ignored (did you mean Restart=?)',
    ],
  ]);
});
