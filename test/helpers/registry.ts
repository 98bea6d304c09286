// A real registry for testbed tests: Debian's docker-registry (bind-mounted from the host, where
// tools/setup.sh installs it) serving on loopback inside the sandbox as a Finit service, its
// storage under /run (gone at the next boot, as a registry that is out of reach).

import { existsSync } from 'node:fs';
import type { Testbed } from './testbed.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';
export const REGISTRY = '127.0.0.1:5000';

/** Throws when docker-registry is not installed (the sandbox binds it from the host). */
export function needRegistry(): void {
  if (!existsSync(REGISTRY_BIN)) throw new Error(`${REGISTRY_BIN} is missing: run tools/setup.sh`);
}

/** Starts the registry as Finit service `registry` and waits until Finit runs it. */
export async function startRegistry(tb: Testbed): Promise<void> {
  await tb.sh(
    `mkdir -p /run/registry && printf 'version: 0.1\\nstorage:\\n  filesystem:\\n    rootdirectory: /run/registry\\nhttp:\\n  addr: ${REGISTRY}\\n' >/run/registry.yml`,
  );
  await tb.writeStanza(
    'enabled/registry.conf',
    `service [2345] name:registry ${REGISTRY_BIN} serve /run/registry.yml -- registry\n`,
  );
  await tb.initctl('reload');
  await tb.waitForStatus('registry', 'running');
}
