// The key tables of docs/units.md, rendered from the tables the translator runs on (keys.ts), so
// the documentation cannot drift from the code: tools/units-doc.mjs writes them into the doc and
// test/unit/docs.test.ts fails when they differ. Keys handled by name ("special") are described
// here; a new special key without a description fails that test too.

import {
  ARTIFACT_KEYS,
  BUILD_KEYS,
  CONTAINER_KEYS,
  IMAGE_KEYS,
  type KeyRule,
  KUBE_KEYS,
  NETWORK_KEYS,
  POD_KEYS,
  VOLUME_KEYS,
} from './keys.js';
import { HOSTDEVICE_KEYS } from './resource.js';

export type DocTable =
  | 'Container'
  | 'Network'
  | 'Volume'
  | 'Pod'
  | 'Kube'
  | 'Image'
  | 'Build'
  | 'Artifact'
  | 'HostDevice';

/** The tables the translator runs on, by section. */
const TABLES: Record<Exclude<DocTable, 'HostDevice'>, ReadonlyMap<string, KeyRule>> = {
  Container: CONTAINER_KEYS,
  Network: NETWORK_KEYS,
  Volume: VOLUME_KEYS,
  Pod: POD_KEYS,
  Kube: KUBE_KEYS,
  Image: IMAGE_KEYS,
  Build: BUILD_KEYS,
  Artifact: ARTIFACT_KEYS,
};

const USERNS = {
  UserNS: '`--userns VALUE`',
  UIDMap: '`--uidmap MAP` per word',
  GIDMap: '`--gidmap MAP` per word',
  SubUIDMap: '`--subuidname NAME`',
  SubGIDMap: '`--subgidname NAME`',
  RemapUsers: 'deprecated, as in [Container]',
  RemapUid: 'with RemapUsers=, per word',
  RemapGid: 'with RemapUsers=, per word',
  RemapUidSize: 'with RemapUsers=auto: `size=N`',
};

const SPECIAL: Record<DocTable, Record<string, string>> = {
  Container: {
    ContainerName: '`--name NAME`; default: the unit name, `PREFIX_INSTANCE` for a template instance',
    Image:
      "the image, after every option; `NAME.image`/`NAME.build` → that unit's image (ImageTag= or Image=; a build's first ImageTag=), and that unit runs first",
    Rootfs: '`--rootfs PATH` in place of the image; exactly one of Image= and Rootfs=',
    GlobalArgs: 'words (quotes, C escapes) before `run`',
    ContainersConfModule: '`--module=PATH` before `run`, every value',
    Entrypoint: "`--entrypoint=VALUE`, also when empty (clears the image's entrypoint)",
    Network:
      "`--network VALUE` per value; `NAME.network[:OPTIONS]` → that network's name, `NAME.container` → `container:NAME`",
    Notify:
      '`healthy`: no argument; the pod is ready once its health check passes (the daemon sets `usr/ready-pod-NAME`). `true`: `--sdnotify=container`; the pod is ready once the container sends READY=1 (the runner relays it to `usr/ready-pod-NAME` with socat) ([Readiness](#readiness))',
    AddDevice: '`--device DEV` per word; `-DEV` only when the host path exists',
    SeccompProfile: '`--security-opt seccomp=PATH`, also when empty',
    ReadOnly: '`--read-only` / `--read-only=false`',
    VolatileTmp: '`--tmpfs /tmp:rw,size=512M,mode=1777` unless ReadOnly=true',
    User: '`--user USER` or `--user USER:GROUP`',
    Group: 'with User=: `--user USER:GROUP`; alone: error',
    UserNS: '`--userns VALUE`',
    UIDMap: '`--uidmap MAP` per word',
    GIDMap: '`--gidmap MAP` per word',
    SubUIDMap: '`--subuidname NAME`',
    SubGIDMap: '`--subgidname NAME`',
    RemapUsers:
      'deprecated: `auto` → `--userns auto[:…]`, `keep-id` → `--userns keep-id[:uid=,gid=]`, `manual` → `--uidmap`/`--gidmap`; error with UserNS=/UIDMap=/…',
    RemapUid: 'with RemapUsers=, per word',
    RemapGid: 'with RemapUsers=, per word',
    RemapUidSize: 'with RemapUsers=auto: `size=N`',
    Volume:
      "`-v SRC:DST[:OPTS]` or `-v DST` per value; `./rel` → absolute from the unit's directory; `NAME.volume` (and `NAME.artifact`) → its name",
    AutoUpdate:
      '`--label io.containers.autoupdate=VALUE`: `registry` or `local`, read by `finit-pods auto-update`',
    PublishPort:
      '`--publish VALUE` per value, `[[IP:][HOSTPORT]:]CONTAINERPORT[/tcp|/udp|/sctp]` (any other form is an error); a `$` in it is a warning: nothing expands variables under Finit',
    ExposeHostPort: '`--expose PORT[-PORT][/tcp|/udp]` per value; any other form is an error',
    EnvironmentFile:
      "`--env-file PATH` per word, relative paths from the unit's directory; `-PATH` is such a relative path, as in Quadlet (a warning says so)",
    Mount:
      '`--mount CSV` per word; `source=./rel` → absolute, `source=NAME.volume` → its name; type=image/bind/… without source: error',
    HealthOnFailure:
      "no argument (podman would act behind Finit's back): the daemon acts on an unhealthy pod: `kill` and `restart` end its container (`podman kill`, `podman stop`) and Finit restarts the pod; `stop`: `initctl stop pod:NAME`; `none` (default): recorded only ([Health checks](#health-checks))",
    HealthStartupRetries:
      'no argument: after this many startup checks failed in a row the daemon ends the container and Finit restarts the pod (0, the default: never)',
    Pod: '`--pod NAME` for `NAME.pod` (error for anything else; .pod units are not applied yet)',
    StartWithPod: 'no argument',
    PodmanArgs: 'words (quotes, C escapes) just before the image',
    Exec: 'the last value, split into words (quotes, C escapes), after the image',
    ReloadCmd: '`initctl reload pod:NAME` runs `podman exec NAME CMD…` (not with ReloadSignal=)',
    ReloadSignal: '`initctl reload pod:NAME` runs `podman kill --signal SIG NAME`',
    ServiceName: "the pod's name (`pod:NAME`), instead of the unit name",
  },
  Network: {
    NetworkName: "the network's name, last argument; default: the unit name",
    GlobalArgs: 'words before `network create`',
    ContainersConfModule: '`--module=PATH` before `network create`',
    Subnet: '`--subnet NET` per value, each followed by its Gateway= and IPRange= (by position)',
    Gateway: '`--gateway IP` after the subnet of the same position; more than subnets: error',
    IPRange: '`--ip-range RANGE` after the subnet of the same position; more than subnets: error',
    PodmanArgs: 'words (quotes, C escapes) before the name',
    NetworkDeleteOnStop:
      '`podman network rm NAME` as the stop command (`render`); no effect under finit-pods (warning): a network never stops, it stays while its unit exists',
    ServiceName: 'no effect on the network',
  },
  Volume: {
    VolumeName: "the volume's name, last argument; default: the unit name",
    GlobalArgs: 'words before `volume create`',
    ContainersConfModule: '`--module=PATH` before `volume create`',
    Driver: '`--driver NAME`; `image` takes Image=',
    Image: "with Driver=image: `--opt image=NAME` (required); `NAME.image`/`NAME.build` → that unit's image",
    User: '`uid=N` in `--opt o=…`: a number (`0x` hex, leading `0` octal); anything else is 0, as in Quadlet (a warning)',
    Group: '`gid=N` in `--opt o=…`, read like User=',
    Copy: '`--opt copy` / `--opt nocopy`',
    Device: '`--opt device=DEV`',
    Type: '`--opt type=TYPE` (needs Device=)',
    Options: 'mount options, added to `--opt o=…`',
    PodmanArgs: 'words (quotes, C escapes) before the name',
    ServiceName: 'no effect on the volume',
  },
  Pod: {
    ServiceName: 'the Finit service `podman-pod:NAME` is named by it instead of the unit name',
    GlobalArgs: "words before `pod create` (and the pod's other commands)",
    ContainersConfModule: '`--module=PATH` before `pod create`',
    ExitPolicy: '`--exit-policy stop` (default) or `continue`; anything else is an error',
    ...USERNS,
    PublishPort: '`--publish VALUE` per value, checked as in [Container]',
    Network: '`--network VALUE` per value; `NAME.network` → that network, which is created first',
    Volume: '`-v SRC:DST[:OPTS]` per value; `NAME.volume` → that volume; `./rel` → absolute',
    PodName: "`--name NAME`: the pod's name (default: the unit name), what members' `--pod` names",
    PodmanArgs: 'words (quotes, C escapes) at the end of `pod create`',
    StopTimeout: '`pod stop --time=N` (default 10); Finit waits N + 5 s',
  },
  Kube: {
    ServiceName: 'the Finit service `kube:NAME` is named by it instead of the unit name',
    GlobalArgs: 'words before `kube play` and `kube down`',
    ContainersConfModule: '`--module=PATH` before `kube play`',
    ExitCodePropagation: '`--service-exit-code-propagation=all|any|none`',
    UserNS: '`--userns VALUE`',
    RemapUsers: 'deprecated: `auto`/`keep-id` as in [Container]; `manual` is an error',
    RemapUid: 'with RemapUsers=, per word',
    RemapGid: 'with RemapUsers=, per word',
    RemapUidSize: 'with RemapUsers=auto: `size=N`',
    Network: '`--network VALUE` per value; `NAME.network` → that network',
    AutoUpdate: '`--annotation io.containers.autoupdate…=VALUE` per value',
    ConfigMap: "`--configmap PATH` per value, relative paths from the unit's directory",
    PublishPort: '`--publish VALUE` per value',
    PodmanArgs: 'words (quotes, C escapes) before the YAML files',
    Yaml: "the YAML file played (required), last; relative from the unit's directory; a change to it restarts the service",
    KubeDownForce: '`kube down --force`: also removes the volumes',
    SetWorkingDirectory: "`yaml` or `unit`: the commands run in the YAML's or the unit's directory",
  },
  Image: {
    Image:
      'the image pulled (required), last; `oci-archive:`/`docker-archive:` paths work as podman pull takes them',
    ImageTag: 'what units naming `NAME.image` use instead of Image=',
    GlobalArgs: 'words before `image pull`',
    ContainersConfModule: '`--module=PATH` before `image pull`',
    PodmanArgs: 'words (quotes, C escapes) before the image',
    ServiceName: 'no effect: the pull is carried out by finit-pods, not a Finit service',
  },
  Build: {
    GlobalArgs: 'words before `build`',
    ContainersConfModule: '`--module=PATH` before `build`',
    Pull: '`--pull=POLICY`',
    Network: '`--network VALUE` per value; `NAME.network` → that network',
    Volume: '`-v SRC:DST[:OPTS]` per value; `NAME.volume` → that volume',
    File: '`--file PATH`; relative from the working directory; its content is an input (a change builds again)',
    SetWorkingDirectory:
      "the build context: `unit` (the unit's directory), `file` (File='s directory), a path or URL; a change to it builds again",
    PodmanArgs: 'words (quotes, C escapes) before the context',
    ServiceName: 'no effect: the build is carried out by finit-pods, not a Finit service',
  },
  Artifact: {
    Artifact: 'the artifact pulled (required), last (Podman 5 and later; an error on Podman 4)',
    ServiceName: 'no effect: the pull is carried out by finit-pods, not a Finit service',
    GlobalArgs: 'words before `artifact pull`',
    ContainersConfModule: '`--module=PATH` before `artifact pull`',
    PodmanArgs: 'words (quotes, C escapes) before the artifact',
  },
  HostDevice: {
    Device: 'the host interface handed to the container (required), e.g. `veth0b`',
    Address: 'static addresses with prefix length, per word, e.g. `192.168.0.42/24`',
    Gateway: 'gateway of every address, and a default route through it',
    NetworkName: "the CNI network's name (what `Network=` names); default: the unit name",
  },
};

function describe(rule: KeyRule): [string, string] {
  switch (rule.kind) {
    case 'string':
      return [`\`${rule.flag} ${rule.prefix ?? ''}VALUE\``, 'last value; empty: nothing'];
    case 'all':
      return [`\`${rule.flag} VALUE\``, 'every value'];
    case 'strv':
      return [`\`${rule.flag} WORD\``, `every word${rule.lower ? ', lowercased' : ''}`];
    case 'args':
      return [`\`${rule.flag} ${rule.prefix ?? ''}WORD\``, 'every word (quotes, C escapes)'];
    case 'bool':
      return [`\`${rule.flag}\` / \`${rule.flag}=false\``, 'boolean'];
    case 'ifTrue':
      return [`\`${rule.args.join(' ')}\``, 'boolean, only when true'];
    case 'keyval':
      return [`\`${rule.flag} KEY=VALUE\``, 'every KEY=VALUE word, sorted by key; a later KEY wins'];
    case 'special':
      return ['', ''];
  }
}

const esc = (s: string): string => s.replace(/\|/g, '\\|');

/** Special keys of a table that have no description (the docs test requires none). */
export function undocumented(table: DocTable): string[] {
  const keys =
    table === 'HostDevice'
      ? [...HOSTDEVICE_KEYS]
      : [...tableKeys(table)].filter(([, r]) => r.kind === 'special').map(([k]) => k);
  return keys.filter((k) => SPECIAL[table][k] === undefined);
}

function tableKeys(table: Exclude<DocTable, 'HostDevice'>): ReadonlyMap<string, KeyRule> {
  return TABLES[table];
}

/** The Markdown table of one section's keys, in the order their arguments appear. */
export function keyTable(table: DocTable): string {
  const rows: string[] = ['| key | podman argument | value |', '| --- | --- | --- |'];
  if (table === 'HostDevice') {
    for (const k of HOSTDEVICE_KEYS) rows.push(`| \`${k}=\` | ${esc(SPECIAL.HostDevice[k] ?? '')} | |`);
    return rows.join('\n');
  }
  for (const [key, rule] of tableKeys(table)) {
    if (rule.kind === 'special') rows.push(`| \`${key}=\` | ${esc(SPECIAL[table][key] ?? '')} | |`);
    else {
      const [arg, value] = describe(rule);
      rows.push(`| \`${key}=\` | ${esc(arg)} | ${esc(value)} |`);
    }
  }
  return rows.join('\n');
}

export const DOC_TABLES: readonly DocTable[] = [
  'Container',
  'Network',
  'Volume',
  'Pod',
  'Kube',
  'Image',
  'Build',
  'Artifact',
  'HostDevice',
];
const marker = (t: DocTable, end: boolean) =>
  `<!-- keys:${t}:${end ? 'end' : 'start'} (tools/units-doc.mjs) -->`;

/** The doc with every generated table replaced by the current one. */
export function updateDoc(doc: string): string {
  let out = doc;
  for (const t of DOC_TABLES) {
    const a = out.indexOf(marker(t, false));
    const b = out.indexOf(marker(t, true));
    if (a < 0 || b < a)
      throw new Error(`docs/units.md has no ${marker(t, false)} … ${marker(t, true)} block`);
    out = `${out.slice(0, a + marker(t, false).length)}\n${keyTable(t)}\n${out.slice(b)}`;
  }
  return out;
}
