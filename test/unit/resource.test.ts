// [Network] and [Volume] units → `podman network|volume create` argv, and finit-pods' own
// [HostDevice] network → a CNI host-device conflist (src/model/resource.ts).

import t, { type Test } from 'tap';
import type { Diagnostic } from '../../src/lib/diagnostics.js';
import { buildIndex } from '../../src/model/index.js';
import { NETWORK_KEYS, VOLUME_KEYS } from '../../src/model/keys.js';
import {
  HOSTDEVICE_KEYS,
  type HostDeviceModel,
  type ResourceModel,
  translateNetwork,
  translateVolume,
} from '../../src/model/resource.js';
import { loadUnit } from '../helpers/units.js';

const P = '/usr/bin/podman';

const split = (ds: Diagnostic[]) => ({
  errors: ds.filter((d) => d.severity === 'error'),
  warnings: ds.filter((d) => d.severity === 'warning'),
});

function network(text: string, file = 'db.network') {
  const r = translateNetwork(loadUnit(file, text));
  return {
    model: r.model,
    argv: r.model?.kind === 'network' ? r.model.argv : undefined,
    ...split(r.diagnostics),
  };
}
/** Units beside every volume under test, for Image=NAME.image / NAME.build. */
const BESIDE = [
  loadUnit('app.image', '[Image]\nImage=quay.io/x/app:1\n'),
  loadUnit('tagged.image', '[Image]\nImage=quay.io/x/app:1\nImageTag=localhost/app:pinned\n'),
  loadUnit(
    'app.build',
    '[Build]\nImageTag=localhost/app:dev\nImageTag=localhost/app:2\nSetWorkingDirectory=unit\n',
  ),
];
function volume(text: string, file = 'data.volume') {
  const self = loadUnit(file, text);
  const r = translateVolume(self, { index: buildIndex([self, ...BESIDE]) });
  return { model: r.model, argv: r.model?.argv, ...split(r.diagnostics) };
}

interface Case {
  lines: string;
  /** Arguments between `create --ignore` and the name. */
  want?: string[];
  argv?: string[];
  errors?: RegExp[];
  warnings?: RegExp[];
  resource?: string;
  model?: (m: ResourceModel) => unknown;
}

const NET_CASES: Record<string, Case[]> = {
  NetworkName: [
    {
      lines: 'NetworkName=backend',
      argv: [P, 'network', 'create', '--ignore', 'backend'],
      resource: 'backend',
    },
    { lines: 'NetworkName=%N-net', argv: [P, 'network', 'create', '--ignore', 'db-net'], resource: 'db-net' },
    { lines: '', argv: [P, 'network', 'create', '--ignore', 'db'], resource: 'db' },
  ],
  GlobalArgs: [
    {
      lines: 'GlobalArgs=--log-level=debug "--root=/my root"',
      argv: [P, '--log-level=debug', '--root=/my root', 'network', 'create', '--ignore', 'db'],
    },
  ],
  ContainersConfModule: [
    {
      lines: 'GlobalArgs=--debug\nContainersConfModule=/etc/m.conf',
      argv: [P, '--module=/etc/m.conf', '--debug', 'network', 'create', '--ignore', 'db'],
    },
  ],
  DisableDNS: [{ lines: 'DisableDNS=true', want: ['--disable-dns'] }],
  Internal: [
    { lines: 'Internal=yes', want: ['--internal'] },
    { lines: 'Internal=no', want: ['--internal=false'] },
  ],
  IPv6: [{ lines: 'IPv6=false', want: ['--ipv6=false'] }],
  Driver: [{ lines: 'Driver=macvlan', want: ['--driver', 'macvlan'] }],
  IPAMDriver: [{ lines: 'IPAMDriver=dhcp', want: ['--ipam-driver', 'dhcp'] }],
  InterfaceName: [{ lines: 'InterfaceName=br-db', want: ['--interface-name', 'br-db'] }],
  DNS: [{ lines: 'DNS=1.1.1.1\nDNS=9.9.9.9', want: ['--dns', '1.1.1.1', '--dns', '9.9.9.9'] }],
  Subnet: [
    {
      lines: 'Subnet=10.0.0.0/24\nGateway=10.0.0.1\nIPRange=10.0.0.128/25\nSubnet=fd00::/64',
      want: [
        '--subnet',
        '10.0.0.0/24',
        '--gateway',
        '10.0.0.1',
        '--ip-range',
        '10.0.0.128/25',
        '--subnet',
        'fd00::/64',
      ],
    },
  ],
  Gateway: [
    {
      lines: 'Subnet=10.0.0.0/24\nGateway=10.0.0.1\nGateway=10.0.0.2',
      errors: [/cannot set more gateways than subnets/],
    },
    { lines: 'Gateway=10.0.0.1', errors: [/cannot set gateway or range without subnet/] },
  ],
  IPRange: [
    {
      lines: 'Subnet=10.0.0.0/24\nIPRange=10.0.0.0/25\nIPRange=10.0.0.128/25',
      errors: [/cannot set more ranges than subnets/],
    },
    { lines: 'IPRange=10.0.0.0/25', errors: [/cannot set gateway or range without subnet/] },
  ],
  Options: [{ lines: 'Options=mtu=9000 isolate=true', want: ['--opt', 'isolate=true', '--opt', 'mtu=9000'] }],
  Label: [
    { lines: 'Label=app=db "note=two words"', want: ['--label', 'app=db', '--label', 'note=two words'] },
  ],
  PodmanArgs: [{ lines: 'PodmanArgs=--opt=vlan=5 --x', want: ['--opt=vlan=5', '--x'] }],
  NetworkDeleteOnStop: [
    {
      lines: 'NetworkDeleteOnStop=true',
      want: [],
      warnings: [/NetworkDeleteOnStop= has no effect: finit-pods never stops a network/],
      model: (m) => m.stopPostArgv?.join(' ') === `${P} network rm db`,
    },
    {
      lines: 'NetworkName=web-net\nGlobalArgs=--debug\nNetworkDeleteOnStop=yes',
      argv: [P, '--debug', 'network', 'create', '--ignore', 'web-net'],
      warnings: [/NetworkDeleteOnStop= has no effect/],
      model: (m) => m.stopPostArgv?.join(' ') === `${P} --debug network rm web-net`,
    },
    { lines: 'NetworkDeleteOnStop=false', want: [], model: (m) => m.stopPostArgv === undefined },
  ],
  ServiceName: [{ lines: 'ServiceName=dbnet', want: [], resource: 'db' }],
};

const VOL_CASES: Record<string, Case[]> = {
  VolumeName: [
    { lines: 'VolumeName=shared', argv: [P, 'volume', 'create', '--ignore', 'shared'], resource: 'shared' },
    { lines: '', argv: [P, 'volume', 'create', '--ignore', 'data'], resource: 'data' },
  ],
  UID: [{ lines: 'UID=1000', want: ['--uid', '1000'] }],
  GID: [{ lines: 'GID=1000', want: ['--gid', '1000'] }],
  GlobalArgs: [{ lines: 'GlobalArgs=--debug', argv: [P, '--debug', 'volume', 'create', '--ignore', 'data'] }],
  ContainersConfModule: [
    {
      lines: 'ContainersConfModule=/m.conf',
      argv: [P, '--module=/m.conf', 'volume', 'create', '--ignore', 'data'],
    },
  ],
  Driver: [
    { lines: 'Driver=local', want: ['--driver', 'local'] },
    {
      lines: 'Driver=image\nImage=quay.io/x/data:1',
      want: ['--driver', 'image', '--opt', 'image=quay.io/x/data:1'],
    },
  ],
  Image: [
    { lines: 'Driver=image', errors: [/the key Image is mandatory when using the image driver/] },
    {
      lines: 'Driver=image\nImage=app.image',
      want: ['--driver', 'image', '--opt', 'image=quay.io/x/app:1'],
      model: (m) => m.needs?.join() === 'app.image',
    },
    {
      lines: 'Driver=image\nImage=tagged.image',
      want: ['--driver', 'image', '--opt', 'image=localhost/app:pinned'],
    },
    {
      lines: 'Driver=image\nImage=app.build',
      want: ['--driver', 'image', '--opt', 'image=localhost/app:dev'],
      model: (m) => m.needs?.join() === 'app.build',
    },
    {
      lines: 'Driver=image\nImage=gone.build',
      errors: [/^\[Volume\] Image=: Quadlet image gone\.build was not found in \/units$/],
    },
    { lines: 'Driver=image\nImage=quay.io/x/data:1', model: (m) => m.needs === undefined },
    {
      lines: 'Driver=image\nImage=quay.io/x/data:1\nUser=1000\nCopy=true',
      want: ['--driver', 'image', '--opt', 'image=quay.io/x/data:1'],
    },
  ],
  User: [
    { lines: 'User=1000\nGroup=100', want: ['--opt', 'o=uid=1000,gid=100'] },
    // read as Quadlet's LookupUint32 (strtol): hex, octal, and 0 for anything else
    { lines: 'User=0x10\nGroup=010', want: ['--opt', 'o=uid=16,gid=8'] },
    { lines: 'User=root\nGroup=11\nOptions=rw', want: ['--opt', 'o=uid=0,gid=11,rw'] },
    {
      lines: 'User=postgres',
      want: ['--opt', 'o=uid=0'],
      warnings: [/User=postgres is not a number: uid=0 is used, as Quadlet does/],
    },
    { lines: 'User=-5', want: ['--opt', 'o=uid=0'], warnings: [/User=-5 is not a number/] },
    { lines: 'User=4294967296', want: ['--opt', 'o=uid=0'], warnings: [/not a number/] },
    { lines: 'User=08', want: ['--opt', 'o=uid=0'], warnings: [/not a number/] },
  ],
  Group: [
    { lines: 'Group=100', want: ['--opt', 'o=gid=100'] },
    { lines: 'Group=wheel', want: ['--opt', 'o=gid=0'], warnings: [/Group=wheel is not a number: gid=0/] },
  ],
  Copy: [
    { lines: 'Copy=false', want: ['--opt', 'nocopy'] },
    { lines: 'Copy=true', want: ['--opt', 'copy'] },
  ],
  Device: [
    {
      lines: 'Device=/dev/sdb1\nType=ext4\nOptions=noatime\nUser=1000',
      want: ['--opt', 'device=/dev/sdb1', '--opt', 'type=ext4', '--opt', 'o=uid=1000,noatime'],
    },
  ],
  Type: [{ lines: 'Type=ext4', errors: [/key Type can't be used without Device/] }],
  Options: [
    { lines: 'Options=size=100m', want: ['--opt', 'o=size=100m'] },
    {
      lines: 'Device=tmpfs\nType=tmpfs\nOptions=size=100m',
      want: ['--opt', 'device=tmpfs', '--opt', 'type=tmpfs', '--opt', 'o=size=100m'],
    },
  ],
  Label: [{ lines: 'Label=b=2 a=1', want: ['--label', 'a=1', '--label', 'b=2'] }],
  PodmanArgs: [{ lines: 'PodmanArgs=--opt=x', want: ['--opt=x'] }],
  ServiceName: [{ lines: 'ServiceName=datasvc', want: [], resource: 'data' }],
};

function runCases(
  t: Test,
  section: string,
  table: Record<string, Case[]>,
  fn: (text: string) => {
    argv?: string[] | undefined;
    model?: { resource: string } | undefined;
    errors: Diagnostic[];
    warnings: Diagnostic[];
  },
  head: string[],
  name: string,
) {
  for (const [key, cases] of Object.entries(table)) {
    t.test(`[${section}] ${key}`, async (t) => {
      for (const c of cases) {
        const r = fn(`[${section}]\n${c.lines}\n`);
        const label = c.lines.replace(/\n/g, ' | ') || '(empty)';
        t.equal(
          r.errors.length,
          c.errors?.length ?? 0,
          `${label}: errors ${r.errors.map((d) => d.message).join('; ')}`,
        );
        for (const [i, re] of (c.errors ?? []).entries()) t.match(r.errors[i]?.message, re);
        t.equal(
          r.warnings.length,
          c.warnings?.length ?? 0,
          `${label}: warnings ${r.warnings.map((d) => d.message).join('; ')}`,
        );
        for (const [i, re] of (c.warnings ?? []).entries()) t.match(r.warnings[i]?.message, re);
        if (c.want) t.same(r.argv, [...head, ...c.want, name], `${label}: argv`);
        if (c.argv) t.same(r.argv, c.argv, `${label}: argv`);
        if (c.resource) t.equal(r.model?.resource, c.resource, `${label}: resource name`);
        if (c.model) t.ok(c.model(r.model as ResourceModel), `${label}: model`);
      }
    });
  }
}

t.test('every [Network] and [Volume] key has a case', async (t) => {
  for (const k of NETWORK_KEYS.keys()) t.ok(NET_CASES[k]?.length, `[Network] ${k}`);
  for (const k of VOLUME_KEYS.keys()) t.ok(VOL_CASES[k]?.length, `[Volume] ${k}`);
  for (const k of Object.keys(NET_CASES)) t.ok(NETWORK_KEYS.has(k), `${k} is a [Network] key`);
  for (const k of Object.keys(VOL_CASES)) t.ok(VOLUME_KEYS.has(k), `${k} is a [Volume] key`);
});

runCases(t, 'Network', NET_CASES, network, [P, 'network', 'create', '--ignore'], 'db');
runCases(t, 'Volume', VOL_CASES, volume, [P, 'volume', 'create', '--ignore'], 'data');

t.test('[Network] argument order follows Quadlet', async (t) => {
  const r = network(`[Network]
PodmanArgs=--last
Label=l=1
Options=o=1
Subnet=10.1.0.0/16
Gateway=10.1.0.1
DNS=1.1.1.1
InterfaceName=br9
Internal=true
`);
  t.same(r.argv, [
    P,
    'network',
    'create',
    '--ignore',
    '--internal',
    '--interface-name',
    'br9',
    '--dns',
    '1.1.1.1',
    '--subnet',
    '10.1.0.0/16',
    '--gateway',
    '10.1.0.1',
    '--opt',
    'o=1',
    '--label',
    'l=1',
    '--last',
    'db',
  ]);
});

t.test('unknown keys are errors with a suggestion; systemd sections are warned about', async (t) => {
  const n = network(
    '[Network]\nSubnett=10.0.0.0/24\n[Service]\nRestart=always\n[Install]\nWantedBy=multi-user.target\n',
  );
  t.same(
    n.errors.map((d) => [d.line, d.message]),
    [[2, 'unsupported key Subnett= in [Network] (did you mean Subnet=?)']],
  );
  t.same(
    n.warnings.map((d) => [d.line, d.message]),
    [
      [4, 'Restart= in [Service] has no effect on a network unit under finit-pods'],
      [6, 'WantedBy= in [Install] has no effect on a network unit under finit-pods'],
    ],
  );
  const v = volume('[Volume]\nVolumName=x\n[Quadlet]\nBogus=1\n');
  t.same(
    v.errors.map((d) => [d.line, d.message]),
    [
      [2, 'unsupported key VolumName= in [Volume] (did you mean VolumeName=?)'],
      [4, 'unsupported key Bogus= in [Quadlet]'],
    ],
  );
});

t.test('[HostDevice]: Infix\'s "cni create host net1 veth0b 192.168.0.42/24"', async (t) => {
  const r = translateNetwork(
    loadUnit('net1.network', '[HostDevice]\nDevice=veth0b\nAddress=192.168.0.42/24\n'),
  );
  t.same(
    r.diagnostics.filter((d) => !/finit-pods extension/.test(d.message)),
    [],
  );
  const m = r.model as HostDeviceModel;
  t.equal(m.kind, 'hostdevice');
  t.equal(m.resource, 'net1');
  t.equal(m.device, 'veth0b');
  t.same(m.addresses, ['192.168.0.42/24']);
  t.equal(m.gateway, undefined);
  t.same(m.conflist, {
    cniVersion: '0.4.0',
    name: 'net1',
    plugins: [
      {
        type: 'host-device',
        device: 'veth0b',
        ipam: { type: 'static', addresses: [{ address: '192.168.0.42/24' }] },
      },
    ],
  });
});

t.test('[HostDevice]: gateway, several addresses, NetworkName=, no address', async (t) => {
  const r = translateNetwork(
    loadUnit(
      'net1.network',
      '[HostDevice]\nNetworkName=lan\nDevice=eth1\nAddress=10.0.0.2/24 fd00::2/64\nGateway=10.0.0.1\n',
    ),
  );
  t.same(
    r.diagnostics.filter((d) => !/finit-pods extension/.test(d.message)),
    [],
  );
  t.same((r.model as HostDeviceModel).conflist, {
    cniVersion: '0.4.0',
    name: 'lan',
    plugins: [
      {
        type: 'host-device',
        device: 'eth1',
        ipam: {
          type: 'static',
          addresses: [
            { address: '10.0.0.2/24', gateway: '10.0.0.1' },
            { address: 'fd00::2/64', gateway: '10.0.0.1' },
          ],
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
    ],
  });
  t.equal((r.model as HostDeviceModel).gateway, '10.0.0.1');
  const bare = translateNetwork(loadUnit('raw.network', '[HostDevice]\nDevice=eth2\n'));
  t.same(
    bare.diagnostics.filter((d) => !/finit-pods extension/.test(d.message)),
    [],
  );
  t.same((bare.model as HostDeviceModel).conflist, {
    cniVersion: '0.4.0',
    name: 'raw',
    plugins: [{ type: 'host-device', device: 'eth2' }],
  });
  const v6gw = translateNetwork(
    loadUnit('v6.network', '[HostDevice]\nDevice=eth3\nAddress=fd00::2/64\nGateway=fd00::1\n'),
  );
  t.same(
    ((v6gw.model as HostDeviceModel).conflist as { plugins: { ipam: { routes: unknown } }[] }).plugins[0]!
      .ipam.routes,
    [{ dst: '::/0' }],
  );
});

t.test('[HostDevice]: errors', async (t) => {
  const errs = (text: string) =>
    translateNetwork(loadUnit('net1.network', text))
      .diagnostics.filter((d) => d.severity === 'error')
      .map((d) => [d.line, d.message]);
  t.same(errs('[HostDevice]\nAddress=10.0.0.2/24\n'), [
    [1, 'no Device= in [HostDevice]: name the host interface to hand over, e.g. Device=veth0b'],
  ]);
  t.same(errs('[HostDevice]\nDevice=eth0:1\n'), [[2, '[HostDevice] Device=eth0:1 is not an interface name']]);
  t.same(errs('[HostDevice]\nDevice=averyveryverylong\n'), [
    [2, '[HostDevice] Device=averyveryverylong is not an interface name'],
  ]);
  for (const bad of ['300.1.1.1/24', '10.0.0.1', '10.0.0.1/33', 'host/24', '10.0.0/24']) {
    t.same(
      errs(`[HostDevice]\nDevice=eth0\nAddress=${bad}\n`),
      [[3, `[HostDevice] Address=${bad} is not an address with prefix length, e.g. 192.168.0.42/24`]],
      bad,
    );
  }
  t.same(errs('[HostDevice]\nDevice=eth0\nAdress=10.0.0.1/24\n'), [
    [3, 'unsupported key Adress= in [HostDevice] (did you mean Address=?)'],
  ]);
  t.same(errs('[Network]\nSubnet=10.0.0.0/24\n[HostDevice]\nDevice=eth0\n'), [
    [2, 'Subnet= in [Network]: a host-device network is described by [HostDevice] alone'],
  ]);
});

t.test('every [HostDevice] key is exercised above', async (t) => {
  t.same([...HOSTDEVICE_KEYS].sort(), ['Address', 'Device', 'Gateway', 'NetworkName']);
});

t.test('a [Network] unit is not a host-device unit', async (t) => {
  const r = translateNetwork(loadUnit('db.network', '[Network]\n'));
  t.equal((r.model as ResourceModel).kind, 'network');
});
