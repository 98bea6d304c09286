// The options of `podman run`, parsed as podman's flag library (pflag) does: `--flag value`,
// `--flag=value`, `-f value`, `-fvalue`, `-f=value`, grouped short booleans (`-it`). Used by
// `finit-pods import` to read the `-p "ARGS"` of a podman-service line, and to compare that with
// the command line a generated unit renders to.

/** `podman run` options that take a value (long name → short letter, or '' when it has none). */
const VALUE_FLAGS: Record<string, string> = {
  'add-host': '',
  annotation: '',
  arch: '',
  attach: 'a',
  authfile: '',
  'blkio-weight': '',
  'blkio-weight-device': '',
  'cap-add': '',
  'cap-drop': '',
  'cert-dir': '',
  'cgroup-conf': '',
  'cgroup-parent': '',
  cgroupns: '',
  cgroups: '',
  chrootdirs: '',
  cidfile: '',
  'conmon-pidfile': '',
  'cpu-period': '',
  'cpu-quota': '',
  'cpu-rt-period': '',
  'cpu-rt-runtime': '',
  'cpu-shares': 'c',
  cpus: '',
  'cpuset-cpus': '',
  'cpuset-mems': '',
  creds: '',
  'decryption-key': '',
  'detach-keys': '',
  device: '',
  'device-cgroup-rule': '',
  'device-read-bps': '',
  'device-read-iops': '',
  'device-write-bps': '',
  'device-write-iops': '',
  dns: '',
  'dns-option': '',
  'dns-search': '',
  entrypoint: '',
  env: 'e',
  'env-file': '',
  'env-merge': '',
  expose: '',
  gidmap: '',
  gpus: '',
  'group-add': '',
  'group-entry': '',
  'health-cmd': '',
  'health-interval': '',
  'health-log-destination': '',
  'health-max-log-count': '',
  'health-max-log-size': '',
  'health-on-failure': '',
  'health-retries': '',
  'health-start-period': '',
  'health-startup-cmd': '',
  'health-startup-interval': '',
  'health-startup-retries': '',
  'health-startup-success': '',
  'health-startup-timeout': '',
  'health-timeout': '',
  hostname: 'h',
  hostuser: '',
  'image-volume': '',
  'init-path': '',
  ip: '',
  ip6: '',
  ipc: '',
  'kernel-memory': '',
  label: 'l',
  'label-file': '',
  'log-driver': '',
  'log-opt': '',
  'mac-address': '',
  memory: 'm',
  'memory-reservation': '',
  'memory-swap': '',
  'memory-swappiness': '',
  mount: '',
  name: '',
  network: '',
  'network-alias': '',
  'oom-score-adj': '',
  os: '',
  'passwd-entry': '',
  personality: '',
  pid: '',
  pidfile: '',
  'pids-limit': '',
  platform: '',
  pod: '',
  'pod-id-file': '',
  'preserve-fd': '',
  'preserve-fds': '',
  publish: 'p',
  pull: '',
  'rdt-class': '',
  requires: '',
  restart: '',
  retry: '',
  'retry-delay': '',
  sdnotify: '',
  'seccomp-policy': '',
  secret: '',
  'security-opt': '',
  'shm-size': '',
  'shm-size-systemd': '',
  'stop-signal': '',
  'stop-timeout': '',
  subgidname: '',
  subuidname: '',
  sysctl: '',
  systemd: '',
  timeout: '',
  tmpfs: '',
  tz: '',
  uidmap: '',
  ulimit: '',
  umask: '',
  unsetenv: '',
  user: 'u',
  userns: '',
  uts: '',
  variant: '',
  volume: 'v',
  'volumes-from': '',
  workdir: 'w',
};

/** `podman run` boolean options (long name → short letter, or ''). */
const BOOL_FLAGS: Record<string, string> = {
  detach: 'd',
  'disable-content-trust': '',
  'env-host': '',
  help: '',
  'http-proxy': '',
  init: '',
  interactive: 'i',
  'no-healthcheck': '',
  'no-hosts': '',
  'oom-kill-disable': '',
  passwd: '',
  privileged: '',
  'publish-all': 'P',
  quiet: 'q',
  'read-only': '',
  'read-only-tmpfs': '',
  replace: '',
  rm: '',
  rmi: '',
  rootfs: '',
  'sig-proxy': '',
  'tls-verify': '',
  tty: 't',
  'unsetenv-all': '',
};

/** Other spellings podman accepts for an option. */
const ALIASES: Record<string, string> = { net: 'network' };

const SHORT = new Map<string, string>();
for (const table of [VALUE_FLAGS, BOOL_FLAGS])
  for (const [long, short] of Object.entries(table)) if (short) SHORT.set(short, long);

export interface RunFlag {
  /** The long name, without dashes, aliases resolved: `publish`, `network`. */
  name: string;
  /** The value; for a boolean, undefined when written without `=`. */
  value?: string;
  /** The words it was written as (a grouped `-it` gives `-i` and `-t`). */
  words: string[];
  /** Not an option finit-pods knows; only accepted as `--name=value`. */
  unknown?: boolean;
}

export const takesValue = (name: string): boolean => name in VALUE_FLAGS;
export const isBool = (name: string): boolean => name in BOOL_FLAGS;

/**
 * Parses `podman run` options; anything that is not one (a positional word) is a problem, or,
 * with `toImage`, where the options end: `end` is then the index of the image.
 */
export function parseRunFlags(
  words: readonly string[],
  toImage = false,
): { flags: RunFlag[]; problems: string[]; end: number } {
  const flags: RunFlag[] = [];
  const problems: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      problems.push('"--" ends the options: the words after it would be taken as the image');
      break;
    }
    if (w.startsWith('--')) {
      const body = w.slice(2);
      const eq = body.indexOf('=');
      const given = eq < 0 ? body : body.slice(0, eq);
      const name = ALIASES[given] ?? given;
      if (name in VALUE_FLAGS) {
        if (eq >= 0) flags.push({ name, value: body.slice(eq + 1), words: [w] });
        else if (i + 1 < words.length) {
          flags.push({ name, value: words[i + 1]!, words: [w, words[i + 1]!] });
          i++;
        } else problems.push(`${w} needs a value`);
      } else if (name in BOOL_FLAGS) {
        const f: RunFlag = { name, words: [w] };
        if (eq >= 0) f.value = body.slice(eq + 1);
        flags.push(f);
      } else if (eq >= 0) flags.push({ name, value: body.slice(eq + 1), words: [w], unknown: true });
      else
        problems.push(
          `${w} is not a podman run option finit-pods knows, so it cannot tell whether the next word is its value`,
        );
      continue;
    }
    if (w.startsWith('-') && w.length > 1) {
      const group: RunFlag[] = [];
      let bad = false;
      for (let j = 1; j < w.length; j++) {
        const c = w[j]!;
        const name = SHORT.get(c);
        if (!name) {
          problems.push(`${w}: -${c} is not a podman run option`);
          bad = true;
          break;
        }
        if (name in BOOL_FLAGS) {
          group.push({ name, words: [`-${c}`] });
          continue;
        }
        let rest = w.slice(j + 1);
        if (rest.startsWith('=')) rest = rest.slice(1);
        if (w.length > j + 1) group.push({ name, value: rest, words: [`-${c}`, rest] });
        else if (i + 1 < words.length) {
          group.push({ name, value: words[i + 1]!, words: [`-${c}`, words[i + 1]!] });
          i++;
        } else {
          problems.push(`-${c} needs a value`);
          bad = true;
        }
        break;
      }
      if (bad) continue;
      // a single option keeps its words as written
      if (group.length === 1 && group[0]!.value === undefined) group[0]!.words = [w];
      else if (group.length === 1 && w.length > 2) group[0]!.words = [w];
      flags.push(...group);
      continue;
    }
    if (toImage) return { flags, problems, end: i };
    problems.push(`"${w}" is not an option: podman would take it as the image`);
  }
  return { flags, problems, end: words.length };
}
