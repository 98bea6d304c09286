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
  ['HealthOnFailure', special],
  ['HealthLogDestination', S('--health-log-destination')],
  ['HealthMaxLogCount', S('--health-max-log-count')],
  ['HealthMaxLogSize', S('--health-max-log-size')],
  ['HealthRetries', S('--health-retries')],
  ['HealthStartPeriod', S('--health-start-period')],
  ['HealthTimeout', S('--health-timeout')],
  ['HealthStartupCmd', S('--health-startup-cmd')],
  ['HealthStartupInterval', S('--health-startup-interval')],
  ['HealthStartupRetries', special],
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

/** The [Container] keys the table turns into podman's option `flag` (`--init` → RunInit). */
export function containerKeysFor(flag: string): string[] {
  const keys: string[] = [];
  for (const [key, rule] of CONTAINER_TABLE) {
    const flags: readonly string[] = 'flag' in rule ? [rule.flag] : 'args' in rule ? rule.args : [];
    if (flags.some((f) => f === flag || f.startsWith(`${flag}=`))) keys.push(key);
  }
  return keys;
}

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

/** [Image] keys → `podman image pull` arguments (Quadlet's ConvertImage), the image last. */
export const IMAGE_KEYS: ReadonlyMap<string, KeyRule> = new Map<string, KeyRule>([
  ['Image', special],
  ['ImageTag', special],
  ['GlobalArgs', special],
  ['ContainersConfModule', special],
  ['Arch', S('--arch')],
  ['AuthFile', S('--authfile')],
  ['CertDir', S('--cert-dir')],
  ['Creds', S('--creds')],
  ['DecryptionKey', S('--decryption-key')],
  ['OS', S('--os')],
  ['Policy', S('--policy')],
  ['Variant', S('--variant')],
  ['Retry', S('--retry')],
  ['RetryDelay', S('--retry-delay')],
  ['AllTags', { kind: 'bool', flag: '--all-tags' }],
  ['TLSVerify', { kind: 'bool', flag: '--tls-verify' }],
  ['PodmanArgs', special],
  ['ServiceName', special],
]);

/**
 * [Build] keys, in the order their arguments appear on `podman build` (Quadlet's ConvertBuild);
 * the context (SetWorkingDirectory=) comes last.
 */
const BUILD_TABLE = [
  ['GlobalArgs', special],
  ['ContainersConfModule', special],
  ['Pull', special],
  ['Arch', S('--arch')],
  ['AuthFile', S('--authfile')],
  ['IgnoreFile', S('--ignorefile')],
  ['Target', S('--target')],
  ['Variant', S('--variant')],
  ['Retry', S('--retry')],
  ['RetryDelay', S('--retry-delay')],
  ['TLSVerify', { kind: 'bool', flag: '--tls-verify' }],
  ['ForceRM', { kind: 'bool', flag: '--force-rm' }],
  ['DNS', { kind: 'all', flag: '--dns' }],
  ['DNSOption', { kind: 'all', flag: '--dns-option' }],
  ['DNSSearch', { kind: 'all', flag: '--dns-search' }],
  ['GroupAdd', { kind: 'all', flag: '--group-add' }],
  ['ImageTag', { kind: 'all', flag: '--tag' }],
  ['BuildArg', { kind: 'keyval', flag: '--build-arg' }],
  ['Environment', { kind: 'keyval', flag: '--env' }],
  ['Label', { kind: 'keyval', flag: '--label' }],
  ['Annotation', { kind: 'keyval', flag: '--annotation' }],
  ['Network', special],
  ['Secret', { kind: 'args', flag: '--secret' }],
  ['Volume', special],
  ['File', special],
  ['SetWorkingDirectory', special],
  ['PodmanArgs', special],
  ['ServiceName', special],
] as const satisfies readonly (readonly [string, KeyRule])[];

/** The [Build] keys marked special: each needs a handler (build.ts). */
export type BuildSpecialKey = Extract<(typeof BUILD_TABLE)[number], readonly [string, typeof special]>[0];

export const BUILD_KEYS: ReadonlyMap<string, KeyRule> = new Map<string, KeyRule>(BUILD_TABLE);

/**
 * [Pod] keys, in the order their arguments appear on `podman pod create` (Quadlet's ConvertPod).
 * ExitPolicy= and PodName= add their arguments whether set or not (--exit-policy stop, --name).
 */
const POD_TABLE = [
  ['ServiceName', special],
  ['GlobalArgs', special],
  ['ContainersConfModule', special],
  ['ExitPolicy', special],
  ['UserNS', special],
  ['UIDMap', special],
  ['GIDMap', special],
  ['SubUIDMap', special],
  ['SubGIDMap', special],
  ['RemapUsers', special],
  ['RemapUid', special],
  ['RemapGid', special],
  ['RemapUidSize', special],
  ['PublishPort', special],
  ['Label', { kind: 'keyval', flag: '--label' }],
  ['Network', special],
  ['IP', S('--ip')],
  ['IP6', S('--ip6')],
  ['ShmSize', S('--shm-size')],
  ['NetworkAlias', { kind: 'all', flag: '--network-alias' }],
  ['DNS', { kind: 'all', flag: '--dns' }],
  ['DNSOption', { kind: 'all', flag: '--dns-option' }],
  ['DNSSearch', { kind: 'all', flag: '--dns-search' }],
  ['AddHost', { kind: 'all', flag: '--add-host' }],
  ['HostName', { kind: 'all', flag: '--hostname' }],
  ['Volume', special],
  ['PodName', special],
  ['PodmanArgs', special],
  ['StopTimeout', special],
] as const satisfies readonly (readonly [string, KeyRule])[];

/** The [Pod] keys marked special: each needs a handler (pod.ts). */
export type PodSpecialKey = Extract<(typeof POD_TABLE)[number], readonly [string, typeof special]>[0];

export const POD_KEYS: ReadonlyMap<string, KeyRule> = new Map<string, KeyRule>(POD_TABLE);

/**
 * [Kube] keys, in the order their arguments appear on `podman kube play` (Quadlet's ConvertKube):
 * the YAML files last; KubeDownForce= is for `kube down`, SetWorkingDirectory= for the directory.
 */
const KUBE_TABLE = [
  ['ServiceName', special],
  ['GlobalArgs', special],
  ['ContainersConfModule', special],
  ['ExitCodePropagation', special],
  ['LogDriver', S('--log-driver')],
  ['LogOpt', { kind: 'strv', flag: '--log-opt' }],
  ['UserNS', special],
  ['RemapUsers', special],
  ['RemapUid', special],
  ['RemapGid', special],
  ['RemapUidSize', special],
  ['Network', special],
  ['AutoUpdate', special],
  ['ConfigMap', special],
  ['PublishPort', special],
  ['PodmanArgs', special],
  ['Yaml', special],
  ['KubeDownForce', special],
  ['SetWorkingDirectory', special],
] as const satisfies readonly (readonly [string, KeyRule])[];

/** The [Kube] keys marked special: each needs a handler (kube.ts). */
export type KubeSpecialKey = Extract<(typeof KUBE_TABLE)[number], readonly [string, typeof special]>[0];

export const KUBE_KEYS: ReadonlyMap<string, KeyRule> = new Map<string, KeyRule>(KUBE_TABLE);

/** [Artifact] keys → `podman artifact pull` arguments, the artifact last. */
export const ARTIFACT_KEYS: ReadonlyMap<string, KeyRule> = new Map<string, KeyRule>([
  ['Artifact', special],
  ['ServiceName', special],
  ['GlobalArgs', special],
  ['ContainersConfModule', special],
  ['AuthFile', S('--authfile')],
  ['CertDir', S('--cert-dir')],
  ['Creds', S('--creds')],
  ['DecryptionKey', S('--decryption-key')],
  ['Retry', S('--retry')],
  ['RetryDelay', S('--retry-delay')],
  ['Quiet', { kind: 'bool', flag: '--quiet' }],
  ['TLSVerify', { kind: 'bool', flag: '--tls-verify' }],
  ['PodmanArgs', special],
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
 * [Unit] keys that finit-pods reads (Documentation= and SourcePath= are informational): ordering
 * and dependencies between the units of the directory become Finit conditions; Before= gives the
 * other unit the condition, as Finit orders a service only by what it waits for.
 */
export const UNIT_KEYS_MAPPED: ReadonlySet<string> = new Set([
  'Description',
  'Requires',
  'Requisite',
  'Wants',
  'After',
  'Before',
  'BindsTo',
  'PartOf',
  'Documentation',
  'SourcePath',
]);

/**
 * What the systemd keys a Quadlet file commonly carries, and finit-pods cannot map, mean here:
 * `check` says it at the key's line. Other unmapped keys get a general warning.
 */
export const SYSTEMD_NO_EFFECT: Readonly<Record<string, string>> = {
  'Unit.Conflicts': 'Finit stops no unit for another one; remove the unit that must not run',
  'Unit.StartLimitBurst': 'Finit restarts a failing pod up to 10 times in a row, then marks it crashed',
  'Unit.StartLimitIntervalSec': 'Finit restarts a failing pod up to 10 times in a row, then marks it crashed',
  'Unit.RequiresMountsFor': 'pods start once the system is up (usr/finit-pods), after its mounts',
  'Unit.ConditionPathExists': 'Finit starts the pod whenever its conditions (the units it needs) hold',
  'Service.ExecStartPre':
    "finit-pods runs only the unit's podman commands; put the step in the image or a Finit task",
  'Service.ExecStartPost':
    "finit-pods runs only the unit's podman commands; put the step in the image or a Finit task",
  'Service.ExecStop':
    "finit-pods runs only the unit's podman commands; put the step in the image or a Finit task",
  'Service.ExecStopPost':
    "finit-pods runs only the unit's podman commands; put the step in the image or a Finit task",
  'Service.ExecReload': 'use ReloadCmd= or ReloadSignal= in [Container]',
  'Service.Type': 'finit-pods chooses how Finit runs the unit',
  'Service.NotifyAccess': 'finit-pods chooses how Finit runs the unit',
  'Service.KillMode': 'finit-pods stops the unit with its podman stop command, then Finit kills what is left',
  'Service.Delegate': 'podman runs under Finit, which has no cgroup delegation setting',
  'Service.Slice': 'Finit places the pod in its own cgroup',
  'Service.SyslogIdentifier': "Finit logs the pod's output under its identity (pod:NAME)",
  'Service.User': 'pods run as root (rootful podman) under Finit',
  'Service.Group': 'pods run as root (rootful podman) under Finit',
  'Service.WorkingDirectory': 'use SetWorkingDirectory= in [Build] or [Kube]',
  'Service.RemainAfterExit': 'Finit runs the unit as a service for as long as it runs',
  'Install.Alias': 'Finit names the pod by its identity (pod:NAME)',
  'Install.Also': 'every unit of the directory is applied',
};

/** [Install] keys: WantedBy=/RequiredBy= choose Finit runlevels; the rest are warned about. */
export const INSTALL_KEYS_MAPPED: ReadonlySet<string> = new Set(['WantedBy', 'RequiredBy']);
