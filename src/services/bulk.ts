import type { Principal } from '../auth.js'
import type { Database } from '../db/database.js'
import { lockArticles } from '../db/queries/articles.js'
import { ProblemError, Problems, problemBody } from '../errors.js'
import type { BulkArticles } from '../schemas/bulk.js'
import type { BulkItemResult, BulkResult } from '../schemas/common.js'
import type { ArticleService } from './articles.js'
import { toProblem } from './problems.js'

/**
 * Runs one action on many items and reports each item's outcome, in request order, as the
 * status (and problem) the single-item route would have answered. Each item is a unit of its
 * own (a SAVEPOINT inside an open transaction, such as the Idempotency-Key's, or else its own
 * transaction): a failing item undoes only itself. With `atomic`, every item runs inside one
 * transaction and, if any failed, the whole request is rolled back and answered 409
 * BULK_ABORTED with the same results.
 *
 * `apply` returns the item's success status (200, 204). `lockAll` locks every item's rows up
 * front, in one order, whenever the items share a transaction (atomic, or inside an
 * Idempotency-Key's): item by item, two such requests (or one and a single write) could
 * deadlock. `onUnexpected` hears errors that are not a client's problem (reported per item as
 * a bare 500).
 */
export async function runBulk(
  db: Database,
  ids: string[],
  atomic: boolean,
  apply: (id: string) => Promise<number>,
  lockAll: (ids: string[]) => Promise<void>,
  onUnexpected: (error: unknown, id: string) => void,
): Promise<BulkResult> {
  const all = async (): Promise<BulkItemResult[]> => {
    if (db.inTransaction()) await lockAll(ids)
    const results: BulkItemResult[] = []
    for (const id of ids) {
      try {
        results.push({ id, status: await db.savepoint(() => apply(id)) })
      } catch (error) {
        const problem = toProblem(error as Error)
        if (problem.status >= 500 && !(error instanceof ProblemError)) onUnexpected(error, id)
        results.push({ id, status: problem.status, problem: problemBody(problem) })
      }
    }
    return results
  }
  if (!atomic) return { results: await all() }
  return db.transaction(async () => {
    const results = await all()
    if (results.some((r) => r.status >= 400)) {
      const aborted = new ProblemError('BULK_ABORTED')
      aborted.extensions.results = results
      throw aborted
    }
    return { results }
  })
}

/**
 * Bulk requests: each action is the service call of its single-item route, and a success is
 * reported with that route's status (200 with the article, 204 for the trash).
 */
export function createBulkService(db: Database, { articles }: { articles: ArticleService }) {
  return {
    /** One action on up to 100 articles, each as its single-item route would do it. */
    async articles(
      principal: Principal,
      input: BulkArticles,
      onUnexpected: (error: unknown, id: string) => void,
    ): Promise<BulkResult> {
      const tagging = input.action === 'addTags' || input.action === 'removeTags'
      if (tagging && input.tags === undefined)
        throw Problems.validation([{ path: '/body/tags', message: `is required for ${input.action}` }])
      if (!tagging && input.tags !== undefined)
        throw Problems.validation([{ path: '/body/tags', message: 'is only for addTags and removeTags' }])
      const tags = input.tags ?? []
      const apply = async (id: string): Promise<number> => {
        switch (input.action) {
          case 'publish':
            await articles.publish(principal, id, {})
            return 200
          case 'unpublish':
            await articles.unpublish(principal, id)
            return 200
          case 'trash':
            await articles.trash(principal, id, undefined)
            return 204
          case 'restore': // from the trash, as POST /articles/{idOrSlug}/restore
            await articles.untrash(principal, id)
            return 200
          case 'addTags':
            await articles.retag(principal, id, tags, [])
            return 200
          case 'removeTags':
            await articles.retag(principal, id, [], tags)
            return 200
        }
      }
      return runBulk(db, input.ids, input.atomic ?? false, apply, (ids) => lockArticles(db.query, ids), onUnexpected)
    },
  }
}

export type BulkService = ReturnType<typeof createBulkService>
