// One table per section: each Quadlet key, how its value is read and which podman flag it becomes.
// Keys whose translation needs more than a flag (Image, Volume, Network, User, ...) are marked
// `special`: each has a named handler in the translator (container.ts HANDLERS, whose type lists
// every special [Container] key of this table); everything else is driven by the table alone.

export type KeyRule =
  /** last non-empty value → FLAG VALUE */
  | { kind: 'string'; flag: string; prefix?: string }
  /** every value, unsplit → FLAG VALUE each */
  | { kind: 'all'; flag: string }
  /** every value split on whitespace → FLAG WORD each */
  | { kind: 'strv'; flag: string; lower?: boolean }
  /** every value split like a command line → FLAG PREFIX+WORD each */
  | { kind: 'args'; flag: string; prefix?: string }
  /** boolean → FLAG or FLAG=false */
  | { kind: 'bool'; flag: string }
  /** boolean → the given arguments when true, nothing when false */
  | { kind: 'ifTrue'; args: readonly string[] }
  /** KEY=VALUE assignments → FLAG K=V each, sorted by key */
  | { kind: 'keyval'; flag: string }
  /** handled by name in the translator */
  | { kind: 'special' };

const S = (flag: string, prefix?: string): KeyRule =>
  prefix ? { kind: 'string', flag, prefix } : { kind: 'string', flag };
const special = { kind: 'special' } as const satisfies KeyRule;

/** [Container] keys, in the order their arguments appear on the podman command line. */
const CONTAINER_TABLE = [
  ['ContainerName', special],
  ['Image', special],
  ['Rootfs', special],
  ['GlobalArgs', special],
  ['ContainersConfModule', special],
  ['LogDriver', S('--log-driver')],
  ['LogOpt', { kind: 'strv', flag: '--log-opt' }],
  ['CgroupsMode', S('--cgroups')],
  ['Entrypoint', special],
  ['Timezone', S('--tz')],
  ['PidsLimit', S('--pids-limit')],
  ['ShmSize', S('--shm-size')],
  ['WorkingDir', S('--workdir')],
  ['IP', S('--ip')],
  ['IP6', S('--ip6')],
  ['HostName', S('--hostname')],
  ['StopSignal', S('--stop-signal')],
  ['StopTimeout', S('--stop-timeout')],
  ['Pull', S('--pull')],
  ['Memory', S('--memory')],
  ['Retry', S('--retry')],
  ['RetryDelay', S('--retry-delay')],
  ['ImageVolume', S('--image-volume')],
  ['Umask', S('--umask')],
  ['NetworkAlias', { kind: 'all', flag: '--network-alias' }],
  ['Ulimit', { kind: 'all', flag: '--ulimit' }],
  ['DNS', { kind: 'all', flag: '--dns' }],
  ['DNSOption', { kind: 'all', flag: '--dns-option' }],
  ['DNSSearch', { kind: 'all', flag: '--dns-search' }],
  ['GroupAdd', { kind: 'all', flag: '--group-add' }],
  ['AddHost', { kind: 'all', flag: '--add-host' }],
  ['Tmpfs', { kind: 'all', flag: '--tmpfs' }],
  ['RunInit', { kind: 'bool', flag: '--init' }],
  ['EnvironmentHost', { kind: 'bool', flag: '--env-host' }],
  ['ReadOnlyTmpfs', { kind: 'bool', flag: '--read-only-tmpfs' }],
  ['HttpProxy', { kind: 'bool', flag: '--http-proxy' }],
  ['Network', special],
  ['Notify', special],
  ['NoNewPrivileges', { kind: 'ifTrue', args: ['--security-opt=no-new-privileges'] }],
  ['SecurityLabelDisable', { kind: 'ifTrue', args: ['--security-opt', 'label=disable'] }],
  ['SecurityLabelNested', { kind: 'ifTrue', args: ['--security-opt', 'label=nested'] }],
  ['SecurityLabelType', S('--security-opt', 'label=type:')],
  ['SecurityLabelFileType', S('--security-opt', 'label=filetype:')],
  ['SecurityLabelLevel', S('--security-opt', 'label=level:')],
  ['AppArmor', S('--security-opt', 'apparmor=')],
  ['AddDevice', special],
  ['SeccompProfile', special],
  ['DropCapability', { kind: 'strv', flag: '--cap-drop', lower: true }],
  ['AddCapability', { kind: 'strv', flag: '--cap-add', lower: true }],
  ['Sysctl', { kind: 'strv', flag: '--sysctl' }],
  ['ReadOnly', special],
  ['VolatileTmp', special],
  ['User', special],
  ['Group', special],
  ['UserNS', special],
  ['UIDMap', special],
  ['GIDMap', special],
  ['SubUIDMap', special],
  ['SubGIDMap', special],
  ['RemapUsers', special],
  ['RemapUid', special],
  ['RemapGid', special],
  ['RemapUidSize', special],
  ['Volume', special],
  ['AutoUpdate', special],
  ['ExposeHostPort', special],
  ['PublishPort', special],
  ['Environment', { kind: 'keyval', flag: '--env' }],
  ['Label', { kind: 'keyval', flag: '--label' }],
  ['Annotation', { kind: 'keyval', flag: '--annotation' }],
  ['Mask', { kind: 'args', flag: '--security-opt', prefix: 'mask=' }],
  ['Unmask', { kind: 'args', flag: '--security-opt', prefix: 'unmask=' }],
  ['EnvironmentFile', special],
  ['Secret', { kind: 'args', flag: '--secret' }],
  ['Mount', special],
  ['HealthCmd', S('--health-cmd')],
  ['HealthInterval', S('--health-interval')],
  ['HealthOnFailure', S('--health-on-failure')],
  ['HealthLogDestination', S('--health-log-destination')],
  ['HealthMaxLogCount', S('--health-max-log-count')],
  ['HealthMaxLogSize', S('--health-max-log-size')],
  ['HealthRetries', S('--health-retries')],
  ['HealthStartPeriod', S('--health-start-period')],
  ['HealthTimeout', S('--health-timeout')],
  ['HealthStartupCmd', S('--health-startup-cmd')],
  ['HealthStartupInterval', S('--health-startup-interval')],
  ['HealthStartupRetries', S('--health-startup-retries')],
  ['HealthStartupSuccess', S('--health-startup-success')],
  ['HealthStartupTimeout', S('--health-startup-timeout')],
  ['Pod', special],
  ['StartWithPod', special],
  ['PodmanArgs', special],
  ['Exec', special],
  ['ReloadCmd', special],
  ['ReloadSignal', special],
  ['ServiceName', special],
] as const satisfies readonly (readonly [string, KeyRule])[];

/** The [Container] keys marked special: each needs a handler (container.ts). */
export type ContainerSpecialKey = Extract<
  (typeof CONTAINER_TABLE)[number],
  readonly [string, typeof special]
>[0];

export const CONTAINER_KEYS: ReadonlyMap<string, KeyRule> = new Map<string, KeyRule>(CONTAINER_TABLE);

/** [Network] keys → `podman network create` arguments. */
export const NETWORK_KEYS: ReadonlyMap<string, KeyRule> = new Map<string, KeyRule>([
  ['NetworkName', special],
  ['GlobalArgs', special],
  ['ContainersConfModule', special],
  ['DisableDNS', { kind: 'bool', flag: '--disable-dns' }],
  ['Internal', { kind: 'bool', flag: '--internal' }],
  ['IPv6', { kind: 'bool', flag: '--ipv6' }],
  ['Driver', S('--driver')],
  ['IPAMDriver', S('--ipam-driver')],
  ['InterfaceName', S('--interface-name')],
  ['DNS', { kind: 'all', flag: '--dns' }],
  ['Subnet', special],
  ['Gateway', special],
  ['IPRange', special],
  ['Options', { kind: 'keyval', flag: '--opt' }],
  ['Label', { kind: 'keyval', flag: '--label' }],
  ['PodmanArgs', special],
  ['NetworkDeleteOnStop', special],
  ['ServiceName', special],
]);

/** [Volume] keys → `podman volume create` arguments. */
export const VOLUME_KEYS: ReadonlyMap<string, KeyRule> = new Map<string, KeyRule>([
  ['VolumeName', special],
  ['UID', S('--uid')],
  ['GID', S('--gid')],
  ['GlobalArgs', special],
  ['ContainersConfModule', special],
  ['Driver', special],
  ['Image', special],
  ['User', special],
  ['Group', special],
  ['Copy', special],
  ['Device', special],
  ['Type', special],
  ['Options', special],
  ['Label', { kind: 'keyval', flag: '--label' }],
  ['PodmanArgs', special],
  ['ServiceName', special],
]);

/** The [Quadlet] section, shared by every unit type. */
export const QUADLET_KEYS: ReadonlySet<string> = new Set(['DefaultDependencies']);

/**
 * [Service] keys that have a Finit counterpart. Every other [Service] key is warned about:
 * Finit runs the pod, not systemd, so it would have no effect.
 */
export const SERVICE_KEYS_MAPPED: ReadonlySet<string> = new Set([
  'Restart',
  'RestartSec',
  'TimeoutStopSec',
  'TimeoutStartSec',
  'Environment',
]);

/**
 * [Unit] keys that finit-pods reads (Documentation= and SourcePath= are informational); the rest
 * are systemd-only and warned about. Before= is among the rest: Finit orders a pod by what it
 * waits for, so the other unit needs After= on this one.
 */
export const UNIT_KEYS_MAPPED: ReadonlySet<string> = new Set([
  'Description',
  'Requires',
  'Wants',
  'After',
  'BindsTo',
  'Documentation',
  'SourcePath',
]);

/** [Install] keys: WantedBy=/RequiredBy= choose Finit runlevels; the rest are warned about. */
export const INSTALL_KEYS_MAPPED: ReadonlySet<string> = new Set(['WantedBy', 'RequiredBy']);
