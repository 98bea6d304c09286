// The commands: each parses its own options (node:util parseArgs) and returns an exit code.
// Each loads what it needs when it runs: `check` and `render` load only the parser and the
// translator, never podman, Finit, daemon or import code (half of a one-shot check's start-up).

import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { CleanupRun } from '../apply/boot.js';
import type { Storage } from '../apply/storage.js';
import type { SyncReport } from '../apply/sync.js';
import type { StatusView } from '../inspect/status.js';
import { type Diagnostic, formatDiagnostic } from '../lib/diagnostics.js';
import { shellJoin } from '../lib/shell.js';
import { printable, printableJson, printableText } from '../lib/text.js';
import type { DirOptions, Model, UnitResult } from '../model/translate.js';
import { finitCaps } from '../render/finit.js';
import { CHECK_OPTIONS, DAEMON_OPTIONS, PATH_OPTIONS, syncConfig } from './config.js';

export interface Command {
  summary: string;
  help: string;
  run(args: string[]): Promise<number>;
}

// Every line a command prints may carry names and values from unit files: control characters are
// shown as escapes (lib/text.ts), so nothing from a unit can forge output.
const out = (s: string) => process.stdout.write(printableText(s));
const err = (s: string) => process.stderr.write(printableText(s));
const outJson = (v: unknown) => process.stdout.write(`${printableJson(JSON.stringify(v, null, 2))}\n`);

/** Finit's :ID limit depends on its version (render/finit.ts); unknown: a warning where it matters. */
function dirOptions(finitVersion: string | undefined): DirOptions {
  const v = finitVersion ?? process.env.FINIT_PODS_FINIT_VERSION;
  return v ? { maxPodName: finitCaps(v).maxId } : {};
}

/** The command line a model stands for: `podman run …` for a pod, `podman … create` for the rest. */
async function modelArgv(m: Model): Promise<string[]> {
  const { podmanArgv } = await import('../model/container.js');
  if (m.kind === 'container') return podmanArgv(m);
  if (m.kind === 'hostdevice') return [];
  return m.argv;
}

const check: Command = {
  summary: 'validate unit files and report problems as FILE:LINE',
  help: `Usage: finit-pods check [--finit-version X.Y] PATH...

Reads each unit file (or every unit in each directory, with its drop-ins) and prints
every warning and error as FILE:LINE: severity: message.
Exit status: 0 when every unit is usable, 1 otherwise, 2 on bad usage.

  --finit-version X.Y   the target's Finit version (pod name limits: 15 characters before 4.15)
`,
  async run(args) {
    const { values, positionals } = parseArgs({ args, options: CHECK_OPTIONS, allowPositionals: true });
    if (positionals.length === 0) {
      err(`finit-pods check: name at least one file or directory\n\n${this.help}`);
      return 2;
    }
    const opts = dirOptions(values['finit-version']);
    const { translateDir, translateFile } = await import('../model/translate.js');
    let bad = 0;
    let count = 0;
    let unreadable = 0;
    for (const p of positionals) {
      let results: UnitResult[];
      try {
        results = statSync(p).isDirectory() ? translateDir(p, opts).results : [translateFile(p, opts)];
      } catch (e) {
        err(`${p}: error: ${(e as Error).message}\n`);
        unreadable++;
        continue;
      }
      for (const r of results) {
        count++;
        for (const d of r.diagnostics) err(`${formatDiagnostic(d)}\n`);
        if (!r.ok) bad++;
      }
    }
    out(
      `${count - bad} of ${count} units usable${unreadable ? `; ${unreadable} path${unreadable === 1 ? '' : 's'} could not be read` : ''}\n`,
    );
    return bad === 0 && unreadable === 0 ? 0 : 1;
  },
};

const render: Command = {
  summary: 'print the podman command line a unit file becomes',
  help: `Usage: finit-pods render [--json] [--finit-version X.Y] FILE

Prints the podman command line for FILE (a .container, .network or .volume unit), shell-quoted,
with warnings and errors on stderr. Units FILE names (Network=db.network, Volume=data.volume:/d)
are looked up in FILE's directory.

  --json   print one JSON object: {name, kind, file, pod, argv, warnings, errors}
Exit status: 0 when the unit is usable, 1 when it is rejected.
`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean' }, 'finit-version': { type: 'string' } },
      allowPositionals: true,
    });
    if (positionals.length !== 1) {
      err(`finit-pods render: name exactly one unit file\n\n${this.help}`);
      return 2;
    }
    const { translateFile } = await import('../model/translate.js');
    const r = translateFile(positionals[0]!, dirOptions(values['finit-version']));
    const argv = r.model ? await modelArgv(r.model) : [];
    const fmt = (sev: string) =>
      r.diagnostics.filter((d: Diagnostic) => d.severity === sev).map(formatDiagnostic);
    if (values.json) {
      const obj: Record<string, unknown> = {
        name: r.name.stem,
        kind: r.name.kind,
        file: r.path,
        ok: r.ok,
        argv: r.ok ? argv : null,
        warnings: fmt('warning'),
        errors: fmt('error'),
      };
      if (r.model?.kind === 'container')
        Object.assign(obj, { pod: r.model.pod, container: r.model.containerName });
      if (r.model?.kind === 'hostdevice') Object.assign(obj, { cni: r.model.conflist });
      outJson(obj);
    } else {
      for (const d of r.diagnostics) err(`${formatDiagnostic(d)}\n`);
      if (r.ok && r.model) {
        if (r.model.kind === 'hostdevice') outJson(r.model.conflist);
        else out(`${shellJoin(argv)}\n`);
      }
    }
    return r.ok ? 0 : 1;
  },
};

const PATH_HELP = `  --units-dir DIR   unit files (env FINIT_PODS_UNITS_DIR, default /cfg/containers)
  --finit-dir DIR   where stanzas go (env FINIT_PODS_FINIT_DIR, default /etc/finit.d/enabled)
  --run-dir DIR     runtime state (env FINIT_PODS_RUN_DIR, default /run/finit-pods)
  --cni-dir DIR     CNI profiles for [HostDevice] networks (env FINIT_PODS_CNI_DIR, default /etc/cni/net.d)
  --podman PATH     podman binary (env FINIT_PODS_PODMAN, default /usr/bin/podman)
  initctl is found on PATH or in the usual places; env FINIT_PODS_INITCTL overrides.
`;

const syncCmd: Command = {
  summary: 'apply the units directory: write Finit stanzas, create networks and volumes, reload Finit',
  help: `Usage: finit-pods sync [--json] [--wait] [OPTIONS]

Turns every usable unit into a Finit stanza pod-NAME.conf, creates the networks and volumes
pods need, and calls "initctl reload" once when anything changed (never when nothing did).
A unit that was applied before and is now broken keeps its stanza, so its pod keeps running.
Stanzas finit-pods did not write are never changed or removed.
While the daemon runs, it applies: sync asks it over its control socket and prints the result of
an apply that started after the request, so it includes every change made before sync was run.

  --json            print the report as JSON
  --wait            accepted for scripts: sync always waits for the apply it asked for
${PATH_HELP}
Exit status: 0 when every unit was applied, 1 when any unit has errors (named on stderr).
`,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { json: { type: 'boolean' }, wait: { type: 'boolean' }, ...PATH_OPTIONS },
    });
    const cfg = syncConfig(values);
    const { controlPath, request } = await import('../daemon/control.js');
    const { findInitctl, initctlFinit } = await import('../apply/finit.js');
    const { run } = await import('../apply/run.js');
    const { applyLocked } = await import('../apply/boot.js');
    // With a daemon running, it applies (one applier at a time). A daemon that is there but does
    // not answer in time is an error, never a reason to apply alongside it.
    const sock = controlPath(cfg.runDir);
    let viaDaemon: SyncReport | { error?: string } | undefined;
    try {
      viaDaemon = (await request(sock, { cmd: 'sync' }, 120_000)) as typeof viaDaemon;
    } catch (e) {
      err(`finit-pods sync: the daemon on ${sock} did not answer: ${(e as Error).message}\n`);
      return 1;
    }
    if (viaDaemon && !('units' in viaDaemon)) {
      err(`finit-pods sync: the daemon could not apply: ${viaDaemon.error ?? 'no report'}\n`);
      return 1;
    }
    if (viaDaemon) return await printSync(viaDaemon, values.json === true);
    const initctl = findInitctl();
    if (!initctl) {
      err('finit-pods sync: initctl not found (set FINIT_PODS_INITCTL)\n');
      return 1;
    }
    // the first sync of a boot also cleans up what a power cut left behind (applyLocked decides)
    const r = await applyLocked(
      cfg,
      { finit: initctlFinit(initctl), exec: run, storage: async () => storageOrNothing(cfg.podman) },
      {
        onWait: (pid) =>
          err(
            `finit-pods sync: waiting for another finit-pods${pid ? ` (pid ${pid})` : ''} to finish applying\n`,
          ),
      },
    );
    if (r.boot) printCleanup(r.boot.cleanup);
    return await printSync(r.sync, values.json === true);
  },
};

async function storageOrNothing(podman: string): Promise<Storage | undefined> {
  const s = await bootStorage(podman);
  return 'root' in s ? s : undefined;
}

/**
 * containers/storage's records for boot recovery to read (apply/storage.ts), or why not. They are
 * podman's own only when podman reads its usual configuration: a wrapper in its place may give it
 * another store (--root), so then podman is asked.
 */
async function bootStorage(podman: string): Promise<Storage | { unsupported: string }> {
  if (basename(podman) !== 'podman')
    return { unsupported: `${podman} is not podman itself (a wrapper may use another store)` };
  return (await import('../apply/storage.js')).hostStorage();
}

function printCleanup(r: CleanupRun): void {
  const verb = r.dryRun ? 'would remove' : 'removed';
  for (const x of [...r.plan.remove, ...r.plan.ghosts])
    err(`${verb} ${x.name} (${x.id.slice(0, 12)}): ${x.reason}\n`);
  for (const x of r.plan.blocking) err(`left alone: ${x.name} (${x.id.slice(0, 12)}): ${x.reason}\n`);
  for (const e of r.errors) err(`cleanup: ${e}\n`);
}

const cleanupCmd: Command = {
  summary: 'remove containers that would keep pods from starting (lingering, ghost)',
  help: `Usage: finit-pods cleanup [--dry-run] [OPTIONS]

Removes what would block a pod: every finit-pods container that is not running, any container
that is not running but holds a pod's name (e.g. left "Created" by a power cut), and
storage-only containers holding a pod's name. A running container finit-pods does not own is
never removed: it is reported. The daemon does this at every boot before pods may start.

  --dry-run   only print what would be removed, and why
${PATH_HELP}
Exit status: 0 when everything that should go is gone, 1 otherwise.
`,
  async run(args) {
    const { values } = parseArgs({ args, options: { 'dry-run': { type: 'boolean' }, ...PATH_OPTIONS } });
    const cfg = syncConfig(values);
    const { cleanup } = await import('../apply/boot.js');
    const { translateDir } = await import('../model/translate.js');
    const { run } = await import('../apply/run.js');
    const pods = new Map<string, string>();
    for (const r of translateDir(cfg.unitsDir).results) {
      if (r.model?.kind === 'container' && !r.name.isTemplate) pods.set(r.model.containerName, r.model.pod);
    }
    const r = await cleanup(cfg, run, pods, { dryRun: values['dry-run'] === true });
    printCleanup(r);
    const n = r.plan.remove.length + r.plan.ghosts.length;
    out(
      `${r.dryRun ? 'would remove' : 'removed'} ${n} container${n === 1 ? '' : 's'}${r.plan.blocking.length ? `; ${r.plan.blocking.length} left alone` : ''}\n`,
    );
    return r.errors.length === 0 ? 0 : 1;
  },
};

async function printSync(report: SyncReport, json: boolean): Promise<number> {
  const { formatReport } = await import('../apply/sync.js');
  for (const line of formatReport(report)) err(`${line}\n`);
  if (json) outJson(report);
  else {
    for (const u of report.units) {
      const what = u.pod ? `pod:${u.pod}` : printable(u.file);
      const note =
        u.state === 'kept' ? ' (broken; its last good stanza is kept and the pod keeps running)' : '';
      out(`${u.state.padEnd(9)} ${what}${note}\n`);
    }
    for (const r of report.removed) out(`removed   ${r}\n`);
    out(report.reloaded ? 'initctl reload: done\n' : 'nothing changed: no reload\n');
    if (report.readySet) out('condition usr/finit-pods set: pods may start\n');
  }
  return report.ok ? 0 : 1;
}

const daemonCmd: Command = {
  summary: 'watch the units directory and apply every change (run it as a Finit service)',
  help: `Usage: finit-pods daemon [--log-format text|json] [OPTIONS]

Applies the units directory at start, then on every change to it (create, edit, rename, move,
delete, symlink), coalesced so a burst of edits gives one apply and one "initctl reload", plus a
full re-scan every 30 s. A unit that breaks keeps its running pod; a units directory that goes
away changes nothing until it is back. State: RUN_DIR/state.json; control: RUN_DIR/control.sock
("finit-pods sync" and "finit-pods status" use it while the daemon runs).

  --log-format F    text (default; one line per event, for syslog through Finit's log) or json
${PATH_HELP}`,
  async run(args) {
    const { values } = parseArgs({ args, options: DAEMON_OPTIONS });
    const format = values['log-format'] ?? 'text';
    if (format !== 'text' && format !== 'json') {
      err('finit-pods daemon: --log-format is text or json\n');
      return 2;
    }
    const cfg = syncConfig(values);
    const { findInitctl, initctlFinit } = await import('../apply/finit.js');
    const { run } = await import('../apply/run.js');
    const initctl = findInitctl();
    if (!initctl) {
      err('finit-pods daemon: initctl not found (set FINIT_PODS_INITCTL)\n');
      return 1;
    }
    // loaded here, not at start: pino and chokidar cost every other command ~70 ms
    const { makeLogger } = await import('../daemon/log.js');
    const { Daemon } = await import('../daemon/daemon.js');
    const log = makeLogger(format);
    const d = new Daemon(cfg, {
      log,
      finit: initctlFinit(initctl),
      exec: run,
      storage: () => bootStorage(cfg.podman),
    });
    await d.start();
    await new Promise<void>((resolve) => {
      const stop = (sig: string) => {
        log.info(`${sig}: stopping (pods keep running)`);
        void d.stop().then(resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    return 0;
  },
};

const statusCmd: Command = {
  summary: 'show every unit: its problems (FILE:LINE), Finit state, container, image, uptime',
  help: `Usage: finit-pods status [--json] [OPTIONS] [NAME...]

One row per unit (or only the NAMEs given: pod names or unit file names): the unit's state (ok,
warning, error with FILE:LINE), Finit's state and restarts, the container's state and ID, whether
its image is present, and uptime. Works with or without the daemon. The JSON form's schema is in
docs/status.md.

  --json   print the view as JSON
${PATH_HELP}
Exit status: 0 when every unit is healthy (usable, running), 1 otherwise (also when a NAME
matches no unit).
`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean' }, ...PATH_OPTIONS },
      allowPositionals: true,
    });
    const cfg = syncConfig(values);
    const { findInitctl, initctlFinit } = await import('../apply/finit.js');
    const { run } = await import('../apply/run.js');
    const { podmanCli } = await import('../apply/podman.js');
    const { collectStatus, formatStatus } = await import('../inspect/status.js');
    const initctl = findInitctl();
    if (!initctl) {
      err('finit-pods status: initctl not found (set FINIT_PODS_INITCTL)\n');
      return 1;
    }
    let view: StatusView;
    try {
      view = await collectStatus(
        cfg,
        { finit: initctlFinit(initctl), podman: podmanCli(cfg.podman, run) },
        positionals,
      );
    } catch (e) {
      err(`finit-pods status: ${(e as Error).message}\n`);
      const { readState } = await import('../daemon/state.js');
      const daemon = readState(cfg.runDir);
      if (daemon?.unitsDirError) err(`the daemon reports: ${daemon.unitsDirError}\n`);
      return 1;
    }
    if (values.json) outJson(view);
    else out(formatStatus(view));
    // a NAME that matches no unit (a typo) is not "healthy"
    const unknown = positionals.filter(
      (n) => !view.units.some((u) => u.name === n || basename(u.file) === n),
    );
    for (const n of unknown) err(`finit-pods status: no unit "${n}" in ${cfg.unitsDir}\n`);
    return view.healthy && unknown.length === 0 ? 0 : 1;
  },
};

const showCmd: Command = {
  summary: 'show a unit merged with its drop-ins, its stanza, and the podman command to try by hand',
  help: `Usage: finit-pods show [OPTIONS] NAME

NAME is a pod name or a unit file name. Prints the unit as merged with its drop-ins (with where
each line came from), the Finit stanza that runs it, and the podman command line (detached, -d)
ready to paste into a shell.
${PATH_HELP}`,
  async run(args) {
    const { values, positionals } = parseArgs({ args, options: PATH_OPTIONS, allowPositionals: true });
    if (positionals.length !== 1) {
      err(`finit-pods show: name one pod or unit\n\n${this.help}`);
      return 2;
    }
    const cfg = syncConfig(values);
    const { findInitctl, initctlFinit } = await import('../apply/finit.js');
    const { finitCaps } = await import('../render/finit.js');
    const { show } = await import('../inspect/show.js');
    const initctl = findInitctl();
    const version = initctl
      ? await initctlFinit(initctl)
          .version()
          .catch(() => '4.17')
      : '4.17';
    const r = show(cfg, positionals[0]!, finitCaps(version), initctl ?? '/sbin/initctl');
    (r.found ? out : err)(r.text);
    return r.found ? 0 : 1;
  },
};

const doctorCmd: Command = {
  summary: 'say why each pod is not running; --fix applies the safe remedy',
  help: `Usage: finit-pods doctor [--fix] [OPTIONS]

For every pod that is not running, the reason in one sentence: unit invalid (FILE:LINE), image
missing, name held by a lingering container (with its ID and state), port already taken, network
missing, pods held back by the start condition, Finit gave up (crashed); and containers finit-pods
started for a pod no unit defines any more (left behind). With --fix: removes the lingering
non-running container, loads the image from its archive, recreates the network, writes missing
stanzas (all through sync), then runs "initctl restart pod:NAME"; stops and removes what was
left behind; and reports what it did. A running container finit-pods does not own is never touched.

  --fix    apply the safe remedies
${PATH_HELP}
Exit status: 0 when every pod runs (after --fix: when nothing is left to fix), 1 otherwise.
`,
  async run(args) {
    const { values } = parseArgs({ args, options: { fix: { type: 'boolean' }, ...PATH_OPTIONS } });
    const cfg = syncConfig(values);
    const { findInitctl, initctlFinit } = await import('../apply/finit.js');
    const { run } = await import('../apply/run.js');
    const { podmanCli } = await import('../apply/podman.js');
    const { applyLocked } = await import('../apply/boot.js');
    const { doctor, formatFindings } = await import('../inspect/doctor.js');
    const initctl = findInitctl();
    if (!initctl) {
      err('finit-pods doctor: initctl not found (set FINIT_PODS_INITCTL)\n');
      return 1;
    }
    const fix = values.fix === true;
    const finit = initctlFinit(initctl);
    const findings = await doctor(
      cfg,
      {
        finit,
        podman: podmanCli(cfg.podman, run),
        apply: (units) => applyLocked(cfg, { finit, exec: run }, { checkImages: 'all', units }),
      },
      { fix },
    );
    out(formatFindings(findings, fix));
    return findings.every((f) => f.done !== undefined && !/failed/.test(f.done)) ? 0 : 1;
  },
};

const importCmd: Command = {
  summary: "turn Infix's podman-service and cni lines (the /cfg/start.d/*.sh Hybrid mode scripts) into units",
  help: `Usage: finit-pods import [--dry-run] [--units-dir DIR] [SCRIPT...]

Reads the "Hybrid mode" scripts (default: every /cfg/start.d/*.sh) as sh would, without running
them, and writes one unit per line it can convert:
  podman-service [-e] [-d DESC] [-n NAME] [-p "ARGS"] IMAGE [CMD...]  → NAME.container
  cni [-f] create host NAME IFNAME IPADDR/PREFIX                      → NAME.network ([HostDevice])
Each podman run option in ARGS becomes its Quadlet key (--publish → PublishPort=, --net=a,b →
Network=a, Network=b, a network the scripts' cni lines create → Network=NAME.network, ...) or
PodmanArgs=. An existing file is never overwritten. Every line not converted is printed as
FILE:LINE with the reason; other shell lines are listed as not converted.

  --dry-run         print the units instead of writing them
  --units-dir DIR   where to write (env FINIT_PODS_UNITS_DIR, default /cfg/containers)
Exit status: 0 when every podman-service and cni line was converted (and written), 1 otherwise.
`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: { 'dry-run': { type: 'boolean' }, 'units-dir': { type: 'string' } },
      allowPositionals: true,
    });
    const { runImport } = await import('../import/write.js');
    return runImport({
      scripts: positionals,
      unitsDir: syncConfig(values).unitsDir,
      dryRun: values['dry-run'] === true,
      out,
      err,
    });
  },
};

export const commands = new Map<string, Command>([
  ['check', check],
  ['render', render],
  ['sync', syncCmd],
  ['daemon', daemonCmd],
  ['cleanup', cleanupCmd],
  ['status', statusCmd],
  ['show', showCmd],
  ['doctor', doctorCmd],
  ['import', importCmd],
]);

export function usage(): string {
  const width = Math.max(...[...commands.keys()].map((k) => k.length));
  const lines = [...commands].map(([k, c]) => `  ${k.padEnd(width)}  ${c.summary}`);
  return `Usage: finit-pods COMMAND [OPTIONS]

Podman Quadlet units (NAME.container, NAME.network, NAME.volume) supervised by Finit.

Commands:
${lines.join('\n')}

Run "finit-pods COMMAND --help" for a command's options.
`;
}
