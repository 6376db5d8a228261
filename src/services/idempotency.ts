import type { Database } from '../db/database.js'
import * as q from '../db/queries/idempotency.js'
import { ProblemError } from '../errors.js'

export type { StoredResponse } from '../db/queries/idempotency.js'

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000

/** What a request with a key finds: nothing yet (run it), or an answer to replay. */
export type Lookup = { kind: 'new' } | { kind: 'replay'; response: q.StoredResponse }

/**
 * Idempotency keys live in the database, so retries are recognised whichever process they
 * reach. A key's answer is stored in the same transaction as the write it answers (see
 * `run`): a crash at any point leaves both or neither, so a retry either replays the stored
 * answer or runs the write for the first time, never twice.
 */
export function createIdempotencyService(db: Database) {
  /** The stored answer for this key and request, or a problem when the key was used otherwise. */
  async function lookup(scope: string, key: string, requestHash: string): Promise<Lookup> {
    const record = await q.findKey(db.query, scope, key)
    if (!record) return { kind: 'new' }
    if (record.requestHash !== requestHash) throw new ProblemError('IDEMPOTENCY_KEY_REUSED')
    return { kind: 'replay', response: record.response }
  }

  return {
    lookup,

    /**
     * Runs `write` in one transaction with the key's record: the key is locked for the
     * transaction (a second request with it meanwhile is 409 IN_FLIGHT), looked up again
     * (another process may have answered it since the first lookup), and the response
     * `write` produces is stored before COMMIT. A write that throws stores nothing.
     */
    async run<T>(
      scope: string,
      key: string,
      requestHash: string,
      write: () => Promise<{ result: T; response: q.StoredResponse }>,
    ): Promise<{ kind: 'done'; result: T } | { kind: 'replay'; response: q.StoredResponse }> {
      return db.transaction(async () => {
        if (!(await q.tryLockKey(db.query, scope, key))) {
          throw new ProblemError('IDEMPOTENCY_KEY_IN_FLIGHT', undefined, undefined, { 'retry-after': '1' })
        }
        const found = await lookup(scope, key, requestHash)
        if (found.kind === 'replay') return found
        const { result, response } = await write()
        await q.storeKey(db.query, scope, key, requestHash, response, IDEMPOTENCY_TTL_MS)
        return { kind: 'done' as const, result }
      })
    },

    pruneExpired: () => q.deleteExpiredKeys(db.query),
  }
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>
