// One check per key at a time, shared by everyone who asks while it runs, yet never answering a caller with a check
// that began before the caller asked: a check under way when a caller comes may have read the state from before a
// change the caller already knows of (e.g. a page reload right after an edit), so that caller waits for the next
// check, which is shared in turn by all who arrive meanwhile. The same scheme as the api's ReadVersionWatch.

interface KeyState<V> {
  running: Promise<V>;
  queued?: Promise<V>;
}

export class SharedRecheck<K, V> {
  private readonly states = new Map<K, KeyState<V>>();
  /** Checks started (for tests and the bench: how well callers share them). */
  started = 0;

  constructor(private readonly check: (key: K) => Promise<V>) {}

  /** Keys with a check under way (bounded by the callers waiting: a key leaves when its last check settles). */
  get inFlight(): number {
    return this.states.size;
  }

  /** The answer of a check of `key` that began at or after this call. */
  current(key: K): Promise<V> {
    const state = this.states.get(key);
    if (!state) return this.start(key);
    // Begun before we came: the next one, shared by all who arrive meanwhile, is ours.
    return (state.queued ??= state.running.then(
      () => this.start(key),
      () => this.start(key),
    ));
  }

  private start(key: K): Promise<V> {
    this.started++;
    const running = this.check(key);
    const state: KeyState<V> = { running };
    this.states.set(key, state);
    const settle = () => {
      // A queued check replaces this state when it starts; only the last one removes the key.
      if (this.states.get(key) === state && !state.queued) this.states.delete(key);
    };
    running.then(settle, settle);
    return running;
  }
}
