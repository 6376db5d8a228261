-- The SQL of src/db/queries/rendering.ts: every statement its functions send, for the examples
-- in scripts/sync-sql.ts, as the driver receives it ($n are parameters, listed after each).
-- Generated: do not edit. Regenerate with `npm run sql:sync`; test/unit/sql-snapshots.test.ts
-- fails while this file differs from what the code sends.

-- rendering.staleArticleBodies (a batch after an id)
SELECT "id", "body" FROM "articles"
WHERE "render_version" < $1 AND "id" > CAST($2 AS uuid)
ORDER BY "id" LIMIT $3
-- $1 = 1
-- $2 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $3 = 200

-- rendering.storeArticleRenderings (two articles)
UPDATE "articles" a SET "body_html" = r."html", "body_text" = r."text", "word_count" = r."words",
"render_version" = $1
FROM unnest(CAST($2 AS uuid[]), CAST($3 AS text[]),
  CAST($4 AS text[]), CAST($5 AS text[]),
  CAST($6 AS int[])) AS r("id", "body", "html", "text", "words")
WHERE a."id" = r."id" AND a."body" = r."body" AND a."render_version" < $7
-- $1 = 1
-- $2 = ["0b7e2c1a-0000-4000-8000-000000000001","0b7e2c1a-0000-4000-8000-000000000002"]
-- $3 = ["# Budget","Yes."]
-- $4 = ["<h1 id=\"budget\">Budget</h1>","<p>Yes.</p>"]
-- $5 = ["Budget","Yes."]
-- $6 = [1,1]
-- $7 = 1

-- rendering.staleCommentBodies (a batch after an id)
SELECT "id", "body" FROM "comments"
WHERE "render_version" < $1 AND "id" > CAST($2 AS uuid)
ORDER BY "id" LIMIT $3
-- $1 = 1
-- $2 = "c0c0c0c0-0000-4000-8000-000000000001"
-- $3 = 1000

-- rendering.storeCommentRenderings (one comment)
UPDATE "comments" c SET "body_html" = r."html", "render_version" = $1
FROM unnest(CAST($2 AS uuid[]), CAST($3 AS text[]),
  CAST($4 AS text[])) AS r("id", "body", "html")
WHERE c."id" = r."id" AND c."body" = r."body" AND c."render_version" < $5
-- $1 = 1
-- $2 = ["c0c0c0c0-0000-4000-8000-000000000001"]
-- $3 = ["Thanks!"]
-- $4 = ["<p>Thanks!</p>"]
-- $5 = 1

-- rendering.renderedVersion (at start-up)
SELECT "value" FROM "settings" WHERE "key" = 'renderer-version'

-- rendering.setRenderedVersion (after rendering)
INSERT INTO "settings" ("key", "value") VALUES ('renderer-version', $1)
ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value"
-- $1 = "1"
