// finit-pods auto-update: updates the pods whose units ask for it, with a rollback.

import { parseArgs } from 'node:util';
import { podmanCli } from '../../apply/podman.js';
import { run } from '../../apply/run.js';
import { columns } from '../../lib/text.js';
import { autoUpdate } from '../../update/auto-update.js';
import type { UpdateReport } from '../../update/execute.js';
import { DEFAULT_UPDATE_TIMEOUT_MS } from '../../update/ready.js';
import { type Command, err, out, outJson, PATH_HELP } from '../command.js';
import { PATH_OPTIONS, syncConfig } from '../config.js';
import { reachFinit } from '../reach.js';
import { spanOption } from '../span.js';

export const autoUpdateCommand: Command = {
  summary: 'update pods to a new image (AutoUpdate=registry|local, image archives), rolling back a bad one',
  help: `Usage: finit-pods auto-update [--dry-run] [--json] [--timeout SPAN] [OPTIONS]

Updates the pods whose unit has AutoUpdate=registry or AutoUpdate=local (the
io.containers.autoupdate label, as podman auto-update reads it) and those whose image is an
archive (Image=oci-archive:/path, or a .image unit pulling one) that changed on disk. registry:
the registry's digest for the unit's fully qualified image differs from the running image's
(checked without pulling, with the unit's AuthFile=, TLSVerify=, CertDir=, Creds=). local: the
image the reference names in local storage is not the running one. Only running pods are updated.

An update pulls (Retry=, RetryDelay= on Podman 5) or loads the new image, restarts the pod
through Finit and waits until it is healthy: its healthcheck passes, or without one it runs on
the new image for 5 s. Not healthy within the timeout: the previous image (kept under
localhost/finit-pods/previous/POD until the update is confirmed) is put back under the unit's
reference and the pod restarted on it; the failed digest is recorded in STATE_DIR/updates.json
and shown by status and doctor, and is not tried again until the registry offers another one. An
update cut short by a power cut is settled by the next run (the daemon's, at its start).

  --dry-run         only say which pods have an update: nothing is pulled, loaded or restarted
  --json            print the report as JSON
  --timeout SPAN    how long an updated pod has to become healthy (env FINIT_PODS_UPDATE_TIMEOUT,
                    default 2min)
${PATH_HELP}
Exit status: 0 when every pod is up to date or updated, 1 when an update failed or was rolled
back, or a pod could not be checked.
`,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        timeout: { type: 'string' },
        ...PATH_OPTIONS,
      },
    });
    const cfg = syncConfig(values);
    const timeout = spanOption(values, 'timeout', 'FINIT_PODS_UPDATE_TIMEOUT');
    if (timeout instanceof Error) {
      err(`finit-pods auto-update: ${timeout.message}\n`);
      return 2;
    }
    const finit = reachFinit('auto-update');
    if (!finit) return 1;
    const reports = await autoUpdate(
      {
        unitsDir: cfg.unitsDir,
        runDir: cfg.runDir,
        stateDir: cfg.stateDir!,
        timeoutMs: timeout ?? DEFAULT_UPDATE_TIMEOUT_MS,
      },
      {
        finit,
        podman: podmanCli(cfg.podman, run),
        log: (_level, message) => err(`${message}\n`),
      },
      { dryRun: values['dry-run'] === true },
    );
    if (values.json) outJson(reports);
    else out(formatUpdates(reports));
    return reports.every((r) => ['current', 'updated', 'pending', 'skipped'].includes(r.result)) ? 0 : 1;
  },
};

/** One row per pod, as podman auto-update prints them, then each message. */
export function formatUpdates(reports: readonly UpdateReport[]): string {
  if (reports.length === 0) return 'no pod has an auto-update policy\n';
  const head = ['POD', 'IMAGE', 'POLICY', 'UPDATED'];
  const rows = reports.map((r) => [`pod:${r.pod}`, r.ref ?? '-', r.policy ?? '-', r.result]);
  const notes = reports.filter((r) => r.result !== 'current').map((r) => `pod:${r.pod}: ${r.message}`);
  return `${[...columns(head, rows), ...notes].join('\n')}\n`;
}
