-- The SQL of src/db/queries/outbox.ts: every statement its functions send, for the examples
-- in scripts/sync-sql.ts, as the driver receives it ($n are parameters, listed after each).
-- Generated: do not edit. Regenerate with `npm run sql:sync`; test/unit/sql-snapshots.test.ts
-- fails while this file differs from what the code sends.

-- outbox.lockUndispatched (a batch), statement 1 of 2
SELECT pg_advisory_xact_lock($1)
-- $1 = 72707371

-- outbox.lockUndispatched (a batch), statement 2 of 2
SELECT "id", "type", "article_id" AS "articleId", "data", "position"::text AS "position", "subscription_id" AS "subscriptionId"
FROM "outbox_events" WHERE "dispatched_at" IS NULL
ORDER BY "position" LIMIT $1 FOR UPDATE SKIP LOCKED
-- $1 = 100

-- outbox.insertWebhookDeliveries (two events)
INSERT INTO "deliveries" ("event_id", "subscription_id", "article_id", "position")
SELECT e."id", s."id", e."article_id", e."position"
FROM "outbox_events" e JOIN "webhook_subscriptions" s
ON CASE WHEN e."subscription_id" IS NOT NULL THEN s."id" = e."subscription_id"
ELSE e."type" = ANY (s."events") OR '*' = ANY (s."events") END
WHERE e."id" = ANY (CAST($1 AS uuid[]))
-- $1 = ["e7e7e7e7-0000-4000-8000-000000000001","e7e7e7e7-0000-4000-8000-000000000002"]

-- outbox.insertPurgeDeliveries (one event, two CDNs)
INSERT INTO "deliveries" ("event_id", "cdn", "purge_keys", "article_id", "position")
VALUES (CAST($1 AS uuid), $2, CAST($3 AS text[]), CAST($4 AS uuid), CAST($5 AS bigint)), (CAST($6 AS uuid), $7, CAST($8 AS text[]), CAST($9 AS uuid), CAST($10 AS bigint))
-- $1 = "e7e7e7e7-0000-4000-8000-000000000001"
-- $2 = "varnish"
-- $3 = ["articles","article:0b7e2c1a-0000-4000-8000-000000000001"]
-- $4 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $5 = "41"
-- $6 = "e7e7e7e7-0000-4000-8000-000000000001"
-- $7 = "fastly"
-- $8 = ["articles","article:0b7e2c1a-0000-4000-8000-000000000001"]
-- $9 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $10 = "41"

-- outbox.markDispatched (two events)
UPDATE "outbox_events" SET "dispatched_at" = now() WHERE "id" = ANY (CAST($1 AS uuid[]))
-- $1 = ["e7e7e7e7-0000-4000-8000-000000000001","e7e7e7e7-0000-4000-8000-000000000002"]

-- outbox.dispatchBacklog (metrics scrape)
SELECT CAST(count(*) AS int) AS "events",
CAST(GREATEST(EXTRACT(EPOCH FROM now() - min("created_at")), 0) AS float8) AS "oldestSeconds"
FROM "outbox_events" WHERE "dispatched_at" IS NULL

-- outbox.claimDue (free slots, a lease, a cap per target)
WITH "busy" AS (
  SELECT f."subscription_id", f."cdn", count(*) AS "deliveries", count(DISTINCT f."last_attempt_at") AS "requests"
  FROM "deliveries" f
  WHERE f."status" = 'pending' AND f."locked_until" > now()
  GROUP BY f."subscription_id", f."cdn")
UPDATE "deliveries" d
SET "locked_until" = now() + CAST($1 AS interval), "attempts" = d."attempts" + 1, "last_attempt_at" = now()
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
      AND COALESCE(CASE WHEN c."subscription_id" IS NULL THEN b."requests" ELSE b."deliveries" END, 0) < $2
      ORDER BY c."position" LIMIT $3
      FOR UPDATE OF c SKIP LOCKED) l) r
  -- A subscription gets what is left of its cap, oldest first; a CDN's purges are one request.
  WHERE r."subscription_id" IS NULL OR r."busy" + r."rank" <= $4)
RETURNING d."id", d."subscription_id" AS "subscriptionId", d."cdn", d."purge_keys" AS "purgeKeys", d."attempts",
d."created_at" AS "createdAt", ev."id" AS "eventId", ev."type", ev."data", ev."created_at" AS "eventCreatedAt"
-- $1 = "30000 milliseconds"
-- $2 = 4
-- $3 = 8
-- $4 = 4

-- outbox.markDelivered (one attempt)
UPDATE "deliveries" SET "status" = 'delivered', "delivered_at" = now(), "locked_until" = NULL,
"response_status" = $1, "response_body" = $2, "error" = NULL,
"latency_ms" = $3
WHERE "id" = ANY (CAST($4 AS uuid[]))
-- $1 = 204
-- $2 = ""
-- $3 = 87
-- $4 = ["d1d1d1d1-0000-4000-8000-000000000001"]

-- outbox.markFailed (tried again later)
UPDATE "deliveries" SET "status" = 'pending', "locked_until" = NULL,
"next_attempt_at" = CAST($1 AS timestamptz),
"response_status" = $2, "response_body" = $3, "error" = $4,
"latency_ms" = $5
WHERE "id" = ANY (CAST($6 AS uuid[]))
-- $1 = "2026-01-02T09:30:00.000Z"
-- $2 = 503
-- $3 = "busy"
-- $4 = null
-- $5 = 120
-- $6 = ["d1d1d1d1-0000-4000-8000-000000000001"]

-- outbox.markFailed (given up)
UPDATE "deliveries" SET "status" = 'failed', "locked_until" = NULL,
"next_attempt_at" = "next_attempt_at",
"response_status" = $1, "response_body" = $2, "error" = $3,
"latency_ms" = $4
WHERE "id" = ANY (CAST($5 AS uuid[]))
-- $1 = null
-- $2 = null
-- $3 = "timeout"
-- $4 = 10000
-- $5 = ["d1d1d1d1-0000-4000-8000-000000000001","d1d1d1d1-0000-4000-8000-000000000002"]

-- outbox.listDeliveries (a subscription)
SELECT d."id", d."subscription_id" AS "subscriptionId", d."cdn", d."purge_keys" AS "purgeKeys",
d."status"::text AS "status", d."attempts", d."next_attempt_at" AS "nextAttemptAt", d."last_attempt_at" AS "lastAttemptAt",
d."response_status" AS "responseStatus", d."response_body" AS "responseBody", d."error", d."latency_ms" AS "latencyMs",
d."created_at" AS "createdAt", d."delivered_at" AS "deliveredAt", ev."id" AS "eventId", ev."type" AS "eventType",
ev."article_id" AS "articleId", ev."sequence", CAST((SELECT count(*) FROM "deliveries" d WHERE d."subscription_id" = CAST($1 AS uuid)) AS int) AS "__total" FROM "deliveries" d JOIN "outbox_events" ev ON ev."id" = d."event_id"
WHERE d."subscription_id" = CAST($2 AS uuid)
ORDER BY d."created_at" DESC, d."id" DESC
LIMIT $3 OFFSET $4
-- $1 = "5ab5cab5-0000-4000-8000-000000000001"
-- $2 = "5ab5cab5-0000-4000-8000-000000000001"
-- $3 = 21
-- $4 = 0

-- outbox.listDeliveries (one CDN, failed ones)
SELECT d."id", d."subscription_id" AS "subscriptionId", d."cdn", d."purge_keys" AS "purgeKeys",
d."status"::text AS "status", d."attempts", d."next_attempt_at" AS "nextAttemptAt", d."last_attempt_at" AS "lastAttemptAt",
d."response_status" AS "responseStatus", d."response_body" AS "responseBody", d."error", d."latency_ms" AS "latencyMs",
d."created_at" AS "createdAt", d."delivered_at" AS "deliveredAt", ev."id" AS "eventId", ev."type" AS "eventType",
ev."article_id" AS "articleId", ev."sequence", CAST((SELECT count(*) FROM "deliveries" d WHERE d."cdn" = $1 AND d."status" = CAST($2 AS "DeliveryStatus")) AS int) AS "__total" FROM "deliveries" d JOIN "outbox_events" ev ON ev."id" = d."event_id"
WHERE d."cdn" = $3 AND d."status" = CAST($4 AS "DeliveryStatus")
ORDER BY d."created_at" DESC, d."id" DESC
LIMIT $5 OFFSET $6
-- $1 = "fastly"
-- $2 = "failed"
-- $3 = "fastly"
-- $4 = "failed"
-- $5 = 21
-- $6 = 0

-- outbox.listDeliveries (every CDN, next page by cursor)
SELECT d."id", d."subscription_id" AS "subscriptionId", d."cdn", d."purge_keys" AS "purgeKeys",
d."status"::text AS "status", d."attempts", d."next_attempt_at" AS "nextAttemptAt", d."last_attempt_at" AS "lastAttemptAt",
d."response_status" AS "responseStatus", d."response_body" AS "responseBody", d."error", d."latency_ms" AS "latencyMs",
d."created_at" AS "createdAt", d."delivered_at" AS "deliveredAt", ev."id" AS "eventId", ev."type" AS "eventType",
ev."article_id" AS "articleId", ev."sequence", CAST((SELECT count(*) FROM "deliveries" d WHERE d."cdn" IS NOT NULL) AS int) AS "__total" FROM "deliveries" d JOIN "outbox_events" ev ON ev."id" = d."event_id"
WHERE d."cdn" IS NOT NULL AND (d."created_at", d."id") < (CAST($1 AS timestamptz), CAST($2 AS uuid))
ORDER BY d."created_at" DESC, d."id" DESC
LIMIT $3 OFFSET $4
-- $1 = "2025-12-31T12:00:00.000Z"
-- $2 = "d1d1d1d1-0000-4000-8000-000000000001"
-- $3 = 21
-- $4 = 0

-- outbox.insertRedelivery (a settled delivery)
WITH "original" AS (
  SELECT d."event_id", d."subscription_id", d."article_id", d."position" FROM "deliveries" d
  WHERE d."id" = CAST($1 AS uuid) AND d."subscription_id" = CAST($2 AS uuid)),
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
SELECT (SELECT "id" FROM "copy") AS "id" FROM "original"
-- $1 = "d1d1d1d1-0000-4000-8000-000000000001"
-- $2 = "5ab5cab5-0000-4000-8000-000000000001"

-- outbox.insertPing (one subscription)
WITH "event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $1, NULL::uuid, NULL::int, CAST($2 AS uuid), now(),
  jsonb_build_object(
    'webhookId', CAST($3 AS uuid),
    'message', CAST($4 AS text))
  RETURNING "id", "position")
INSERT INTO "deliveries" ("event_id", "subscription_id", "position")
SELECT e."id", CAST($5 AS uuid), e."position" FROM "event" e
RETURNING "id"
-- $1 = "webhook.ping"
-- $2 = "5ab5cab5-0000-4000-8000-000000000001"
-- $3 = "5ab5cab5-0000-4000-8000-000000000001"
-- $4 = "Ping from Broadsheet"
-- $5 = "5ab5cab5-0000-4000-8000-000000000001"

-- outbox.pruneEvents (settled events before a moment)
DELETE FROM "outbox_events" e
WHERE e."created_at" < $1 AND e."dispatched_at" IS NOT NULL
AND NOT EXISTS (SELECT 1 FROM "deliveries" d WHERE d."event_id" = e."id" AND d."status" = 'pending')
RETURNING 1
-- $1 = "2025-12-02T00:00:00.000Z"
