/**
 * A map an isolate keeps what it read in, bounded by the sum of its values' weights (`weightOf`:
 * characters, papers), the least recently kept let go first. Maps iterate in insertion order, so
 * that keeping a key again moves it to the end and the first is always the one to let go.
 * Used by the search's term lists (papers/term-index.ts) and the local index's parts
 * (vectors/local-index.ts).
 */
export class RecentlyUsed<K, V> {
  readonly #entries = new Map<K, V>();
  #weight = 0;

  constructor(
    readonly bound: number,
    private readonly weightOf: (value: V) => number,
  ) {}

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /** The entries, least recently kept first. */
  entries(): IterableIterator<[K, V]> {
    return this.#entries.entries();
  }

  /** Keeps `value` as the most recently used (again, when held already), letting go of the least recently used beyond the bound. */
  keep(key: K, value: V): V {
    const held = this.#entries.get(key);
    if (held !== undefined) {
      this.#entries.delete(key);
      this.#weight -= this.weightOf(held);
    }
    this.#entries.set(key, value);
    this.#weight += this.weightOf(value);
    for (const [oldest, old] of this.#entries) {
      if (this.#weight <= this.bound) break;
      this.#entries.delete(oldest);
      this.#weight -= this.weightOf(old);
    }
    return value;
  }

  clear(): void {
    this.#entries.clear();
    this.#weight = 0;
  }
}
