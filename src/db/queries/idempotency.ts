import { sql, type Query } from '../sql.js'

export interface StoredResponse {
  status: number
  /** Content type, Location and the resource version (for the ETag), when the response had them. */
  headers: Record<string, string>
  body: string
}

export interface KeyRecord {
  requestHash: string
  response: StoredResponse
}

/**
 * Takes the transaction-scoped lock of one key, so two requests with it cannot run at once;
 * false when another transaction holds it. Released by COMMIT or ROLLBACK, and by Postgres
 * when the connection dies, so a crashed request never leaves its key stuck.
 */
export async function tryLockKey(db: Query, scope: string, key: string): Promise<boolean> {
  const rows = await db<{ locked: boolean }>(
    sql`SELECT pg_try_advisory_xact_lock(hashtextextended(${`${scope}\n${key}`}, 0)) AS "locked"`,
  )
  return rows[0]?.locked === true
}

/** The answered request stored under a key, unless expired. */
export async function findKey(db: Query, scope: string, key: string): Promise<KeyRecord | undefined> {
  const rows = await db<{
    requestHash: string
    status: number
    headers: Record<string, string> | null
    body: string | null
  }>(sql`
    SELECT "request_hash" AS "requestHash", "status", "response_headers" AS "headers", "response_body" AS "body"
    FROM "idempotency_keys"
    WHERE "scope" = ${scope} AND "key" = ${key} AND "expires_at" > now() AND "status" IS NOT NULL`)
  const row = rows[0]
  return (
    row && {
      requestHash: row.requestHash,
      response: { status: row.status, headers: row.headers ?? {}, body: row.body ?? '' },
    }
  )
}

/** Stores the response a key answered, replacing an expired record of the same key. */
export async function storeKey(
  db: Query,
  scope: string,
  key: string,
  requestHash: string,
  response: StoredResponse,
  ttlMs: number,
): Promise<void> {
  await db(sql`
    INSERT INTO "idempotency_keys" ("scope", "key", "request_hash", "status", "response_headers", "response_body", "expires_at")
    VALUES (${scope}, ${key}, ${requestHash}, ${response.status}, CAST(${JSON.stringify(response.headers)} AS jsonb), ${response.body},
            now() + CAST(${`${ttlMs} milliseconds`} AS interval))
    ON CONFLICT ("scope", "key") DO UPDATE SET
      "request_hash" = EXCLUDED."request_hash", "status" = EXCLUDED."status", "response_headers" = EXCLUDED."response_headers",
      "response_body" = EXCLUDED."response_body", "created_at" = now(), "expires_at" = EXCLUDED."expires_at"`)
}

/** Deletes expired records; how many went. */
export async function deleteExpiredKeys(db: Query): Promise<number> {
  return (await db(sql`DELETE FROM "idempotency_keys" WHERE "expires_at" < now() RETURNING 1`)).length
}
