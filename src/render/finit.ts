// What a given Finit version can do, so stanzas use only options it has (docs/finit.md: Finit
// 4.2 on Debian bookworm up to 4.17 on Infix).

export interface FinitCaps {
  version: string;
  /** Longest service :ID kept (15 before 4.15, 64 from 4.15). */
  maxId: number;
  /** Largest kill:SEC (60 up to 4.13, 300 from 4.14). */
  maxKill: number;
  /** service/NAME/running conditions exist (4.4+); older versions get runner-set usr/ conditions. */
  serviceConditions: boolean;
  /** restart:always means unlimited restarts (4.4+); 4.2 reads it as 0. */
  restartAlways: boolean;
  /**
   * Longest argument on a stanza line that works: before 4.13 Finit cuts an argument at 63 bytes
   * (4.2–4.4) or sees one of 64 and more as changed at every reload and restarts the service
   * (4.5–4.12); 4.13 and later keep 255 and compare them whole.
   */
  maxArg: number;
}

/** Finit 4.2–4.14 keep at most 15 characters of a service :ID, 4.15 and later 64. */
export const FINIT_ID_MAX_OLD = 15;
export const FINIT_ID_MAX = 64;

export function finitCaps(version: string): FinitCaps {
  const [maj = 4, min = 0] = version.split('.').map((n) => Number.parseInt(n, 10));
  const atLeast = (a: number, b: number) => maj > a || (maj === a && min >= b);
  return {
    version,
    maxId: atLeast(4, 15) ? FINIT_ID_MAX : FINIT_ID_MAX_OLD,
    maxKill: atLeast(4, 14) ? 300 : 60,
    serviceConditions: atLeast(4, 4),
    restartAlways: atLeast(4, 4),
    maxArg: atLeast(4, 13) ? 255 : 63,
  };
}

/** Parses the first line of `initctl version` ("Finit 4.12"). */
export function parseFinitVersion(text: string): string | undefined {
  return text.match(/Finit\s+v?(\d+\.\d+(?:\.\d+)?)/)?.[1];
}
