// The commands: each parses its own options (node:util parseArgs) and returns an exit code.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { shellJoin } from '../lib/shell.js';
import { podmanArgv } from '../model/container.js';
import { type Diagnostic, formatDiagnostic } from '../model/diagnostics.js';
import {
  type DirOptions,
  type Model,
  translateDir,
  translateFile,
  type UnitResult,
} from '../model/translate.js';

export interface Command {
  summary: string;
  help: string;
  run(args: string[]): Promise<number>;
}

const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);

/** Finit's :ID limit depends on its version; the strictest (15) unless told otherwise. */
function dirOptions(finitVersion: string | undefined): DirOptions {
  const v = finitVersion ?? process.env.FINIT_PODS_FINIT_VERSION;
  if (!v) return {};
  const [maj = 0, min = 0] = v.split('.').map(Number);
  return { maxPodName: maj > 4 || (maj === 4 && min >= 15) ? 64 : 15 };
}

/** The command line a model stands for: `podman run …` for a pod, `podman … create` for the rest. */
export function modelArgv(m: Model): string[] {
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
    const { values, positionals } = parseArgs({
      args,
      options: { 'finit-version': { type: 'string' } },
      allowPositionals: true,
    });
    if (positionals.length === 0) {
      err(`finit-pods check: name at least one file or directory\n\n${this.help}`);
      return 2;
    }
    const opts = dirOptions(values['finit-version']);
    let bad = 0;
    let count = 0;
    for (const p of positionals) {
      let results: UnitResult[];
      try {
        results = statSync(p).isDirectory() ? translateDir(p, opts).results : [translateFile(p, opts)];
      } catch (e) {
        err(`${p}: error: ${(e as Error).message}\n`);
        bad++;
        continue;
      }
      for (const r of results) {
        count++;
        for (const d of r.diagnostics) err(`${formatDiagnostic(d)}\n`);
        if (!r.ok) bad++;
      }
    }
    out(`${count - bad} of ${count} units usable\n`);
    return bad === 0 ? 0 : 1;
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
    const r = translateFile(positionals[0]!, dirOptions(values['finit-version']));
    const argv = r.model ? modelArgv(r.model) : [];
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
      out(`${JSON.stringify(obj, null, 2)}\n`);
    } else {
      for (const d of r.diagnostics) err(`${formatDiagnostic(d)}\n`);
      if (r.ok && r.model) {
        if (r.model.kind === 'hostdevice') out(`${JSON.stringify(r.model.conflist, null, 2)}\n`);
        else out(`${shellJoin(argv)}\n`);
      }
    }
    return r.ok ? 0 : 1;
  },
};

export const commands = new Map<string, Command>([
  ['check', check],
  ['render', render],
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

export { join };
