-- The SQL of src/db/queries/tokens.ts: every statement its functions send, for the examples
-- in scripts/sync-sql.ts, as the driver receives it ($n are parameters, listed after each).
-- Generated: do not edit. Regenerate with `npm run sql:sync`; test/unit/sql-snapshots.test.ts
-- fails while this file differs from what the code sends.

-- tokens.findTokenByHash (authentication)
SELECT "id", "name", "role"::text AS "role", "author_id" AS "authorId", "prefix", "created_at" AS "createdAt",
"last_used_at" AS "lastUsedAt", "secret_hash" AS "secretHash" FROM "api_tokens" WHERE "secret_hash" = $1
-- $1 = "1b4f0e9851971998e732078544c96b36c3d01cedf7caa332359d6f1d83567014"

-- tokens.touchToken (last used)
UPDATE "api_tokens" SET "last_used_at" = now() WHERE "id" = CAST($1 AS uuid)
-- $1 = "70707070-0000-4000-8000-000000000001"

-- tokens.listTokens (all)
SELECT "id", "name", "role"::text AS "role", "author_id" AS "authorId", "prefix", "created_at" AS "createdAt",
"last_used_at" AS "lastUsedAt" FROM "api_tokens" ORDER BY "created_at", "id"

-- tokens.findToken (by id)
SELECT "id", "name", "role"::text AS "role", "author_id" AS "authorId", "prefix", "created_at" AS "createdAt",
"last_used_at" AS "lastUsedAt" FROM "api_tokens" WHERE "id" = CAST($1 AS uuid)
-- $1 = "70707070-0000-4000-8000-000000000001"

-- tokens.insertToken (an author token)
INSERT INTO "api_tokens" ("name", "role", "author_id", "secret_hash", "prefix")
VALUES ($1, CAST($2 AS "Role"), CAST($3 AS uuid), $4, $5)
RETURNING "id", "name", "role"::text AS "role", "author_id" AS "authorId", "prefix", "created_at" AS "createdAt",
"last_used_at" AS "lastUsedAt"
-- $1 = "Ada Byline"
-- $2 = "author"
-- $3 = "a0a0a0a0-0000-4000-8000-000000000001"
-- $4 = "1b4f0e9851971998e732078544c96b36c3d01cedf7caa332359d6f1d83567014"
-- $5 = "bs_Q2x9"

-- tokens.deleteToken (by id)
DELETE FROM "api_tokens" WHERE "id" = CAST($1 AS uuid) RETURNING "id"
-- $1 = "70707070-0000-4000-8000-000000000001"

-- tokens.deleteEnvironmentAdmin (ADMIN_TOKEN unset)
DELETE FROM "api_tokens" WHERE "from_environment" RETURNING "id"

-- tokens.replaceEnvironmentAdmin (ADMIN_TOKEN set), statement 1 of 2
DELETE FROM "api_tokens" WHERE "from_environment" AND "secret_hash" <> $1
-- $1 = "1b4f0e9851971998e732078544c96b36c3d01cedf7caa332359d6f1d83567014"

-- tokens.replaceEnvironmentAdmin (ADMIN_TOKEN set), statement 2 of 2
INSERT INTO "api_tokens" ("name", "role", "secret_hash", "prefix", "from_environment")
VALUES ('ADMIN_TOKEN (environment)', 'admin', $1, '(env)', TRUE)
ON CONFLICT ("secret_hash") DO UPDATE SET "role" = 'admin', "author_id" = NULL, "from_environment" = TRUE
-- $1 = "1b4f0e9851971998e732078544c96b36c3d01cedf7caa332359d6f1d83567014"

-- tokens.insertFirstStartAdmin (first start)
WITH "claim" AS (
  INSERT INTO "settings" ("key", "value") VALUES ($1, now()::text)
  ON CONFLICT ("key") DO NOTHING
  RETURNING "key"
)
INSERT INTO "api_tokens" ("name", "role", "secret_hash", "prefix")
SELECT $2, 'admin', $3, $4 FROM "claim"
WHERE NOT EXISTS (SELECT 1 FROM "api_tokens")
RETURNING "id", "name", "role"::text AS "role", "author_id" AS "authorId", "prefix", "created_at" AS "createdAt",
"last_used_at" AS "lastUsedAt"
-- $1 = "first-start-admin-token"
-- $2 = "first-start admin"
-- $3 = "1b4f0e9851971998e732078544c96b36c3d01cedf7caa332359d6f1d83567014"
-- $4 = "bs_F1rs"
