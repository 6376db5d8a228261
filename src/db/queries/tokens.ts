import type { ApiToken as TokenModel } from '../../generated/prisma/client.js'
import { sql, type Query } from '../sql.js'

/** A token as listed: never its secret hash. */
export type TokenRow = Pick<TokenModel, 'id' | 'name' | 'role' | 'authorId' | 'prefix' | 'createdAt' | 'lastUsedAt'>

const columns = sql`"id", "name", "role"::text AS "role", "author_id" AS "authorId", "prefix", "created_at" AS "createdAt",
  "last_used_at" AS "lastUsedAt"`

/** The token with this secret hash, for authentication (hash included, to compare in constant time). */
export async function findTokenByHash(
  db: Query,
  secretHash: string,
): Promise<(TokenRow & { secretHash: string }) | undefined> {
  const rows = await db<TokenRow & { secretHash: string }>(
    sql`SELECT ${columns}, "secret_hash" AS "secretHash" FROM "api_tokens" WHERE "secret_hash" = ${secretHash}`,
  )
  return rows[0]
}

export async function touchToken(db: Query, id: string): Promise<void> {
  await db(sql`UPDATE "api_tokens" SET "last_used_at" = now() WHERE "id" = CAST(${id} AS uuid)`)
}

export async function listTokens(db: Query): Promise<TokenRow[]> {
  return db<TokenRow>(sql`SELECT ${columns} FROM "api_tokens" ORDER BY "created_at", "id"`)
}

export async function findToken(db: Query, id: string): Promise<TokenRow | undefined> {
  return (await db<TokenRow>(sql`SELECT ${columns} FROM "api_tokens" WHERE "id" = CAST(${id} AS uuid)`))[0]
}

export async function insertToken(
  db: Query,
  t: Pick<TokenModel, 'name' | 'role' | 'authorId' | 'secretHash' | 'prefix'>,
): Promise<TokenRow> {
  const rows = await db<TokenRow>(sql`
    INSERT INTO "api_tokens" ("name", "role", "author_id", "secret_hash", "prefix")
    VALUES (${t.name}, CAST(${t.role} AS "Role"), CAST(${t.authorId} AS uuid), ${t.secretHash}, ${t.prefix})
    RETURNING ${columns}`)
  return rows[0]!
}

/** Revokes a token; whether it existed. */
export async function deleteToken(db: Query, id: string): Promise<boolean> {
  return (await db(sql`DELETE FROM "api_tokens" WHERE "id" = CAST(${id} AS uuid) RETURNING "id"`)).length > 0
}

/** Revokes the token made from ADMIN_TOKEN (it is no longer set); how many went. */
export async function deleteEnvironmentAdmin(db: Query): Promise<number> {
  return (await db(sql`DELETE FROM "api_tokens" WHERE "from_environment" RETURNING "id"`)).length
}

/**
 * Makes the secret with this hash the environment's admin token, and revokes the one made
 * from an earlier value of ADMIN_TOKEN.
 */
export async function replaceEnvironmentAdmin(db: Query, secretHash: string): Promise<void> {
  await db(sql`DELETE FROM "api_tokens" WHERE "from_environment" AND "secret_hash" <> ${secretHash}`)
  await db(sql`
    INSERT INTO "api_tokens" ("name", "role", "secret_hash", "prefix", "from_environment")
    VALUES ('ADMIN_TOKEN (environment)', 'admin', ${secretHash}, '(env)', TRUE)
    ON CONFLICT ("secret_hash") DO UPDATE SET "role" = 'admin', "author_id" = NULL, "from_environment" = TRUE`)
}

/** The settings row that records a database's first-start token: claimed once, never freed. */
const FIRST_START_KEY = 'first-start-admin-token'

/**
 * On the first server start of a database, makes an admin token with this hash when there is
 * no token at all; undefined otherwise. One statement: the settings row is claimed whether or
 * not a token is made, so this happens at most once per database (not again after every token
 * is revoked, nor after an ADMIN_TOKEN start), and of several processes starting at once on
 * an empty Postgres database only the one whose claim wins makes the token.
 */
export async function insertFirstStartAdmin(
  db: Query,
  t: Pick<TokenModel, 'name' | 'secretHash' | 'prefix'>,
): Promise<TokenRow | undefined> {
  const rows = await db<TokenRow>(sql`
    WITH "claim" AS (
      INSERT INTO "settings" ("key", "value") VALUES (${FIRST_START_KEY}, now()::text)
      ON CONFLICT ("key") DO NOTHING
      RETURNING "key"
    )
    INSERT INTO "api_tokens" ("name", "role", "secret_hash", "prefix")
    SELECT ${t.name}, 'admin', ${t.secretHash}, ${t.prefix} FROM "claim"
    WHERE NOT EXISTS (SELECT 1 FROM "api_tokens")
    RETURNING ${columns}`)
  return rows[0]
}
