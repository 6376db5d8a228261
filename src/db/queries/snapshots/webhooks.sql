-- The SQL of src/db/queries/webhooks.ts: every statement its functions send, for the examples
-- in scripts/sync-sql.ts, as the driver receives it ($n are parameters, listed after each).
-- Generated: do not edit. Regenerate with `npm run sql:sync`; test/unit/sql-snapshots.test.ts
-- fails while this file differs from what the code sends.

-- webhooks.listSubscriptions (first page)
SELECT w."id", w."url", w."events", w."description", w."active", w."previous_secret_until" AS "previousSecretUntil",
w."consecutive_failures" AS "consecutiveFailures", w."disabled_reason" AS "disabledReason", w."version",
w."created_at" AS "createdAt", w."updated_at" AS "updatedAt", CAST((SELECT count(*) FROM "webhook_subscriptions" w WHERE TRUE) AS int) AS "__total" FROM "webhook_subscriptions" w
WHERE TRUE
ORDER BY w."created_at" ASC, w."id" ASC
LIMIT $1 OFFSET $2
-- $1 = 21
-- $2 = 0

-- webhooks.findSubscription (by id)
SELECT w."id", w."url", w."events", w."description", w."active", w."previous_secret_until" AS "previousSecretUntil",
w."consecutive_failures" AS "consecutiveFailures", w."disabled_reason" AS "disabledReason", w."version",
w."created_at" AS "createdAt", w."updated_at" AS "updatedAt" FROM "webhook_subscriptions" w WHERE w."id" = CAST($1 AS uuid)
-- $1 = "5ab5cab5-0000-4000-8000-000000000001"

-- webhooks.insertSubscription (a new subscription)
INSERT INTO "webhook_subscriptions" AS w ("url", "events", "description", "active", "secret")
VALUES ($1, CAST($2 AS text[]), $3, $4, $5)
RETURNING w."id", w."url", w."events", w."description", w."active", w."previous_secret_until" AS "previousSecretUntil",
w."consecutive_failures" AS "consecutiveFailures", w."disabled_reason" AS "disabledReason", w."version",
w."created_at" AS "createdAt", w."updated_at" AS "updatedAt"
-- $1 = "https://hooks.example.com/broadsheet"
-- $2 = ["article.published","article.unpublished"]
-- $3 = "revalidate pages"
-- $4 = true
-- $5 = "enc:v1:k1:c2VhbGVk"

-- webhooks.updateSubscription (several fields, enabled again, If-Match version)
UPDATE "webhook_subscriptions" w SET "version" = w."version" + 1, "updated_at" = now(), "url" = $1, "events" = CAST($2 AS text[]), "active" = $3, "consecutive_failures" = 0, "disabled_reason" = NULL
WHERE w."id" = CAST($4 AS uuid) AND w."version" = $5
RETURNING w."id", w."url", w."events", w."description", w."active", w."previous_secret_until" AS "previousSecretUntil",
w."consecutive_failures" AS "consecutiveFailures", w."disabled_reason" AS "disabledReason", w."version",
w."created_at" AS "createdAt", w."updated_at" AS "updatedAt"
-- $1 = "https://hooks.example.com/v2"
-- $2 = ["*"]
-- $3 = true
-- $4 = "5ab5cab5-0000-4000-8000-000000000001"
-- $5 = 2

-- webhooks.updateSubscription (disabled, any version)
UPDATE "webhook_subscriptions" w SET "version" = w."version" + 1, "updated_at" = now(), "description" = $1, "active" = $2
WHERE w."id" = CAST($3 AS uuid)
RETURNING w."id", w."url", w."events", w."description", w."active", w."previous_secret_until" AS "previousSecretUntil",
w."consecutive_failures" AS "consecutiveFailures", w."disabled_reason" AS "disabledReason", w."version",
w."created_at" AS "createdAt", w."updated_at" AS "updatedAt"
-- $1 = "paused"
-- $2 = false
-- $3 = "5ab5cab5-0000-4000-8000-000000000001"

-- webhooks.rotateSecret (with an overlap)
UPDATE "webhook_subscriptions" w SET "previous_secret" = w."secret", "secret" = $1,
"previous_secret_until" = $2, "version" = w."version" + 1, "updated_at" = now()
WHERE w."id" = CAST($3 AS uuid)
RETURNING w."id", w."url", w."events", w."description", w."active", w."previous_secret_until" AS "previousSecretUntil",
w."consecutive_failures" AS "consecutiveFailures", w."disabled_reason" AS "disabledReason", w."version",
w."created_at" AS "createdAt", w."updated_at" AS "updatedAt"
-- $1 = "enc:v1:k1:bmV3"
-- $2 = "2026-01-02T09:30:00.000Z"
-- $3 = "5ab5cab5-0000-4000-8000-000000000001"

-- webhooks.deleteSubscription (If-Match version)
DELETE FROM "webhook_subscriptions" WHERE "id" = CAST($1 AS uuid) AND "version" = $2
RETURNING 1
-- $1 = "5ab5cab5-0000-4000-8000-000000000001"
-- $2 = 3

-- webhooks.deleteSubscription (any version)
DELETE FROM "webhook_subscriptions" WHERE "id" = CAST($1 AS uuid)
RETURNING 1
-- $1 = "5ab5cab5-0000-4000-8000-000000000001"

-- webhooks.signingDetails (two subscriptions)
SELECT "id", "url", "secret", "previous_secret" AS "previousSecret", "previous_secret_until" AS "previousSecretUntil"
FROM "webhook_subscriptions" WHERE "id" = ANY (CAST($1 AS uuid[]))
-- $1 = ["5ab5cab5-0000-4000-8000-000000000001","5ab5cab5-0000-4000-8000-000000000002"]

-- webhooks.secretsNotUnder (first batch)
SELECT "id", "secret", "previous_secret" AS "previousSecret" FROM "webhook_subscriptions"
WHERE (NOT starts_with("secret", $1) OR NOT starts_with("previous_secret", $2))
ORDER BY "id" LIMIT $3
-- $1 = "enc:v1:k2:"
-- $2 = "enc:v1:k2:"
-- $3 = 100

-- webhooks.secretsNotUnder (next batch)
SELECT "id", "secret", "previous_secret" AS "previousSecret" FROM "webhook_subscriptions"
WHERE (NOT starts_with("secret", $1) OR NOT starts_with("previous_secret", $2))
AND "id" > CAST($3 AS uuid)
ORDER BY "id" LIMIT $4
-- $1 = "enc:v1:k2:"
-- $2 = "enc:v1:k2:"
-- $3 = "5ab5cab5-0000-4000-8000-000000000001"
-- $4 = 100

-- webhooks.replaceStoredSecrets (current secrets)
UPDATE "webhook_subscriptions" w SET "secret" = v."to"
FROM unnest(CAST($1 AS uuid[]), CAST($2 AS text[]),
  CAST($3 AS text[])) AS v("id", "from", "to")
WHERE w."id" = v."id" AND w."secret" = v."from"
RETURNING 1
-- $1 = ["5ab5cab5-0000-4000-8000-000000000001","5ab5cab5-0000-4000-8000-000000000002"]
-- $2 = ["whsec_plain","enc:v1:k1:BBBB"]
-- $3 = ["enc:v1:k2:AAAA","enc:v1:k2:CCCC"]

-- webhooks.replaceStoredSecrets (previous secrets)
UPDATE "webhook_subscriptions" w SET "previous_secret" = v."to"
FROM unnest(CAST($1 AS uuid[]), CAST($2 AS text[]),
  CAST($3 AS text[])) AS v("id", "from", "to")
WHERE w."id" = v."id" AND w."previous_secret" = v."from"
RETURNING 1
-- $1 = ["5ab5cab5-0000-4000-8000-000000000001"]
-- $2 = ["whsec_old"]
-- $3 = ["enc:v1:k2:DDDD"]

-- webhooks.recordSuccess (end of a failure run)
UPDATE "webhook_subscriptions" SET "consecutive_failures" = 0 WHERE "id" = CAST($1 AS uuid) AND "consecutive_failures" <> 0
-- $1 = "5ab5cab5-0000-4000-8000-000000000001"

-- webhooks.recordFailure (disabled after 20 in a row)
UPDATE "webhook_subscriptions" w SET "consecutive_failures" = w."consecutive_failures" + 1,
"active" = w."active" AND w."consecutive_failures" + 1 < $1,
"disabled_reason" = CASE WHEN w."active" AND w."consecutive_failures" + 1 >= $2 THEN $3 ELSE w."disabled_reason" END
WHERE w."id" = CAST($4 AS uuid)
RETURNING w."consecutive_failures" = $5 AS "disabled"
-- $1 = 20
-- $2 = 20
-- $3 = "HTTP 410"
-- $4 = "5ab5cab5-0000-4000-8000-000000000001"
-- $5 = 20
