/**
 * The one shape every part of the client is read through: `getState()` for the current value,
 * `subscribe(listener)` for changes. It is what React's useSyncExternalStore, Svelte's stores and
 * a plain `render(state)` loop all take, so the client needs no framework and adapters stay thin.
 *
 * A store may be lazy: its work (a query, a subscription) starts with its first listener and stops
 * after its last one leaves, so a page pays only for what it shows. Hand-written rather than a
 * dependency: this is the whole of it, and the start/stop rule is the part a library would not fit.
 */
export interface Store<T> {
  getState(): T;
  /** Called after each change, with the new state; returns the unsubscribe function. */
  subscribe(listener: (state: T) => void): () => void;
}

export interface WritableStore<T> extends Store<T> {
  setState(next: T | ((previous: T) => T)): void;
}

/**
 * `start` runs when the first listener subscribes and returns what undoes it, which runs when the
 * last one leaves; a later subscriber starts it again.
 */
export function createStore<T>(initial: T, start?: (store: WritableStore<T>) => () => void): WritableStore<T> {
  let state = initial;
  const listeners = new Set<(state: T) => void>();
  let stop: (() => void) | undefined;

  const store: WritableStore<T> = {
    getState: () => state,
    setState(next) {
      const value = typeof next === 'function' ? (next as (previous: T) => T)(state) : next;
      if (Object.is(value, state)) return;
      state = value;
      for (const listener of [...listeners]) listener(state);
    },
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1 && start) stop = start(store);
      return () => {
        if (!listeners.delete(listener) || listeners.size > 0) return;
        const running = stop;
        stop = undefined;
        running?.();
      };
    },
  };
  return store;
}
