// Which Finit services a unit's service waits for: the units it needs (Network=NAME.container,
// Pod=NAME.pod), its [Unit] Requires=, After= and Wants=, and the units that say Before= it. One
// rule for sync, which writes them as the stanza's conditions, and status, which names the one a
// waiting pod lacks.

import type { ServiceUnitModel } from '../model/commands.js';
import type { UnitResult } from '../model/translate.js';
import type { ServiceIdentity } from './stanza.js';

export interface ServiceDependencies {
  /** The Finit service of each container, .pod and .kube unit, by file name. */
  serviceOf: ReadonlyMap<string, ServiceIdentity>;
  /** What the service of unit `filename` waits for, each service once, in the order named. */
  dependsOn(
    filename: string,
    needs: readonly string[],
    service: ServiceUnitModel['service'],
  ): ServiceIdentity[];
}

export function serviceDependencies(results: readonly UnitResult[]): ServiceDependencies {
  const serviceOf = new Map<string, ServiceIdentity>();
  for (const r of results) {
    if (r.model?.kind === 'container' && !r.name.isTemplate)
      serviceOf.set(r.name.filename, {
        name: 'pod',
        id: r.model.pod,
        ...(r.model.notify ? { ready: r.model.notify } : {}),
      });
    else if (r.model?.kind === 'pod')
      serviceOf.set(r.name.filename, { name: 'podman-pod', id: r.model.resource });
    else if (r.model?.kind === 'kube') serviceOf.set(r.name.filename, { name: 'kube', id: r.model.resource });
  }
  // Before=X on unit U: X waits for U, as if X said After=U
  const before = new Map<string, string[]>();
  for (const r of results) {
    const b = r.model && 'service' in r.model ? r.model.service.before : [];
    for (const x of b) before.set(x, [...(before.get(x) ?? []), r.name.filename]);
  }
  return {
    serviceOf,
    dependsOn(filename, needs, service) {
      const out: ServiceIdentity[] = [];
      const all = [
        ...needs,
        ...service.requires,
        ...service.after,
        ...service.wants,
        ...(before.get(filename) ?? []),
      ];
      for (const f of all) {
        const s = serviceOf.get(f);
        if (s && !out.some((o) => o.name === s.name && o.id === s.id)) out.push(s);
      }
      return out;
    },
  };
}
