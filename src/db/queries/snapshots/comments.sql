-- The SQL of src/db/queries/comments.ts: every statement its functions send, for the examples
-- in scripts/sync-sql.ts, as the driver receives it ($n are parameters, listed after each).
-- Generated: do not edit. Regenerate with `npm run sql:sync`; test/unit/sql-snapshots.test.ts
-- fails while this file differs from what the code sends.

-- comments.listArticleComments (anonymous, by slug)
SELECT c."id", c."article_id" AS "articleId", c."parent_id" AS "parentId", c."author_name" AS "authorName", c."body", c."body_html" AS "bodyHtml", c."status"::text AS "status", c."version", c."created_at" AS "createdAt", CAST(a."comment_count" AS int) AS "__total" FROM "comments" c JOIN "articles" a ON a."id" = c."article_id"
WHERE a."slug" = $1 AND a."trashed_at" IS NULL AND a."published_at" <= $2 AND c."status" = 'approved'
ORDER BY c."created_at" ASC, c."id" ASC
LIMIT $3 OFFSET $4
-- $1 = "city-council-passes-budget"
-- $2 = "2026-01-01T00:00:00.000Z"
-- $3 = 21
-- $4 = 0

-- comments.listArticleComments (anonymous, empty page: the total counted apart), statement 1 of 2
SELECT c."id", c."article_id" AS "articleId", c."parent_id" AS "parentId", c."author_name" AS "authorName", c."body", c."body_html" AS "bodyHtml", c."status"::text AS "status", c."version", c."created_at" AS "createdAt", CAST(a."comment_count" AS int) AS "__total" FROM "comments" c JOIN "articles" a ON a."id" = c."article_id"
WHERE a."slug" = $1 AND a."trashed_at" IS NULL AND a."published_at" <= $2 AND c."status" = 'approved'
ORDER BY c."created_at" ASC, c."id" ASC
LIMIT $3 OFFSET $4
-- $1 = "city-council-passes-budget"
-- $2 = "2026-01-01T00:00:00.000Z"
-- $3 = 21
-- $4 = 40

-- comments.listArticleComments (anonymous, empty page: the total counted apart), statement 2 of 2
SELECT CAST(a."comment_count" AS int) AS n FROM "comments" c JOIN "articles" a ON a."id" = c."article_id" WHERE a."slug" = $1 AND a."trashed_at" IS NULL AND a."published_at" <= $2 AND c."status" = 'approved' LIMIT 1
-- $1 = "city-council-passes-budget"
-- $2 = "2026-01-01T00:00:00.000Z"

-- comments.listArticleComments (author token, by id, next page by cursor)
SELECT c."id", c."article_id" AS "articleId", c."parent_id" AS "parentId", c."author_name" AS "authorName", c."body", c."body_html" AS "bodyHtml", c."status"::text AS "status", c."version", c."created_at" AS "createdAt", CAST(a."comment_count" AS int) AS "__total" FROM "comments" c JOIN "articles" a ON a."id" = c."article_id"
WHERE a."id" = CAST($1 AS uuid) AND a."trashed_at" IS NULL AND (a."published_at" <= $2 OR a."author_id" = CAST($3 AS uuid)) AND c."status" = 'approved' AND (c."created_at", c."id") > (CAST($4 AS timestamptz), CAST($5 AS uuid))
ORDER BY c."created_at" ASC, c."id" ASC
LIMIT $6 OFFSET $7
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = "2026-01-01T00:00:00.000Z"
-- $3 = "a0a0a0a0-0000-4000-8000-000000000001"
-- $4 = "2025-12-31T12:00:00.000Z"
-- $5 = "c0c0c0c0-0000-4000-8000-000000000001"
-- $6 = 21
-- $7 = 0

-- comments.listArticleComments (anonymous, fields=authorName,bodyHtml)
SELECT c."id", c."article_id" AS "articleId", c."author_name" AS "authorName", c."body_html" AS "bodyHtml", c."created_at" AS "createdAt", CAST(a."comment_count" AS int) AS "__total" FROM "comments" c JOIN "articles" a ON a."id" = c."article_id"
WHERE a."slug" = $1 AND a."trashed_at" IS NULL AND a."published_at" <= $2 AND c."status" = 'approved'
ORDER BY c."created_at" ASC, c."id" ASC
LIMIT $3 OFFSET $4
-- $1 = "city-council-passes-budget"
-- $2 = "2026-01-01T00:00:00.000Z"
-- $3 = 21
-- $4 = 0

-- comments.listComments (the whole queue)
SELECT c."id", c."article_id" AS "articleId", c."parent_id" AS "parentId", c."author_name" AS "authorName", c."body", c."body_html" AS "bodyHtml", c."status"::text AS "status", c."version", c."created_at" AS "createdAt", c."author_email" AS "authorEmail", CAST((SELECT count(*) FROM "comments" c WHERE EXISTS (SELECT 1 FROM "articles" ta WHERE ta."id" = c."article_id" AND ta."trashed_at" IS NULL)) AS int) AS "__total" FROM "comments" c
WHERE EXISTS (SELECT 1 FROM "articles" ta WHERE ta."id" = c."article_id" AND ta."trashed_at" IS NULL)
ORDER BY c."created_at" ASC, c."id" ASC
LIMIT $1 OFFSET $2
-- $1 = 21
-- $2 = 0

-- comments.listComments (pending comments of one article, by slug)
SELECT c."id", c."article_id" AS "articleId", c."parent_id" AS "parentId", c."author_name" AS "authorName", c."body", c."body_html" AS "bodyHtml", c."status"::text AS "status", c."version", c."created_at" AS "createdAt", c."author_email" AS "authorEmail", CAST((SELECT count(*) FROM "comments" c WHERE EXISTS (SELECT 1 FROM "articles" ta WHERE ta."id" = c."article_id" AND ta."trashed_at" IS NULL) AND c."status" = CAST($1 AS "CommentStatus") AND c."article_id" = (SELECT "id" FROM "articles" WHERE "slug" = $2)) AS int) AS "__total" FROM "comments" c
WHERE EXISTS (SELECT 1 FROM "articles" ta WHERE ta."id" = c."article_id" AND ta."trashed_at" IS NULL) AND c."status" = CAST($3 AS "CommentStatus") AND c."article_id" = (SELECT "id" FROM "articles" WHERE "slug" = $4)
ORDER BY c."created_at" DESC, c."id" DESC
LIMIT $5 OFFSET $6
-- $1 = "pending"
-- $2 = "city-council-passes-budget"
-- $3 = "pending"
-- $4 = "city-council-passes-budget"
-- $5 = 21
-- $6 = 0

-- comments.listComments (fields=authorEmail,status)
SELECT c."id", c."status"::text AS "status", c."created_at" AS "createdAt", c."author_email" AS "authorEmail", CAST((SELECT count(*) FROM "comments" c WHERE EXISTS (SELECT 1 FROM "articles" ta WHERE ta."id" = c."article_id" AND ta."trashed_at" IS NULL)) AS int) AS "__total" FROM "comments" c
WHERE EXISTS (SELECT 1 FROM "articles" ta WHERE ta."id" = c."article_id" AND ta."trashed_at" IS NULL)
ORDER BY c."created_at" ASC, c."id" ASC
LIMIT $1 OFFSET $2
-- $1 = 21
-- $2 = 0

-- comments.findComment (by id)
SELECT c."id", c."article_id" AS "articleId", c."parent_id" AS "parentId", c."author_name" AS "authorName", c."body", c."body_html" AS "bodyHtml", c."status"::text AS "status", c."version", c."created_at" AS "createdAt", c."author_email" AS "authorEmail" FROM "comments" c WHERE c."id" = CAST($1 AS uuid) AND EXISTS (SELECT 1 FROM "articles" ta WHERE ta."id" = c."article_id" AND ta."trashed_at" IS NULL)
-- $1 = "c0c0c0c0-0000-4000-8000-000000000001"

-- comments.findComment (fields=status)
SELECT c."id", c."status"::text AS "status", c."version" FROM "comments" c WHERE c."id" = CAST($1 AS uuid) AND EXISTS (SELECT 1 FROM "articles" ta WHERE ta."id" = c."article_id" AND ta."trashed_at" IS NULL)
-- $1 = "c0c0c0c0-0000-4000-8000-000000000001"

-- comments.insertComment (top level, by slug)
INSERT INTO "comments" AS c ("article_id", "parent_id", "author_name", "author_email", "body", "body_html", "render_version", "status")
SELECT a."id", CAST($1 AS uuid), $2, $3, $4, $5,
$6, CAST($7 AS "CommentStatus")
FROM "articles" a
WHERE a."slug" = $8 AND a."trashed_at" IS NULL AND a."published_at" <= $9
RETURNING c."id", c."article_id" AS "articleId", c."parent_id" AS "parentId", c."author_name" AS "authorName", c."body", c."body_html" AS "bodyHtml", c."status"::text AS "status", c."version", c."created_at" AS "createdAt"
-- $1 = null
-- $2 = "Reader"
-- $3 = "reader@example.com"
-- $4 = "Finally."
-- $5 = "<p>Finally.</p>"
-- $6 = 1
-- $7 = "pending"
-- $8 = "city-council-passes-budget"
-- $9 = "2026-01-01T00:00:00.000Z"

-- comments.insertComment (a reply, by id)
INSERT INTO "comments" AS c ("article_id", "parent_id", "author_name", "author_email", "body", "body_html", "render_version", "status")
SELECT a."id", CAST($1 AS uuid), $2, $3, $4, $5,
$6, CAST($7 AS "CommentStatus")
FROM "articles" a
WHERE a."id" = CAST($8 AS uuid) AND a."trashed_at" IS NULL AND a."published_at" <= $9
AND EXISTS (SELECT 1 FROM "comments" p WHERE p."id" = CAST($10 AS uuid) AND p."article_id" = a."id" AND p."status" = 'approved')
RETURNING c."id", c."article_id" AS "articleId", c."parent_id" AS "parentId", c."author_name" AS "authorName", c."body", c."body_html" AS "bodyHtml", c."status"::text AS "status", c."version", c."created_at" AS "createdAt"
-- $1 = "c0c0c0c0-0000-4000-8000-000000000002"
-- $2 = "Reader"
-- $3 = "reader@example.com"
-- $4 = "Agreed."
-- $5 = "<p>Agreed.</p>"
-- $6 = 1
-- $7 = "approved"
-- $8 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $9 = "2026-01-01T00:00:00.000Z"
-- $10 = "c0c0c0c0-0000-4000-8000-000000000002"

-- comments.lockComment (a comment of a live article), statement 1 of 2
SELECT a."id" FROM "articles" a
WHERE a."id" = (SELECT "article_id" FROM "comments" WHERE "id" = CAST($1 AS uuid)) AND a."trashed_at" IS NULL
FOR NO KEY UPDATE
-- $1 = "c0c0c0c0-0000-4000-8000-000000000001"

-- comments.lockComment (a comment of a live article), statement 2 of 2
SELECT c."id", c."article_id" AS "articleId", c."parent_id" AS "parentId", c."author_name" AS "authorName", c."body", c."body_html" AS "bodyHtml", c."status"::text AS "status", c."version", c."created_at" AS "createdAt", c."author_email" AS "authorEmail" FROM "comments" c WHERE c."id" = CAST($1 AS uuid) FOR UPDATE
-- $1 = "c0c0c0c0-0000-4000-8000-000000000001"

-- comments.lockComments (several), statement 1 of 2
SELECT a."id" FROM "articles" a
WHERE a."id" IN (SELECT "article_id" FROM "comments" WHERE "id" = ANY (CAST($1 AS uuid[])))
ORDER BY a."id" FOR NO KEY UPDATE
-- $1 = ["c0c0c0c0-0000-4000-8000-000000000002","c0c0c0c0-0000-4000-8000-000000000001"]

-- comments.lockComments (several), statement 2 of 2
SELECT c."id" FROM "comments" c WHERE c."id" = ANY (CAST($1 AS uuid[])) ORDER BY c."id" FOR UPDATE
-- $1 = ["c0c0c0c0-0000-4000-8000-000000000002","c0c0c0c0-0000-4000-8000-000000000001"]

-- comments.updateComment (new status)
UPDATE "comments" c SET
"status" = COALESCE(CAST($1 AS "CommentStatus"), c."status"),
"body" = COALESCE($2, c."body"),
"version" = c."version" + 1, "updated_at" = now()
WHERE c."id" = CAST($3 AS uuid)
RETURNING c."id", c."article_id" AS "articleId", c."parent_id" AS "parentId", c."author_name" AS "authorName", c."body", c."body_html" AS "bodyHtml", c."status"::text AS "status", c."version", c."created_at" AS "createdAt", c."author_email" AS "authorEmail"
-- $1 = "approved"
-- $2 = null
-- $3 = "c0c0c0c0-0000-4000-8000-000000000001"

-- comments.updateComment (new status and body)
UPDATE "comments" c SET
"status" = COALESCE(CAST($1 AS "CommentStatus"), c."status"),
"body" = COALESCE($2, c."body"),
"body_html" = $3, "render_version" = $4,
"version" = c."version" + 1, "updated_at" = now()
WHERE c."id" = CAST($5 AS uuid)
RETURNING c."id", c."article_id" AS "articleId", c."parent_id" AS "parentId", c."author_name" AS "authorName", c."body", c."body_html" AS "bodyHtml", c."status"::text AS "status", c."version", c."created_at" AS "createdAt", c."author_email" AS "authorEmail"
-- $1 = "rejected"
-- $2 = "[removed]"
-- $3 = "<p>[removed]</p>"
-- $4 = 1
-- $5 = "c0c0c0c0-0000-4000-8000-000000000001"

-- comments.deleteComment (by id)
DELETE FROM "comments" WHERE "id" = CAST($1 AS uuid)
-- $1 = "c0c0c0c0-0000-4000-8000-000000000001"

-- comments.recordCommentChange (approval: one more, with its event)
WITH "changed" AS (
  UPDATE "articles" SET "comment_count" = "comment_count" + $1, "event_seq" = "event_seq" + $2
  WHERE "id" = CAST($3 AS uuid)
  RETURNING "id", "slug", "event_seq"),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $4, c."id", c."event_seq", NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', CAST($5 AS uuid),
    'articleId', c."id",
    'articleSlug', c."slug",
    'parentId', CAST($6 AS uuid),
    'status', CAST($7 AS text),
    'wasApproved', CAST($8 AS boolean),
    'sequence', c."event_seq")
  FROM "changed" c
)
SELECT "id" FROM "changed"
-- $1 = 1
-- $2 = 1
-- $3 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $4 = "comment.approved"
-- $5 = "c0c0c0c0-0000-4000-8000-000000000001"
-- $6 = "c0c0c0c0-0000-4000-8000-000000000002"
-- $7 = "approved"
-- $8 = false

-- comments.recordCommentChange (count only, no event)
WITH "changed" AS (
  UPDATE "articles" SET "comment_count" = "comment_count" + $1, "event_seq" = "event_seq" + $2
  WHERE "id" = CAST($3 AS uuid)
  RETURNING "id", "slug", "event_seq")
SELECT "id" FROM "changed"
-- $1 = -1
-- $2 = 0
-- $3 = "0b7e2c1a-0000-4000-8000-000000000001"
