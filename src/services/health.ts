import type { Database } from '../db/database.js'
import { ping } from '../db/queries/settings.js'

export function createHealthService(db: Database) {
  return {
    /** True when the database answers a trivial query within `timeoutMs`. */
    async databaseAnswers(timeoutMs: number): Promise<boolean> {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs)
      })
      // Twice: after a database restart the first try may draw a dead pooled connection
      // (which the pool then discards); that says nothing about the database now.
      const once = () =>
        ping(db.query).then(
          () => true,
          () => false,
        )
      const pinged = once().then((ok) => ok || once())
      try {
        return await Promise.race([pinged, timeout])
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

export type HealthService = ReturnType<typeof createHealthService>
