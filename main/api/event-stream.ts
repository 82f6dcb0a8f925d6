/**
 * A subscription's body for a service event: every event `listen` delivers is yielded in order,
 * none lost while the consumer is busy, until the subscription's signal aborts; the listener is
 * removed when the generator ends. `listen` returns its own unsubscribe function.
 */
export async function* eventStream<T>(listen: (push: (event: T) => void) => () => void, signal: AbortSignal | undefined): AsyncGenerator<T> {
  const queue: T[] = [];
  let wake: (() => void) | null = null;
  const off = listen((event) => {
    queue.push(event);
    wake?.();
  });
  try {
    while (!signal?.aborted) {
      while (queue.length) yield queue.shift()!;
      await new Promise<void>((resolve) => {
        wake = resolve;
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      wake = null;
    }
  } finally {
    off();
  }
}
