-- The SQL of src/db/queries/previews.ts: every statement its functions send, for the examples
-- in scripts/sync-sql.ts, as the driver receives it ($n are parameters, listed after each).
-- Generated: do not edit. Regenerate with `npm run sql:sync`; test/unit/sql-snapshots.test.ts
-- fails while this file differs from what the code sends.

-- previews.insertPreview (a preview link)
INSERT INTO "preview_tokens" ("article_id", "secret_hash", "prefix", "token_id", "expires_at")
VALUES (CAST($1 AS uuid), $2, $3, CAST($4 AS uuid), $5)
RETURNING "id", "article_id" AS "articleId", "expires_at" AS "expiresAt"
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = "1b4f0e9851971998e732078544c96b36c3d01cedf7caa332359d6f1d83567014"
-- $3 = "bsp_Zx8q"
-- $4 = "70707070-0000-4000-8000-000000000001"
-- $5 = "2026-01-02T09:30:00.000Z"

-- previews.findPreviewByHash (authentication)
SELECT "id", "article_id" AS "articleId", "expires_at" AS "expiresAt", "secret_hash" AS "secretHash" FROM "preview_tokens"
WHERE "secret_hash" = $1 AND "expires_at" > now()
-- $1 = "1b4f0e9851971998e732078544c96b36c3d01cedf7caa332359d6f1d83567014"

-- previews.listPreviews (an article's links)
SELECT p."id", p."prefix", p."created_at" AS "createdAt", p."expires_at" AS "expiresAt", p."token_id" AS "tokenId",
t."name" AS "tokenName", CAST((SELECT count(*) FROM "preview_tokens" p JOIN "api_tokens" t ON t."id" = p."token_id" WHERE p."article_id" = CAST($1 AS uuid) AND p."expires_at" > now()) AS int) AS "__total" FROM "preview_tokens" p JOIN "api_tokens" t ON t."id" = p."token_id"
WHERE p."article_id" = CAST($2 AS uuid) AND p."expires_at" > now()
ORDER BY p."created_at" DESC, p."id" DESC
LIMIT $3 OFFSET $4
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $3 = 21
-- $4 = 0

-- previews.deletePreview (one link)
DELETE FROM "preview_tokens" WHERE "id" = CAST($1 AS uuid) AND "article_id" = CAST($2 AS uuid) RETURNING 1
-- $1 = "b5b5b5b5-0000-4000-8000-000000000001"
-- $2 = "0b7e2c1a-0000-4000-8000-000000000001"

-- previews.deletePreviews (every link of an article)
DELETE FROM "preview_tokens" WHERE "article_id" = CAST($1 AS uuid) RETURNING 1
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"

-- previews.deleteExpiredPreviews (housekeeping)
DELETE FROM "preview_tokens" WHERE "expires_at" <= now() RETURNING 1
