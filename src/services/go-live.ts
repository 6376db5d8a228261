import type { Database } from '../db/database.js'
import { announceDue, nextGoLive } from '../db/queries/articles.js'
import { drain } from './common.js'

/**
 * Go-live, in one place. A scheduled article goes live by the clock on every read (its status
 * is derived from publishedAt); what does not happen by itself is its announcement, the
 * `article.published` event (webhooks, CDN purges), exactly once across processes. Here:
 * - the sweep that announces it, run by plugins/maintenance.ts at start, on a timer and at the
 *   next go-live it found;
 * - what this process knows of the next go-live (`next`): public article lists are cacheable
 *   only until then (`reply.freshUntil`, plugins/http-caching.ts);
 * - the wake-up a publish or an untrash here asks for (`scheduled`, told by the article
 *   service), so the sweep runs at that very moment, not at its next tick.
 */
export function createGoLive(db: Database) {
  let next: Date | undefined
  /** The sweep's next wake-up asked for by a change here (only the earliest matters). */
  let wakeUp: number | undefined
  const listeners = new Set<(at: number) => void>()

  return {
    /** The earliest article still to go live, as far as this process knows (undefined: none). */
    get next(): Date | undefined {
      return next
    },

    /**
     * Announces the scheduled articles whose time has come (`article.published`, exactly once
     * however many processes sweep at the same time); their ids, and when the next one is due.
     */
    async sweep(now = new Date()): Promise<{ announced: string[]; next: Date | undefined }> {
      const announced = await drain((limit) => announceDue(db.query, now, limit))
      next = await nextGoLive(db.query, now)
      return { announced, next }
    },

    /**
     * An article was scheduled for `at` by this process (told once its change committed, or
     * from inside an outer transaction, a bulk's or an Idempotency-Key's, still open).
     */
    scheduled(at: Date): void {
      if (next === undefined || at < next || next.getTime() <= Date.now()) next = at
      const time = at.getTime()
      if (wakeUp !== undefined && wakeUp > Date.now() && wakeUp <= time) return
      wakeUp = time
      for (const listener of listeners) listener(time)
    },

    /** Hears each wake-up as it is asked for (the housekeeping timer: sooner than planned, it re-plans). */
    onWakeUp(listener: (at: number) => void): void {
      listeners.add(listener)
    },

    /** After a sweep, failed or not: the wake-up still to come, if one was asked for. */
    wakeUp(now: number): number | undefined {
      if (wakeUp === undefined) return undefined
      if (wakeUp > now) return wakeUp
      // A wake-up now due was told before its change committed (inside a bulk's or an
      // Idempotency-Key's transaction): one more look a second later finds it.
      wakeUp = undefined
      return now + 1000
    },
  }
}

export type GoLive = ReturnType<typeof createGoLive>
