// [Kube] → `podman kube play … YAML` and `podman kube down … YAML` (src/model/kube.ts): one table
// row per key of KUBE_KEYS with the exact argv it must produce, the working directory, errors.

import t from 'tap';
import type { ServiceUnitModel } from '../../src/model/commands.js';
import { KUBE_KEYS } from '../../src/model/keys.js';
import { translateKube } from '../../src/model/kube.js';
import { expectDiagnostics, loadUnit, translated, unitsFrom } from '../helpers/units.js';

const P = '/usr/bin/podman';
const PLAY = [P, 'kube', 'play', '--replace', '--service-container=true'];
const YAML = '/units/web.yml';

const render = (text: string, others: Record<string, string> = {}) =>
  translated(translateKube, loadUnit('web.kube', text), unitsFrom(others));

interface Case {
  /** Lines of [Kube] after Yaml=web.yml (unless noYaml). */
  lines: string;
  noYaml?: boolean;
  /** The arguments between `--service-container=true` and the YAML file. */
  want?: string[];
  argv?: string[];
  others?: Record<string, string>;
  errors?: RegExp[];
  warnings?: RegExp[];
  model?: (m: ServiceUnitModel) => unknown;
}

/** Every [Kube] key: at least one case each. */
const CASES: Record<string, Case[]> = {
  ServiceName: [{ lines: 'ServiceName=svc\nLogOpt=tag=%N', want: ['--log-opt', 'tag=svc'] }],
  GlobalArgs: [
    {
      lines: 'GlobalArgs=--log-level=debug',
      argv: [P, '--log-level=debug', ...PLAY.slice(1), YAML],
      model: (m) => m.commands.stopPostArgv?.join(' ') === `${P} --log-level=debug kube down ${YAML}`,
    },
  ],
  ContainersConfModule: [
    {
      lines: 'ContainersConfModule=/etc/1.conf\nContainersConfModule=/etc/2.conf',
      argv: [P, '--module=/etc/1.conf', '--module=/etc/2.conf', ...PLAY.slice(1), YAML],
    },
  ],
  ExitCodePropagation: [
    { lines: 'ExitCodePropagation=all', want: ['--service-exit-code-propagation=all'] },
    { lines: 'ExitCodePropagation=some', errors: [/must be all, any or none/] },
  ],
  LogDriver: [{ lines: 'LogDriver=journald', want: ['--log-driver', 'journald'] }],
  LogOpt: [
    {
      lines: 'LogOpt=path=/var/log/x.json\nLogOpt=tag="{{.ImageName}}"',
      want: ['--log-opt', 'path=/var/log/x.json', '--log-opt', 'tag={{.ImageName}}'],
    },
  ],
  UserNS: [{ lines: 'UserNS=keep-id:uid=200', want: ['--userns', 'keep-id:uid=200'] }],
  RemapUsers: [
    { lines: 'RemapUsers=auto', want: ['--userns', 'auto'] },
    {
      lines: 'RemapUsers=manual\nRemapUid=0:10000:10',
      errors: [/RemapUsers=manual is not supported in \[Kube\]/],
    },
  ],
  RemapUid: [
    {
      lines: 'RemapUsers=auto\nRemapUid=0:10000:10\nRemapUid=10:20000:10',
      want: ['--userns', 'auto:uidmapping=0:10000:10,uidmapping=10:20000:10'],
    },
  ],
  RemapGid: [{ lines: 'RemapUsers=keep-id\nRemapGid=5', want: ['--userns', 'keep-id:gid=5'] }],
  RemapUidSize: [{ lines: 'RemapUsers=auto\nRemapUidSize=20', want: ['--userns', 'auto:size=20'] }],
  Network: [
    { lines: 'Network=basic', want: ['--network', 'basic'] },
    {
      lines: 'Network=db.network',
      others: { 'db.network': '[Network]\nNetworkName=test-network\n' },
      want: ['--network', 'test-network'],
      model: (m) => m.needs.includes('db.network'),
    },
    { lines: 'Network=gone.network', errors: [/gone\.network was not found in \/units/] },
  ],
  AutoUpdate: [
    {
      lines: 'AutoUpdate=registry\nAutoUpdate=foobar/local',
      want: [
        '--annotation=io.containers.autoupdate=registry',
        '--annotation=io.containers.autoupdate/foobar=local',
      ],
      warnings: [/does not update kube units under Finit/],
    },
  ],
  ConfigMap: [
    {
      lines: 'ConfigMap=rel.yml\nConfigMap=/opt/k8s/abs.yml',
      want: ['--configmap', '/units/rel.yml', '--configmap', '/opt/k8s/abs.yml'],
      model: (m) => m.inputs?.join(' ') === `${YAML} /units/rel.yml /opt/k8s/abs.yml`,
    },
  ],
  PublishPort: [
    { lines: 'PublishPort=[::]:80:91', want: ['--publish', '[::]:80:91'] },
    { lines: 'PublishPort=80:http', errors: [/invalid port format/] },
  ],
  PodmanArgs: [{ lines: 'PodmanArgs=--with-space yes', want: ['--with-space', 'yes'] }],
  Yaml: [
    {
      noYaml: true,
      lines: 'Yaml=./a/foo.yml\nYaml=/opt/bar.yml',
      argv: [...PLAY, '/units/a/foo.yml', '/opt/bar.yml'],
      model: (m) => m.commands.stopPostArgv?.join(' ') === `${P} kube down /units/a/foo.yml /opt/bar.yml`,
    },
    { noYaml: true, lines: 'LogDriver=journald', errors: [/no Yaml= key in \[Kube\]/] },
  ],
  KubeDownForce: [
    {
      lines: 'KubeDownForce=true',
      model: (m) => m.commands.stopPostArgv?.join(' ') === `${P} kube down --force ${YAML}`,
    },
    {
      lines: 'KubeDownForce=false',
      model: (m) => m.commands.stopPostArgv?.join(' ') === `${P} kube down --force=false ${YAML}`,
    },
  ],
  SetWorkingDirectory: [
    { lines: 'SetWorkingDirectory=unit', model: (m) => m.commands.workingDirectory === '/units' },
    {
      noYaml: true,
      lines: 'Yaml=./svc/web.yml\nSetWorkingDirectory=YAML',
      model: (m) => m.commands.workingDirectory === '/units/svc',
    },
    {
      noYaml: true,
      lines: 'Yaml=a.yml\nYaml=b.yml\nSetWorkingDirectory=yaml',
      errors: [/SetWorkingDirectory=yaml is only supported when a single Yaml key is provided/],
    },
    { lines: 'SetWorkingDirectory=file', errors: [/only supported in \.build files/] },
    { lines: 'SetWorkingDirectory=/srv', errors: [/takes yaml or unit/] },
  ],
};

t.test('every key of KUBE_KEYS has a case here', async (t) => {
  for (const key of KUBE_KEYS.keys()) t.ok(CASES[key]?.length, `${key} has a test case`);
  for (const key of Object.keys(CASES)) t.ok(KUBE_KEYS.has(key), `${key} is a [Kube] key`);
});

for (const [key, cases] of Object.entries(CASES)) {
  t.test(key, async (t) => {
    for (const c of cases) {
      const r = render(`[Kube]\n${c.noYaml ? '' : 'Yaml=web.yml\n'}${c.lines}\n`, c.others);
      const label = c.lines.replace(/\n/g, ' | ');
      expectDiagnostics(t, r, c, label);
      if (c.want) t.same(r.argv, [...PLAY, ...c.want, YAML], `${label}: argv`);
      if (c.argv) t.same(r.argv, c.argv, `${label}: argv`);
      if (c.model) t.ok(r.model && c.model(r.model), `${label}: model`);
    }
  });
}

t.test('a kube unit with Yaml= only: play and down', async (t) => {
  const r = render('[Kube]\nYaml=web.yml\n');
  t.same(r.model?.commands, { argv: [...PLAY, YAML], stopPostArgv: [P, 'kube', 'down', YAML] });
  t.equal(r.model?.kind, 'kube');
  t.equal(r.model?.resource, 'web');
  t.same(r.model?.inputs, [YAML]);
  t.equal(r.model?.oneshot, undefined);
  t.same([...r.errors, ...r.warnings], []);
});

t.test('the order of arguments follows Quadlet', async (t) => {
  const r = render(`[Kube]
Yaml=web.yml
PodmanArgs=--last
PublishPort=80
ConfigMap=c.yml
AutoUpdate=local
Network=host
RemapUsers=auto
LogOpt=a=b
LogDriver=journald
ExitCodePropagation=any
`);
  t.same(r.argv, [
    ...PLAY,
    '--service-exit-code-propagation=any',
    '--log-driver',
    'journald',
    '--log-opt',
    'a=b',
    '--userns',
    'auto',
    '--network',
    'host',
    '--annotation=io.containers.autoupdate=local',
    '--configmap',
    '/units/c.yml',
    '--publish',
    '80',
    '--last',
    YAML,
  ]);
});

t.test('[Service] of a kube unit', async (t) => {
  const wd = render(
    '[Service]\nWorkingDirectory=/etc/containers/systemd\n[Kube]\nYaml=web.yml\nSetWorkingDirectory=unit\n',
  );
  t.equal(wd.model?.commands.workingDirectory, '/etc/containers/systemd', '[Service] WorkingDirectory= wins');
  t.same(wd.warnings, []);

  const oneshot = render('[Kube]\nYaml=web.yml\n[Service]\nType=oneshot\n');
  t.equal(oneshot.model?.oneshot, true);
  t.same(oneshot.warnings, [], 'Type= is read, so not warned about');

  const bad = render('[Kube]\nYaml=web.yml\n[Service]\nType=simple\nKillMode=none\n');
  t.match(bad.errors, [
    { line: 4, message: /Type=simple in \[Service\]: a \.kube unit is notify or oneshot/ },
    { line: 5, message: /KillMode=none in \[Service\]: a \.kube unit takes mixed or control-group/ },
  ]);

  const deps = render('[Unit]\nRequires=db.network\nWants=gone.volume\n[Kube]\nYaml=web.yml\n', {
    'db.network': '[Network]\n',
  });
  t.same(deps.model?.needs, ['db.network']);
  t.match(deps.errors, [{ line: 3, message: /unable to translate dependency for gone\.volume/ }]);
});

t.test('unknown keys name the nearest known one', async (t) => {
  const r = render('[Kube]\nYaml=web.yml\nYml=x.yml\nVolume=/a:/b\n');
  t.match(r.errors, [
    { line: 3, message: /unsupported key Yml= in \[Kube\] \(did you mean Yaml=\?\)/ },
    { line: 4, message: /unsupported key Volume= in \[Kube\]/ },
  ]);
});
