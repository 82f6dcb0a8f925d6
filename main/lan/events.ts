/**
 * A minimal event emitter and disposable store in VS Code's shape (`onDidX(listener) → Disposable`),
 * kept inside the service until a shared one exists.
 */

export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (e: T) => void) => Disposable;

export class Emitter<T> implements Disposable {
  private listeners = new Set<(e: T) => void>();
  private disposed = false;

  readonly event: Event<T> = (listener) => {
    if (this.disposed) return { dispose() {} };
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  };

  fire(e: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(e);
      } catch {
        // A listener's failure is its own; the others still hear the event.
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }
}

/** Owns disposables and disposes them together, last registered first. */
export class DisposableStore implements Disposable {
  private items: Disposable[] = [];

  add<D extends Disposable>(d: D): D {
    this.items.push(d);
    return d;
  }

  dispose(): void {
    for (const d of this.items.splice(0).reverse()) d.dispose();
  }
}
