// finit-pods render: the podman command line one unit file becomes.

import { parseArgs } from 'node:util';
import { type Diagnostic, formatDiagnostic } from '../../lib/diagnostics.js';
import { shellJoin } from '../../lib/shell.js';
import { commandsOf } from '../../model/commands.js';
import { translateFile } from '../../model/translate.js';
import { type Command, dirOptions, err, out, outJson } from '../command.js';

export const renderCommand: Command = {
  summary: 'print the podman command line a unit file becomes',
  help: `Usage: finit-pods render [--json] [--finit-version X.Y] FILE

Prints the podman command line FILE's unit runs (podman run, pod create, network create, pull,
build, kube play…), shell-quoted, with warnings and errors on stderr. Units FILE names (Network=db.network, Volume=data.volume:/d)
are looked up in FILE's directory.

  --json   print one JSON object: {name, kind, file, ok, argv, startArgv, stopArgv, stopPostArgv,
           reloadArgv, workingDirectory, warnings, errors} (the commands a unit does not have
           are left out)
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
    const commands = r.model ? commandsOf(r.model) : undefined;
    const argv = commands?.argv ?? [];
    const fmt = (sev: string) =>
      r.diagnostics.filter((d: Diagnostic) => d.severity === sev).map(formatDiagnostic);
    if (values.json) {
      const obj: Record<string, unknown> = {
        name: r.name.stem,
        kind: r.name.kind,
        file: r.path,
        ok: r.ok,
        argv: r.ok ? argv : null,
        ...(r.ok ? { ...commands, argv } : {}),
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
