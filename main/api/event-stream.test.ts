/** The subscription body every service event goes through: order, no leaks, and the session guard. */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { eventStream, type StreamGuard } from './event-stream';

function source<T>() {
  const listeners = new Set<(e: T) => void>();
  return {
    listen: (push: (e: T) => void) => {
      listeners.add(push);
      return () => void listeners.delete(push);
    },
    fire: (e: T) => listeners.forEach((l) => l(e)),
    get size() {
      return listeners.size;
    },
  };
}

function guardOf(initially = true): StreamGuard & { set(v: boolean): void } {
  let ok = initially;
  const listeners = new Set<() => void>();
  return {
    allowed: () => ok,
    onDidChange: (l) => {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    set(v) {
      ok = v;
      listeners.forEach((l) => l());
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('eventStream', () => {
  it('delivers events in order and holds ONE abort listener however many events pass (no MaxListenersExceededWarning)', async () => {
    const src = source<number>();
    const ac = new AbortController();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const stream = eventStream(src.listen, ac.signal);
    const got: number[] = [];
    const consumer = (async () => {
      for await (const n of stream) got.push(n);
    })();
    await tick();
    for (let i = 0; i < 200; i++) {
      src.fire(i);
      await tick(); // the consumer waits between events: each wait used to add a listener
    }
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    ac.abort();
    await consumer;
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    expect(src.size).toBe(0);
    await tick();
    process.off('warning', onWarning);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('ends as soon as the guard refuses, without waiting for an event, and sends nothing queued after', async () => {
    const src = source<string>();
    const guard = guardOf();
    const it = eventStream(src.listen, undefined, { ...guard, recheckMs: 60_000 })[Symbol.asyncIterator]();
    const first = it.next();
    await tick();
    src.fire('before');
    expect(await first).toEqual({ value: 'before', done: false });
    const pending = it.next();
    await tick();
    guard.set(false); // e.g. the session locked: no event follows
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(src.size).toBe(0);
  });

  it('re-checks the guard before every event it sends', async () => {
    const src = source<string>();
    let ok = true;
    const stream = eventStream(src.listen, undefined, { allowed: () => ok, onDidChange: () => () => undefined, recheckMs: 60_000 });
    const it = stream[Symbol.asyncIterator]();
    const first = it.next();
    await tick();
    src.fire('a');
    src.fire('b');
    expect((await first).value).toBe('a');
    ok = false; // silently (no change event): the next event must not go out
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('re-checks on a timer, so an idle lock or the end of the session ends it with no event at all', async () => {
    const src = source<string>();
    let ok = true;
    const it = eventStream(src.listen, undefined, { allowed: () => ok, onDidChange: () => () => undefined, recheckMs: 20 })[Symbol.asyncIterator]();
    const pending = it.next();
    ok = false;
    expect(await pending).toEqual({ value: undefined, done: true });
  });
});
