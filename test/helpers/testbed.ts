/**
 * Typed wrapper around tools/testbed: a real Finit booted as PID 1 of a namespace sandbox, with
 * real Podman inside (see docs/testbed.md).  Every external command runs with a timeout.
 *
 *   const tb = await Testbed.boot({ stack: 'bookworm', name: 'mytest' });
 *   t.teardown(() => tb.destroy());
 *   await tb.writeStanza('enabled/web.conf', 'service ... -- Web\n');
 *   await tb.initctl('reload');
 *   await tb.waitForStatus('pod:web', 'running');
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, readlink, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parseStatusDetail } from '../../src/apply/finit-status.js';

/** The stacks of tools/testbed (`tools/testbed stacks`): bookworm, trixie, and Finit 4.14 over trixie. */
export const STACKS = ['bookworm', 'trixie', 'finit414'] as const;
export type Stack = (typeof STACKS)[number];

/** What a stack is (`tools/testbed -s STACK info`): tests branch on these, never on its name. */
export interface StackInfo {
  stack: Stack;
  /** Finit's version, major.minor ('4.2', '4.12', '4.14'): compare with finitCaps(). */
  finit: string;
  /** Podman's version, major.minor ('4.3', '5.4'). */
  podman: string;
  /** initctl inside: /lib/finit/initctl on bookworm (not on PATH), /usr/sbin/initctl elsewhere. */
  initctl: string;
  /** node inside, an absolute path for a stanza. */
  node: string;
}

/** The repo root (bind-mounted at the same path inside every sandbox). */
export const REPO_DIR = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
export const TESTBED_TOOL = path.join(REPO_DIR, 'tools', 'testbed');
/** The product's command as installed (package.json bin), at the same path inside every sandbox. */
export const CLI = path.join(REPO_DIR, 'dist', 'cli', 'launch.cjs');
/** The image every sandbox has (built from Debian's busybox-static): httpd serves /www. */
export const IMAGE = 'localhost/busybox:latest';

export function isStack(s: string): s is Stack {
  return (STACKS as readonly string[]).includes(s);
}

const infos = new Map<Stack, StackInfo>();

/** The stack's facts, from tools/testbed, which defines the stacks. */
export function stackInfo(stack: Stack): StackInfo {
  let info = infos.get(stack);
  if (!info) {
    const out = execFileSync(TESTBED_TOOL, ['-s', stack, 'info'], { encoding: 'utf8', timeout: 10_000 });
    info = JSON.parse(out) as StackInfo;
    infos.set(stack, info);
  }
  return info;
}

/** Podman's major version on the stack (4: containers come back Created after a power cut; 5: Exited). */
export const podmanMajor = (info: StackInfo): number => Number.parseInt(info.podman, 10);

/** The daemon as a Finit service, as finit.d/finit-pods.conf installs it, run by the stack's node. */
export const daemonStanza = (info: StackInfo, args: readonly string[] = []): string =>
  `service [2345] name:finit-pods log ${[info.node, CLI, 'daemon', ...args].join(' ')} -- finit-pods\n`;

/** Where a busybox syslogd (SYSLOGD) writes the daemon's log (Finit's `log`) and the pods' output. */
export const MESSAGES = '/run/messages';
/** A busybox syslogd as a Finit service: what Finit's `log` sends lands in MESSAGES. */
export const SYSLOGD = `service [S12345] name:syslogd /bin/busybox syslogd -n -O ${MESSAGES} -- syslog\n`;

/** The stack's Finit is `min` ('4.13') or later. */
export function finitAtLeast(info: StackInfo, min: string): boolean {
  const [a = 0, b = 0] = info.finit.split('.').map(Number);
  const [x = 0, y = 0] = min.split('.').map(Number);
  return a > x || (a === x && b >= y);
}

/** Stacks selected by env FINIT_PODS_STACKS (space or comma separated), default all of them. */
export function stacksFromEnv(env: NodeJS.ProcessEnv = process.env): Stack[] {
  const words = (env.FINIT_PODS_STACKS ?? '').split(/[\s,]+/).filter(Boolean);
  if (words.length === 0) return [...STACKS];
  const bad = words.filter((w) => !isStack(w));
  if (bad.length > 0) {
    throw new Error(`FINIT_PODS_STACKS: unknown stack(s) ${bad.join(', ')} (known: ${STACKS.join(', ')})`);
  }
  return [...new Set(words)] as Stack[];
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** The command line, for messages. */
  command: string;
}

export interface ExecOptions {
  /** Milliseconds before the command is killed (and the call throws). Default 60 s. */
  timeout?: number;
  /** Throw on a non-zero exit code (default true).  A timeout always throws. */
  reject?: boolean;
  /** Text fed to the command's stdin (default: no stdin). */
  input?: string;
}

export interface WaitOptions {
  /** Milliseconds before giving up (default 30 s). */
  timeout?: number;
  /** Milliseconds between polls (default 200). */
  interval?: number;
  /** What is being waited for, for the error message (a function: read when it times out). */
  message?: string | (() => string);
}

export interface BootOptions {
  stack: Stack;
  /** Sandbox name: distinct names run side by side.  a-z 0-9 _ -, max 40. */
  name: string;
  /** Extra arguments for Finit, e.g. ['finit.debug']. */
  finitArgs?: string[];
  /** Import localhost/busybox:latest when missing (default true). */
  importImage?: boolean;
  /** Extra bind mounts, each 'HOSTPATH' or 'HOSTPATH:INSIDEPATH' (applied at every start). */
  binds?: string[];
  /**
   * finit-pods' .deb: a clean root, with the package installed at every boot and no repository
   * (docs/testbed.md); its /etc/finit.d is its own, not `finitDir`.
   */
  install?: string;
}

/** One row of `initctl -p -t status`. */
export interface ServiceRow {
  pid: number;
  ident: string;
  status: string;
  runlevels: string;
  description: string;
}

export interface HttpResponse {
  /** HTTP status; 0 when there was no HTTP answer (connection refused, timeout). */
  status: number;
  body: string;
}

export interface HostProcess {
  pid: number;
  comm: string;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22): PID + start is unique. */
  start: number;
  /** State letter (/proc/PID/stat field 3): R, S, D, Z (zombie: exited, not yet reaped), ... */
  state: string;
}

export class TestbedError extends Error {
  constructor(
    message: string,
    readonly result?: ExecResult,
  ) {
    super(message);
    this.name = 'TestbedError';
  }
}

const MS = { exec: 60_000, setup: 120_000, start: 90_000, stop: 60_000, poweroff: 120_000 };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Poll `predicate` until it returns a truthy value, which is returned.  A predicate that throws
 * counts as "not yet"; its last error is part of the timeout message.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeout = 30_000, interval = 200, message = 'condition' }: WaitOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
  }
  const why = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
  const what = typeof message === 'function' ? message() : message;
  throw new Error(`timed out after ${timeout} ms waiting for ${what}${why}`);
}

/** Clock ticks since boot now, comparable with HostProcess.start. */
export async function ticksSinceBoot(): Promise<number> {
  const uptime = Number((await readFile('/proc/uptime', 'utf8')).split(' ')[0]);
  return Math.floor(uptime * 100); // USER_HZ is 100 on Linux
}

/**
 * Host processes whose pid namespace is `pidNs` (as `readlink /proc/PID/ns/pid` prints it).
 * Processes in namespaces nested in it (containers) are not included.  Namespace inode numbers
 * are reused once a namespace is gone: compare `start` with ticksSinceBoot() taken earlier.
 */
export async function hostProcessesInPidNs(pidNs: string): Promise<HostProcess[]> {
  const found: HostProcess[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await readlink(`/proc/${entry}/ns/pid`)) !== pidNs) continue;
      const p = readHostProcess(Number(entry));
      if (p) found.push(p);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Host process PID, or undefined if there is none. */
export function readHostProcess(pid: number): HostProcess | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 on
    return { pid, comm, start: Number(fields[19]), state: fields[0] ?? '?' };
  } catch {
    return undefined;
  }
}

/** Is this very process (same PID and start time, not a recycled PID) still running (not a zombie)? */
export function isAlive(p: HostProcess): boolean {
  const now = readHostProcess(p.pid);
  return now !== undefined && now.start === p.start && now.state !== 'Z';
}

export class Testbed {
  readonly stack: Stack;
  readonly name: string;
  /** Host path of the sandbox's state dir. */
  readonly stateDir: string;
  /** Host path of the sandbox's /etc/finit.d (with enabled/ and available/). */
  readonly finitDir: string;
  /** Host path of the sandbox's /cfg/containers (Quadlet units). */
  readonly unitsDir: string;
  /** Host path of the sandbox's podman storage (/var/lib/containers inside). */
  readonly storageDir: string;
  readonly consoleLogPath: string;
  /** Name of the sandbox's subtree in every host cgroup hierarchy. */
  readonly cgroupName: string;
  /** The stack's versions and paths. */
  readonly info: StackInfo;
  /** initctl inside (info.initctl). */
  readonly initctlPath: string;
  /** Finit's host PID while running. */
  hostPid: number | undefined;
  /** Finit's pid namespace (e.g. 'pid:[4026532290]') of the current or last boot. */
  pidNs: string | undefined;
  private readonly binds: string[];

  private constructor(stack: Stack, name: string, stateDir: string, binds: string[]) {
    this.stack = stack;
    this.name = name;
    this.stateDir = stateDir;
    this.finitDir = path.join(stateDir, 'etc', 'finit.d');
    this.unitsDir = path.join(stateDir, 'cfg', 'containers');
    this.storageDir = path.join(stateDir, 'storage');
    this.consoleLogPath = path.join(stateDir, 'console.log');
    this.cgroupName = `finit-pods-tb.${stack}-${name}`;
    this.info = stackInfo(stack);
    this.initctlPath = this.info.initctl;
    this.binds = binds;
  }

  /** A handle on sandbox STACK-NAME, without changing it (e.g. one started by hand). */
  static async attach(opts: Pick<BootOptions, 'stack' | 'name' | 'binds'>): Promise<Testbed> {
    const dir = await tool(opts.stack, opts.name, ['dir'], { timeout: 10_000 });
    const tb = new Testbed(opts.stack, opts.name, dir.stdout.trim(), opts.binds ?? []);
    if (await tb.isRunning()) await tb.recordPid();
    return tb;
  }

  /** A fresh, not yet started sandbox (an old one of the same name is destroyed). */
  static async create(opts: Pick<BootOptions, 'stack' | 'name' | 'binds' | 'install'>): Promise<Testbed> {
    const tb = await Testbed.attach(opts);
    await tb.setup(opts.install);
    return tb;
  }

  /** A fresh sandbox, booted to runlevel 2, with the busybox image imported. */
  static async boot(opts: BootOptions): Promise<Testbed> {
    const tb = await Testbed.create(opts);
    try {
      await tb.start(opts.finitArgs ?? []);
      if (opts.importImage ?? true) await tb.importImage();
    } catch (err) {
      await tb.destroy().catch(() => undefined);
      throw err;
    }
    return tb;
  }

  // ------------------------------------------------------------------ lifecycle

  /** (Re)create the state dir: empty finit.d, units dir and podman storage (see BootOptions.install). */
  async setup(install?: string): Promise<void> {
    await this.tool(['setup', ...(install ? [install] : [])], { timeout: MS.setup });
    this.hostPid = undefined;
  }

  /** Boot (a reboot as far as Podman is concerned): waits for runlevel 2. */
  async start(finitArgs: string[] = []): Promise<number> {
    await this.tool(['start', ...finitArgs], { timeout: MS.start });
    return this.recordPid();
  }

  /** Power cut: SIGKILL Finit, the kernel kills every process inside. Throws if not running. */
  async powerCut(): Promise<void> {
    if (!(await this.isRunning())) throw new TestbedError(`${this.label}: powerCut() while not running`);
    await this.stop();
  }

  /** Stop the quick way (SIGKILL, like powerCut()); a no-op when not running. */
  async stop(): Promise<void> {
    await this.tool(['stop'], { timeout: MS.stop });
    this.hostPid = undefined;
  }

  /** Graceful: `initctl poweroff`, then wait until the sandbox is gone. */
  async poweroff(): Promise<void> {
    await this.tool(['poweroff'], { timeout: MS.poweroff });
    this.hostPid = undefined;
  }

  /** Stop and remove everything: state dir, cgroup subtrees. Safe to call repeatedly. */
  async destroy(): Promise<void> {
    await this.tool(['destroy'], { timeout: MS.stop });
    this.hostPid = undefined;
  }

  async isRunning(): Promise<boolean> {
    return (await this.tool(['running'], { timeout: 10_000, reject: false })).exitCode === 0;
  }

  /** Import localhost/busybox:latest into the sandbox's store when it is missing. */
  async importImage(): Promise<void> {
    await this.tool(['import-image'], { timeout: MS.exec });
  }

  // ------------------------------------------------------------------ inside the sandbox

  /** Run argv inside (all namespaces + chroot, clean env, PATH set). */
  exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) throw new TestbedError('exec: empty argv');
    return this.tool(['exec', ...argv], opts);
  }

  /** Run a /bin/sh script inside. */
  sh(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.tool(['sh', script], opts);
  }

  /** Finit's initctl inside; throws on a non-zero exit. Use exec([tb.initctlPath, ...]) for options. */
  initctl(...args: string[]): Promise<ExecResult> {
    return this.tool(['initctl', ...args], { timeout: 30_000 });
  }

  /** podman inside; throws on a non-zero exit. */
  podman(...args: string[]): Promise<ExecResult> {
    return this.exec(['podman', ...args]);
  }

  /**
   * All services and tasks Finit knows, from `initctl -p -t status` (the same on every version).
   * Finit walks its list with one iterator shared by every client, so a list read while another
   * program (the daemon) reads one has gaps: it is read until two reads in a row name the same.
   */
  async services(): Promise<ServiceRow[]> {
    const read = async () => {
      const { stdout } = await this.initctl('-p', '-t', 'status');
      const rows: ServiceRow[] = [];
      for (const line of stdout.split('\n')) {
        const m = /^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\[[^\]]*\])\s*(.*)$/.exec(line);
        if (!m) continue;
        rows.push({ pid: Number(m[1]), ident: m[2]!, status: m[3]!, runlevels: m[4]!, description: m[5]! });
      }
      return rows;
    };
    const names = (rows: ServiceRow[]) => rows.map((r) => r.ident).join(' ');
    let last = await read();
    for (let n = 0; n < 10; n++) {
      const now = await read();
      if (names(now) === names(last)) return now;
      last = now;
    }
    throw new TestbedError(`${this.label}: initctl status named other services at each of 11 reads`);
  }

  /** Service IDENT (e.g. 'pod:web') as Finit says it, asked for by name (no gaps); undefined if unknown. */
  async service(ident: string): Promise<Pick<ServiceRow, 'pid' | 'ident' | 'status'> | undefined> {
    // its exit code is that of the log lines it shows after the fields (4.12: `tail`), not ours
    const r = await this.exec([this.initctlPath, '-b', '-p', 'status', ident], { reject: false });
    const svc = parseStatusDetail(r.stdout);
    return svc?.identity === ident ? { pid: svc.pid, ident, status: svc.status } : undefined;
  }

  /** Status word of service IDENT (e.g. 'pod:web'): running, crashed, ...; undefined if unknown. */
  async serviceStatus(ident: string): Promise<string | undefined> {
    return (await this.service(ident))?.status;
  }

  /** Wait until service IDENT has one of the given statuses; returns the status seen. */
  waitForStatus(ident: string, status: string | string[], opts: WaitOptions = {}): Promise<string> {
    const wanted = Array.isArray(status) ? status : [status];
    let last: string | undefined;
    return waitFor(
      async () => {
        last = await this.serviceStatus(ident);
        return last !== undefined && wanted.includes(last) ? last : undefined;
      },
      { ...opts, message: opts.message ?? `${ident} to be ${wanted.join('|')}` },
    ).catch((err: Error) => {
      throw new TestbedError(`${this.label}: ${err.message} (last status: ${last ?? 'unknown'})`);
    });
  }

  /** Finit's restart count of service IDENT, from `initctl -b -p status IDENT` ("Restarts : N (n/10)"). */
  async restarts(ident: string): Promise<number> {
    const res = await this.exec([this.initctlPath, '-b', '-p', 'status', ident]);
    const n = parseStatusDetail(res.stdout)?.restarts;
    if (n === undefined)
      throw new TestbedError(`${this.label}: no restart count for ${ident}: ${res.stdout}`);
    return n;
  }

  /** ID of the running container NAME (podman ps), or undefined. */
  async containerId(name: string): Promise<string | undefined> {
    const { stdout } = await this.podman('ps', '--filter', `name=^${name}$`, '--format', '{{.ID}}');
    return stdout.trim().split('\n')[0] || undefined;
  }

  /** HTTP GET http://HOST:PORT/PATH from inside the sandbox's network namespace (curl). */
  async httpGet(
    port: number,
    urlPath = '/',
    { host = '127.0.0.1', timeout = 5_000 } = {},
  ): Promise<HttpResponse> {
    const url = `http://${host}:${port}/${urlPath.replace(/^\//, '')}`;
    const seconds = String(Math.max(1, Math.floor(timeout / 1000)));
    const res = await this.exec(['curl', '-s', '-m', seconds, '-w', '\n%{http_code}', url], {
      timeout: timeout + 10_000,
      reject: false,
    });
    const cut = res.stdout.lastIndexOf('\n');
    return { status: Number(res.stdout.slice(cut + 1)) || 0, body: res.stdout.slice(0, Math.max(0, cut)) };
  }

  /** Waits for a running container NAME other than `notId`; returns its ID. */
  waitNewContainer(name: string, notId?: string): Promise<string> {
    return this.waitFor(
      async () => {
        const id = await this.containerId(name);
        return id && id !== notId ? id : undefined;
      },
      { timeout: 60_000, message: `a running container ${name}${notId ? ` other than ${notId}` : ''}` },
    );
  }

  /** Waits until GET http://127.0.0.1:PORT/PATH answers 200 with a body containing (or matching) `body`. */
  waitHttp(port: number, urlPath: string, body: string | RegExp): Promise<string> {
    let last = '';
    return this.waitFor(
      async () => {
        const res = await this.httpGet(port, urlPath, { timeout: 2_000 });
        last = `${res.status} ${res.body.slice(0, 80)}`;
        const ok =
          res.status === 200 && (typeof body === 'string' ? res.body.includes(body) : body.test(res.body));
        return ok ? res.body : undefined;
      },
      {
        timeout: 60_000,
        message: () => `HTTP 200 on :${port}/${urlPath.replace(/^\//, '')} (last: ${last || 'no answer'})`,
      },
    );
  }

  // ------------------------------------------------------------------ host side

  /** Wait with a bounded poll (see waitFor). */
  waitFor<T>(predicate: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
    const { message = 'condition' } = opts;
    const what = () => (typeof message === 'function' ? message() : message);
    return waitFor(predicate, { ...opts, message: () => `${this.label}: ${what()}` });
  }

  /** Finit's console output (all boots of this sandbox). */
  consoleLog(): Promise<string> {
    return readFile(this.consoleLogPath, 'utf8');
  }

  /** Write FILE (relative to /etc/finit.d, e.g. 'enabled/web.conf') atomically, as Finit wants it. */
  writeStanza(relPath: string, text: string): Promise<void> {
    return writeAtomic(this.finitDir, relPath, text);
  }

  async removeStanza(relPath: string): Promise<void> {
    await rm(resolveInside(this.finitDir, relPath), { force: true });
  }

  /** Writes the units, then starts the daemon (with `args`) as a Finit service, enabled as the package does. */
  async startDaemon(units: Record<string, string>, args: readonly string[] = []): Promise<void> {
    for (const [name, text] of Object.entries(units)) await this.writeUnit(name, text);
    await this.writeStanza('enabled/finit-pods.conf', daemonStanza(this.info, args));
    await this.initctl('reload');
  }

  /** Write a Quadlet unit (e.g. 'web.container') into /cfg/containers atomically. */
  writeUnit(name: string, text: string): Promise<void> {
    return writeAtomic(this.unitsDir, name, text);
  }

  async removeUnit(name: string): Promise<void> {
    await rm(resolveInside(this.unitsDir, name), { force: true });
  }

  /** Host path of a file inside the running sandbox (through /proc/PID/root). */
  hostPath(insidePath: string): string {
    if (this.hostPid === undefined) throw new TestbedError(`${this.label}: not running`);
    return path.join(`/proc/${this.hostPid}/root`, insidePath);
  }

  /** Read a file inside the running sandbox, or undefined if it does not exist. */
  async readInside(insidePath: string): Promise<string | undefined> {
    const file = this.hostPath(insidePath);
    return existsSync(file) ? readFile(file, 'utf8') : undefined;
  }

  /** Host processes of the sandbox (its pid namespace), Finit included. */
  async processes(): Promise<HostProcess[]> {
    return this.pidNs ? hostProcessesInPidNs(this.pidNs) : [];
  }

  /** Host processes in the sandbox's cgroup subtrees: its own and its containers' (nested pid namespaces). */
  async cgroupProcesses(): Promise<HostProcess[]> {
    const pids = new Set<number>();
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) await walk(path.join(dir, entry.name));
        else if (entry.name === 'cgroup.procs') {
          const text = await readFile(path.join(dir, entry.name), 'utf8');
          for (const pid of text.split('\n').filter(Boolean)) pids.add(Number(pid));
        }
      }
    };
    for (const dir of await this.cgroupDirs()) await walk(dir).catch(() => undefined);
    return [...pids].map(readHostProcess).filter((p): p is HostProcess => p !== undefined);
  }

  /** Host paths of the sandbox's cgroup subtrees that exist right now. */
  async cgroupDirs(): Promise<string[]> {
    const dirs: string[] = [];
    for (const hierarchy of await readdir('/sys/fs/cgroup')) {
      const dir = path.join('/sys/fs/cgroup', hierarchy, this.cgroupName);
      if (existsSync(dir)) dirs.push(dir);
    }
    return dirs;
  }

  /** Host mounts (mount points) under the state dir; always empty: all mounts are the sandbox's. */
  async hostMountsUnderStateDir(): Promise<string[]> {
    const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
    return mountinfo
      .split('\n')
      .map((line) => line.split(' ')[4] ?? '')
      .filter((mnt) => mnt === this.stateDir || mnt.startsWith(`${this.stateDir}/`));
  }

  // ------------------------------------------------------------------ internals

  private get label(): string {
    return `${this.stack}-${this.name}`;
  }

  private async recordPid(): Promise<number> {
    const { stdout } = await this.tool(['pid'], { timeout: 10_000 });
    this.hostPid = Number(stdout.trim());
    this.pidNs = await readlink(`/proc/${this.hostPid}/ns/pid`);
    return this.hostPid;
  }

  private tool(args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const env: Record<string, string> = {};
    if (this.binds.length > 0) env.FINIT_PODS_TESTBED_BINDS = this.binds.join(' ');
    return tool(this.stack, this.name, args, opts, env);
  }
}

/** Run tools/testbed -s STACK -n NAME ARGS with a timeout. */
async function tool(
  stack: Stack,
  name: string,
  args: string[],
  { timeout = MS.exec, reject = true, input }: ExecOptions = {},
  env: Record<string, string> = {},
): Promise<ExecResult> {
  const argv = ['-s', stack, '-n', name, ...args];
  const res = await execa(TESTBED_TOOL, argv, {
    timeout,
    reject: false,
    env: { FINIT_PODS_DIR: REPO_DIR, ...env },
    ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
  });
  const result: ExecResult = {
    stdout: res.stdout,
    stderr: res.stderr,
    exitCode: res.exitCode ?? -1,
    command: `tools/testbed ${argv.join(' ')}`,
  };
  if (res.timedOut) {
    throw new TestbedError(
      `timed out after ${timeout} ms: ${result.command}\n${tail(result.stderr)}`,
      result,
    );
  }
  if (reject && result.exitCode !== 0) {
    const why = res.signal ? `killed by ${res.signal}` : `exit code ${result.exitCode}`;
    throw new TestbedError(`${why}: ${result.command}\n${tail(result.stderr || result.stdout)}`, result);
  }
  return result;
}

function tail(text: string, lines = 20): string {
  return text.split('\n').slice(-lines).join('\n');
}

function resolveInside(dir: string, relPath: string): string {
  const file = path.resolve(dir, relPath);
  if (!file.startsWith(`${dir}/`)) throw new TestbedError(`${relPath}: not inside ${dir}`);
  return file;
}

/** Write via a temporary name that does not end in .conf, then rename(): Finit never sees half a file. */
async function writeAtomic(dir: string, relPath: string, text: string): Promise<void> {
  const file = resolveInside(dir, relPath);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  await writeFile(tmp, text);
  await rename(tmp, file);
}
