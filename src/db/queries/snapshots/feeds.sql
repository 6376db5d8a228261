-- The SQL of src/db/queries/feeds.ts: every statement its functions send, for the examples
-- in scripts/sync-sql.ts, as the driver receives it ($n are parameters, listed after each).
-- Generated: do not edit. Regenerate with `npm run sql:sync`; test/unit/sql-snapshots.test.ts
-- fails while this file differs from what the code sends.

-- feeds.latestArticles (every published article)
SELECT a."id", a."slug", a."title", a."excerpt", a."body_html" AS "bodyHtml", a."tags",
a."published_at" AS "publishedAt", a."updated_at" AS "updatedAt", a."author_id" AS "authorId",
au."slug" AS "authorSlug", au."name" AS "authorName", a."cover_image_id" AS "coverImageId",
(SELECT m."crop_version" FROM "media" m WHERE m."id" = a."cover_image_id") AS "coverVersion"
FROM "articles" a JOIN "authors" au ON au."id" = a."author_id"
WHERE a."trashed_at" IS NULL AND a."published_at" <= $1
ORDER BY a."published_at" DESC, a."id" DESC
LIMIT $2
-- $1 = "2026-01-01T00:00:00.000Z"
-- $2 = 50

-- feeds.latestArticles (a tag)
SELECT a."id", a."slug", a."title", a."excerpt", a."body_html" AS "bodyHtml", a."tags",
a."published_at" AS "publishedAt", a."updated_at" AS "updatedAt", a."author_id" AS "authorId",
au."slug" AS "authorSlug", au."name" AS "authorName", a."cover_image_id" AS "coverImageId",
(SELECT m."crop_version" FROM "media" m WHERE m."id" = a."cover_image_id") AS "coverVersion"
FROM "articles" a JOIN "authors" au ON au."id" = a."author_id"
WHERE a."trashed_at" IS NULL AND a."published_at" <= $1 AND a."tags" @> CAST($2 AS text[])
ORDER BY a."published_at" DESC, a."id" DESC
LIMIT $3
-- $1 = "2026-01-01T00:00:00.000Z"
-- $2 = ["city-hall"]
-- $3 = 50

-- feeds.authorFeed (by slug, with the author)
SELECT au."id" AS "feedAuthorId", au."slug" AS "feedAuthorSlug", au."name" AS "feedAuthorName",
au."updated_at" AS "feedAuthorUpdatedAt", x.*
FROM "authors" au
LEFT JOIN LATERAL (
  SELECT a."id", a."slug", a."title", a."excerpt", a."body_html" AS "bodyHtml", a."tags",
  a."published_at" AS "publishedAt", a."updated_at" AS "updatedAt", a."author_id" AS "authorId",
  au."slug" AS "authorSlug", au."name" AS "authorName", a."cover_image_id" AS "coverImageId",
  (SELECT m."crop_version" FROM "media" m WHERE m."id" = a."cover_image_id") AS "coverVersion"
  FROM "articles" a
  WHERE a."author_id" = au."id" AND a."trashed_at" IS NULL AND a."published_at" <= $1
  ORDER BY a."published_at" DESC, a."id" DESC
  LIMIT $2) x ON TRUE
WHERE au."slug" = $3
ORDER BY x."publishedAt" DESC, x."id" DESC
-- $1 = "2026-01-01T00:00:00.000Z"
-- $2 = 50
-- $3 = "ada-byline"
