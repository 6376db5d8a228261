import type { Principal } from '../auth.js'
import type { Database } from '../db/database.js'
import { paginate, type CursorCodec, type PageRequest } from '../db/paging.js'
import { trashSpec } from '../db/queries/article-lists.js'
import * as q from '../db/queries/articles.js'
import type { TrashList } from '../schemas/article.js'
import { toArticle } from './article-view.js'
import { drain } from './common.js'

export interface TrashServiceOptions {
  cursors: () => Promise<CursorCodec>
  /** Days an article stays in the trash before it is destroyed (TRASH_RETENTION_DAYS). */
  trashRetentionDays?: number
}

/**
 * The trash as a place: what is in it, and its retention. Moving an article in and out of it
 * are article writes, with their revisions (services/articles.ts `trash`, `untrash`).
 */
export function createTrashService(db: Database, options: TrashServiceOptions) {
  const { cursors } = options
  const retentionMs = (options.trashRetentionDays ?? 30) * 86_400_000

  return {
    /** The trash: what the caller may edit, newest first; when each will be destroyed. */
    async list(principal: Principal, query: PageRequest): Promise<TrashList> {
      const codec = await cursors()
      const { rows, meta } = await q.listTrash(db.query, principal, {
        pagination: paginate(trashSpec, query, codec),
        codec,
      })
      const now = new Date()
      return {
        data: rows.map((row) => ({
          ...toArticle(row, now, { author: false }),
          trashedAt: row.trashedAt!.toISOString(),
          purgeAt: new Date(row.trashedAt!.getTime() + retentionMs).toISOString(),
        })),
        meta,
      }
    },

    /**
     * Destroys what has been in the trash for TRASH_RETENTION_DAYS, in batches (run by
     * plugins/maintenance.ts); the ids that went. Several processes may run it at once: each
     * article goes exactly once.
     */
    async purge(now = new Date()): Promise<string[]> {
      const cutoff = new Date(now.getTime() - retentionMs)
      return drain((limit) => db.transaction(() => q.purgeTrash(db.query, cutoff, limit, now)))
    },
  }
}

export type TrashService = ReturnType<typeof createTrashService>
