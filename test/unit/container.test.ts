// [Container] → podman argv (src/model/container.ts): one table row per key of CONTAINER_KEYS with
// the exact argv it must produce, references to other units, templates, and values with shell
// metacharacters that must reach podman exactly as written.

import { resolve } from 'node:path';
import t from 'tap';
import type { Diagnostic } from '../../src/lib/diagnostics.js';
import { type ContainerModel, podmanArgv, translateContainer } from '../../src/model/container.js';
import { buildIndex } from '../../src/model/index.js';
import { CONTAINER_KEYS } from '../../src/model/keys.js';
import { loadUnit } from '../helpers/units.js';

const P = '/usr/bin/podman';

interface Rendered {
  argv: string[] | undefined;
  model: ContainerModel | undefined;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/** Translates `text` as /units/FILE, with `others` beside it, in memory. */
function render(
  text: string,
  opts: { file?: string; others?: Record<string, string>; exists?: (p: string) => boolean } = {},
): Rendered {
  const self = loadUnit(opts.file ?? 'test.container', text);
  const others = Object.entries(opts.others ?? {}).map(([f, txt]) => loadUnit(f, txt));
  const index = buildIndex([self, ...others]);
  const r = translateContainer(self, { index, exists: opts.exists ?? (() => false) });
  return {
    argv: r.model ? podmanArgv(r.model) : undefined,
    model: r.model,
    errors: r.diagnostics.filter((d) => d.severity === 'error'),
    warnings: r.diagnostics.filter((d) => d.severity === 'warning'),
  };
}

interface Case {
  /** Lines of the [Container] section (after Image=img unless noImage). */
  lines: string;
  noImage?: boolean;
  /** The arguments between `--name test` and the image. */
  want?: string[];
  /** The whole argv, when the key changes more than the middle. */
  argv?: string[];
  others?: Record<string, string>;
  exists?: (p: string) => boolean;
  errors?: RegExp[];
  warnings?: RegExp[];
  model?: (m: ContainerModel) => unknown;
}

/** A literal `${PORT}`, which nothing expands under Finit. */
const PORT_VAR = ['$', '{PORT}'].join('');

const tmpfsTmp = ['--tmpfs', '/tmp:rw,size=512M,mode=1777'];

/** Every [Container] key: at least one case each. */
const CASES: Record<string, Case[]> = {
  ContainerName: [
    { lines: 'ContainerName=web-1', argv: [P, 'run', '--name', 'web-1', 'img'] },
    { lines: 'ContainerName=%p-app', argv: [P, 'run', '--name', 'test-app', 'img'] },
    { lines: 'ContainerName=', argv: [P, 'run', '--name', 'test', 'img'] },
    {
      lines: 'ContainerName="Remove"Quotes"',
      argv: [P, 'run', '--name', 'Remove"Quotes', 'img'],
      warnings: [/not a valid container name/],
    },
  ],
  Image: [
    { lines: '', argv: [P, 'run', '--name', 'test', 'img'] },
    {
      noImage: true,
      lines: 'Image="docker.io/library/nginx:1.27"',
      argv: [P, 'run', '--name', 'test', 'docker.io/library/nginx:1.27'],
    },
    {
      noImage: true,
      lines: 'Image=app.image',
      others: { 'app.image': '[Image]\nImage=quay.io/x/app:1\n' },
      argv: [P, 'run', '--name', 'test', 'quay.io/x/app:1'],
      model: (m) => m.needs.includes('app.image'),
    },
    {
      noImage: true,
      lines: 'Image=app.image',
      others: { 'app.image': '[Image]\nImage=quay.io/x/app:1\nImageTag=localhost/app:pinned\n' },
      argv: [P, 'run', '--name', 'test', 'localhost/app:pinned'],
    },
    {
      noImage: true,
      lines: 'Image=app.build',
      others: { 'app.build': '[Build]\nImageTag=localhost/app:dev\nImageTag=localhost/app:2\n' },
      argv: [P, 'run', '--name', 'test', 'localhost/app:dev'],
      model: (m) => m.needs.includes('app.build'),
    },
    {
      noImage: true,
      lines: 'Image=missing.image',
      errors: [/Image=: Quadlet unit missing\.image was not found in \/units/],
    },
    { noImage: true, lines: 'Exec=true', errors: [/no Image= or Rootfs= key/] },
  ],
  Rootfs: [
    {
      noImage: true,
      lines: 'Rootfs=/srv/rootfs',
      argv: [P, 'run', '--name', 'test', '--rootfs', '/srv/rootfs'],
    },
    {
      noImage: true,
      lines: 'Rootfs=/srv/rootfs:O\nExec=/bin/sh',
      argv: [P, 'run', '--name', 'test', '--rootfs', '/srv/rootfs:O', '/bin/sh'],
    },
    { lines: 'Rootfs=/srv/rootfs', errors: [/Image= and Rootfs= conflict/] },
  ],
  GlobalArgs: [
    {
      lines: 'GlobalArgs=--log-level=debug "--root=/var/lib/my containers"\nGlobalArgs=--events-backend=file',
      argv: [
        P,
        '--log-level=debug',
        '--root=/var/lib/my containers',
        '--events-backend=file',
        'run',
        '--name',
        'test',
        'img',
      ],
    },
  ],
  ContainersConfModule: [
    {
      lines: 'GlobalArgs=--debug\nContainersConfModule=/etc/nvd.conf\nContainersConfModule=/etc/x.conf',
      argv: [P, '--module=/etc/nvd.conf', '--module=/etc/x.conf', '--debug', 'run', '--name', 'test', 'img'],
    },
  ],
  LogDriver: [{ lines: 'LogDriver=journald', want: ['--log-driver', 'journald'] }],
  LogOpt: [
    {
      lines: 'LogOpt=tag=web path=/var/log/web.json\nLogOpt=max-size=10mb',
      want: ['--log-opt', 'tag=web', '--log-opt', 'path=/var/log/web.json', '--log-opt', 'max-size=10mb'],
    },
  ],
  CgroupsMode: [{ lines: 'CgroupsMode=no-conmon', want: ['--cgroups', 'no-conmon'] }],
  Timezone: [{ lines: 'Timezone=Europe/Stockholm', want: ['--tz', 'Europe/Stockholm'] }],
  PidsLimit: [{ lines: 'PidsLimit=100', want: ['--pids-limit', '100'] }],
  ShmSize: [{ lines: 'ShmSize=64m', want: ['--shm-size', '64m'] }],
  Entrypoint: [
    { lines: 'Entrypoint=/bin/sh', want: ['--entrypoint=/bin/sh'] },
    { lines: 'Entrypoint=', want: ['--entrypoint='] },
    { lines: 'Entrypoint=""', want: ['--entrypoint='] },
    { lines: 'Entrypoint=["/bin/sh", "-c"]', want: ['--entrypoint=["/bin/sh", "-c"]'] },
  ],
  WorkingDir: [{ lines: 'WorkingDir=/srv/app', want: ['--workdir', '/srv/app'] }],
  IP: [{ lines: 'IP=10.88.0.5', want: ['--ip', '10.88.0.5'] }],
  IP6: [{ lines: 'IP6=fd00::5', want: ['--ip6', 'fd00::5'] }],
  HostName: [{ lines: 'HostName=web.local', want: ['--hostname', 'web.local'] }],
  StopSignal: [{ lines: 'StopSignal=SIGINT', want: ['--stop-signal', 'SIGINT'] }],
  StopTimeout: [
    { lines: 'StopTimeout=20', want: ['--stop-timeout', '20'], model: (m) => m.stopTimeout === 20 },
    { lines: '', want: [], model: (m) => m.stopTimeout === 10 },
    { lines: 'StopTimeout=20s', errors: [/StopTimeout=20s: must be a whole number of seconds/] },
  ],
  Pull: [{ lines: 'Pull=never', want: ['--pull', 'never'] }],
  Memory: [{ lines: 'Memory=512m', want: ['--memory', '512m'] }],
  Retry: [{ lines: 'Retry=5', want: ['--retry', '5'] }],
  RetryDelay: [{ lines: 'RetryDelay=10s', want: ['--retry-delay', '10s'] }],
  NetworkAlias: [
    {
      lines: 'NetworkAlias=web\nNetworkAlias=www',
      want: ['--network-alias', 'web', '--network-alias', 'www'],
    },
  ],
  Ulimit: [
    {
      lines: 'Ulimit=nofile=1024:4096\nUlimit=nproc=512',
      want: ['--ulimit', 'nofile=1024:4096', '--ulimit', 'nproc=512'],
    },
  ],
  DNS: [{ lines: 'DNS=1.1.1.1\nDNS=8.8.8.8', want: ['--dns', '1.1.1.1', '--dns', '8.8.8.8'] }],
  DNSOption: [{ lines: 'DNSOption=ndots:1', want: ['--dns-option', 'ndots:1'] }],
  DNSSearch: [{ lines: 'DNSSearch=example.com', want: ['--dns-search', 'example.com'] }],
  GroupAdd: [
    {
      lines: 'GroupAdd=keep-groups\nGroupAdd=dialout',
      want: ['--group-add', 'keep-groups', '--group-add', 'dialout'],
    },
  ],
  AddHost: [{ lines: 'AddHost=db.local:10.0.0.2', want: ['--add-host', 'db.local:10.0.0.2'] }],
  Tmpfs: [{ lines: 'Tmpfs=/run:rw,size=16m', want: ['--tmpfs', '/run:rw,size=16m'] }],
  RunInit: [
    { lines: 'RunInit=true', want: ['--init'] },
    { lines: 'RunInit=no', want: ['--init=false'] },
    { lines: 'RunInit=maybe', want: ['--init=false'], warnings: [/RunInit=maybe is not a boolean/] },
  ],
  EnvironmentHost: [{ lines: 'EnvironmentHost=yes', want: ['--env-host'] }],
  ReadOnlyTmpfs: [{ lines: 'ReadOnlyTmpfs=false', want: ['--read-only-tmpfs=false'] }],
  HttpProxy: [
    { lines: 'HttpProxy=false', want: ['--http-proxy=false'] },
    { lines: 'HttpProxy=on', want: ['--http-proxy'] },
  ],
  Network: [
    { lines: 'Network=host', want: ['--network', 'host'] },
    { lines: 'Network=none\nNetwork=\nNetwork=bridge', want: ['--network', 'bridge'] },
    { lines: 'Network=db.network', others: { 'db.network': '[Network]\n' }, want: ['--network', 'db'] },
    {
      lines: 'Network=db.network:ip=10.0.0.5,alias=web',
      others: { 'db.network': '[Network]\nNetworkName=backend\n' },
      want: ['--network', 'backend:ip=10.0.0.5,alias=web'],
    },
    {
      lines: 'Network=db.network',
      others: { 'db.network': '[Network]\nNetworkName=%N-net\n' },
      want: ['--network', 'db-net'],
    },
    {
      lines: 'Network=web.container',
      others: { 'web.container': '[Container]\nImage=x\nContainerName=front\n' },
      want: ['--network', 'container:front'],
    },
    {
      lines: 'Network=web.container:ip=1.2.3.4',
      others: { 'web.container': '[Container]\nImage=x\n' },
      errors: [/extra options are not supported when joining another container's network/],
    },
    { lines: 'Network=missing.network', errors: [/Network=: Quadlet unit missing\.network was not found/] },
  ],
  Notify: [
    // Notify=true: podman relays the container's READY=1 to the runner; healthy: the daemon's condition
    { lines: 'Notify=true', want: ['--sdnotify=container'], model: (m) => m.notify === 'notify' },
    { lines: 'Notify=yes', want: ['--sdnotify=container'], model: (m) => m.notify === 'notify' },
    { lines: 'Notify=no', want: [], model: (m) => m.notify === undefined },
    {
      lines: 'Notify=healthy',
      want: [],
      warnings: [/Notify=healthy without a health check .*ready when it runs/],
      model: (m) => m.notify === undefined,
    },
    {
      lines: 'HealthCmd=true\nNotify=healthy',
      want: ['--health-cmd', 'true'],
      model: (m) => m.notify === 'healthy',
    },
  ],
  NoNewPrivileges: [
    { lines: 'NoNewPrivileges=true', want: ['--security-opt=no-new-privileges'] },
    { lines: 'NoNewPrivileges=false', want: [] },
  ],
  SecurityLabelDisable: [{ lines: 'SecurityLabelDisable=true', want: ['--security-opt', 'label=disable'] }],
  SecurityLabelNested: [{ lines: 'SecurityLabelNested=true', want: ['--security-opt', 'label=nested'] }],
  SecurityLabelType: [{ lines: 'SecurityLabelType=spc_t', want: ['--security-opt', 'label=type:spc_t'] }],
  SecurityLabelFileType: [
    {
      lines: 'SecurityLabelFileType=container_file_t',
      want: ['--security-opt', 'label=filetype:container_file_t'],
    },
  ],
  SecurityLabelLevel: [
    { lines: 'SecurityLabelLevel=s0:c1,c2', want: ['--security-opt', 'label=level:s0:c1,c2'] },
  ],
  AppArmor: [
    { lines: 'AppArmor=unconfined', want: ['--security-opt', 'apparmor=unconfined'] },
    { lines: 'AppArmor=', want: [] },
  ],
  AddDevice: [
    {
      lines:
        'AddDevice=/dev/fuse /dev/net/tun:/dev/net/tun:rw\nAddDevice=-/dev/present\nAddDevice=-/dev/absent:/dev/x',
      exists: (p) => p === '/dev/present',
      want: ['--device', '/dev/fuse', '--device', '/dev/net/tun:/dev/net/tun:rw', '--device', '/dev/present'],
    },
  ],
  SeccompProfile: [
    { lines: 'SeccompProfile=/etc/seccomp.json', want: ['--security-opt', 'seccomp=/etc/seccomp.json'] },
    { lines: 'SeccompProfile=', want: ['--security-opt', 'seccomp='] },
  ],
  DropCapability: [{ lines: 'DropCapability=ALL', want: ['--cap-drop', 'all'] }],
  AddCapability: [
    {
      lines: 'AddCapability=CAP_NET_ADMIN sys_time',
      want: ['--cap-add', 'cap_net_admin', '--cap-add', 'sys_time'],
    },
  ],
  Sysctl: [
    {
      lines: 'Sysctl=net.ipv4.ip_forward=1 net.core.somaxconn=1024',
      want: ['--sysctl', 'net.ipv4.ip_forward=1', '--sysctl', 'net.core.somaxconn=1024'],
    },
  ],
  ReadOnly: [
    { lines: 'ReadOnly=true', want: ['--read-only'] },
    { lines: 'ReadOnly=false', want: ['--read-only=false'] },
  ],
  VolatileTmp: [
    { lines: 'VolatileTmp=true', want: tmpfsTmp },
    { lines: 'VolatileTmp=true\nReadOnly=false', want: ['--read-only=false', ...tmpfsTmp] },
    { lines: 'VolatileTmp=true\nReadOnly=true', want: ['--read-only'] },
  ],
  User: [
    { lines: 'User=1000', want: ['--user', '1000'] },
    { lines: 'User=app\nGroup=wheel', want: ['--user', 'app:wheel'] },
  ],
  Group: [{ lines: 'Group=100', errors: [/invalid Group set without User/] }],
  UserNS: [{ lines: 'UserNS=keep-id:uid=1000', want: ['--userns', 'keep-id:uid=1000'] }],
  UIDMap: [
    {
      lines: 'UIDMap=0:10000:1000 1000:20000:10',
      want: ['--uidmap', '0:10000:1000', '--uidmap', '1000:20000:10'],
    },
  ],
  GIDMap: [{ lines: 'GIDMap=0:10000:1000', want: ['--gidmap', '0:10000:1000'] }],
  SubUIDMap: [{ lines: 'SubUIDMap=app', want: ['--subuidname', 'app'] }],
  SubGIDMap: [{ lines: 'SubGIDMap=app', want: ['--subgidname', 'app'] }],
  RemapUsers: [
    { lines: 'RemapUsers=auto', want: ['--userns', 'auto'] },
    { lines: 'RemapUsers=keep-id', want: ['--userns', 'keep-id'] },
    { lines: 'RemapUsers=bogus', errors: [/unsupported RemapUsers option 'bogus'/] },
    {
      lines: 'RemapUsers=auto\nUserNS=host',
      errors: [/deprecated Remap keys are set along with explicit mapping keys/],
    },
  ],
  RemapUid: [
    {
      lines: 'RemapUsers=manual\nRemapUid=0:1000:100\nRemapGid=0:2000:100',
      want: ['--uidmap', '0:1000:100', '--gidmap', '0:2000:100'],
    },
    {
      lines: 'RemapUsers=keep-id\nRemapUid=1000\nRemapGid=1001',
      want: ['--userns', 'keep-id:uid=1000,gid=1001'],
    },
    {
      lines: 'RemapUsers=keep-id\nRemapUid=1000 1001',
      errors: [/RemapUsers=keep-id supports only a single value/],
    },
    { lines: 'RemapUid=0:1:2', errors: [/RemapUid= is set without RemapUsers=/] },
    { lines: 'RemapUid=0:1:2\nUIDMap=0:1:2', errors: [/deprecated Remap keys/] },
  ],
  RemapGid: [{ lines: 'RemapGid=0:1:2', errors: [/RemapGid= is set without RemapUsers=/] }],
  RemapUidSize: [
    {
      lines: 'RemapUsers=auto\nRemapUid=0:1000:10\nRemapGid=0:1000:10\nRemapUidSize=500',
      want: ['--userns', 'auto:uidmapping=0:1000:10,gidmapping=0:1000:10,size=500'],
    },
  ],
  Volume: [
    {
      lines:
        'Volume=/host:/ctr:Z\nVolume=/anon\nVolume=./rel/dir:/x\nVolume=data.volume:/data:ro\nVolume=named:/n\nVolume=%h/c:/c',
      others: { 'data.volume': '[Volume]\n' },
      want: [
        '-v',
        '/host:/ctr:Z',
        '-v',
        '/anon',
        '-v',
        '/units/rel/dir:/x',
        '-v',
        'data:/data:ro',
        '-v',
        'named:/n',
        '-v',
        '/root/c:/c',
      ],
    },
    {
      lines: 'Volume=data.volume:/data',
      others: { 'data.volume': '[Volume]\nVolumeName=shared-data\n' },
      want: ['-v', 'shared-data:/data'],
    },
    { lines: 'Volume=missing.volume:/data', errors: [/Volume=: Quadlet unit missing\.volume was not found/] },
    {
      lines: 'Volume=model.artifact:/models',
      others: { 'model.artifact': '[Artifact]\nArtifact=quay.io/x/model:1\n' },
      want: ['-v', 'quay.io/x/model:1:/models'],
    },
    { lines: 'Volume=app.image:/x', want: ['-v', 'app.image:/x'] },
  ],
  AutoUpdate: [
    {
      lines: 'AutoUpdate=registry',
      want: ['--label', 'io.containers.autoupdate=registry'],
    },
  ],
  ExposeHostPort: [
    {
      lines: 'ExposeHostPort=8080\nExposeHostPort=9000-9010/udp   ',
      want: ['--expose', '8080', '--expose', '9000-9010/udp'],
    },
    { lines: 'ExposeHostPort=http', errors: [/ExposeHostPort=http: invalid port format/] },
    { lines: 'ExposeHostPort=80/sctp', errors: [/invalid port format/] },
  ],
  PublishPort: [
    {
      lines: 'PublishPort=8080:80\nPublishPort=[::1]:53:53/udp',
      want: ['--publish', '8080:80', '--publish', '[::1]:53:53/udp'],
    },
    { lines: 'PublishPort=80', want: ['--publish', '80'] },
    { lines: 'PublishPort=http', errors: [/PublishPort=http: invalid port format/] },
    {
      lines: `PublishPort=${PORT_VAR}:80`,
      want: ['--publish', `${PORT_VAR}:80`],
      warnings: [/variables are not expanded under finit-pods/],
    },
  ],
  Environment: [
    {
      lines: 'Environment=B=2 A=1 "C=with space"\nEnvironment=HOST_VAR\nEnvironment=A=override',
      want: ['--env', 'A=override', '--env', 'B=2', '--env', 'C=with space', '--env', 'HOST_VAR'],
    },
    {
      lines: 'Environment=A=1 two words',
      want: ['--env', 'A=1', '--env', 'two', '--env', 'words'],
      warnings: [/"two" has no "="/, /"words" has no "="/],
    },
  ],
  Label: [
    {
      lines: 'Label=org.example.tier=web "com.example.note=two words"',
      want: ['--label', 'com.example.note=two words', '--label', 'org.example.tier=web'],
    },
  ],
  Annotation: [
    {
      lines: 'Annotation=run.oci.keep_original_groups=1',
      want: ['--annotation', 'run.oci.keep_original_groups=1'],
    },
  ],
  Mask: [
    {
      lines: 'Mask=/proc/kcore /sys/firmware',
      want: ['--security-opt', 'mask=/proc/kcore', '--security-opt', 'mask=/sys/firmware'],
    },
  ],
  Unmask: [{ lines: 'Unmask=ALL', want: ['--security-opt', 'unmask=ALL'] }],
  EnvironmentFile: [
    {
      // Quadlet has no systemd "-" prefix: "-PATH" is a relative path like any other
      lines: 'EnvironmentFile=-/etc/app.env -./here.env',
      exists: () => true,
      want: ['--env-file', '/units/-/etc/app.env', '--env-file', '/units/-./here.env'],
      warnings: [/EnvironmentFile=-\/etc\/app\.env: "-" does not mean "may be missing"/, /-\.\/here\.env/],
    },
    { lines: 'EnvironmentFile=./dir/../x.env', want: ['--env-file', '/units/x.env'] },
    {
      lines: 'EnvironmentFile=/etc/app.env\nEnvironmentFile=./local.env sub/other.env',
      want: [
        '--env-file',
        '/etc/app.env',
        '--env-file',
        '/units/local.env',
        '--env-file',
        '/units/sub/other.env',
      ],
    },
  ],
  Secret: [
    {
      lines: 'Secret=db-pass,type=env,target=DB_PASS',
      want: ['--secret', 'db-pass,type=env,target=DB_PASS'],
    },
  ],
  Mount: [
    {
      lines: [
        'Mount=type=bind,source=./conf,destination=/etc/app,ro=true',
        'Mount=type=volume,source=data.volume,destination=/data',
        'Mount=type=tmpfs,destination=/run/x',
        'Mount=destination=/anon',
        'Mount=type=bind,src=/abs,dst=/abs',
        'Mount=type=bind,source=./src/,destination=/dst/',
      ].join('\n'),
      others: { 'data.volume': '[Volume]\n' },
      want: [
        '--mount',
        'type=bind,source=/units/conf,destination=/etc/app,ro=true',
        '--mount',
        'type=volume,source=data,destination=/data',
        '--mount',
        'type=tmpfs,destination=/run/x',
        '--mount',
        'type=volume,destination=/anon',
        '--mount',
        'type=bind,source=/abs,dst=/abs',
        '--mount',
        'type=bind,source=/units/src,destination=/dst/',
      ],
    },
    {
      lines: 'Mount=/invalid:/mount:ro',
      errors: [/Mount=\/invalid:\/mount:ro: invalid quadlet mount format/],
    },
    { lines: 'Mount=type=bind,/etc/x,destination=/y', errors: [/"\/etc\/x" is not KEY=VALUE/] },
    {
      lines: 'Mount=type=bind,source=/a,destination=/b,ro,z',
      want: ['--mount', 'type=bind,source=/a,destination=/b,ro,z'],
    },
    {
      lines: 'Mount=type=image,destination=/x',
      errors: [/Mount=: source parameter is required for mount type image/],
    },
    {
      lines: 'Mount=type=volume,source=gone.volume,destination=/x',
      errors: [/Mount=: Quadlet unit gone\.volume was not found/],
    },
  ],
  HealthCmd: [
    {
      lines: 'HealthCmd=curl -f http://localhost/ || exit 1',
      want: ['--health-cmd', 'curl -f http://localhost/ || exit 1'],
      // podman's defaults
      model: (m) =>
        JSON.stringify(m.health) ===
        JSON.stringify({
          intervalMs: 30_000,
          timeoutMs: 30_000,
          retries: 3,
          startPeriodMs: 0,
          onFailure: 'none',
        }),
    },
    { lines: 'HealthCmd=none', want: ['--health-cmd', 'none'], model: (m) => m.health === undefined },
    { lines: 'HealthInterval=5s', want: ['--health-interval', '5s'], model: (m) => m.health === undefined },
  ],
  HealthInterval: [
    { lines: 'HealthInterval=30s', want: ['--health-interval', '30s'] },
    {
      lines: 'HealthCmd=true\nHealthInterval=1m30s',
      want: ['--health-cmd', 'true', '--health-interval', '1m30s'],
      model: (m) => m.health?.intervalMs === 90_000,
    },
    {
      lines: 'HealthCmd=true\nHealthInterval=disable',
      want: ['--health-cmd', 'true', '--health-interval', 'disable'],
      model: (m) => m.health === undefined,
    },
    {
      lines: 'HealthCmd=true\nHealthInterval=30',
      errors: [/HealthInterval=30 is not a duration podman reads/],
    },
    { lines: 'HealthCmd=true\nHealthInterval=0s', errors: [/HealthInterval=0s: podman needs more than 0/] },
  ],
  HealthOnFailure: [
    // never podman's: it would stop or restart the container behind Finit's back
    { lines: 'HealthOnFailure=kill', want: [] },
    {
      lines: 'HealthCmd=true\nHealthOnFailure=stop',
      want: ['--health-cmd', 'true'],
      model: (m) => m.health?.onFailure === 'stop',
    },
    {
      lines: 'HealthOnFailure=reboot',
      errors: [/HealthOnFailure=reboot: must be none, kill, restart, stop/],
    },
  ],
  HealthLogDestination: [
    { lines: 'HealthLogDestination=/var/log/h', want: ['--health-log-destination', '/var/log/h'] },
  ],
  HealthMaxLogCount: [{ lines: 'HealthMaxLogCount=5', want: ['--health-max-log-count', '5'] }],
  HealthMaxLogSize: [{ lines: 'HealthMaxLogSize=500', want: ['--health-max-log-size', '500'] }],
  HealthRetries: [
    { lines: 'HealthRetries=3', want: ['--health-retries', '3'] },
    {
      lines: 'HealthCmd=true\nHealthRetries=0',
      errors: [/HealthRetries=0: must be a whole number, at least 1/],
    },
  ],
  HealthStartPeriod: [
    { lines: 'HealthStartPeriod=1m', want: ['--health-start-period', '1m'] },
    {
      lines: 'HealthCmd=true\nHealthStartPeriod=2m3s',
      want: ['--health-cmd', 'true', '--health-start-period', '2m3s'],
      model: (m) => m.health?.startPeriodMs === 123_000,
    },
  ],
  HealthTimeout: [
    { lines: 'HealthTimeout=5s', want: ['--health-timeout', '5s'] },
    {
      lines: 'HealthCmd=true\nHealthTimeout=500ms',
      errors: [/HealthTimeout=500ms: podman needs at least 1 second/],
    },
  ],
  HealthStartupCmd: [
    {
      lines: 'HealthCmd=true\nHealthStartupCmd=/bin/ready',
      want: ['--health-cmd', 'true', '--health-startup-cmd', '/bin/ready'],
      model: (m) => m.health?.startup?.successes === 1,
    },
    {
      // podman refuses it ("cannot set a startup healthcheck when there is no regular healthcheck")
      lines: 'HealthStartupCmd=/bin/ready',
      want: ['--health-startup-cmd', '/bin/ready'],
      warnings: [
        /HealthStartupCmd= without HealthCmd=: podman refuses a startup check without a regular one/,
      ],
      model: (m) => m.health === undefined,
    },
    {
      lines: 'HealthCmd=none\nHealthStartupCmd=/bin/ready',
      want: ['--health-cmd', 'none', '--health-startup-cmd', '/bin/ready'],
      warnings: [/HealthStartupCmd= without HealthCmd=/],
    },
  ],
  HealthStartupInterval: [{ lines: 'HealthStartupInterval=2s', want: ['--health-startup-interval', '2s'] }],
  HealthStartupRetries: [
    { lines: 'HealthStartupRetries=10', want: [] },
    {
      lines: 'HealthCmd=true\nHealthStartupCmd=/bin/ready\nHealthStartupRetries=10\nHealthStartupSuccess=2',
      want: ['--health-cmd', 'true', '--health-startup-cmd', '/bin/ready', '--health-startup-success', '2'],
      model: (m) =>
        JSON.stringify(m.health?.startup) ===
        JSON.stringify({ intervalMs: 30_000, timeoutMs: 30_000, retries: 10, successes: 2 }),
    },
  ],
  HealthStartupSuccess: [{ lines: 'HealthStartupSuccess=2', want: ['--health-startup-success', '2'] }],
  HealthStartupTimeout: [{ lines: 'HealthStartupTimeout=9s', want: ['--health-startup-timeout', '9s'] }],
  Pod: [
    { lines: 'Pod=web.pod', others: { 'web.pod': '[Pod]\n' }, want: ['--pod', 'web'] },
    { lines: 'Pod=web.pod', others: { 'web.pod': '[Pod]\nPodName=frontend\n' }, want: ['--pod', 'frontend'] },
    { lines: 'Pod=mypod', errors: [/Pod=mypod: pod mypod is not Quadlet based/] },
    { lines: 'Pod=missing.pod', errors: [/Pod=: Quadlet pod unit missing\.pod was not found/] },
  ],
  StartWithPod: [{ lines: 'StartWithPod=false', want: [] }],
  PodmanArgs: [
    {
      lines: 'PodmanArgs=--cpus=2 "--label=x=a b"\nPodmanArgs=--rm\nPublishPort=1:1',
      want: ['--publish', '1:1', '--cpus=2', '--label=x=a b', '--rm'],
    },
  ],
  Exec: [
    {
      lines: 'Exec=/bin/sh -c "echo hi; sleep 10"',
      argv: [P, 'run', '--name', 'test', 'img', '/bin/sh', '-c', 'echo hi; sleep 10'],
    },
    { lines: 'Exec=first one\nExec=second', argv: [P, 'run', '--name', 'test', 'img', 'second'] },
    { lines: 'Exec=a\nExec=', argv: [P, 'run', '--name', 'test', 'img'] },
    {
      lines: 'Exec=test\\.sh',
      argv: [P, 'run', '--name', 'test', 'img'],
      warnings: [
        /Exec= in \[Container\]: unsupported escape char '\\\.'; the value is ignored, as Quadlet does/,
      ],
    },
  ],
  ReloadCmd: [
    {
      lines: 'ReloadCmd=/usr/sbin/nginx -s reload',
      want: [],
      model: (m) =>
        JSON.stringify(m.reload) === JSON.stringify({ command: ['/usr/sbin/nginx', '-s', 'reload'] }),
    },
    {
      lines: "ReloadCmd='test\\.sh'",
      want: [],
      warnings: [/ReloadCmd= in \[Container\]: unsupported escape char/],
      model: (m) => m.reload === undefined,
    },
    {
      lines: 'ReloadCmd=/bin/reload\nReloadSignal=SIGHUP',
      errors: [/ReloadCmd and ReloadSignal are mutually exclusive but both are set/],
    },
  ],
  ReloadSignal: [
    {
      lines: 'ReloadSignal=SIGHUP',
      want: [],
      model: (m) => JSON.stringify(m.reload) === JSON.stringify({ signal: 'SIGHUP' }),
    },
  ],
  ServiceName: [
    {
      lines: 'ServiceName=websvc\nExec=echo %N',
      argv: [P, 'run', '--name', 'test', 'img', 'echo', 'websvc'],
      model: (m) => m.pod === 'websvc' && m.containerName === 'test',
    },
  ],
};

t.test('every key of CONTAINER_KEYS has a case here', async (t) => {
  for (const key of CONTAINER_KEYS.keys()) t.ok(CASES[key]?.length, `${key} has a test case`);
  for (const key of Object.keys(CASES)) t.ok(CONTAINER_KEYS.has(key), `${key} is a [Container] key`);
});

for (const [key, cases] of Object.entries(CASES)) {
  t.test(key, async (t) => {
    for (const c of cases) {
      const text = `[Container]\n${c.noImage ? '' : 'Image=img\n'}${c.lines}\n`;
      const opts: Parameters<typeof render>[1] = {};
      if (c.others) opts.others = c.others;
      if (c.exists) opts.exists = c.exists;
      const r = render(text, opts);
      const label = c.lines.replace(/\n/g, ' | ') || '(no key)';
      t.equal(
        r.errors.length,
        c.errors?.length ?? 0,
        `${label}: ${c.errors?.length ?? 0} error(s): ${r.errors.map((d) => d.message).join('; ')}`,
      );
      for (const [i, re] of (c.errors ?? []).entries())
        t.match(r.errors[i]?.message ?? '', re, `${label}: error ${i}`);
      t.equal(
        r.warnings.length,
        c.warnings?.length ?? 0,
        `${label}: ${c.warnings?.length ?? 0} warning(s): ${r.warnings.map((d) => d.message).join('; ')}`,
      );
      for (const [i, re] of (c.warnings ?? []).entries())
        t.match(r.warnings[i]?.message ?? '', re, `${label}: warning ${i}`);
      if (c.want) t.same(r.argv, [P, 'run', '--name', 'test', ...c.want, 'img'], `${label}: argv`);
      if (c.argv) t.same(r.argv, c.argv, `${label}: argv`);
      if (c.model) t.ok(r.model && c.model(r.model), `${label}: model`);
    }
  });
}

t.test('relative paths are absolute when the units directory was given as a relative path', async (t) => {
  const self = loadUnit(
    'test.container',
    '[Container]\nImage=img\nEnvironmentFile=app.env\nVolume=./data:/data:z\nMount=type=bind,source=./conf,destination=/conf\n',
    'rel/units',
  );
  const r = translateContainer(self, { index: buildIndex([self]), exists: () => false });
  const dir = resolve('rel/units');
  t.same(r.diagnostics, []);
  t.same(podmanArgv(r.model!), [
    P,
    'run',
    '--name',
    'test',
    '-v',
    `${dir}/data:/data:z`,
    '--env-file',
    `${dir}/app.env`,
    '--mount',
    `type=bind,source=${dir}/conf,destination=/conf`,
    'img',
  ]);
});

t.test('errors about references name the file and the line of the key', async (t) => {
  const r = render(
    '[Container]\nImage=img\n\nNetwork=gone.network\nVolume=gone.volume:/x\nMount=type=volume,src=gone2.volume,dst=/y\n',
  );
  t.same(
    r.errors.map((d) => [d.file, d.line]),
    [
      ['/units/test.container', 4],
      ['/units/test.container', 5],
      ['/units/test.container', 6],
    ],
  );
});

t.test('the order of groups on the command line follows Quadlet', async (t) => {
  const r = render(`[Container]
Image=img
Exec=run
PodmanArgs=--podman-arg
HealthCmd=check
Mount=type=tmpfs,destination=/t
Secret=s
EnvironmentFile=/e
Unmask=/u
Mask=/m
Environment=E=1
PublishPort=1:1
ExposeHostPort=2
AutoUpdate=local
Volume=/v:/v
UserNS=auto
User=u
ReadOnly=yes
Sysctl=a=b
AddCapability=CAP_A
DropCapability=CAP_D
SeccompProfile=/s
AddDevice=/dev/d
AppArmor=aa
SecurityLabelDisable=true
NoNewPrivileges=true
Network=host
RunInit=true
DNS=9.9.9.9
Timezone=UTC
Entrypoint=/ep
CgroupsMode=split
LogOpt=o
LogDriver=d
`);
  t.same(r.argv, [
    P,
    'run',
    '--name',
    'test',
    '--log-driver',
    'd',
    '--log-opt',
    'o',
    '--cgroups',
    'split',
    '--entrypoint=/ep',
    '--tz',
    'UTC',
    '--dns',
    '9.9.9.9',
    '--init',
    '--network',
    'host',
    '--security-opt=no-new-privileges',
    '--security-opt',
    'label=disable',
    '--security-opt',
    'apparmor=aa',
    '--device',
    '/dev/d',
    '--security-opt',
    'seccomp=/s',
    '--cap-drop',
    'cap_d',
    '--cap-add',
    'cap_a',
    '--sysctl',
    'a=b',
    '--read-only',
    '--user',
    'u',
    '--userns',
    'auto',
    '-v',
    '/v:/v',
    '--label',
    'io.containers.autoupdate=local',
    '--expose',
    '2',
    '--publish',
    '1:1',
    '--env',
    'E=1',
    '--security-opt',
    'mask=/m',
    '--security-opt',
    'unmask=/u',
    '--env-file',
    '/e',
    '--secret',
    's',
    '--mount',
    'type=tmpfs,destination=/t',
    '--health-cmd',
    'check',
    '--podman-arg',
    'img',
    'run',
  ]);
});

t.test('templates and instances', async (t) => {
  const tmpl = '[Container]\nImage=img\nExec=serve --name=%i --unit=%N --prefix=%p\n';
  const inst = render(tmpl, { file: 'web@blue.container' });
  t.same(inst.errors, []);
  t.same(inst.argv, [
    P,
    'run',
    '--name',
    'web_blue',
    'img',
    'serve',
    '--name=blue',
    '--unit=web@blue',
    '--prefix=web',
  ]);
  t.equal(inst.model?.pod, 'web_blue');

  const self = render(tmpl, { file: 'web@.container' });
  t.same(self.errors, []);
  t.match(
    self.warnings.map((d) => d.message),
    [/web@\.container is a template: it runs as instances/],
  );

  const others = {
    'net@.network': '[Network]\n',
    'data@.volume': '[Volume]\n',
    'named@.network': '[Network]\nNetworkName=custom-%i\n',
  };
  const uses =
    '[Container]\nImage=img\nNetwork=net@.network\nNetwork=named@.network\nVolume=data@.volume:/d\n';
  const r = render(uses, { file: 'app@green.container', others });
  t.same(r.errors, []);
  t.same(r.argv, [
    P,
    'run',
    '--name',
    'app_green',
    '--network',
    'net-green',
    '--network',
    'custom-green',
    '-v',
    'data-green:/d',
    'img',
  ]);
  const plain = render(uses, { file: 'app.container', others });
  t.same(
    plain.errors.map((d) => [d.line, d.message]),
    [
      [
        3,
        '[Container] Network=: net@.network is a template: only a template instance (NAME@INSTANCE) can use it',
      ],
      [
        4,
        '[Container] Network=: named@.network is a template: only a template instance (NAME@INSTANCE) can use it',
      ],
      [
        5,
        '[Container] Volume=: data@.volume is a template: only a template instance (NAME@INSTANCE) can use it',
      ],
    ],
  );
});

t.test('unknown keys and sections', async (t) => {
  const r = render(
    '[Container]\nImage=img\nImgae=x\nFooBarBaz=1\n[Quadlet]\nDefaultDependencies=false\nNope=1\n',
  );
  t.same(
    r.errors.map((d) => [d.line, d.message]),
    [
      [3, 'unsupported key Imgae= in [Container] (did you mean Image=?)'],
      [4, 'unsupported key FooBarBaz= in [Container]'],
      [7, 'unsupported key Nope= in [Quadlet]'],
    ],
  );
  t.same(
    render('[Unit]\nDescription=x\n').errors.map((d) => [d.line, d.message]),
    [[0, 'no [Container] section']],
  );
  t.same(
    render('# c\n[Container]\nExec=x\n').errors.map((d) => [d.line, d.message]),
    [[2, 'no Image= or Rootfs= key in [Container]: a container needs one']],
    'a missing key is reported at its section header',
  );
});

t.test('bad specifiers are errors at the key', async (t) => {
  const r = render('[Container]\nImage=img\nExec=echo %q\nLabel=a=100%\n');
  t.same(
    r.errors.map((d) => [d.line, d.message]),
    [
      [
        4,
        'Label= in [Container]: a lone "%" at the end of the value (write "%%" for a literal percent sign)',
      ],
      [3, 'Exec= in [Container]: unknown specifier "%q" (write "%%" for a literal percent sign)'],
    ],
  );
});

// Values with shell metacharacters, quotes, backslashes and non-ASCII: what is written in the
// unit (one word, systemd quoting rules) and the exact argument podman must receive.
const EXACT: [written: string, word: string][] = [
  ['"two words"', 'two words'],
  ["'single quoted'", 'single quoted'],
  [`"it's"`, "it's"],
  [`'say "hi"'`, 'say "hi"'],
  [`"say \\"hi\\""`, 'say "hi"'],
  ['$HOME', '$HOME'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} is what is tested
  ['${HOME}', '${HOME}'],
  ['"$(id -u)"', '$(id -u)'],
  ['$(id)', '$(id)'],
  ['`date`', '`date`'],
  ['"`uname -a`"', '`uname -a`'],
  ['a;b', 'a;b'],
  ['"x; rm -rf /"', 'x; rm -rf /'],
  ['#hash', '#hash'],
  ['"a # b ; c"', 'a # b ; c'],
  ['" -- "', ' -- '],
  ['--', '--'],
  ['"back\\\\slash"', 'back\\slash'],
  ['C:\\\\dir', 'C:\\dir'],
  ['"tab\\there"', 'tab\there'],
  ['line\\nbreak', 'line\nbreak'],
  ['\\x41\\u00e9', 'Aé'],
  ['naïve/日本語/😀', 'naïve/日本語/😀'],
  ['"ünï cödé"', 'ünï cödé'],
  ['100%%', '100%'],
  ['"*?[]{}|&<>!~"', '*?[]{}|&<>!~'],
  ["''", ''],
];

t.test('exact values reach argv: Exec=', async (t) => {
  for (const [written, word] of EXACT) {
    const r = render(`[Container]\nImage=img\nExec=echo ${written} end\n`);
    t.same(r.errors, [], written);
    t.same(r.argv?.slice(-3), ['echo', word, 'end'], `Exec=echo ${written} end`);
  }
});

t.test('exact values reach argv: Environment=', async (t) => {
  for (const [written, word] of EXACT) {
    const r = render(`[Container]\nImage=img\nEnvironment=K=${written}\n`);
    t.same(r.errors, [], written);
    t.same(r.argv, [P, 'run', '--name', 'test', '--env', `K=${word}`, 'img'], `Environment=K=${written}`);
  }
});

t.test('exact values reach argv: Label=', async (t) => {
  for (const [written, word] of EXACT) {
    const r = render(`[Container]\nImage=img\nLabel=k=${written}\n`);
    t.same(r.errors, [], written);
    t.same(r.argv, [P, 'run', '--name', 'test', '--label', `k=${word}`, 'img'], `Label=k=${written}`);
  }
});

t.test('exact values reach argv: PodmanArgs=', async (t) => {
  for (const [written, word] of EXACT) {
    const r = render(`[Container]\nImage=img\nPodmanArgs=--annotation=a=${written} --x\n`);
    t.same(r.errors, [], written);
    t.same(
      r.argv,
      [P, 'run', '--name', 'test', `--annotation=a=${word}`, '--x', 'img'],
      `PodmanArgs=--annotation=a=${written}`,
    );
  }
});

t.test('whole-value quoting: one quoted assignment keeps every character', async (t) => {
  const r = render(
    '[Container]\nImage=img\nEnvironment="MSG=hello world; echo $HOME # not a comment"\nLabel="traefik.rule=Host(`x`) && PathPrefix(`/y`)"\n',
  );
  t.same(r.warnings, []);
  t.same(r.argv, [
    P,
    'run',
    '--name',
    'test',
    '--env',
    'MSG=hello world; echo $HOME # not a comment',
    '--label',
    'traefik.rule=Host(`x`) && PathPrefix(`/y`)',
    'img',
  ]);
});
