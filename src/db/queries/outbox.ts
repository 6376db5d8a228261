import type { Delivery as DeliveryModel, OutboxEvent as EventModel } from '../../generated/prisma/client.js'
import {
  fetchPage,
  timestampValue,
  type CursorCodec,
  type ListMeta,
  type ListSpec,
  type Pagination,
} from '../paging.js'
import { join, sql, timestamp, type Query, type Sql } from '../sql.js'
import { outboxEvent } from './events.js'

/**
 * The outbox and its deliveries. Events are written by the changes themselves, through the one
 * outbox writer (queries/events.ts, used by queries/articles, authors, comments and the ping
 * here); these statements fan them out into deliveries (one per matching webhook
 * subscription, one per CDN for a purge) and hand deliveries to workers: a lease per claim, so
 * several processes share the queue without sending a delivery twice at once.
 */

/** The advisory lock key of fan-out (any constant no other lock uses). */
const FAN_OUT_LOCK = 72_707_371

type EventRow = Pick<EventModel, 'id' | 'type' | 'articleId'> & {
  position: string
  data: Record<string, unknown>
}

/**
 * Up to `limit` events not yet fanned out, oldest first, for this transaction. Fan-out is one
 * process at a time (a transaction-scoped advisory lock; the others wait, then find what is
 * left): were two to fan out disjoint batches at once, a later event of an article could get
 * its deliveries committed, and sent, before an earlier one.
 */
export async function lockUndispatched(
  db: Query,
  limit: number,
): Promise<(EventRow & { subscriptionId: string | null })[]> {
  await db(sql`SELECT pg_advisory_xact_lock(${FAN_OUT_LOCK})`)
  return db(sql`
    SELECT "id", "type", "article_id" AS "articleId", "data", "position"::text AS "position", "subscription_id" AS "subscriptionId"
    FROM "outbox_events" WHERE "dispatched_at" IS NULL
    ORDER BY "position" LIMIT ${limit} FOR UPDATE SKIP LOCKED`)
}

/**
 * One delivery per event and webhook subscription that wants it (its `events` name the type, or
 * `*`; a ping names its one subscription). An inactive subscription gets its
 * deliveries too: they wait until it is enabled again (within the retry window).
 */
export async function insertWebhookDeliveries(db: Query, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return
  await db(sql`
    INSERT INTO "deliveries" ("event_id", "subscription_id", "article_id", "position")
    SELECT e."id", s."id", e."article_id", e."position"
    FROM "outbox_events" e JOIN "webhook_subscriptions" s
      ON CASE WHEN e."subscription_id" IS NOT NULL THEN s."id" = e."subscription_id"
              ELSE e."type" = ANY (s."events") OR '*' = ANY (s."events") END
    WHERE e."id" = ANY (CAST(${eventIds} AS uuid[]))`)
}

/** Purge deliveries: one per (event, CDN) with the keys it names. */
export async function insertPurgeDeliveries(
  db: Query,
  purges: { eventId: string; articleId: string | null; position: string; cdn: string; keys: string[] }[],
): Promise<void> {
  if (purges.length === 0) return
  await db(sql`
    INSERT INTO "deliveries" ("event_id", "cdn", "purge_keys", "article_id", "position")
    VALUES ${join(
      purges.map(
        (p) =>
          sql`(CAST(${p.eventId} AS uuid), ${p.cdn}, CAST(${p.keys} AS text[]), CAST(${p.articleId} AS uuid), CAST(${p.position} AS bigint))`,
      ),
      ', ',
    )}`)
}

export async function markDispatched(db: Query, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return
  await db(sql`UPDATE "outbox_events" SET "dispatched_at" = now() WHERE "id" = ANY (CAST(${eventIds} AS uuid[]))`)
}

/**
 * The events not fanned out yet (the metrics' outbox lag): how many, and how long the oldest
 * has waited, in seconds by the database's clock (0 when none; never below 0, though
 * `created_at` is rounded to the millisecond).
 */
export async function dispatchBacklog(db: Query): Promise<{ events: number; oldestSeconds: number }> {
  const rows = await db<{ events: number; oldestSeconds: number }>(sql`
    SELECT CAST(count(*) AS int) AS "events",
      CAST(GREATEST(EXTRACT(EPOCH FROM now() - min("created_at")), 0) AS float8) AS "oldestSeconds"
    FROM "outbox_events" WHERE "dispatched_at" IS NULL`)
  // An aggregate without GROUP BY: always one row.
  return rows[0]!
}

/** A delivery as a worker takes it: the event with it, and the attempt it is on. */
export type ClaimedDelivery = Pick<
  DeliveryModel,
  'id' | 'subscriptionId' | 'cdn' | 'purgeKeys' | 'attempts' | 'createdAt'
> & {
  event: { id: string; type: string; data: Record<string, unknown>; createdAt: Date }
}

/**
 * Takes up to `limit` due deliveries for one attempt each: a lease of `leaseMs` (a worker that
 * dies leaves them to another after it), attempts counted. Deliveries of one webhook
 * subscription for one article go in event order: one waits while an earlier one is pending
 * (in flight or backing off). Inactive subscriptions' deliveries wait until it is enabled.
 *
 * No target holds more than `perTarget` attempts in flight (leased, in any process): a webhook
 * subscription counts its leased deliveries, a CDN its purge requests (the purges one claim
 * takes for a CDN go out as one request, so they share one lease start). A receiver that never
 * answers then holds at most that many of the workers' slots, and the rest keep flowing.
 * Concurrent claims count what was committed before them, so two processes claiming at the
 * same moment may together go past the cap by what each took.
 *
 * Candidates are locked (SKIP LOCKED) in an inner query and ranked per subscription in an outer
 * one: Postgres does not allow FOR UPDATE beside window functions. Targets already at their
 * cap are left out before the LIMIT, so their backlog never crowds out everyone else's.
 */
export async function claimDue(
  db: Query,
  limit: number,
  leaseMs: number,
  perTarget: number,
): Promise<ClaimedDelivery[]> {
  const rows = await db<{
    id: string
    subscriptionId: string | null
    cdn: string | null
    purgeKeys: string[]
    attempts: number
    createdAt: Date
    eventId: string
    type: string
    data: Record<string, unknown>
    eventCreatedAt: Date
  }>(sql`
    WITH "busy" AS (
      SELECT f."subscription_id", f."cdn", count(*) AS "deliveries", count(DISTINCT f."last_attempt_at") AS "requests"
      FROM "deliveries" f
      WHERE f."status" = 'pending' AND f."locked_until" > now()
      GROUP BY f."subscription_id", f."cdn")
    UPDATE "deliveries" d
    SET "locked_until" = now() + CAST(${`${leaseMs} milliseconds`} AS interval), "attempts" = d."attempts" + 1, "last_attempt_at" = now()
    FROM "outbox_events" ev
    WHERE ev."id" = d."event_id" AND d."id" IN (
      SELECT r."id" FROM (
        SELECT l."id", l."subscription_id", l."busy",
          row_number() OVER (PARTITION BY l."subscription_id" ORDER BY l."position") AS "rank"
        FROM (
          SELECT c."id", c."subscription_id", c."position", COALESCE(b."deliveries", 0) AS "busy"
          FROM "deliveries" c
            LEFT JOIN "webhook_subscriptions" s ON s."id" = c."subscription_id"
            LEFT JOIN "busy" b ON b."subscription_id" IS NOT DISTINCT FROM c."subscription_id" AND b."cdn" IS NOT DISTINCT FROM c."cdn"
          WHERE c."status" = 'pending' AND c."next_attempt_at" <= now() AND (c."locked_until" IS NULL OR c."locked_until" < now())
            AND (c."subscription_id" IS NULL OR (s."active" AND NOT EXISTS (
              SELECT 1 FROM "deliveries" e
              WHERE e."subscription_id" = c."subscription_id" AND e."article_id" = c."article_id"
                AND e."position" < c."position" AND e."status" = 'pending')))
            AND COALESCE(CASE WHEN c."subscription_id" IS NULL THEN b."requests" ELSE b."deliveries" END, 0) < ${perTarget}
          ORDER BY c."position" LIMIT ${limit}
          FOR UPDATE OF c SKIP LOCKED) l) r
      -- A subscription gets what is left of its cap, oldest first; a CDN's purges are one request.
      WHERE r."subscription_id" IS NULL OR r."busy" + r."rank" <= ${perTarget})
    RETURNING d."id", d."subscription_id" AS "subscriptionId", d."cdn", d."purge_keys" AS "purgeKeys", d."attempts",
              d."created_at" AS "createdAt", ev."id" AS "eventId", ev."type", ev."data", ev."created_at" AS "eventCreatedAt"`)
  return rows.map(({ eventId, type, data, eventCreatedAt, ...d }) => ({
    ...d,
    event: { id: eventId, type, data, createdAt: eventCreatedAt },
  }))
}

/** What one attempt came to, as the delivery log shows it. */
export interface Attempt {
  responseStatus: number | null
  responseBody: string | null
  error: string | null
  latencyMs: number | null
}

export async function markDelivered(db: Query, ids: string[], attempt: Attempt): Promise<void> {
  await db(sql`
    UPDATE "deliveries" SET "status" = 'delivered', "delivered_at" = now(), "locked_until" = NULL,
      "response_status" = ${attempt.responseStatus}, "response_body" = ${attempt.responseBody}, "error" = NULL,
      "latency_ms" = ${attempt.latencyMs}
    WHERE "id" = ANY (CAST(${ids} AS uuid[]))`)
}

/** A failed attempt: tried again at `retryAt`, or given up (failed) without one. */
export async function markFailed(
  db: Query,
  ids: string[],
  attempt: Attempt,
  options: { retryAt?: Date | undefined } = {},
): Promise<void> {
  const next = options.retryAt
  await db(sql`
    UPDATE "deliveries" SET "status" = ${next ? sql`'pending'` : sql`'failed'`}, "locked_until" = NULL,
      "next_attempt_at" = ${next ? sql`CAST(${timestamp(next)} AS timestamptz)` : sql`"next_attempt_at"`},
      "response_status" = ${attempt.responseStatus}, "response_body" = ${attempt.responseBody}, "error" = ${attempt.error},
      "latency_ms" = ${attempt.latencyMs}
    WHERE "id" = ANY (CAST(${ids} AS uuid[]))`)
}

/** A delivery as the log lists it. */
export type DeliveryRow = Pick<
  DeliveryModel,
  | 'id'
  | 'subscriptionId'
  | 'cdn'
  | 'purgeKeys'
  | 'status'
  | 'attempts'
  | 'nextAttemptAt'
  | 'lastAttemptAt'
  | 'responseStatus'
  | 'responseBody'
  | 'error'
  | 'latencyMs'
  | 'createdAt'
  | 'deliveredAt'
> & { eventId: string; eventType: string; articleId: string | null; sequence: number | null }

const deliveryColumns = sql`d."id", d."subscription_id" AS "subscriptionId", d."cdn", d."purge_keys" AS "purgeKeys",
  d."status"::text AS "status", d."attempts", d."next_attempt_at" AS "nextAttemptAt", d."last_attempt_at" AS "lastAttemptAt",
  d."response_status" AS "responseStatus", d."response_body" AS "responseBody", d."error", d."latency_ms" AS "latencyMs",
  d."created_at" AS "createdAt", d."delivered_at" AS "deliveredAt", ev."id" AS "eventId", ev."type" AS "eventType",
  ev."article_id" AS "articleId", ev."sequence"`

export const deliveryListSpec: ListSpec<DeliveryRow> = {
  name: 'deliveries',
  sortable: { createdAt: { expr: sql`d."created_at"`, type: 'timestamptz', read: (r) => timestampValue(r.createdAt) } },
  id: { expr: sql`d."id"`, type: 'uuid', read: (r) => r.id },
  defaultSort: '-createdAt',
}

/** A page of one subscription's deliveries, or of one CDN's (or every CDN's) purges. */
export async function listDeliveries(
  db: Query,
  target: { subscriptionId: string } | { cdn: string | undefined },
  filters: { status?: DeliveryModel['status'] },
  page: { pagination: Pagination; codec: CursorCodec },
): Promise<{ rows: DeliveryRow[]; meta: ListMeta }> {
  const where: Sql[] = [
    'subscriptionId' in target
      ? sql`d."subscription_id" = CAST(${target.subscriptionId} AS uuid)`
      : target.cdn === undefined
        ? sql`d."cdn" IS NOT NULL`
        : sql`d."cdn" = ${target.cdn}`,
  ]
  if (filters.status !== undefined) where.push(sql`d."status" = CAST(${filters.status} AS "DeliveryStatus")`)
  return fetchPage<DeliveryRow>(db, {
    select: deliveryColumns,
    from: sql`"deliveries" d JOIN "outbox_events" ev ON ev."id" = d."event_id"`,
    countFrom: sql`"deliveries" d`,
    where,
    ...page,
  })
}

/**
 * A new delivery of an event already delivered or failed (redeliver): due now, attempts from
 * zero. Not while the event is still pending for that subscription (it would go out twice at
 * once): undefined then, as for an unknown delivery; `found` tells the two apart.
 *
 * One statement, atomic across connections and processes. A plain `NOT EXISTS` is not: two
 * statements that start together both read a snapshot without the other's copy, and a lock
 * taken later in the same statement does not refresh that snapshot. What does see a concurrent
 * commit is an UPDATE meeting a row that another transaction changed: Postgres waits for it,
 * then evaluates the WHERE clause again on the row's new version (READ COMMITTED). So each
 * redelivery, under the event row's lock (redeliveries of one event take turns, and no two
 * lock the deliveries below in different orders), touches every delivery of the event for the
 * subscription, on condition that the row is still the version its snapshot read (`xmin`, the
 * transaction that wrote it); it copies only if it touched them all. A redelivery that waited
 * for another finds the rows rewritten by it: it touches none and answers "still pending".
 */
export async function insertRedelivery(
  db: Query,
  subscriptionId: string,
  deliveryId: string,
): Promise<{ id?: string; found: boolean }> {
  const rows = await db<{ id: string | null }>(sql`
    WITH "original" AS (
      SELECT d."event_id", d."subscription_id", d."article_id", d."position" FROM "deliveries" d
      WHERE d."id" = CAST(${deliveryId} AS uuid) AND d."subscription_id" = CAST(${subscriptionId} AS uuid)),
    "seen" AS (
      SELECT p."id", p."xmin" AS "version", p."status" = 'pending' AS "pending"
      FROM "deliveries" p JOIN "original" o ON p."event_id" = o."event_id" AND p."subscription_id" = o."subscription_id"),
    "turn" AS (
      SELECT e."id" FROM "outbox_events" e JOIN "original" o ON e."id" = o."event_id"
      WHERE NOT EXISTS (SELECT 1 FROM "seen" WHERE "pending")
      FOR NO KEY UPDATE OF e),
    "touched" AS (
      -- They are settled, so not leased: the value written is the one they have.
      UPDATE "deliveries" t SET "locked_until" = NULL FROM "seen" s, "turn"
      WHERE t."id" = s."id" AND t."xmin" = s."version"
      RETURNING t."id"),
    "copy" AS (
      INSERT INTO "deliveries" ("event_id", "subscription_id", "article_id", "position")
      SELECT o."event_id", o."subscription_id", o."article_id", o."position" FROM "original" o
      WHERE EXISTS (SELECT 1 FROM "turn") AND (SELECT count(*) FROM "touched") = (SELECT count(*) FROM "seen")
      RETURNING "id")
    SELECT (SELECT "id" FROM "copy") AS "id" FROM "original"`)
  return rows.length === 0 ? { found: false } : { found: true, ...(rows[0]!.id ? { id: rows[0]!.id } : {}) }
}

/**
 * A ping: a `webhook.ping` event for one subscription, fanned out at once (one delivery, due
 * now); the delivery's id.
 */
export async function insertPing(db: Query, ping: { subscriptionId: string; message: string }): Promise<string> {
  const rows = await db<{ id: string }>(sql`
    WITH ${outboxEvent({
      type: 'webhook.ping',
      subscriptionId: ping.subscriptionId,
      data: { webhookId: sql`CAST(${ping.subscriptionId} AS uuid)`, message: sql`CAST(${ping.message} AS text)` },
      returning: sql`"id", "position"`,
    })}
    INSERT INTO "deliveries" ("event_id", "subscription_id", "position")
    SELECT e."id", CAST(${ping.subscriptionId} AS uuid), e."position" FROM "event" e
    RETURNING "id"`)
  return rows[0]!.id
}

/** Events older than `before` whose deliveries are all settled (delivered or failed): housekeeping; how many went. */
export async function pruneEvents(db: Query, before: Date): Promise<number> {
  const rows = await db(sql`
    DELETE FROM "outbox_events" e
    WHERE e."created_at" < ${timestamp(before)} AND e."dispatched_at" IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM "deliveries" d WHERE d."event_id" = e."id" AND d."status" = 'pending')
    RETURNING 1`)
  return rows.length
}
