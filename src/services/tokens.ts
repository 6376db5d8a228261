import { hashSecret, newTokenSecret, sameHash, type Principal, type Role } from '../auth.js'
import { Problems } from '../errors.js'
import type { PrismaClient } from '../generated/prisma/client.js'
import { sql, type Query } from './list.js'
import type { CreateToken, CreatedToken, Token } from '../schemas/token.js'

const tokenSelect = {
  id: true,
  name: true,
  role: true,
  authorId: true,
  prefix: true,
  createdAt: true,
  lastUsedAt: true,
} as const

type TokenRow = { id: string; name: string; role: Token['role']; authorId: string | null; prefix: string; createdAt: Date; lastUsedAt: Date | null }

function toToken(row: TokenRow): Token {
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

export function createTokenService(prisma: PrismaClient, run: Query) {
  return {
    /**
     * The principal for a bearer secret, or null when no token has it. Looked up on every
     * request, so revoking a token takes effect on the next one.
     */
    async authenticate(secret: string): Promise<Principal | null> {
      const hash = hashSecret(secret)
      // On every token request: straight on the driver (Prisma's runtime would double its cost).
      const [row] = await run<{ id: string; role: Role; authorId: string | null; secretHash: string; lastUsedAt: Date | null }>(sql`
        SELECT "id", "role"::text AS "role", "author_id" AS "authorId", "secret_hash" AS "secretHash", "last_used_at" AS "lastUsedAt"
        FROM "api_tokens" WHERE "secret_hash" = ${hash}`)
      if (!row || !sameHash(row.secretHash, hash)) return null
      if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
        // Best effort and at most once a minute per token: never worth failing a request for.
        prisma.apiToken.updateMany({ where: { id: row.id }, data: { lastUsedAt: new Date() } }).catch(() => {})
      }
      return { kind: 'token', tokenId: row.id, role: row.role, authorId: row.authorId }
    },

    async list(): Promise<Token[]> {
      const rows = await prisma.apiToken.findMany({ select: tokenSelect, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })
      return rows.map(toToken)
    },

    /** Creates a token; the secret exists only in the return value. */
    async create(input: CreateToken): Promise<CreatedToken> {
      if (input.role === 'author' && !input.authorId) {
        throw Problems.validation([{ path: '/body/authorId', message: 'is required for role author' }])
      }
      if (input.role !== 'author' && input.authorId) {
        throw Problems.validation([{ path: '/body/authorId', message: 'is only allowed for role author' }])
      }
      if (input.authorId && !(await prisma.author.findUnique({ where: { id: input.authorId }, select: { id: true } }))) {
        throw Problems.validation([{ path: '/body/authorId', message: 'no author has this id' }])
      }
      const secret = newTokenSecret()
      const row = await prisma.apiToken.create({
        data: {
          name: input.name,
          role: input.role,
          authorId: input.authorId ?? null,
          secretHash: hashSecret(secret),
          prefix: secret.slice(0, 10),
        },
        select: tokenSelect,
      })
      return { ...toToken(row), secret }
    },

    async get(id: string): Promise<Token> {
      const row = await prisma.apiToken.findUnique({ where: { id }, select: tokenSelect })
      if (!row) throw Problems.notFound('No token has this id.')
      return toToken(row)
    },

    async remove(id: string): Promise<void> {
      const { count } = await prisma.apiToken.deleteMany({ where: { id } })
      if (count === 0) throw Problems.notFound('No token has this id.')
    },

    /**
     * Makes ADMIN_TOKEN an admin token (stored hashed). When the variable changes, the token
     * made from its old value stops working.
     */
    async ensureEnvironmentAdmin(secret: string): Promise<void> {
      const secretHash = hashSecret(secret)
      await prisma.$transaction([
        prisma.apiToken.deleteMany({ where: { fromEnvironment: true, secretHash: { not: secretHash } } }),
        prisma.apiToken.upsert({
          where: { secretHash },
          create: { name: 'ADMIN_TOKEN (environment)', role: 'admin', secretHash, prefix: '(env)', fromEnvironment: true },
          update: { role: 'admin', authorId: null, fromEnvironment: true },
        }),
      ])
    },
  }
}

export type TokenService = ReturnType<typeof createTokenService>
