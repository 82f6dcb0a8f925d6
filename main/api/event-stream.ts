/**
 * A subscription's body for a service event: every event `listen` delivers is yielded in order,
 * none lost while the consumer is busy, until the subscription's signal aborts; the listener is
 * removed when the generator ends. `listen` returns its own unsubscribe function.
 *
 * With a `guard` (the session that opened the subscription, see `sessionGuard` in trpc.ts) the
 * stream also ENDS as soon as that session may no longer see its events: it is re-checked before
 * every event it sends, whenever any session locks, ends or changes, and every `recheckMs` (an idle
 * lock or the session's lifetime runs out without anyone asking). So nothing reaches a locked
 * session, a signed-out one, or the next person to sign in on the same browser.
 */
export interface StreamGuard {
  /** True while the subscriber may still receive events. Must not extend the session (no touch). */
  allowed(): boolean;
  /** Called when something about sessions changed; returns its unsubscribe function. */
  onDidChange(listener: () => void): () => void;
  /** How often to re-check without any event (default 15 s). */
  recheckMs?: number;
}

export async function* eventStream<T>(listen: (push: (event: T) => void) => () => void, signal: AbortSignal | undefined, guard?: StreamGuard): AsyncGenerator<T> {
  const queue: T[] = [];
  let wake: (() => void) | null = null;
  const poke = () => wake?.();
  const off = listen((event) => {
    queue.push(event);
    poke();
  });
  // One abort listener for the whole stream (not one per wait), removed when it ends.
  signal?.addEventListener('abort', poke);
  const offGuard = guard?.onDidChange(poke);
  const timer = guard ? setInterval(poke, guard.recheckMs ?? 15_000) : null;
  timer?.unref?.();
  try {
    while (!signal?.aborted) {
      if (guard && !guard.allowed()) return;
      while (queue.length) {
        if (guard && !guard.allowed()) return;
        yield queue.shift()!;
      }
      if (signal?.aborted) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    off();
    offGuard?.();
    if (timer) clearInterval(timer);
    signal?.removeEventListener('abort', poke);
  }
}
