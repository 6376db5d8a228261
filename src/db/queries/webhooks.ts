import type { WebhookSubscription as SubscriptionModel } from '../../generated/prisma/client.js'
import {
  fetchPage,
  timestampValue,
  type CursorCodec,
  type ListMeta,
  type ListSpec,
  type Pagination,
} from '../paging.js'
import { empty, join, sql, timestamp, type Query, type Sql } from '../sql.js'

/** A subscription as listed and shown: never its secrets. */
export type SubscriptionRow = Omit<SubscriptionModel, 'secret' | 'previousSecret'>
/**
 * A subscription as a worker signs with it. `secret` and `previousSecret` are as stored:
 * encrypted (`enc:v1:…`, services/secret-box.ts) or, from before a key was configured, plaintext.
 */
export type SigningRow = Pick<SubscriptionModel, 'id' | 'url' | 'secret' | 'previousSecret' | 'previousSecretUntil'>

const columns = sql`w."id", w."url", w."events", w."description", w."active", w."previous_secret_until" AS "previousSecretUntil",
  w."consecutive_failures" AS "consecutiveFailures", w."disabled_reason" AS "disabledReason", w."version",
  w."created_at" AS "createdAt", w."updated_at" AS "updatedAt"`

export const subscriptionListSpec: ListSpec<SubscriptionRow> = {
  name: 'webhooks',
  sortable: { createdAt: { expr: sql`w."created_at"`, type: 'timestamptz', read: (r) => timestampValue(r.createdAt) } },
  id: { expr: sql`w."id"`, type: 'uuid', read: (r) => r.id },
  defaultSort: 'createdAt',
}

export async function listSubscriptions(
  db: Query,
  page: { pagination: Pagination; codec: CursorCodec },
): Promise<{ rows: SubscriptionRow[]; meta: ListMeta }> {
  return fetchPage<SubscriptionRow>(db, { select: columns, from: sql`"webhook_subscriptions" w`, where: [], ...page })
}

export async function findSubscription(db: Query, id: string): Promise<SubscriptionRow | undefined> {
  return (
    await db<SubscriptionRow>(sql`SELECT ${columns} FROM "webhook_subscriptions" w WHERE w."id" = CAST(${id} AS uuid)`)
  )[0]
}

export async function insertSubscription(
  db: Query,
  s: Pick<SubscriptionModel, 'url' | 'events' | 'description' | 'active' | 'secret'>,
): Promise<SubscriptionRow> {
  const rows = await db<SubscriptionRow>(sql`
    INSERT INTO "webhook_subscriptions" AS w ("url", "events", "description", "active", "secret")
    VALUES (${s.url}, CAST(${s.events} AS text[]), ${s.description}, ${s.active}, ${s.secret})
    RETURNING ${columns}`)
  return rows[0]!
}

export type SubscriptionChanges = Partial<Pick<SubscriptionModel, 'url' | 'events' | 'description' | 'active'>>

/**
 * Applies `changes` if the subscription still has `expected` version, bumping it. Enabling it
 * clears its failure run. Undefined when it does not exist or has another version.
 */
export async function updateSubscription(
  db: Query,
  id: string,
  changes: SubscriptionChanges,
  expected: number | '*',
): Promise<SubscriptionRow | undefined> {
  const set: Sql[] = [sql`"version" = w."version" + 1`, sql`"updated_at" = now()`]
  if (changes.url !== undefined) set.push(sql`"url" = ${changes.url}`)
  if (changes.events !== undefined) set.push(sql`"events" = CAST(${changes.events} AS text[])`)
  if (changes.description !== undefined) set.push(sql`"description" = ${changes.description}`)
  if (changes.active !== undefined) set.push(sql`"active" = ${changes.active}`)
  if (changes.active === true) set.push(sql`"consecutive_failures" = 0`, sql`"disabled_reason" = NULL`)
  const rows = await db<SubscriptionRow>(sql`
    UPDATE "webhook_subscriptions" w SET ${join(set, ', ')}
    WHERE w."id" = CAST(${id} AS uuid) ${expected === '*' ? empty : sql`AND w."version" = ${expected}`}
    RETURNING ${columns}`)
  return rows[0]
}

/**
 * A new signing secret (as stored: encrypted by the service); the current one, as stored, keeps
 * signing too (as a second signature) until `overlapUntil`.
 */
export async function rotateSecret(
  db: Query,
  id: string,
  secret: string,
  overlapUntil: Date,
): Promise<SubscriptionRow | undefined> {
  const rows = await db<SubscriptionRow>(sql`
    UPDATE "webhook_subscriptions" w SET "previous_secret" = w."secret", "secret" = ${secret},
      "previous_secret_until" = ${timestamp(overlapUntil)}, "version" = w."version" + 1, "updated_at" = now()
    WHERE w."id" = CAST(${id} AS uuid)
    RETURNING ${columns}`)
  return rows[0]
}

export async function deleteSubscription(
  db: Query,
  id: string,
  options: { expected?: number | '*' | undefined } = {},
): Promise<number> {
  const { expected } = options
  const rows = await db(sql`
    DELETE FROM "webhook_subscriptions" WHERE "id" = CAST(${id} AS uuid) ${typeof expected === 'number' ? sql`AND "version" = ${expected}` : empty}
    RETURNING 1`)
  return rows.length
}

/** What a worker signs and sends with, for these subscriptions. */
export async function signingDetails(db: Query, ids: string[]): Promise<SigningRow[]> {
  if (ids.length === 0) return []
  return db<SigningRow>(sql`
    SELECT "id", "url", "secret", "previous_secret" AS "previousSecret", "previous_secret_until" AS "previousSecretUntil"
    FROM "webhook_subscriptions" WHERE "id" = ANY (CAST(${ids} AS uuid[]))`)
}

/** A subscription's stored secrets, for the start-up pass that encrypts them under the current key. */
export type StoredSecrets = Pick<SubscriptionModel, 'id' | 'secret' | 'previousSecret'>

/**
 * Up to `limit` subscriptions (by id, after `after`) with a secret not stored under `prefix`
 * (`enc:v1:<current key id>:`): plaintext ones and those under an older key.
 */
export async function secretsNotUnder(
  db: Query,
  prefix: string,
  after: string | null,
  limit: number,
): Promise<StoredSecrets[]> {
  return db<StoredSecrets>(sql`
    SELECT "id", "secret", "previous_secret" AS "previousSecret" FROM "webhook_subscriptions"
    WHERE (NOT starts_with("secret", ${prefix}) OR NOT starts_with("previous_secret", ${prefix}))
      ${after === null ? empty : sql`AND "id" > CAST(${after} AS uuid)`}
    ORDER BY "id" LIMIT ${limit}`)
}

/**
 * Replaces stored secrets in one statement, each only where the column still holds the value it
 * was read with (`from`): two processes running the pass at once, or a rotation in between,
 * cannot overwrite a newer value. The version is not bumped: the secret is the same, only its
 * storage changed. How many rows changed.
 */
export async function replaceStoredSecrets(
  db: Query,
  column: 'secret' | 'previousSecret',
  changes: { id: string; from: string; to: string }[],
): Promise<number> {
  if (changes.length === 0) return 0
  const target = column === 'secret' ? sql`"secret"` : sql`"previous_secret"`
  const rows = await db(sql`
    UPDATE "webhook_subscriptions" w SET ${target} = v."to"
    FROM unnest(CAST(${changes.map((c) => c.id)} AS uuid[]), CAST(${changes.map((c) => c.from)} AS text[]),
      CAST(${changes.map((c) => c.to)} AS text[])) AS v("id", "from", "to")
    WHERE w."id" = v."id" AND w.${target} = v."from"
    RETURNING 1`)
  return rows.length
}

/** A delivered attempt ends a subscription's failure run. */
export async function recordSuccess(db: Query, id: string): Promise<void> {
  await db(
    sql`UPDATE "webhook_subscriptions" SET "consecutive_failures" = 0 WHERE "id" = CAST(${id} AS uuid) AND "consecutive_failures" <> 0`,
  )
}

/**
 * A failed attempt lengthens the subscription's failure run; at `disableAfter` in a row it is
 * disabled (its deliveries wait until an admin enables it again). Whether this disabled it.
 */
export async function recordFailure(db: Query, id: string, disableAfter: number, reason: string): Promise<boolean> {
  const rows = await db<{ disabled: boolean }>(sql`
    UPDATE "webhook_subscriptions" w SET "consecutive_failures" = w."consecutive_failures" + 1,
      "active" = w."active" AND w."consecutive_failures" + 1 < ${disableAfter},
      "disabled_reason" = CASE WHEN w."active" AND w."consecutive_failures" + 1 >= ${disableAfter} THEN ${reason} ELSE w."disabled_reason" END
    WHERE w."id" = CAST(${id} AS uuid)
    RETURNING w."consecutive_failures" = ${disableAfter} AS "disabled"`)
  return rows[0]?.disabled ?? false
}
