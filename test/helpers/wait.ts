// Waiting in tests without a machine (the apply loop and the daemon): a sleep, a gate that holds
// an apply in progress until the test opens it, and a short poll.

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A promise and its resolver, to hold an apply in progress until the test lets it finish. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

/** Polls until `f()` is true (at most 5 s). */
export async function until(f: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!f()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}
