-- The SQL of src/db/queries/idempotency.ts: every statement its functions send, for the examples
-- in scripts/sync-sql.ts, as the driver receives it ($n are parameters, listed after each).
-- Generated: do not edit. Regenerate with `npm run sql:sync`; test/unit/sql-snapshots.test.ts
-- fails while this file differs from what the code sends.

-- idempotency.tryLockKey (a token and a key)
SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS "locked"
-- $1 = "token:70707070-0000-4000-8000-000000000001\ncreate-article-42"

-- idempotency.findKey (a token and a key)
SELECT "request_hash" AS "requestHash", "status", "response_headers" AS "headers", "response_body" AS "body"
FROM "idempotency_keys"
WHERE "scope" = $1 AND "key" = $2 AND "expires_at" > now() AND "status" IS NOT NULL
-- $1 = "token:70707070-0000-4000-8000-000000000001"
-- $2 = "create-article-42"

-- idempotency.storeKey (a created article)
INSERT INTO "idempotency_keys" ("scope", "key", "request_hash", "status", "response_headers", "response_body", "expires_at")
VALUES ($1, $2, $3, $4, CAST($5 AS jsonb), $6,
  now() + CAST($7 AS interval))
ON CONFLICT ("scope", "key") DO UPDATE SET
"request_hash" = EXCLUDED."request_hash", "status" = EXCLUDED."status", "response_headers" = EXCLUDED."response_headers",
"response_body" = EXCLUDED."response_body", "created_at" = now(), "expires_at" = EXCLUDED."expires_at"
-- $1 = "token:70707070-0000-4000-8000-000000000001"
-- $2 = "create-article-42"
-- $3 = "sha256:7d1a54127b222502f5b79b5fb0803061152a44f92b37e23c6527baf665d4da9a"
-- $4 = 201
-- $5 = "{\"content-type\":\"application/json; charset=utf-8\",\"location\":\"/api/v1/articles/0b7e2c1a-0000-4000-8000-000000000001\"}"
-- $6 = "{\"id\":\"…\"}"
-- $7 = "86400000 milliseconds"

-- idempotency.deleteExpiredKeys (housekeeping)
DELETE FROM "idempotency_keys" WHERE "expires_at" < now() RETURNING 1
