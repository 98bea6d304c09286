// [Pod] → `podman pod create` and the pod start/stop/rm commands (src/model/pod.ts): one table row
// per key of POD_KEYS with the exact argv it must produce, references to other units, errors.

import t from 'tap';
import type { ServiceUnitModel } from '../../src/model/commands.js';
import { buildIndex } from '../../src/model/index.js';
import { POD_KEYS } from '../../src/model/keys.js';
import { translatePod } from '../../src/model/pod.js';
import { expectDiagnostics, loadUnit, translated, unitsFrom } from '../helpers/units.js';

const P = '/usr/bin/podman';
const CREATE = [P, 'pod', 'create', '--replace', '--exit-policy', 'stop'];
const NAMES = ['--infra-name', 'web-infra', '--name', 'web'];

const render = (text: string, others: Record<string, string> = {}, file = 'web.pod') =>
  translated(translatePod, loadUnit(file, text), unitsFrom(others));

interface Case {
  lines: string;
  /** The arguments between `--exit-policy stop` and `--infra-name`. */
  want?: string[];
  argv?: string[];
  others?: Record<string, string>;
  errors?: RegExp[];
  warnings?: RegExp[];
  model?: (m: ServiceUnitModel) => unknown;
}

/** Every [Pod] key: at least one case each. */
const CASES: Record<string, Case[]> = {
  ServiceName: [{ lines: 'ServiceName=svc\nLabel=n=%N', want: ['--label', 'n=svc'] }],
  GlobalArgs: [
    {
      lines: 'GlobalArgs=--log-level=debug "--root=/my root"',
      argv: [P, '--log-level=debug', '--root=/my root', ...CREATE.slice(1), ...NAMES],
      model: (m) =>
        m.commands.startArgv?.join(' ') === `${P} --log-level=debug --root=/my root pod start web`,
    },
  ],
  ContainersConfModule: [
    {
      lines: 'GlobalArgs=--debug\nContainersConfModule=/etc/m.conf',
      argv: [P, '--module=/etc/m.conf', '--debug', ...CREATE.slice(1), ...NAMES],
    },
  ],
  ExitPolicy: [
    { lines: 'ExitPolicy=continue', argv: [...CREATE.slice(0, -1), 'continue', ...NAMES] },
    { lines: 'ExitPolicy=', argv: [...CREATE, ...NAMES] },
    { lines: 'ExitPolicy=never', errors: [/ExitPolicy=never: must be continue or stop/] },
  ],
  UserNS: [{ lines: 'UserNS=keep-id:uid=200,gid=210', want: ['--userns', 'keep-id:uid=200,gid=210'] }],
  UIDMap: [{ lines: 'UIDMap=0:10000:10', want: ['--uidmap', '0:10000:10'] }],
  GIDMap: [
    { lines: 'GIDMap=0:10000:10 10:20000:10', want: ['--gidmap', '0:10000:10', '--gidmap', '10:20000:10'] },
  ],
  SubUIDMap: [{ lines: 'SubUIDMap=utest', want: ['--subuidname', 'utest'] }],
  SubGIDMap: [{ lines: 'SubGIDMap=gtest', want: ['--subgidname', 'gtest'] }],
  RemapUsers: [
    { lines: 'RemapUsers=keep-id', want: ['--userns', 'keep-id'] },
    {
      lines: 'RemapUsers=manual\nRemapUid=0:10000:10\nRemapGid=0:20000:10',
      want: ['--uidmap', '0:10000:10', '--gidmap', '0:20000:10'],
    },
    { lines: 'RemapUsers=all', errors: [/unsupported RemapUsers option 'all'/] },
    { lines: 'RemapUsers=auto\nUserNS=host', errors: [/deprecated Remap keys/] },
  ],
  RemapUid: [{ lines: 'RemapUid=0:10000:10', errors: [/RemapUid= is set without RemapUsers=/] }],
  RemapGid: [
    {
      lines: 'RemapUsers=auto\nRemapUid=0:1:2\nRemapGid=0:3:4',
      want: ['--userns', 'auto:uidmapping=0:1:2,gidmapping=0:3:4'],
    },
  ],
  RemapUidSize: [{ lines: 'RemapUsers=auto\nRemapUidSize=20', want: ['--userns', 'auto:size=20'] }],
  PublishPort: [
    {
      lines: 'PublishPort=127.0.0.1:80:90\nPublishPort=[::1]:1234:1234/udp',
      want: ['--publish', '127.0.0.1:80:90', '--publish', '[::1]:1234:1234/udp'],
    },
    { lines: 'PublishPort=80:http', errors: [/invalid port format/] },
  ],
  Label: [
    {
      lines: 'Label=org.foo.Arg1=arg1 "org.foo.Arg2=arg 2"\nLabel=org.foo.Arg0=arg0',
      want: ['--label', 'org.foo.Arg0=arg0', '--label', 'org.foo.Arg1=arg1', '--label', 'org.foo.Arg2=arg 2'],
    },
  ],
  Network: [
    { lines: 'Network=host', want: ['--network', 'host'] },
    {
      lines: 'Network=db.network:ip=10.0.0.2',
      others: { 'db.network': '[Network]\nNetworkName=backend\n' },
      want: ['--network', 'backend:ip=10.0.0.2'],
      model: (m) => m.needs.includes('db.network'),
    },
    { lines: 'Network=gone.network', errors: [/gone\.network was not found in \/units/] },
  ],
  IP: [{ lines: 'IP=10.88.64.128', want: ['--ip', '10.88.64.128'] }],
  IP6: [{ lines: 'IP6=fd46:db93:aa76:ac37::10', want: ['--ip6', 'fd46:db93:aa76:ac37::10'] }],
  ShmSize: [{ lines: 'ShmSize=5g', want: ['--shm-size', '5g'] }],
  NetworkAlias: [
    { lines: 'NetworkAlias=a\nNetworkAlias=b', want: ['--network-alias', 'a', '--network-alias', 'b'] },
  ],
  DNS: [{ lines: 'DNS=8.7.7.7\nDNS=8.8.8.8', want: ['--dns', '8.7.7.7', '--dns', '8.8.8.8'] }],
  DNSOption: [{ lines: 'DNSOption=ndots:1', want: ['--dns-option', 'ndots:1'] }],
  DNSSearch: [{ lines: 'DNSSearch=foo.com', want: ['--dns-search', 'foo.com'] }],
  AddHost: [{ lines: 'AddHost=h:192.168.10.10', want: ['--add-host', 'h:192.168.10.10'] }],
  HostName: [{ lines: 'HostName=my-host', want: ['--hostname', 'my-host'] }],
  Volume: [
    {
      lines: 'Volume=/host:/c:Z\nVolume=./rel:/r\nVolume=/empty\nVolume=data.volume:/d',
      others: { 'data.volume': '[Volume]\nVolumeName=store\n' },
      want: ['-v', '/host:/c:Z', '-v', '/units/rel:/r', '-v', '/empty', '-v', 'store:/d'],
      model: (m) => m.needs.includes('data.volume'),
    },
    { lines: 'Volume=gone.volume:/d', errors: [/gone\.volume was not found/] },
  ],
  PodName: [
    {
      lines: 'PodName=test-pod',
      argv: [...CREATE, '--infra-name', 'test-pod-infra', '--name', 'test-pod'],
      model: (m) =>
        m.resource === 'test-pod' &&
        m.commands.stopPostArgv?.join(' ') === `${P} pod rm --ignore --force test-pod`,
    },
    { lines: 'PodName=bad name', warnings: [/not a valid pod name/] },
  ],
  PodmanArgs: [
    {
      lines: 'PodmanArgs="--foo" \\\n  --bar\nPodmanArgs=--with-space yes',
      argv: [...CREATE, ...NAMES, '--foo', '--bar', '--with-space', 'yes'],
    },
  ],
  StopTimeout: [
    {
      lines: 'StopTimeout=20',
      model: (m) => m.commands.stopArgv?.join(' ') === `${P} pod stop --ignore --time=20 web`,
    },
    { lines: 'StopTimeout=soon', errors: [/StopTimeout=soon: must be a whole number/] },
  ],
};

t.test('every key of POD_KEYS has a case here', async (t) => {
  for (const key of POD_KEYS.keys()) t.ok(CASES[key]?.length, `${key} has a test case`);
  for (const key of Object.keys(CASES)) t.ok(POD_KEYS.has(key), `${key} is a [Pod] key`);
});

for (const [key, cases] of Object.entries(CASES)) {
  t.test(key, async (t) => {
    for (const c of cases) {
      const r = render(`[Pod]\n${c.lines}\n`, c.others);
      const label = c.lines.replace(/\n/g, ' | ');
      expectDiagnostics(t, r, c, label);
      if (c.want) t.same(r.argv, [...CREATE, ...c.want, ...NAMES], `${label}: argv`);
      if (c.argv) t.same(r.argv, c.argv, `${label}: argv`);
      if (c.model) t.ok(r.model && c.model(r.model), `${label}: model`);
    }
  });
}

t.test('a pod with no keys: the four commands', async (t) => {
  const r = render('[Pod]\n');
  t.same(r.model?.commands, {
    argv: [...CREATE, ...NAMES],
    startArgv: [P, 'pod', 'start', 'web'],
    stopArgv: [P, 'pod', 'stop', '--ignore', '--time=10', 'web'],
    stopPostArgv: [P, 'pod', 'rm', '--ignore', '--force', 'web'],
  });
  t.equal(r.model?.kind, 'pod');
  t.equal(r.model?.resource, 'web');
  t.same(r.errors, []);
  t.same(render('[Unit]\nDescription=no [Pod] section\n').errors, [], 'every [Pod] key is optional');
});

t.test('the order of arguments follows Quadlet', async (t) => {
  const r = render(`[Pod]
PodmanArgs=--last
Volume=/v:/v
HostName=h
AddHost=a:1.2.3.4
DNS=1.1.1.1
ShmSize=1g
IP=10.0.0.2
Network=host
Label=l=1
PublishPort=80
UserNS=auto
ExitPolicy=continue
`);
  t.same(r.argv, [
    P,
    'pod',
    'create',
    '--replace',
    '--exit-policy',
    'continue',
    '--userns',
    'auto',
    '--publish',
    '80',
    '--label',
    'l=1',
    '--network',
    'host',
    '--ip',
    '10.0.0.2',
    '--shm-size',
    '1g',
    '--dns',
    '1.1.1.1',
    '--add-host',
    'a:1.2.3.4',
    '--hostname',
    'h',
    '-v',
    '/v:/v',
    ...NAMES,
    '--last',
  ]);
});

t.test('unknown keys and sections; the systemd sections', async (t) => {
  const r = render('[Pod]\nPodNmae=x\nImage=busybox\n\n[Podd]\nA=1\n');
  t.equal(r.errors.length, 2);
  t.match(r.errors[0], {
    line: 2,
    message: /unsupported key PodNmae= in \[Pod\] \(did you mean PodName=\?\)/,
  });
  t.match(r.errors[1], { line: 3, message: /unsupported key Image= in \[Pod\]/ });
  t.match(r.warnings, [{ line: 5, message: /section \[Podd\] .*did you mean \[Pod\]/ }]);

  const s = render(
    '[Unit]\nDescription=web pod\nRequires=db.network\nAfter=gone.container\n\n[Service]\nRestart=always\nWorkingDirectory=/srv\n\n[Install]\nWantedBy=multi-user.target\n\n[Pod]\n',
    { 'db.network': '[Network]\n' },
  );
  t.equal(s.model?.service.description, 'web pod');
  t.equal(s.model?.service.restart, 'always');
  t.equal(s.model?.commands.workingDirectory, '/srv');
  t.same(s.warnings, [], 'WorkingDirectory= is read, so not warned about');
  t.ok(s.model?.needs.includes('db.network'));
  t.match(s.errors, [{ line: 4, message: /unable to translate dependency for gone\.container/ }]);
  t.match(render('[Service]\nWorkingDirectory=srv\n[Pod]\n').errors, [
    { line: 2, message: /must be an absolute path/ },
  ]);
});

t.test('a container names the pod by the pod unit', async (t) => {
  // the name a container's Pod=web.pod resolves to is the pod's own name
  const { translateContainer } = await import('../../src/model/container.js');
  const pod = loadUnit('web.pod', '[Pod]\nPodName=shop\n');
  const ctr = loadUnit('app.container', '[Container]\nImage=img\nPod=web.pod\n');
  const index = buildIndex([pod, ctr]);
  const c = translateContainer(ctr, { index, exists: () => false });
  const p = translatePod(pod, { index });
  t.equal(p.model?.resource, 'shop');
  t.ok(c.model?.runArgs.join(' ').includes(`--pod ${p.model?.resource}`));
});
