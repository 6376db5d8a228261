import { LRUCache } from 'lru-cache'

/**
 * The read cache: anonymous public answers kept in this process as the bytes sent, with their
 * headers, until a committed change touches one of their surrogate keys, their time is up, or
 * memory runs short (least recently used first). What may be stored, and when a stored answer
 * may be served, is plugins/read-cache.ts; this is the bookkeeping, with the rule that keeps it
 * exact: an answer is stored only if nothing it depends on was invalidated while it was being
 * made.
 *
 * Every invalidation bumps a counter (`#seq`) and stamps each key it names with it. A miss
 * takes the counter when it starts (`begin`), before it reads the database; its answer is
 * stored only if none of the answer's keys, and no flush, was stamped after that. So a read
 * that raced a change (it may have seen the rows before the change, and its invalidation came
 * while it was on its way) is served to its own caller but never kept. Stamps older than every
 * miss still on its way are useless and are dropped (`#prune`).
 */
export interface CachedAnswer {
  status: number
  /** Header names in lower case, as Fastify keeps them; the per-request ones left out. */
  headers: Record<string, string>
  body: Buffer
  /** The ETag among the headers, for If-None-Match. */
  etag: string | undefined
  /** Its surrogate keys: a change to any of them removes it. */
  keys: readonly string[]
  /** Epoch milliseconds after which it must not be served (a list before a go-live); Infinity if none. */
  expiresAt: number
}

export interface ReadCacheStats {
  hits: number
  misses: number
  stores: number
  evictions: number
  invalidations: number
  flushes: number
  entries: number
  bytes: number
  connected: boolean
}

/** A miss on its way: what the counter was when it started. */
export interface Miss {
  readonly seq: number
}

/**
 * Bytes an entry holds besides its body: the key and header strings (two bytes a character at
 * most in V8's strings, counted as such), and the objects around them. The body is a Buffer,
 * whose length is exact.
 */
const ENTRY_OVERHEAD = 400
function entryBytes(key: string, answer: CachedAnswer): number {
  let strings = key.length
  for (const name in answer.headers) strings += name.length + answer.headers[name]!.length
  for (const k of answer.keys) strings += k.length
  return answer.body.length + 2 * strings + ENTRY_OVERHEAD
}

export class ReadCache {
  readonly #entries: LRUCache<string, CachedAnswer>
  /** Surrogate key → the cache keys of entries that carry it. */
  readonly #byKey = new Map<string, Set<string>>()
  /** Surrogate key → the counter when it was last invalidated (while misses are on their way). */
  readonly #stamps = new Map<string, number>()
  readonly #open = new Map<Miss, true>()
  #seq = 0
  #flushedAt = 0
  #connected = false
  readonly #stats = { hits: 0, misses: 0, stores: 0, evictions: 0, invalidations: 0, flushes: 0 }

  constructor(maxBytes: number) {
    this.#entries = new LRUCache<string, CachedAnswer>({
      maxSize: Math.max(1, maxBytes),
      sizeCalculation: (answer, key) => entryBytes(key, answer),
      dispose: (answer, key, reason) => {
        this.#unindex(key, answer)
        if (reason === 'evict') this.#stats.evictions++
      },
    })
  }

  /** Whether changes can be heard: entries are served and stored only then. */
  get connected(): boolean {
    return this.#connected
  }

  /** The listening is back (or starts): anything held from before may be stale. */
  connect(): void {
    this.flush()
    this.#connected = true
  }

  /** The listening is lost: forget everything, serve nothing until `connect`. */
  disconnect(): void {
    this.#connected = false
    this.flush()
  }

  /** A fresh stored answer for `key`, or undefined (counted as a hit or a miss). */
  get(key: string, now = Date.now()): CachedAnswer | undefined {
    const answer = this.#connected ? this.#entries.get(key) : undefined
    if (answer !== undefined && answer.expiresAt > now) {
      this.#stats.hits++
      return answer
    }
    if (answer !== undefined) this.#entries.delete(key)
    this.#stats.misses++
    return undefined
  }

  /** A miss starts: call before reading the database, and `end` it whatever happens. */
  begin(): Miss {
    const miss = { seq: this.#seq }
    this.#open.set(miss, true)
    return miss
  }

  /** Whether an answer made by `miss` would still be current for keys invalidated since (none, or none at all when `keys` is omitted). */
  current(miss: Miss, keys?: readonly string[]): boolean {
    if (!this.#connected || this.#flushedAt > miss.seq) return false
    if (keys === undefined) return this.#seq === miss.seq
    return keys.every((key) => (this.#stamps.get(key) ?? 0) <= miss.seq)
  }

  /** Stores what `miss` made, unless something it depends on changed meanwhile. Ends the miss. */
  store(miss: Miss, key: string, answer: CachedAnswer): boolean {
    const stored = this.current(miss, answer.keys) && answer.expiresAt > Date.now()
    if (stored) {
      this.#entries.set(key, answer)
      // Too large for the cache at all: lru-cache refuses it without a word.
      if (this.#entries.has(key)) {
        for (const k of answer.keys) {
          let set = this.#byKey.get(k)
          if (set === undefined) this.#byKey.set(k, (set = new Set()))
          set.add(key)
        }
        this.#stats.stores++
      }
    }
    this.end(miss)
    return stored
  }

  end(miss: Miss): void {
    this.#open.delete(miss)
    this.#prune()
  }

  /** A committed change made these keys stale: their entries go, and misses on their way are not stored. */
  invalidate(keys: readonly string[]): void {
    if (keys.length === 0) return
    const seq = ++this.#seq
    this.#stats.invalidations++
    for (const k of keys) {
      if (this.#open.size > 0) this.#stamps.set(k, seq)
      const set = this.#byKey.get(k)
      if (set === undefined) continue
      for (const key of [...set]) this.#entries.delete(key)
    }
  }

  /** Forget everything (and whatever misses are on their way). */
  flush(): void {
    this.#flushedAt = ++this.#seq
    this.#stats.flushes++
    this.#entries.clear()
    this.#stamps.clear()
  }

  /** No entry is served after `at` (a scheduled article goes live then, in any list it joins). */
  expireBy(at: number): void {
    for (const answer of this.#entries.values()) if (answer.expiresAt > at) answer.expiresAt = at
  }

  stats(): ReadCacheStats {
    return {
      ...this.#stats,
      entries: this.#entries.size,
      bytes: this.#entries.calculatedSize,
      connected: this.#connected,
    }
  }

  #unindex(key: string, answer: CachedAnswer): void {
    for (const k of answer.keys) {
      const set = this.#byKey.get(k)
      if (set === undefined) continue
      set.delete(key)
      if (set.size === 0) this.#byKey.delete(k)
    }
  }

  #prune(): void {
    if (this.#open.size === 0) this.#stamps.clear()
  }
}
