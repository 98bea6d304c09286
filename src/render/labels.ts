// The names finit-pods gives what it owns: its containers' labels and the condition every pod
// waits for. Apart from stanza.ts, so that boot recovery can start removing before the renderer
// (and what it loads) is loaded.

export const READY_CONDITION = 'finit-pods';
export const LABEL_MANAGED = 'io.finit-pods.managed';
export const LABEL_POD = 'io.finit-pods.pod';
export const LABEL_HASH = 'io.finit-pods.hash';
