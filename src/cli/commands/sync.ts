// finit-pods sync: applies the units directory, through the daemon when one runs.

import { parseArgs } from 'node:util';
import { applyLocked } from '../../apply/boot.js';
import { run } from '../../apply/run.js';
import type { Storage } from '../../apply/storage.js';
import { formatReport, type SyncReport } from '../../apply/sync.js';
import { controlPath, request } from '../../daemon/control.js';
import { printable } from '../../lib/text.js';
import { type Command, err, out, outJson, PATH_HELP } from '../command.js';
import { PATH_OPTIONS, syncConfig } from '../config.js';
import { bootStorage, reachFinit } from '../reach.js';
import { printCleanup } from './cleanup.js';

export const syncCommand: Command = {
  summary: 'apply the units directory: write Finit stanzas, create networks and volumes, reload Finit',
  help: `Usage: finit-pods sync [--json] [--wait] [OPTIONS]

Turns every usable unit into a Finit stanza pod-NAME.conf, creates the networks and volumes
pods need, and calls "initctl reload" once when anything changed (never when nothing did).
A unit that was applied before and is now broken keeps its stanza, so its pod keeps running.
Stanzas finit-pods did not write are never changed or removed.
While the daemon runs, it applies: sync asks it over its control socket and prints the result of
an apply that started after the request, so it includes every change made before sync was run;
if the apply in progress when it asks fails (podman not answering), sync reports that failure
rather than wait for another apply (the daemon tries again by itself).

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
    if (viaDaemon) return printSync(viaDaemon, values.json === true);
    const finit = reachFinit('sync');
    if (!finit) return 1;
    // the first sync of a boot also cleans up what a power cut left behind (applyLocked decides)
    const r = await applyLocked(
      cfg,
      { finit, exec: run, storage: () => storageOrNothing(cfg.podman) },
      {
        onWait: (pid) =>
          err(
            `finit-pods sync: waiting for another finit-pods${pid ? ` (pid ${pid})` : ''} to finish applying\n`,
          ),
      },
    );
    if (r.boot) printCleanup(r.boot.cleanup);
    return printSync(r.sync, values.json === true);
  },
};

async function storageOrNothing(podman: string): Promise<Storage | undefined> {
  const s = await bootStorage(podman);
  return 'root' in s ? s : undefined;
}

function printSync(report: SyncReport, json: boolean): number {
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
