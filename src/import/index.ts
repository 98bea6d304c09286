// `finit-pods import`: Infix's "Hybrid mode" scripts (/cfg/start.d/*.sh) → Quadlet units.
// Pure: scripts come in as text, units go out as text, nothing is run or written here.
//
//   podman-service [-e] [-d DESC] [-n NAME] [-p "ARGS"] IMAGE [CMD [ARG]…]   → NAME.container
//   cni [-f] [-n NUM] create host NAME IFNAME IPADDR/PREFIX                  → NAME.network
//
// podman-service wrote `service name:pod :NAME podman run --name NAME --rm ARGS IMAGE CMD -- DESC`
// (NAME: -n, else the image's base name without registry, path or tag; DESC: -d, else
// "NAME container"; -e enabled it). ARGS is one string, split into words again when the pod
// starts; here it is split as sh would, and every podman run option in it becomes its Quadlet key
// where one exists, or PodmanArgs=. Each container unit is translated back before it is
// offered, and its podman command line compared with the one the script meant.

import { isAbsolute } from 'node:path';
import { PORT_RANGE, translateContainer } from '../model/container.js';
import { buildIndex } from '../model/index.js';
import { CONTAINER_KEYS, type KeyRule } from '../model/keys.js';
import { SAFE_NAME } from '../model/names.js';
import { translateNetwork } from '../model/resource.js';
import { type LoadedUnit, parseUnitName } from '../parse/load.js';
import { parseUnitText } from '../parse/unitfile.js';
import { FINIT_ID_MAX_OLD } from '../render/finit.js';
import { isBool, parseRunFlags, type RunFlag } from './podman-run.js';
import { isAssignment, parseScript, type ShCommand, type ShWord, shellWords } from './sh.js';
import { execWord, execWords, rawValue, strvValue, textValue } from './unit-text.js';

export interface Script {
  path: string;
  text: string;
}

export type NoteSeverity = 'error' | 'warning' | 'info';

/** A line of a script that was not converted (error), converted with a caveat (warning), or skipped (info). */
export interface ImportNote {
  file: string;
  line: number;
  severity: NoteSeverity;
  message: string;
}

export interface ImportedUnit {
  /** `NAME.container` or `NAME.network` */
  filename: string;
  kind: 'container' | 'network';
  text: string;
  /** The script line it comes from. */
  file: string;
  line: number;
}

export interface ImportResult {
  units: ImportedUnit[];
  notes: ImportNote[];
  /** podman-service and cni lines seen. */
  recognised: number;
}

/** podman run option → its [Container] key and rule, for the keys that are one option each. */
const REVERSE = new Map<string, { key: string; rule: KeyRule }>();
for (const [key, rule] of CONTAINER_KEYS) {
  if (!('flag' in rule) || ('prefix' in rule && rule.prefix)) continue;
  REVERSE.set(rule.flag.replace(/^--/, ''), { key, rule });
}
// PublishPort= is validated by the translator (so it is "special" there) but is one option each
REVERSE.set('publish', { key: 'PublishPort', rule: { kind: 'all', flag: '--publish' } });

/** The container name podman-service derived from an image: no transport, registry, path, tag or digest. */
export function nameFromImage(image: string): string {
  let s = image.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, '').replace(/@.*$/, '');
  s = s.slice(s.lastIndexOf('/') + 1);
  const colon = s.indexOf(':');
  return colon < 0 ? s : s.slice(0, colon);
}

/** `--network a,b` is two networks; a value with options (`slirp4netns:…`, `net1:ip=…`) is one. */
function splitNetworks(v: string): string[] {
  if (/[:=]/.test(v) || !v.includes(',')) return [v];
  return v.split(',').filter((s) => s !== '');
}

/** One line for a unit-file comment. */
function commentText(s: string): string[] {
  return s
    .replace(/\\\n[ \t]*/g, ' ')
    .split('\n')
    .map((l) => `#   ${l.replace(/\\+$/, '')}`.trimEnd());
}

interface Ctx {
  notes: ImportNote[];
  file: string;
  line: number;
}

function note(c: Ctx, severity: NoteSeverity, message: string): void {
  c.notes.push({ file: c.file, line: c.line, severity, message });
}

/** getopts(1) over `spec` (e.g. "d:ehn:p:"): options and the words after them. */
function getopts(
  args: readonly string[],
  spec: string,
): { opts: [string, string | undefined][]; rest: string[]; problem?: string } {
  const opts: [string, string | undefined][] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const at = spec.indexOf(c);
      if (at < 0 || c === ':') {
        const known = spec
          .replace(/:/g, '')
          .split('')
          .map((o) => `-${o}`);
        return { opts, rest: [], problem: `unknown option -${c} (it takes ${known.join(', ')})` };
      }
      if (spec[at + 1] === ':') {
        let v: string | undefined = a.slice(j + 1);
        if (v === '') v = args[++i];
        if (v === undefined) return { opts, rest: [], problem: `-${c} needs a value` };
        opts.push([c, v]);
        break;
      }
      opts.push([c, undefined]);
    }
  }
  return { opts, rest: args.slice(i) };
}

/** What a recognised command needs before it can be converted: it runs unconditionally, its words are known. */
function checkContext(cmd: ShCommand, args: readonly ShWord[], c: Ctx, what: string): boolean {
  if (cmd.inside.length > 0) {
    note(
      c,
      'error',
      `${what} is inside ${cmd.inside.map((k) => (k === 'function' ? 'a function' : `"${k}"`)).join(' inside ')}: it runs only when the script gets there, which import cannot tell; write the unit by hand or move the line out`,
    );
    return false;
  }
  if (cmd.joinedBy === '&&' || cmd.joinedBy === '||') {
    note(
      c,
      'error',
      `${what} runs only when the command before "${cmd.joinedBy}" ${cmd.joinedBy === '&&' ? 'succeeds' : 'fails'}, which import cannot tell`,
    );
    return false;
  }
  if (cmd.joinedBy === '|') {
    note(c, 'error', `${what} reads a pipe: import cannot tell what it is given`);
    return false;
  }
  const expanded = args.flatMap((w) => w.expansions);
  if (expanded.length > 0) {
    note(
      c,
      'error',
      `${what} uses ${[...new Set(expanded)].join(', ')}: the value is only known when the script runs; write the value out and import again`,
    );
    return false;
  }
  const globs = args.filter((w) => w.glob).map((w) => w.value);
  if (globs.length > 0)
    note(
      c,
      'warning',
      `${globs.join(', ')}: taken as written; sh would replace ${globs.length > 1 ? 'them' : 'it'} with matching file names, if any`,
    );
  return true;
}

interface Network {
  name: string;
  unit: ImportedUnit;
  force: boolean;
}

function convertCni(args: readonly string[], c: Ctx, networks: Map<string, Network>, command: string): void {
  const g = getopts(args, 'fhn:');
  if (g.problem) {
    note(c, 'error', `cni: ${g.problem}; not converted`);
    return;
  }
  if (g.opts.some(([o]) => o === 'h')) {
    note(c, 'info', 'cni -h only prints help: nothing to convert');
    return;
  }
  const force = g.opts.some(([o]) => o === 'f');
  const [cmd, kind, ...rest] = g.rest;
  if (cmd === 'list' || cmd === 'show' || cmd === 'help' || cmd === undefined) {
    note(c, 'info', `cni ${cmd ?? ''}: only shows CNI profiles, nothing to convert`.replace('  ', ' '));
    return;
  }
  if (cmd !== 'create') {
    note(c, 'error', `cni ${cmd}: not a cni command (create, list, show, help)`);
    return;
  }
  if (kind !== 'host') {
    note(
      c,
      'error',
      `cni create ${kind ?? ''}: only "cni create host NAME IFNAME IPADDR/PREFIX" (a host-device profile) has a finit-pods counterpart, a [HostDevice] network`,
    );
    return;
  }
  if (rest.length !== 3) {
    note(
      c,
      'error',
      `cni create host takes NAME IFNAME IPADDR/PREFIX, got ${rest.length} word${rest.length === 1 ? '' : 's'}`,
    );
    return;
  }
  const [name, device, address] = rest as [string, string, string];
  if (!SAFE_NAME.test(name)) {
    note(
      c,
      'error',
      `cni create host: "${name}" cannot name a unit file (letters, digits, "_", "." and "-")`,
    );
    return;
  }
  const prev = networks.get(name);
  if (prev && !force) {
    note(
      c,
      'error',
      `cni create host ${name}: ${prev.unit.file}:${prev.unit.line} already created this profile, and cni does not overwrite one without -f`,
    );
    return;
  }
  const dev = rawValue(device);
  const addr = rawValue(address);
  if (!dev || !addr) {
    note(c, 'error', 'cni create host: the interface or address cannot be written into a unit');
    return;
  }
  const filename = `${name}.network`;
  const text = [
    `# Imported by "finit-pods import" from ${c.file}:${c.line}:`,
    ...commentText(command),
    '[HostDevice]',
    `Device=${dev}`,
    `Address=${addr}`,
    '',
  ].join('\n');
  const loaded = load(filename, text);
  const r = translateNetwork(loaded);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    note(c, 'error', `cni create host ${name}: ${errors.map((d) => d.message).join('; ')}`);
    return;
  }
  if (prev)
    note(
      c,
      'warning',
      `cni -f create host ${name}: replaces the profile from ${prev.unit.file}:${prev.unit.line}`,
    );
  networks.set(name, { name, force, unit: { filename, kind: 'network', text, file: c.file, line: c.line } });
}

function load(filename: string, text: string): LoadedUnit {
  const name = parseUnitName(filename)!;
  const path = `/import/${filename}`;
  const { unit, diagnostics } = parseUnitText(text, path, filename);
  return { name, unit, sources: [path], diagnostics };
}

interface Mapped {
  lines: string[];
  /** The options the unit must render to (the script's, without those dropped). */
  expected: RunFlag[];
}

/** Where mapFlags writes: a `Key=value` line, or the flag kept as written in PodmanArgs=. */
interface FlagOut {
  c: Ctx;
  networks: ReadonlyMap<string, Network>;
  pod: string;
  /** `value` undefined: the flag is kept as PodmanArgs= (import cannot say it as the key). */
  put(f: RunFlag, key: string, value: string | undefined): void;
  podmanArgs(f: RunFlag): void;
  /** A flag the unit renders to without a line of its own (--name of the pod's own name). */
  implied(f: RunFlag): void;
}

/** A flag that needs code to map (as Quadlet's handlers in the other direction): one named handler each. */
type FlagHandler = (f: RunFlag, out: FlagOut) => void;

const dropped =
  (why: string): FlagHandler =>
  (f, out) =>
    note(out.c, 'warning', `${f.words.join(' ')}: dropped; ${why}`);

/** --rm and --replace, as podman-service gave them: finit-pods does both itself. */
const mapAlwaysOn: FlagHandler = (f, out) => {
  if (f.value !== undefined && f.value !== 'true')
    dropped('finit-pods always runs pods with --rm and replaces stale containers')(f, out);
};

const mapName: FlagHandler = (f, out) => {
  if (f.value === out.pod) out.implied(f);
  else out.put(f, 'ContainerName', rawValue(f.value ?? ''));
};

/** Each network its own Network= line; one the script created becomes its .network unit. */
const mapNetwork: FlagHandler = (f, out) => {
  for (const n of splitNetworks(f.value ?? '')) {
    const colon = n.indexOf(':');
    const ref = colon < 0 ? n : n.slice(0, colon);
    const one: RunFlag = { name: 'network', value: n, words: [`--network=${n}`] };
    if (out.networks.has(ref))
      out.put(one, 'Network', rawValue(`${ref}.network${colon < 0 ? '' : n.slice(colon)}`));
    else if (/\.(network|container)$/.test(ref)) out.podmanArgs(one);
    else out.put(one, 'Network', rawValue(n));
  }
};

/** A source Quadlet would read as a unit or a relative path stays as written, in PodmanArgs=. */
const mapVolume: FlagHandler = (f, out) => {
  const v = f.value ?? '';
  const parts = v.split(':');
  const src = parts.length >= 2 ? parts[0]! : undefined;
  const plain =
    src === undefined || (src !== '' && !src.startsWith('.') && !/\.(volume|artifact)$/.test(src));
  out.put(f, 'Volume', plain ? rawValue(v) : undefined);
};

/** A key whose value import checks before writing it (undefined: kept as PodmanArgs=). */
const checked =
  (key: string, value: (v: string | undefined) => string | undefined): FlagHandler =>
  (f, out) =>
    out.put(f, key, value(f.value));

const FLAG_HANDLERS: Readonly<Record<string, FlagHandler>> = {
  name: mapName,
  rm: mapAlwaysOn,
  replace: mapAlwaysOn,
  detach: dropped(
    'under Finit podman runs in the foreground (with -d it returns at once and Finit would restart it over and over)',
  ),
  restart: dropped(
    'podman refuses --restart with the --rm podman-service always gave, and Finit restarts a pod that exits (its [Service] Restart= says when)',
  ),
  network: mapNetwork,
  volume: mapVolume,
  entrypoint: checked('Entrypoint', (v) => (v === '' ? '' : rawValue(v ?? ''))),
  device: checked('AddDevice', (v) => (v?.startsWith('-') ? undefined : strvValue(v ?? ''))),
  user: checked('User', (v) => rawValue(v ?? '')),
  'read-only': checked('ReadOnly', boolValue),
  'env-file': checked('EnvironmentFile', (v) => (v && isAbsolute(v) ? execWord(v) : undefined)),
  expose: checked('ExposeHostPort', (v) => (v && PORT_RANGE.test(v) ? v : undefined)),
  'stop-timeout': checked('StopTimeout', (v) => (v && /^\d+$/.test(v) ? v : undefined)),
};

/** How a key of the table (model/keys.ts) is written from a flag's value, by its rule's kind. */
const RULE_VALUE: Partial<Record<KeyRule['kind'], (v: string | undefined) => string | undefined>> = {
  string: (v) => rawValue(v ?? ''),
  all: (v) => rawValue(v ?? ''),
  strv: (v) => strvValue(v ?? ''),
  bool: boolValue,
  keyval: (v) => execWord(v ?? ''),
  args: (v) => execWord(v ?? ''),
};

/** The [Container] lines for the options of `-p ARGS`. */
function mapFlags(
  flags: readonly RunFlag[],
  c: Ctx,
  networks: ReadonlyMap<string, Network>,
  pod: string,
): Mapped {
  const lines: string[] = [];
  const expected: RunFlag[] = [];
  const out: FlagOut = {
    c,
    networks,
    pod,
    podmanArgs(f) {
      lines.push(`PodmanArgs=${execWords(f.words)}`);
      expected.push(f);
    },
    put(f, key, value) {
      if (value === undefined) return this.podmanArgs(f);
      lines.push(`${key}=${value}`);
      expected.push(f);
    },
    implied(f) {
      expected.push(f);
    },
  };
  for (const f of flags) {
    const handler = FLAG_HANDLERS[f.name];
    if (handler) {
      handler(f, out);
      continue;
    }
    if (f.unknown)
      note(
        c,
        'warning',
        `${f.words.join(' ')}: not a podman run option finit-pods knows; kept as PodmanArgs=`,
      );
    const rule = REVERSE.get(f.name);
    const value = rule && RULE_VALUE[rule.rule.kind];
    if (rule && value) out.put(f, rule.key, value(f.value));
    else out.podmanArgs(f);
  }
  return { lines, expected };
}

function boolValue(v: string | undefined): string | undefined {
  if (v === undefined) return 'true';
  return v === 'true' || v === 'false' ? v : undefined;
}

const KEYVAL = new Set(['env', 'label', 'annotation']);

/**
 * Options in a form where equivalent command lines compare equal: long names, one network per
 * option, capabilities in lower case, and later values replacing earlier ones where podman keeps
 * only the last (single-valued options, the same KEY of --env/--label/--annotation).
 */
export function normaliseFlags(flags: readonly RunFlag[]): string[] {
  const last = new Map<string, string>();
  const many: string[] = [];
  for (const f of flags) {
    let v = f.value ?? (isBool(f.name) ? 'true' : '');
    if (f.name === 'cap-add' || f.name === 'cap-drop') v = v.toLowerCase();
    if (f.name === 'network') {
      for (const n of splitNetworks(v)) many.push(`--network=${n}`);
      continue;
    }
    const rule = REVERSE.get(f.name)?.rule.kind;
    if (KEYVAL.has(f.name)) {
      const eq = v.indexOf('=');
      last.set(`${f.name}\0${eq < 0 ? v : v.slice(0, eq)}`, `--${f.name}=${v}`);
    } else if (rule === 'string' || isBool(f.name) || ['entrypoint', 'user', 'name'].includes(f.name))
      last.set(f.name, `--${f.name}=${v}`);
    else many.push(`--${f.name}=${v}`);
  }
  return [...many, ...last.values()].sort();
}

interface Pending {
  pod: string;
  unit: ImportedUnit;
  image: string;
  command: string[];
  expected: RunFlag[];
  ctx: Ctx;
}

function convertPodmanService(
  args: readonly string[],
  c: Ctx,
  networks: ReadonlyMap<string, Network>,
  command: string,
): Pending | undefined {
  const g = getopts(args, 'd:ehn:p:');
  if (g.problem) {
    note(c, 'error', `podman-service: ${g.problem}; not converted`);
    return undefined;
  }
  const opt = (o: string) => g.opts.filter(([k]) => k === o).map(([, v]) => v ?? '');
  if (opt('h').length > 0) {
    note(c, 'info', 'podman-service -h only prints help: nothing to convert');
    return undefined;
  }
  const [image, ...cmd] = g.rest;
  if (image === undefined || image === '') {
    note(c, 'error', 'podman-service: no IMAGE; not converted');
    return undefined;
  }
  const pod = opt('n').at(-1) ?? nameFromImage(image);
  if (!SAFE_NAME.test(pod)) {
    note(
      c,
      'error',
      `podman-service: "${pod}" cannot name a pod (letters, digits, "_", "." and "-"); give it one with -n NAME`,
    );
    return undefined;
  }
  if (pod.length > FINIT_ID_MAX_OLD)
    note(
      c,
      'warning',
      `pod name "${pod}" is ${pod.length} characters: Finit before 4.15 keeps only ${FINIT_ID_MAX_OLD} (sync checks the running Finit)`,
    );
  const description = opt('d').at(-1) ?? `${pod} container`;
  const pArgs = opt('p');
  if (pArgs.length > 1) note(c, 'warning', `-p given ${pArgs.length} times: all of them are taken, in order`);

  // ARGS is split into words again when the pod starts: as sh (and Finit's wordexp) would
  const words: string[] = [];
  for (const a of pArgs) {
    const sw = shellWords(a);
    if (sw.problems.length > 0) {
      note(c, 'error', `-p "${a}" has ${sw.problems.map((p) => p.message).join(', ')}; not converted`);
      return undefined;
    }
    const expanded = sw.words.flatMap((w) => w.expansions);
    if (expanded.length > 0) {
      note(
        c,
        'error',
        `-p ARGS uses ${[...new Set(expanded)].join(', ')}, which would be expanded only when the pod starts; write the value out and import again`,
      );
      return undefined;
    }
    const globs = sw.words.filter((w) => w.glob).map((w) => w.value);
    if (globs.length > 0)
      note(c, 'warning', `-p ARGS: ${globs.join(', ')} taken as written (not matched against file names)`);
    words.push(...sw.words.map((w) => w.value));
  }
  const parsed = parseRunFlags(words);
  if (parsed.problems.length > 0) {
    note(c, 'error', `-p ARGS: ${parsed.problems.join('; ')}; not converted`);
    return undefined;
  }
  const mapped = mapFlags(parsed.flags, c, networks, pod);
  const imageValue = rawValue(image);
  if (imageValue === undefined) {
    note(c, 'error', `podman-service: the image "${image}" cannot be written as Image=; not converted`);
    return undefined;
  }
  const enabled = opt('e').length > 0;
  if (!enabled)
    note(
      c,
      'warning',
      `podman-service without -e left pod:${pod} disabled; as ${pod}.container it runs once synced (delete the unit if it should not)`,
    );
  const text = [
    `# Imported by "finit-pods import" from ${c.file}:${c.line}:`,
    ...commentText(command),
    ...(enabled ? [] : ['# (without -e: the script left this pod disabled)']),
    '[Unit]',
    `Description=${textValue(description)}`,
    '',
    '[Container]',
    `Image=${imageValue}`,
    ...mapped.lines,
    ...(cmd.length > 0 ? [`Exec=${execWords(cmd)}`] : []),
    '',
  ].join('\n');
  return {
    pod,
    image,
    command: cmd,
    expected: mapped.expected,
    ctx: c,
    unit: { filename: `${pod}.container`, kind: 'container', text, file: c.file, line: c.line },
  };
}

const TOOL = new Set(['podman-service', 'cni']);

/** Converts the podman-service and cni lines of the scripts, in order, into units. */
export function importScripts(scripts: readonly Script[]): ImportResult {
  const notes: ImportNote[] = [];
  const networks = new Map<string, Network>();
  const pending: { cmd: ShCommand; args: ShWord[]; c: Ctx }[] = [];
  let recognised = 0;

  // cni lines first: a profile exists before any pod starts, wherever its line is
  for (const s of scripts) {
    const { commands, problems } = parseScript(s.text);
    for (const p of problems)
      notes.push({
        file: s.path,
        line: p.line,
        severity: 'error',
        message: `sh cannot read this: ${p.message}`,
      });
    for (const cmd of commands) {
      const c: Ctx = { notes, file: s.path, line: cmd.line };
      let i = 0;
      while (i < cmd.words.length && isAssignment(cmd.words[i]!)) i++;
      const head = cmd.words[i];
      const tool =
        head && head.expansions.length === 0 ? head.value.slice(head.value.lastIndexOf('/') + 1) : '';
      if (!TOOL.has(tool)) {
        const first = cmd.text.split('\n')[0]!;
        note(
          c,
          'info',
          `not converted (not a podman-service/cni line): ${first.length > 72 ? `${first.slice(0, 69)}...` : first}`,
        );
        continue;
      }
      recognised++;
      const args = cmd.words.slice(i + 1);
      if (i > 0)
        note(
          c,
          'warning',
          `${cmd.words
            .slice(0, i)
            .map((w) => w.raw)
            .join(' ')}: assignments before ${tool} are ignored`,
        );
      if (!checkContext(cmd, args, c, tool)) continue;
      if (tool === 'cni')
        convertCni(
          args.map((w) => w.value),
          c,
          networks,
          cmd.text,
        );
      else pending.push({ cmd, args, c });
    }
  }

  const containers = new Map<string, Pending>();
  for (const { cmd, args, c } of pending) {
    const p = convertPodmanService(
      args.map((w) => w.value),
      c,
      networks,
      cmd.text,
    );
    if (!p) continue;
    const prev = containers.get(p.pod);
    if (prev)
      note(
        prev.ctx,
        'warning',
        `pod:${p.pod} is defined again at ${c.file}:${c.line}, which replaces this one (podman-service overwrote pod-${p.pod}.conf)`,
      );
    containers.set(p.pod, p);
  }

  // every container unit must render to the command line the script meant
  const netUnits = [...networks.values()].map((n) => n.unit);
  const loaded = [...netUnits, ...[...containers.values()].map((p) => p.unit)].map((u) =>
    load(u.filename, u.text),
  );
  const index = buildIndex(loaded);
  const units: ImportedUnit[] = [...netUnits];
  for (const p of containers.values()) {
    const l = loaded.find((x) => x.name.filename === p.unit.filename)!;
    const r = translateContainer(l, { index, exists: () => true });
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    const problem = (() => {
      if (errors.length > 0) return errors.map((d) => `${d.line}: ${d.message}`).join('; ');
      const m = r.model!;
      if (m.image !== p.image) return `Image= reads back as ${m.image}`;
      if (JSON.stringify(m.command) !== JSON.stringify(p.command))
        return `Exec= reads back as ${JSON.stringify(m.command)}`;
      const got = normaliseFlags(parseRunFlags(m.runArgs).flags);
      const want = normaliseFlags([{ name: 'name', value: m.containerName, words: [] }, ...p.expected]);
      if (JSON.stringify(got) !== JSON.stringify(want))
        return `the unit renders ${got.join(' ')} instead of ${want.join(' ')}`;
      return undefined;
    })();
    if (problem) {
      note(p.ctx, 'error', `podman-service: the unit would not mean the same (${problem}); not converted`);
      continue;
    }
    units.push(p.unit);
  }
  const order = new Map(scripts.map((s, i) => [s.path, i]));
  notes.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line);
  return { units, notes, recognised };
}

/** True when every podman-service and cni line was converted. */
export const allConverted = (r: ImportResult): boolean => !r.notes.some((n) => n.severity === 'error');
