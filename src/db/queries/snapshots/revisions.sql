-- The SQL of src/db/queries/revisions.ts: every statement its functions send, for the examples
-- in scripts/sync-sql.ts, as the driver receives it ($n are parameters, listed after each).
-- Generated: do not edit. Regenerate with `npm run sql:sync`; test/unit/sql-snapshots.test.ts
-- fails while this file differs from what the code sends.

-- revisions.listRevisions (newest first)
SELECT r."number", r."action"::text AS "action", r."token_id" AS "tokenId", r."token_name" AS "tokenName",
r."restored_from" AS "restoredFrom", r."created_at" AS "createdAt", r."snapshot"->>'title' AS "title", r."snapshot"->>'status' AS "status", CAST((SELECT count(*) FROM "article_revisions" r WHERE r."article_id" = CAST($1 AS uuid)) AS int) AS "__total" FROM "article_revisions" r
WHERE r."article_id" = CAST($2 AS uuid)
ORDER BY r."number" DESC, r."number" DESC
LIMIT $3 OFFSET $4
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $3 = 21
-- $4 = 0

-- revisions.listRevisions (oldest first, next page by cursor)
SELECT r."number", r."action"::text AS "action", r."token_id" AS "tokenId", r."token_name" AS "tokenName",
r."restored_from" AS "restoredFrom", r."created_at" AS "createdAt", r."snapshot"->>'title' AS "title", r."snapshot"->>'status' AS "status", CAST((SELECT count(*) FROM "article_revisions" r WHERE r."article_id" = CAST($1 AS uuid)) AS int) AS "__total" FROM "article_revisions" r
WHERE r."article_id" = CAST($2 AS uuid) AND (r."number", r."number") > (CAST($3 AS int4), CAST($4 AS int4))
ORDER BY r."number" ASC, r."number" ASC
LIMIT $5 OFFSET $6
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $3 = 20
-- $4 = 20
-- $5 = 21
-- $6 = 0

-- revisions.findRevisions (two numbers (a diff))
SELECT r."number", r."action"::text AS "action", r."token_id" AS "tokenId", r."token_name" AS "tokenName",
r."restored_from" AS "restoredFrom", r."created_at" AS "createdAt", r."snapshot"->>'title' AS "title", r."snapshot"->>'status' AS "status", r."snapshot" FROM "article_revisions" r
WHERE r."article_id" = CAST($1 AS uuid) AND r."number" IN ($2, $3)
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = 3
-- $3 = 5

-- revisions.previousNumber (below a number)
SELECT max(r."number") AS "number" FROM "article_revisions" r
WHERE r."article_id" = CAST($1 AS uuid) AND r."number" < $2
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = 5
