import { hashSecret, newTokenSecret, sameHash, type Principal } from '../auth.js'
import type { Database } from '../db/database.js'
import { authorExists } from '../db/queries/authors.js'
import * as q from '../db/queries/tokens.js'
import { Problems } from '../errors.js'
import type { CreateToken, CreatedToken, Token } from '../schemas/token.js'

function toToken(row: q.TokenRow): Token {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    authorId: row.authorId,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  }
}

const LAST_USED_RESOLUTION_MS = 60_000
const FIRST_START_TOKEN_NAME = 'first-start admin'
const notFound = () => Problems.notFound('No token has this id.')

export function createTokenService(db: Database) {
  return {
    /**
     * The principal for a bearer secret, or null when no token has it. Looked up on every
     * request, so revoking a token takes effect on the next one.
     */
    async authenticate(secret: string): Promise<Principal | null> {
      const hash = hashSecret(secret)
      const row = await q.findTokenByHash(db.query, hash)
      if (!row || !sameHash(row.secretHash, hash)) return null
      if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
        // Best effort and at most once a minute per token: never worth failing a request for.
        q.touchToken(db.query, row.id).catch(() => {})
      }
      return { kind: 'token', tokenId: row.id, name: row.name, role: row.role, authorId: row.authorId }
    },

    async list(): Promise<Token[]> {
      return (await q.listTokens(db.query)).map(toToken)
    },

    /** Creates a token; the secret exists only in the return value. */
    async create(input: CreateToken): Promise<CreatedToken> {
      if (input.role === 'author' && !input.authorId) {
        throw Problems.validation([{ path: '/body/authorId', message: 'is required for role author' }])
      }
      if (input.role !== 'author' && input.authorId) {
        throw Problems.validation([{ path: '/body/authorId', message: 'is only allowed for role author' }])
      }
      const secret = newTokenSecret()
      return db.transaction(async () => {
        if (input.authorId && !(await authorExists(db.query, input.authorId))) {
          throw Problems.validation([{ path: '/body/authorId', message: 'no author has this id' }])
        }
        const row = await q.insertToken(db.query, {
          name: input.name,
          role: input.role,
          authorId: input.authorId ?? null,
          secretHash: hashSecret(secret),
          prefix: secret.slice(0, 10),
        })
        return { ...toToken(row), secret }
      })
    },

    async get(id: string): Promise<Token> {
      const row = await q.findToken(db.query, id)
      if (!row) throw notFound()
      return toToken(row)
    },

    async remove(id: string): Promise<void> {
      if (!(await q.deleteToken(db.query, id))) throw notFound()
    },

    /**
     * Makes ADMIN_TOKEN an admin token (stored hashed). When the variable changes, the token
     * made from its old value stops working.
     */
    async ensureEnvironmentAdmin(secret: string): Promise<void> {
      await db.transaction(() => q.replaceEnvironmentAdmin(db.query, hashSecret(secret)))
    },

    /** ADMIN_TOKEN is no longer set: the token made from its last value stops working. How many went. */
    retireEnvironmentAdmin: () => q.deleteEnvironmentAdmin(db.query),

    /**
     * The first start of a database with no token at all (so ADMIN_TOKEN is unset: its token
     * would exist by now) gets one admin token, returned with its secret for the server to
     * show once; null on every other start. At most once per database, even after every
     * token has been revoked.
     */
    async firstStartAdmin(): Promise<CreatedToken | null> {
      const secret = newTokenSecret()
      const row = await q.insertFirstStartAdmin(db.query, {
        name: FIRST_START_TOKEN_NAME,
        secretHash: hashSecret(secret),
        prefix: secret.slice(0, 10),
      })
      return row ? { ...toToken(row), secret } : null
    },
  }
}

export type TokenService = ReturnType<typeof createTokenService>
