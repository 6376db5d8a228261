import type { PrismaClient } from '../generated/prisma/client.js'

export interface StoredResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in-flight' }

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000
/** A claim still unanswered after this long belongs to a request that died: it may be taken over. */
export const ABANDONED_AFTER_MS = 60_000

/**
 * Idempotency keys live in the database, so retries are recognised whichever process they
 * reach. The first request with a key claims it with an INSERT (the primary key makes exactly
 * one claim win), runs, and stores its response; later requests with the same key and body
 * get that response replayed, with another body a mismatch, and while it runs "in flight".
 */
export function createIdempotencyService(prisma: PrismaClient) {
  return {
    async claim(scope: string, key: string, requestHash: string): Promise<Claim> {
      for (let attempt = 0; attempt < 3; attempt++) {
        const now = new Date()
        const inserted = await prisma.idempotencyKey.createMany({
          data: [{ scope, key, requestHash, expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS) }],
          skipDuplicates: true,
        })
        if (inserted.count === 1) return { kind: 'claimed' }
        const row = await prisma.idempotencyKey.findUnique({ where: { scope_key: { scope, key } } })
        if (!row) continue // expired and pruned in between: claim again
        const abandoned = row.status === null && now.getTime() - row.createdAt.getTime() > ABANDONED_AFTER_MS
        if (row.expiresAt <= now || abandoned) {
          // Take over only the exact row we looked at, so two takers cannot both win.
          await prisma.idempotencyKey.deleteMany({ where: { scope, key, createdAt: row.createdAt } })
          continue
        }
        if (row.requestHash !== requestHash) return { kind: 'mismatch' }
        if (row.status === null) return { kind: 'in-flight' }
        return {
          kind: 'replay',
          response: { status: row.status, headers: (row.responseHeaders ?? {}) as Record<string, string>, body: row.responseBody ?? '' },
        }
      }
      return { kind: 'in-flight' }
    },

    async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
      await prisma.idempotencyKey.updateMany({
        where: { scope, key, status: null },
        data: { status: response.status, responseHeaders: response.headers, responseBody: response.body },
      })
    },

    /** Gives the key back (the request failed on our side, so a retry should run again). */
    async release(scope: string, key: string): Promise<void> {
      await prisma.idempotencyKey.deleteMany({ where: { scope, key, status: null } })
    },

    async pruneExpired(): Promise<number> {
      const { count } = await prisma.idempotencyKey.deleteMany({ where: { expiresAt: { lt: new Date() } } })
      return count
    },
  }
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>
