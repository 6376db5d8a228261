/**
 * What this process knows of the next scheduled go-live: the go-live sweep sets it after each
 * run, and a publish with a future time here tells it at once (and wakes the sweep for it).
 * Public article lists are cacheable only until then (plugins/http-caching.ts).
 */
export function createGoLiveClock() {
  let next: Date | undefined
  const listeners = new Set<(at: Date) => void>()
  return {
    get next(): Date | undefined {
      return next
    },
    /** What the sweep found: the earliest article still to go live (undefined: none). */
    set(at: Date | undefined): void {
      next = at
    },
    /** An article was scheduled for `at` by this process. */
    scheduled(at: Date): void {
      if (next === undefined || at < next || next.getTime() <= Date.now()) next = at
      for (const listener of listeners) listener(at)
    },
    onScheduled(listener: (at: Date) => void): void {
      listeners.add(listener)
    },
  }
}

export type GoLiveClock = ReturnType<typeof createGoLiveClock>
