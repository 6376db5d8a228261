import type { Database } from '../db/database.js'
import { ProblemError, problemBody } from '../errors.js'
import type { BulkItemResult, BulkResult } from '../schemas/common.js'
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
