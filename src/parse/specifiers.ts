// systemd specifiers (%n, %N, %p, %i, %h, %t, ...) expanded by finit-pods, since Finit does not
// expand them. Values mean what they would in the Quadlet-generated systemd service.
// See systemd.unit(5) "Specifiers".

import { readFileSync } from 'node:fs';
import { arch, hostname, release } from 'node:os';

export interface SpecifierContext {
  /** The Quadlet unit's file name, e.g. `web@1.container`. */
  filename: string;
  /** Full path of the unit file. */
  path: string;
  /** The generated service's name without suffix (`web`, or ServiceName=). */
  serviceName: string;
}

export class SpecifierError extends Error {}

// systemd's unit-name unescaping: "-" is "/", "\xNN" a byte.
const unescapeName = (s: string): string =>
  s
    .replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
    .replace(/-/g, '/');

const readTrimmed = (path: string): string => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
};

const osRelease = (key: string): string => {
  const m = readTrimmed('/etc/os-release').match(new RegExp(`^${key}=(.*)$`, 'm'));
  return m ? m[1]!.replace(/^"(.*)"$/, '$1') : '';
};

function parts(ctx: SpecifierContext): { prefix: string; instance: string } {
  const at = ctx.serviceName.indexOf('@');
  return at < 0
    ? { prefix: ctx.serviceName, instance: '' }
    : { prefix: ctx.serviceName.slice(0, at), instance: ctx.serviceName.slice(at + 1) };
}

const machineFacts: Record<string, () => string> = {
  H: () => hostname(),
  l: () => hostname().split('.')[0] ?? '',
  m: () => readTrimmed('/etc/machine-id'),
  b: () => readTrimmed('/proc/sys/kernel/random/boot_id').replace(/-/g, ''),
  v: () => release(),
  a: () => ({ x64: 'x86-64', arm64: 'arm64', arm: 'arm', ia32: 'x86' })[arch() as string] ?? arch(),
  o: () => osRelease('ID'),
  w: () => osRelease('VERSION_ID'),
  B: () => osRelease('BUILD_ID'),
  W: () => osRelease('VARIANT_ID'),
  M: () => osRelease('IMAGE_ID'),
  A: () => osRelease('IMAGE_VERSION'),
};

/** Expands every specifier in `value`. Throws SpecifierError for an unknown one. */
export function expandSpecifiers(value: string, ctx: SpecifierContext): string {
  if (!value.includes('%')) return value;
  const { prefix, instance } = parts(ctx);
  const lastDash = prefix.lastIndexOf('-');
  const fixed: Record<string, () => string> = {
    '%': () => '%',
    n: () => `${ctx.serviceName}.service`,
    N: () => ctx.serviceName,
    p: () => prefix,
    P: () => unescapeName(prefix),
    i: () => instance,
    I: () => unescapeName(instance),
    j: () => (lastDash < 0 ? prefix : prefix.slice(lastDash + 1)),
    J: () => unescapeName(lastDash < 0 ? prefix : prefix.slice(lastDash + 1)),
    f: () => `/${unescapeName(instance || prefix)}`,
    y: () => ctx.path,
    Y: () => ctx.path.replace(/\/[^/]*$/, '') || '/',
    t: () => '/run',
    T: () => '/tmp',
    V: () => '/var/tmp',
    E: () => '/etc',
    S: () => '/var/lib',
    C: () => '/var/cache',
    L: () => '/var/log',
    h: () => '/root',
    s: () => '/bin/sh',
    u: () => 'root',
    U: () => '0',
    g: () => 'root',
    G: () => '0',
    ...machineFacts,
  };
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const s = value[++i];
    const fn = s === undefined ? undefined : fixed[s];
    if (!fn) {
      throw new SpecifierError(
        s === undefined
          ? 'a lone "%" at the end of the value (write "%%" for a literal percent sign)'
          : `unknown specifier "%${s}" (write "%%" for a literal percent sign)`,
      );
    }
    out += fn();
  }
  return out;
}
