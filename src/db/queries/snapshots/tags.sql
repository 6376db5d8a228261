-- The SQL of src/db/queries/tags.ts: every statement its functions send, for the examples
-- in scripts/sync-sql.ts, as the driver receives it ($n are parameters, listed after each).
-- Generated: do not edit. Regenerate with `npm run sql:sync`; test/unit/sql-snapshots.test.ts
-- fails while this file differs from what the code sends.

-- tags.listTags (first page, by count)
SELECT g."tag", g."count", CAST(g."total" AS int) AS "__total" FROM (
  SELECT u."tag", CAST(count(*) AS int) AS "count", count(*) OVER () AS "total"
  FROM (SELECT unnest(a."tags") AS "tag" FROM "articles" a WHERE a."trashed_at" IS NULL AND a."published_at" <= $1) u
  GROUP BY u."tag") g
WHERE TRUE
ORDER BY g."count" DESC, g."tag" ASC, g."tag" ASC
LIMIT $2 OFFSET $3
-- $1 = "2026-01-01T00:00:00.000Z"
-- $2 = 21
-- $3 = 0

-- tags.listTags (prefix, no total, next page by cursor)
SELECT g."tag", g."count" FROM (
  SELECT u."tag", CAST(count(*) AS int) AS "count"
  FROM (SELECT unnest(a."tags") AS "tag" FROM "articles" a WHERE a."trashed_at" IS NULL AND a."published_at" <= $1) u
  WHERE starts_with(u."tag", $2)
  GROUP BY u."tag") g
WHERE TRUE AND ((g."count" < CAST($3 AS int4)) OR (g."count" = CAST($4 AS int4) AND g."tag" > CAST($5 AS text)) OR (g."count" = CAST($6 AS int4) AND g."tag" = CAST($7 AS text) AND g."tag" > CAST($8 AS text)))
ORDER BY g."count" DESC, g."tag" ASC, g."tag" ASC
LIMIT $9 OFFSET $10
-- $1 = "2026-01-01T00:00:00.000Z"
-- $2 = "pol"
-- $3 = 12
-- $4 = 12
-- $5 = "politics"
-- $6 = 12
-- $7 = "politics"
-- $8 = "politics"
-- $9 = 21
-- $10 = 0
