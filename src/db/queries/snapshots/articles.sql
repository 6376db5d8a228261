-- The SQL of src/db/queries/articles.ts: every statement its functions send, for the examples
-- in scripts/sync-sql.ts, as the driver receives it ($n are parameters, listed after each).
-- Generated: do not edit. Regenerate with `npm run sql:sync`; test/unit/sql-snapshots.test.ts
-- fails while this file differs from what the code sends.

-- articles.findArticle (anonymous, by slug)
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
FROM "articles" a JOIN "authors" au ON au."id" = a."author_id"
WHERE a."slug" = $1 AND a."trashed_at" IS NULL AND a."published_at" <= $2
-- $1 = "city-council-passes-budget"
-- $2 = "2026-01-01T00:00:00.000Z"

-- articles.findArticle (anonymous, by id, with author)
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
FROM "articles" a JOIN "authors" au ON au."id" = a."author_id"
WHERE a."id" = CAST($1 AS uuid) AND a."trashed_at" IS NULL AND a."published_at" <= $2
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = "2026-01-01T00:00:00.000Z"

-- articles.findArticle (author token, by slug: published or its own)
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
FROM "articles" a JOIN "authors" au ON au."id" = a."author_id"
WHERE a."slug" = $1 AND a."trashed_at" IS NULL AND (a."published_at" <= $2 OR a."author_id" = CAST($3 AS uuid))
-- $1 = "city-council-passes-budget"
-- $2 = "2026-01-01T00:00:00.000Z"
-- $3 = "a0a0a0a0-0000-4000-8000-000000000001"

-- articles.findArticle (editor, by slug: any live article)
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
FROM "articles" a JOIN "authors" au ON au."id" = a."author_id"
WHERE a."slug" = $1 AND a."trashed_at" IS NULL AND TRUE
-- $1 = "city-council-passes-budget"

-- articles.findArticle (preview token, by id: its one article)
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
FROM "articles" a JOIN "authors" au ON au."id" = a."author_id"
WHERE a."id" = CAST($1 AS uuid) AND a."trashed_at" IS NULL AND a."id" = CAST($2 AS uuid)
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = "0b7e2c1a-0000-4000-8000-000000000001"

-- articles.findArticle (editor, any shelf)
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
FROM "articles" a JOIN "authors" au ON au."id" = a."author_id"
WHERE a."slug" = $1 AND ((a."trashed_at" IS NULL AND TRUE) OR (a."trashed_at" IS NOT NULL AND TRUE))
-- $1 = "city-council-passes-budget"

-- articles.findArticle (author token, trash shelf, locked)
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
FROM "articles" a JOIN "authors" au ON au."id" = a."author_id"
WHERE a."id" = CAST($1 AS uuid) AND a."trashed_at" IS NOT NULL AND a."author_id" = CAST($2 AS uuid)
FOR NO KEY UPDATE OF a
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = "a0a0a0a0-0000-4000-8000-000000000001"

-- articles.findArticle (viewer token, trash shelf: never)
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
FROM "articles" a JOIN "authors" au ON au."id" = a."author_id"
WHERE a."slug" = $1 AND a."trashed_at" IS NOT NULL AND FALSE
-- $1 = "city-council-passes-budget"

-- articles.findArticle (anonymous, by slug, fields=title,status (sparse: only those columns))
SELECT a."id", a."title", a."published_at" AS "publishedAt", a."version"
FROM "articles" a
WHERE a."slug" = $1 AND a."trashed_at" IS NULL AND a."published_at" <= $2
-- $1 = "city-council-passes-budget"
-- $2 = "2026-01-01T00:00:00.000Z"

-- articles.lockArticles (ids and slugs)
SELECT a."id" FROM "articles" a
WHERE a."id" = ANY (CAST($1 AS uuid[])) OR a."slug" = ANY (CAST($2 AS text[]))
ORDER BY a."id" FOR NO KEY UPDATE
-- $1 = ["0b7e2c1a-0000-4000-8000-000000000002","0b7e2c1a-0000-4000-8000-000000000001"]
-- $2 = ["city-council-passes-budget"]

-- articles.findVisibleId (anonymous, by slug)
SELECT a."id" FROM "articles" a WHERE a."slug" = $1 AND a."trashed_at" IS NULL AND a."published_at" <= $2
-- $1 = "city-council-passes-budget"
-- $2 = "2026-01-01T00:00:00.000Z"

-- articles.findVisibleId (author token, by id)
SELECT a."id" FROM "articles" a WHERE a."id" = CAST($1 AS uuid) AND a."trashed_at" IS NULL AND (a."published_at" <= $2 OR a."author_id" = CAST($3 AS uuid))
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = "2026-01-01T00:00:00.000Z"
-- $3 = "a0a0a0a0-0000-4000-8000-000000000001"

-- articles.listArticles (anonymous, first page: total from the counters)
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt"
, CAST(((SELECT "value" FROM "counters" WHERE "name" = 'articles_dated')
    - (SELECT count(*) FROM "articles" WHERE "published_at" > $1 AND "trashed_at" IS NULL)) AS int) AS "__total" FROM "articles" a
WHERE a."trashed_at" IS NULL AND a."published_at" <= $2
ORDER BY a."published_at" DESC, a."id" DESC
LIMIT $3 OFFSET $4
-- $1 = "2026-01-01T00:00:00.000Z"
-- $2 = "2026-01-01T00:00:00.000Z"
-- $3 = 21
-- $4 = 0

-- articles.listArticles (anonymous, fields=slug,title,author.name (sparse: those columns and the sort key))
SELECT a."id", a."slug", a."title", a."published_at" AS "publishedAt", a."author_id" AS "authorId", au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
, CAST(((SELECT "value" FROM "counters" WHERE "name" = 'articles_dated')
    - (SELECT count(*) FROM "articles" WHERE "published_at" > $1 AND "trashed_at" IS NULL)) AS int) AS "__total" FROM "articles" a JOIN "authors" au ON au."id" = a."author_id"
WHERE a."trashed_at" IS NULL AND a."published_at" <= $2
ORDER BY a."published_at" DESC, a."id" DESC
LIMIT $3 OFFSET $4
-- $1 = "2026-01-01T00:00:00.000Z"
-- $2 = "2026-01-01T00:00:00.000Z"
-- $3 = 21
-- $4 = 0

-- articles.listArticles (anonymous, empty page: the total counted apart), statement 1 of 2
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt"
, CAST(((SELECT "value" FROM "counters" WHERE "name" = 'articles_dated')
    - (SELECT count(*) FROM "articles" WHERE "published_at" > $1 AND "trashed_at" IS NULL)) AS int) AS "__total" FROM "articles" a
WHERE a."trashed_at" IS NULL AND a."published_at" <= $2
ORDER BY a."published_at" DESC, a."id" DESC
LIMIT $3 OFFSET $4
-- $1 = "2026-01-01T00:00:00.000Z"
-- $2 = "2026-01-01T00:00:00.000Z"
-- $3 = 21
-- $4 = 160

-- articles.listArticles (anonymous, empty page: the total counted apart), statement 2 of 2
SELECT CAST(((SELECT "value" FROM "counters" WHERE "name" = 'articles_dated')
    - (SELECT count(*) FROM "articles" WHERE "published_at" > $1 AND "trashed_at" IS NULL)) AS int) AS n FROM "articles" a WHERE a."trashed_at" IS NULL AND a."published_at" <= $2 LIMIT 1
-- $1 = "2026-01-01T00:00:00.000Z"
-- $2 = "2026-01-01T00:00:00.000Z"

-- articles.listArticles (anonymous, search by relevance, with author)
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
, ts_rank(a."search_vector", websearch_to_tsquery(CAST($1 AS regconfig), $2)) AS rank, CAST((SELECT count(*) FROM "articles" a WHERE a."trashed_at" IS NULL AND a."published_at" <= $3 AND a."search_vector" @@ websearch_to_tsquery(CAST($4 AS regconfig), $5)) AS int) AS "__total" FROM "articles" a JOIN "authors" au ON au."id" = a."author_id"
WHERE a."trashed_at" IS NULL AND a."published_at" <= $6 AND a."search_vector" @@ websearch_to_tsquery(CAST($7 AS regconfig), $8)
ORDER BY ts_rank(a."search_vector", websearch_to_tsquery(CAST($9 AS regconfig), $10)) DESC, a."published_at" DESC, a."id" DESC
LIMIT $11 OFFSET $12
-- $1 = "english"
-- $2 = "budget vote"
-- $3 = "2026-01-01T00:00:00.000Z"
-- $4 = "english"
-- $5 = "budget vote"
-- $6 = "2026-01-01T00:00:00.000Z"
-- $7 = "english"
-- $8 = "budget vote"
-- $9 = "english"
-- $10 = "budget vote"
-- $11 = 21
-- $12 = 0

-- articles.listArticles (anonymous, next page by cursor (newest first))
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt"
, CAST(((SELECT "value" FROM "counters" WHERE "name" = 'articles_dated')
    - (SELECT count(*) FROM "articles" WHERE "published_at" > $1 AND "trashed_at" IS NULL)) AS int) AS "__total" FROM "articles" a
WHERE a."trashed_at" IS NULL AND a."published_at" <= $2 AND (a."published_at", a."id") < (CAST($3 AS timestamptz), CAST($4 AS uuid))
ORDER BY a."published_at" DESC, a."id" DESC
LIMIT $5 OFFSET $6
-- $1 = "2026-01-01T00:00:00.000Z"
-- $2 = "2026-01-01T00:00:00.000Z"
-- $3 = "2025-12-30T08:00:00.000Z"
-- $4 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $5 = 11
-- $6 = 0

-- articles.listArticles (author token, by author, tags and dates)
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt"
, CAST((SELECT count(*) FROM "articles" a WHERE a."trashed_at" IS NULL AND (a."published_at" <= $1 OR a."author_id" = CAST($2 AS uuid)) AND a."author_id" = (SELECT "id" FROM "authors" WHERE "slug" = $3) AND a."tags" @> CAST($4 AS text[]) AND a."published_at" > CAST($5 AS timestamptz) AND a."published_at" < CAST($6 AS timestamptz)) AS int) AS "__total" FROM "articles" a
WHERE a."trashed_at" IS NULL AND (a."published_at" <= $7 OR a."author_id" = CAST($8 AS uuid)) AND a."author_id" = (SELECT "id" FROM "authors" WHERE "slug" = $9) AND a."tags" @> CAST($10 AS text[]) AND a."published_at" > CAST($11 AS timestamptz) AND a."published_at" < CAST($12 AS timestamptz)
ORDER BY a."title" ASC, a."id" ASC
LIMIT $13 OFFSET $14
-- $1 = "2026-01-01T00:00:00.000Z"
-- $2 = "a0a0a0a0-0000-4000-8000-000000000001"
-- $3 = "ada-byline"
-- $4 = ["politics","city-hall"]
-- $5 = "2025-01-01T00:00:00Z"
-- $6 = "2026-01-01T00:00:00Z"
-- $7 = "2026-01-01T00:00:00.000Z"
-- $8 = "a0a0a0a0-0000-4000-8000-000000000001"
-- $9 = "ada-byline"
-- $10 = ["politics","city-hall"]
-- $11 = "2025-01-01T00:00:00Z"
-- $12 = "2026-01-01T00:00:00Z"
-- $13 = 21
-- $14 = 0

-- articles.listArticles (editor, unfiltered: total from the counter)
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
, CAST((SELECT "value" FROM "counters" WHERE "name" = 'articles') AS int) AS "__total" FROM "articles" a JOIN "authors" au ON au."id" = a."author_id"
WHERE a."trashed_at" IS NULL AND TRUE
ORDER BY a."published_at" DESC NULLS LAST, a."id" DESC
LIMIT $1 OFFSET $2
-- $1 = 21
-- $2 = 0

-- articles.listArticles (editor, drafts, no total)
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt"
FROM "articles" a
WHERE a."trashed_at" IS NULL AND TRUE AND a."published_at" IS NULL
ORDER BY a."published_at" DESC NULLS LAST, a."id" DESC
LIMIT $1 OFFSET $2
-- $1 = 21
-- $2 = 0

-- articles.listArticles (editor, scheduled, next page by cursor on a nullable sort)
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt"
, CAST((SELECT count(*) FROM "articles" a WHERE a."trashed_at" IS NULL AND TRUE AND a."published_at" > $1) AS int) AS "__total" FROM "articles" a
WHERE a."trashed_at" IS NULL AND TRUE AND a."published_at" > $2 AND (a."published_at", a."id") < (CAST($3 AS timestamptz), CAST($4 AS uuid))
ORDER BY a."published_at" DESC, a."id" DESC
LIMIT $5 OFFSET $6
-- $1 = "2026-01-01T00:00:00.000Z"
-- $2 = "2026-01-01T00:00:00.000Z"
-- $3 = "2026-01-05T06:00:00.000Z"
-- $4 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $5 = 21
-- $6 = 0

-- articles.listArticles (editor, next page by cursor after an undated draft)
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt"
, CAST((SELECT "value" FROM "counters" WHERE "name" = 'articles') AS int) AS "__total" FROM "articles" a
WHERE a."trashed_at" IS NULL AND TRUE AND ((a."published_at" IS NULL AND a."id" < CAST($1 AS uuid)))
ORDER BY a."published_at" DESC NULLS LAST, a."id" DESC
LIMIT $2 OFFSET $3
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = 21
-- $3 = 0

-- articles.startHistory (seeded articles without a revision)
INSERT INTO "article_revisions" ("article_id", "number", "action", "snapshot", "created_at")
SELECT c."id", c."version", 'create', jsonb_build_object(
  'title', c."title",
  'slug', c."slug",
  'excerpt', c."excerpt",
  'body', c."body",
  'tags', to_jsonb(c."tags"),
  'authorId', c."authorId",
  'coverImageId', c."coverImageId",
  'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($1 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
  'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'trashed', c."trashedAt" IS NOT NULL), c."updatedAt"
FROM (SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt" FROM "articles" a
  WHERE NOT EXISTS (SELECT 1 FROM "article_revisions" r WHERE r."article_id" = a."id")) c
RETURNING 1
-- $1 = "2026-01-01T00:00:00.000Z"

-- articles.insertArticle (a new draft)
WITH "changed" AS (
  INSERT INTO "articles" AS a ("slug", "title", "excerpt", "body", "body_html", "body_text", "word_count", "render_version",
    "tags", "author_id", "cover_image_id", "event_seq")
  VALUES ($1, $2, $3, $4, $5, $6, $7,
    $8, CAST($9 AS text[]), CAST($10 AS uuid),
    CAST($11 AS uuid), 1)
  ON CONFLICT ("slug") DO NOTHING
  RETURNING a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", a."event_seq" AS "eventSeq", NULL::text AS "prevSlug", NULL::text[] AS "prevTags", NULL::uuid AS "prevAuthorId",
  NULL::timestamptz AS "prevPublishedAt", NULL::timestamptz AS "prevTrashedAt", NULL::uuid AS "prevCoverImageId"),
"revision" AS (
  INSERT INTO "article_revisions" ("article_id", "number", "action", "token_id", "token_name", "restored_from", "snapshot")
  SELECT c."id", c."version", CAST($12 AS "RevisionAction"), CAST($13 AS uuid), $14,
  CAST($15 AS int), jsonb_build_object(
    'title', c."title",
    'slug', c."slug",
    'excerpt', c."excerpt",
    'body', c."body",
    'tags', to_jsonb(c."tags"),
    'authorId', c."authorId",
    'coverImageId', c."coverImageId",
    'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($16 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'trashed', c."trashedAt" IS NOT NULL)
  FROM "changed" c
),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $17, c."id", c."eventSeq", NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', c."id",
    'slug', c."slug",
    'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($18 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'authorId', c."authorId",
    'tags', to_jsonb(c."tags"),
    'trashed', c."trashedAt" IS NOT NULL,
    'coverImageId', c."coverImageId",
    'previous', CASE WHEN c."prevSlug" IS NULL THEN NULL ELSE jsonb_build_object(
      'slug', c."prevSlug",
      'status', CASE WHEN c."prevPublishedAt" IS NULL THEN 'draft' WHEN c."prevPublishedAt" > CAST($19 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
      'authorId', c."prevAuthorId",
      'tags', to_jsonb(c."prevTags"),
      'trashed', c."prevTrashedAt" IS NOT NULL,
      'coverImageId', c."prevCoverImageId") END,
    'sequence', c."eventSeq")
  FROM "changed" c
), "pruned" AS (
  DELETE FROM "article_revisions" r USING "changed" c
  WHERE r."article_id" = c."id" AND r."number" <= c."version" - $20)
SELECT c.*, au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
FROM "changed" c JOIN "authors" au ON au."id" = c."authorId"
-- $1 = "city-council-passes-budget"
-- $2 = "City council passes budget"
-- $3 = "After a long night, the vote."
-- $4 = "The council voted 7 to 2."
-- $5 = "<p>The council voted 7 to 2.</p>\n"
-- $6 = "The council voted 7 to 2."
-- $7 = 6
-- $8 = 1
-- $9 = ["politics","city-hall"]
-- $10 = "a0a0a0a0-0000-4000-8000-000000000001"
-- $11 = null
-- $12 = "create"
-- $13 = "70707070-0000-4000-8000-000000000001"
-- $14 = "news desk"
-- $15 = null
-- $16 = "2026-01-01T00:00:00.000Z"
-- $17 = "article.created"
-- $18 = "2026-01-01T00:00:00.000Z"
-- $19 = "2026-01-01T00:00:00.000Z"
-- $20 = 50

-- articles.updateArticle (editor, several fields, If-Match version)
WITH "prev" AS (SELECT a.* FROM "articles" a WHERE a."slug" = $1 FOR NO KEY UPDATE),
"changed" AS (
  UPDATE "articles" a
  SET "title" = $2, "slug" = $3, "body" = $4, "body_html" = $5, "body_text" = $6, "word_count" = $7, "render_version" = $8, "tags" = CAST($9 AS text[]), "author_id" = CAST($10 AS uuid), "version" = a."version" + 1, "event_seq" = a."event_seq" + 1, "updated_at" = now()
  FROM "prev" p
  WHERE a."id" = p."id" AND a."trashed_at" IS NULL AND a."version" = $11
  RETURNING a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", a."event_seq" AS "eventSeq", p."slug" AS "prevSlug", p."tags" AS "prevTags", p."author_id" AS "prevAuthorId",
  p."published_at" AS "prevPublishedAt", p."trashed_at" AS "prevTrashedAt", p."cover_image_id" AS "prevCoverImageId"),
"revision" AS (
  INSERT INTO "article_revisions" ("article_id", "number", "action", "token_id", "token_name", "restored_from", "snapshot")
  SELECT c."id", c."version", CAST($12 AS "RevisionAction"), CAST($13 AS uuid), $14,
  CAST($15 AS int), jsonb_build_object(
    'title', c."title",
    'slug', c."slug",
    'excerpt', c."excerpt",
    'body', c."body",
    'tags', to_jsonb(c."tags"),
    'authorId', c."authorId",
    'coverImageId', c."coverImageId",
    'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($16 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'trashed', c."trashedAt" IS NOT NULL)
  FROM "changed" c
),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $17, c."id", c."eventSeq", NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', c."id",
    'slug', c."slug",
    'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($18 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'authorId', c."authorId",
    'tags', to_jsonb(c."tags"),
    'trashed', c."trashedAt" IS NOT NULL,
    'coverImageId', c."coverImageId",
    'previous', CASE WHEN c."prevSlug" IS NULL THEN NULL ELSE jsonb_build_object(
      'slug', c."prevSlug",
      'status', CASE WHEN c."prevPublishedAt" IS NULL THEN 'draft' WHEN c."prevPublishedAt" > CAST($19 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
      'authorId', c."prevAuthorId",
      'tags', to_jsonb(c."prevTags"),
      'trashed', c."prevTrashedAt" IS NOT NULL,
      'coverImageId', c."prevCoverImageId") END,
    'sequence', c."eventSeq")
  FROM "changed" c
), "pruned" AS (
  DELETE FROM "article_revisions" r USING "changed" c
  WHERE r."article_id" = c."id" AND r."number" <= c."version" - $20)
SELECT c.*, au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
FROM "changed" c JOIN "authors" au ON au."id" = c."authorId"
-- $1 = "city-council-passes-budget"
-- $2 = "Budget passes"
-- $3 = "budget-passes"
-- $4 = "Seven to two."
-- $5 = "<p>Seven to two.</p>\n"
-- $6 = "Seven to two."
-- $7 = 3
-- $8 = 1
-- $9 = ["politics"]
-- $10 = "a0a0a0a0-0000-4000-8000-000000000001"
-- $11 = 3
-- $12 = "update"
-- $13 = "70707070-0000-4000-8000-000000000001"
-- $14 = "news desk"
-- $15 = null
-- $16 = "2026-01-01T00:00:00.000Z"
-- $17 = "article.updated"
-- $18 = "2026-01-01T00:00:00.000Z"
-- $19 = "2026-01-01T00:00:00.000Z"
-- $20 = 50

-- articles.updateArticle (author token, publish its own, any version, keeping every revision)
WITH "prev" AS (SELECT a.* FROM "articles" a WHERE a."id" = CAST($1 AS uuid) FOR NO KEY UPDATE),
"changed" AS (
  UPDATE "articles" a
  SET "published_at" = CAST($2 AS timestamptz), "live_event_at" = CAST($3 AS timestamptz), "version" = a."version" + 1, "event_seq" = a."event_seq" + 1, "updated_at" = now()
  FROM "prev" p
  WHERE a."id" = p."id" AND a."trashed_at" IS NULL AND a."author_id" = CAST($4 AS uuid)
  RETURNING a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", a."event_seq" AS "eventSeq", p."slug" AS "prevSlug", p."tags" AS "prevTags", p."author_id" AS "prevAuthorId",
  p."published_at" AS "prevPublishedAt", p."trashed_at" AS "prevTrashedAt", p."cover_image_id" AS "prevCoverImageId"),
"revision" AS (
  INSERT INTO "article_revisions" ("article_id", "number", "action", "token_id", "token_name", "restored_from", "snapshot")
  SELECT c."id", c."version", CAST($5 AS "RevisionAction"), CAST($6 AS uuid), $7,
  CAST($8 AS int), jsonb_build_object(
    'title', c."title",
    'slug', c."slug",
    'excerpt', c."excerpt",
    'body', c."body",
    'tags', to_jsonb(c."tags"),
    'authorId', c."authorId",
    'coverImageId', c."coverImageId",
    'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($9 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'trashed', c."trashedAt" IS NOT NULL)
  FROM "changed" c
),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $10, c."id", c."eventSeq", NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', c."id",
    'slug', c."slug",
    'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($11 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'authorId', c."authorId",
    'tags', to_jsonb(c."tags"),
    'trashed', c."trashedAt" IS NOT NULL,
    'coverImageId', c."coverImageId",
    'previous', CASE WHEN c."prevSlug" IS NULL THEN NULL ELSE jsonb_build_object(
      'slug', c."prevSlug",
      'status', CASE WHEN c."prevPublishedAt" IS NULL THEN 'draft' WHEN c."prevPublishedAt" > CAST($12 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
      'authorId', c."prevAuthorId",
      'tags', to_jsonb(c."prevTags"),
      'trashed', c."prevTrashedAt" IS NOT NULL,
      'coverImageId', c."prevCoverImageId") END,
    'sequence', c."eventSeq")
  FROM "changed" c
)
SELECT c.*, au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
FROM "changed" c JOIN "authors" au ON au."id" = c."authorId"
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = "2026-01-01T00:00:00.000Z"
-- $3 = "2026-01-01T00:00:00.000Z"
-- $4 = "a0a0a0a0-0000-4000-8000-000000000001"
-- $5 = "publish"
-- $6 = "70707070-0000-4000-8000-000000000002"
-- $7 = "Ada Byline"
-- $8 = null
-- $9 = "2026-01-01T00:00:00.000Z"
-- $10 = "article.published"
-- $11 = "2026-01-01T00:00:00.000Z"
-- $12 = "2026-01-01T00:00:00.000Z"

-- articles.updateArticle (editor, schedule)
WITH "prev" AS (SELECT a.* FROM "articles" a WHERE a."id" = CAST($1 AS uuid) FOR NO KEY UPDATE),
"changed" AS (
  UPDATE "articles" a
  SET "published_at" = CAST($2 AS timestamptz), "live_event_at" = CAST($3 AS timestamptz), "version" = a."version" + 1, "event_seq" = a."event_seq" + 1, "updated_at" = now()
  FROM "prev" p
  WHERE a."id" = p."id" AND a."trashed_at" IS NULL AND a."version" = $4
  RETURNING a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", a."event_seq" AS "eventSeq", p."slug" AS "prevSlug", p."tags" AS "prevTags", p."author_id" AS "prevAuthorId",
  p."published_at" AS "prevPublishedAt", p."trashed_at" AS "prevTrashedAt", p."cover_image_id" AS "prevCoverImageId"),
"revision" AS (
  INSERT INTO "article_revisions" ("article_id", "number", "action", "token_id", "token_name", "restored_from", "snapshot")
  SELECT c."id", c."version", CAST($5 AS "RevisionAction"), CAST($6 AS uuid), $7,
  CAST($8 AS int), jsonb_build_object(
    'title', c."title",
    'slug', c."slug",
    'excerpt', c."excerpt",
    'body', c."body",
    'tags', to_jsonb(c."tags"),
    'authorId', c."authorId",
    'coverImageId', c."coverImageId",
    'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($9 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'trashed', c."trashedAt" IS NOT NULL)
  FROM "changed" c
),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $10, c."id", c."eventSeq", NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', c."id",
    'slug', c."slug",
    'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($11 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'authorId', c."authorId",
    'tags', to_jsonb(c."tags"),
    'trashed', c."trashedAt" IS NOT NULL,
    'coverImageId', c."coverImageId",
    'previous', CASE WHEN c."prevSlug" IS NULL THEN NULL ELSE jsonb_build_object(
      'slug', c."prevSlug",
      'status', CASE WHEN c."prevPublishedAt" IS NULL THEN 'draft' WHEN c."prevPublishedAt" > CAST($12 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
      'authorId', c."prevAuthorId",
      'tags', to_jsonb(c."prevTags"),
      'trashed', c."prevTrashedAt" IS NOT NULL,
      'coverImageId', c."prevCoverImageId") END,
    'sequence', c."eventSeq")
  FROM "changed" c
), "pruned" AS (
  DELETE FROM "article_revisions" r USING "changed" c
  WHERE r."article_id" = c."id" AND r."number" <= c."version" - $13)
SELECT c.*, au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
FROM "changed" c JOIN "authors" au ON au."id" = c."authorId"
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = "2026-01-02T09:30:00.000Z"
-- $3 = null
-- $4 = 4
-- $5 = "publish"
-- $6 = "70707070-0000-4000-8000-000000000001"
-- $7 = "news desk"
-- $8 = null
-- $9 = "2026-01-01T00:00:00.000Z"
-- $10 = "article.updated"
-- $11 = "2026-01-01T00:00:00.000Z"
-- $12 = "2026-01-01T00:00:00.000Z"
-- $13 = 50

-- articles.updateArticle (editor, unpublish)
WITH "prev" AS (SELECT a.* FROM "articles" a WHERE a."id" = CAST($1 AS uuid) FOR NO KEY UPDATE),
"changed" AS (
  UPDATE "articles" a
  SET "published_at" = CAST($2 AS timestamptz), "live_event_at" = CAST($3 AS timestamptz), "version" = a."version" + 1, "event_seq" = a."event_seq" + 1, "updated_at" = now()
  FROM "prev" p
  WHERE a."id" = p."id" AND a."trashed_at" IS NULL AND a."version" = $4
  RETURNING a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", a."event_seq" AS "eventSeq", p."slug" AS "prevSlug", p."tags" AS "prevTags", p."author_id" AS "prevAuthorId",
  p."published_at" AS "prevPublishedAt", p."trashed_at" AS "prevTrashedAt", p."cover_image_id" AS "prevCoverImageId"),
"revision" AS (
  INSERT INTO "article_revisions" ("article_id", "number", "action", "token_id", "token_name", "restored_from", "snapshot")
  SELECT c."id", c."version", CAST($5 AS "RevisionAction"), CAST($6 AS uuid), $7,
  CAST($8 AS int), jsonb_build_object(
    'title', c."title",
    'slug', c."slug",
    'excerpt', c."excerpt",
    'body', c."body",
    'tags', to_jsonb(c."tags"),
    'authorId', c."authorId",
    'coverImageId', c."coverImageId",
    'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($9 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'trashed', c."trashedAt" IS NOT NULL)
  FROM "changed" c
),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $10, c."id", c."eventSeq", NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', c."id",
    'slug', c."slug",
    'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($11 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'authorId', c."authorId",
    'tags', to_jsonb(c."tags"),
    'trashed', c."trashedAt" IS NOT NULL,
    'coverImageId', c."coverImageId",
    'previous', CASE WHEN c."prevSlug" IS NULL THEN NULL ELSE jsonb_build_object(
      'slug', c."prevSlug",
      'status', CASE WHEN c."prevPublishedAt" IS NULL THEN 'draft' WHEN c."prevPublishedAt" > CAST($12 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
      'authorId', c."prevAuthorId",
      'tags', to_jsonb(c."prevTags"),
      'trashed', c."prevTrashedAt" IS NOT NULL,
      'coverImageId', c."prevCoverImageId") END,
    'sequence', c."eventSeq")
  FROM "changed" c
), "pruned" AS (
  DELETE FROM "article_revisions" r USING "changed" c
  WHERE r."article_id" = c."id" AND r."number" <= c."version" - $13)
SELECT c.*, au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
FROM "changed" c JOIN "authors" au ON au."id" = c."authorId"
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = null
-- $3 = null
-- $4 = 5
-- $5 = "unpublish"
-- $6 = "70707070-0000-4000-8000-000000000001"
-- $7 = "news desk"
-- $8 = null
-- $9 = "2026-01-01T00:00:00.000Z"
-- $10 = "article.unpublished"
-- $11 = "2026-01-01T00:00:00.000Z"
-- $12 = "2026-01-01T00:00:00.000Z"
-- $13 = 50

-- articles.updateArticle (editor, into the trash)
WITH "prev" AS (SELECT a.* FROM "articles" a WHERE a."id" = CAST($1 AS uuid) FOR NO KEY UPDATE),
"changed" AS (
  UPDATE "articles" a
  SET "trashed_at" = CAST($2 AS timestamptz), "version" = a."version" + 1, "event_seq" = a."event_seq" + 1, "updated_at" = now()
  FROM "prev" p
  WHERE a."id" = p."id" AND a."trashed_at" IS NULL AND a."version" = $3
  RETURNING a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", a."event_seq" AS "eventSeq", p."slug" AS "prevSlug", p."tags" AS "prevTags", p."author_id" AS "prevAuthorId",
  p."published_at" AS "prevPublishedAt", p."trashed_at" AS "prevTrashedAt", p."cover_image_id" AS "prevCoverImageId"),
"revision" AS (
  INSERT INTO "article_revisions" ("article_id", "number", "action", "token_id", "token_name", "restored_from", "snapshot")
  SELECT c."id", c."version", CAST($4 AS "RevisionAction"), CAST($5 AS uuid), $6,
  CAST($7 AS int), jsonb_build_object(
    'title', c."title",
    'slug', c."slug",
    'excerpt', c."excerpt",
    'body', c."body",
    'tags', to_jsonb(c."tags"),
    'authorId', c."authorId",
    'coverImageId', c."coverImageId",
    'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($8 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'trashed', c."trashedAt" IS NOT NULL)
  FROM "changed" c
),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $9, c."id", c."eventSeq", NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', c."id",
    'slug', c."slug",
    'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($10 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'authorId', c."authorId",
    'tags', to_jsonb(c."tags"),
    'trashed', c."trashedAt" IS NOT NULL,
    'coverImageId', c."coverImageId",
    'previous', CASE WHEN c."prevSlug" IS NULL THEN NULL ELSE jsonb_build_object(
      'slug', c."prevSlug",
      'status', CASE WHEN c."prevPublishedAt" IS NULL THEN 'draft' WHEN c."prevPublishedAt" > CAST($11 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
      'authorId', c."prevAuthorId",
      'tags', to_jsonb(c."prevTags"),
      'trashed', c."prevTrashedAt" IS NOT NULL,
      'coverImageId', c."prevCoverImageId") END,
    'sequence', c."eventSeq")
  FROM "changed" c
), "pruned" AS (
  DELETE FROM "article_revisions" r USING "changed" c
  WHERE r."article_id" = c."id" AND r."number" <= c."version" - $12)
SELECT c.*, au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
FROM "changed" c JOIN "authors" au ON au."id" = c."authorId"
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = "2026-01-01T00:00:00.000Z"
-- $3 = 6
-- $4 = "trash"
-- $5 = "70707070-0000-4000-8000-000000000001"
-- $6 = "news desk"
-- $7 = null
-- $8 = "2026-01-01T00:00:00.000Z"
-- $9 = "article.trashed"
-- $10 = "2026-01-01T00:00:00.000Z"
-- $11 = "2026-01-01T00:00:00.000Z"
-- $12 = 50

-- articles.updateArticle (editor, out of the trash)
WITH "prev" AS (SELECT a.* FROM "articles" a WHERE a."id" = CAST($1 AS uuid) FOR NO KEY UPDATE),
"changed" AS (
  UPDATE "articles" a
  SET "trashed_at" = CAST($2 AS timestamptz), "version" = a."version" + 1, "event_seq" = a."event_seq" + 1, "updated_at" = now()
  FROM "prev" p
  WHERE a."id" = p."id" AND a."trashed_at" IS NOT NULL
  RETURNING a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", a."event_seq" AS "eventSeq", p."slug" AS "prevSlug", p."tags" AS "prevTags", p."author_id" AS "prevAuthorId",
  p."published_at" AS "prevPublishedAt", p."trashed_at" AS "prevTrashedAt", p."cover_image_id" AS "prevCoverImageId"),
"revision" AS (
  INSERT INTO "article_revisions" ("article_id", "number", "action", "token_id", "token_name", "restored_from", "snapshot")
  SELECT c."id", c."version", CAST($3 AS "RevisionAction"), CAST($4 AS uuid), $5,
  CAST($6 AS int), jsonb_build_object(
    'title', c."title",
    'slug', c."slug",
    'excerpt', c."excerpt",
    'body', c."body",
    'tags', to_jsonb(c."tags"),
    'authorId', c."authorId",
    'coverImageId', c."coverImageId",
    'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($7 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'trashed', c."trashedAt" IS NOT NULL)
  FROM "changed" c
),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $8, c."id", c."eventSeq", NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', c."id",
    'slug', c."slug",
    'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($9 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'authorId', c."authorId",
    'tags', to_jsonb(c."tags"),
    'trashed', c."trashedAt" IS NOT NULL,
    'coverImageId', c."coverImageId",
    'previous', CASE WHEN c."prevSlug" IS NULL THEN NULL ELSE jsonb_build_object(
      'slug', c."prevSlug",
      'status', CASE WHEN c."prevPublishedAt" IS NULL THEN 'draft' WHEN c."prevPublishedAt" > CAST($10 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
      'authorId', c."prevAuthorId",
      'tags', to_jsonb(c."prevTags"),
      'trashed', c."prevTrashedAt" IS NOT NULL,
      'coverImageId', c."prevCoverImageId") END,
    'sequence', c."eventSeq")
  FROM "changed" c
), "pruned" AS (
  DELETE FROM "article_revisions" r USING "changed" c
  WHERE r."article_id" = c."id" AND r."number" <= c."version" - $11)
SELECT c.*, au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
FROM "changed" c JOIN "authors" au ON au."id" = c."authorId"
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = null
-- $3 = "untrash"
-- $4 = "70707070-0000-4000-8000-000000000001"
-- $5 = "news desk"
-- $6 = null
-- $7 = "2026-01-01T00:00:00.000Z"
-- $8 = "article.restored"
-- $9 = "2026-01-01T00:00:00.000Z"
-- $10 = "2026-01-01T00:00:00.000Z"
-- $11 = 50

-- articles.updateArticle (editor, a revision copied back)
WITH "prev" AS (SELECT a.* FROM "articles" a WHERE a."id" = CAST($1 AS uuid) FOR NO KEY UPDATE),
"changed" AS (
  UPDATE "articles" a
  SET "title" = $2, "excerpt" = $3, "body" = $4, "body_html" = $5, "body_text" = $6, "word_count" = $7, "render_version" = $8, "version" = a."version" + 1, "event_seq" = a."event_seq" + 1, "updated_at" = now()
  FROM "prev" p
  WHERE a."id" = p."id" AND a."trashed_at" IS NULL AND a."version" = $9
  RETURNING a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", a."event_seq" AS "eventSeq", p."slug" AS "prevSlug", p."tags" AS "prevTags", p."author_id" AS "prevAuthorId",
  p."published_at" AS "prevPublishedAt", p."trashed_at" AS "prevTrashedAt", p."cover_image_id" AS "prevCoverImageId"),
"revision" AS (
  INSERT INTO "article_revisions" ("article_id", "number", "action", "token_id", "token_name", "restored_from", "snapshot")
  SELECT c."id", c."version", CAST($10 AS "RevisionAction"), CAST($11 AS uuid), $12,
  CAST($13 AS int), jsonb_build_object(
    'title', c."title",
    'slug', c."slug",
    'excerpt', c."excerpt",
    'body', c."body",
    'tags', to_jsonb(c."tags"),
    'authorId', c."authorId",
    'coverImageId', c."coverImageId",
    'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($14 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'trashed', c."trashedAt" IS NOT NULL)
  FROM "changed" c
),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $15, c."id", c."eventSeq", NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', c."id",
    'slug', c."slug",
    'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($16 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'authorId', c."authorId",
    'tags', to_jsonb(c."tags"),
    'trashed', c."trashedAt" IS NOT NULL,
    'coverImageId', c."coverImageId",
    'previous', CASE WHEN c."prevSlug" IS NULL THEN NULL ELSE jsonb_build_object(
      'slug', c."prevSlug",
      'status', CASE WHEN c."prevPublishedAt" IS NULL THEN 'draft' WHEN c."prevPublishedAt" > CAST($17 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
      'authorId', c."prevAuthorId",
      'tags', to_jsonb(c."prevTags"),
      'trashed', c."prevTrashedAt" IS NOT NULL,
      'coverImageId', c."prevCoverImageId") END,
    'sequence', c."eventSeq")
  FROM "changed" c
), "pruned" AS (
  DELETE FROM "article_revisions" r USING "changed" c
  WHERE r."article_id" = c."id" AND r."number" <= c."version" - $18)
SELECT c.*, au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
FROM "changed" c JOIN "authors" au ON au."id" = c."authorId"
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = "City council passes budget"
-- $3 = "After a long night, the vote."
-- $4 = "The council voted 7 to 2."
-- $5 = "<p>The council voted 7 to 2.</p>\n"
-- $6 = "The council voted 7 to 2."
-- $7 = 6
-- $8 = 1
-- $9 = 7
-- $10 = "restore"
-- $11 = "70707070-0000-4000-8000-000000000001"
-- $12 = "news desk"
-- $13 = 2
-- $14 = "2026-01-01T00:00:00.000Z"
-- $15 = "article.updated"
-- $16 = "2026-01-01T00:00:00.000Z"
-- $17 = "2026-01-01T00:00:00.000Z"
-- $18 = 50

-- articles.deleteArticle (If-Match version)
WITH "gone" AS (DELETE FROM "articles" WHERE "id" = CAST($1 AS uuid) AND "version" = $2 RETURNING "id", "slug", "tags", "author_id", "published_at", "trashed_at", "cover_image_id",
  "event_seq" + 1 AS "seq"),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $3, g."id", g."seq", NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', g."id",
    'slug', g."slug",
    'status', 'deleted',
    'authorId', g."author_id",
    'tags', to_jsonb(g."tags"),
    'previous', jsonb_build_object(
      'slug', g."slug",
      'status', CASE WHEN g."published_at" IS NULL THEN 'draft' WHEN g."published_at" > CAST($4 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
      'authorId', g."author_id",
      'tags', to_jsonb(g."tags"),
      'trashed', g."trashed_at" IS NOT NULL,
      'coverImageId', g."cover_image_id"),
    'sequence', g."seq")
  FROM "gone" g
)
SELECT "id" FROM "gone"
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = 8
-- $3 = "article.deleted"
-- $4 = "2026-01-01T00:00:00.000Z"

-- articles.deleteArticle (any version)
WITH "gone" AS (DELETE FROM "articles" WHERE "id" = CAST($1 AS uuid) RETURNING "id", "slug", "tags", "author_id", "published_at", "trashed_at", "cover_image_id",
  "event_seq" + 1 AS "seq"),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $2, g."id", g."seq", NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', g."id",
    'slug', g."slug",
    'status', 'deleted',
    'authorId', g."author_id",
    'tags', to_jsonb(g."tags"),
    'previous', jsonb_build_object(
      'slug', g."slug",
      'status', CASE WHEN g."published_at" IS NULL THEN 'draft' WHEN g."published_at" > CAST($3 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
      'authorId', g."author_id",
      'tags', to_jsonb(g."tags"),
      'trashed', g."trashed_at" IS NOT NULL,
      'coverImageId', g."cover_image_id"),
    'sequence', g."seq")
  FROM "gone" g
)
SELECT "id" FROM "gone"
-- $1 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $2 = "article.deleted"
-- $3 = "2026-01-01T00:00:00.000Z"

-- articles.purgeTrash (trashed before the retention cutoff)
WITH "gone" AS (DELETE FROM "articles" WHERE "id" IN (
    SELECT "id" FROM "articles" WHERE "trashed_at" <= $1
    ORDER BY "trashed_at" LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING "id", "slug", "tags", "author_id", "published_at", "trashed_at", "cover_image_id",
  "event_seq" + 1 AS "seq"),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $3, g."id", g."seq", NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', g."id",
    'slug', g."slug",
    'status', 'deleted',
    'authorId', g."author_id",
    'tags', to_jsonb(g."tags"),
    'previous', jsonb_build_object(
      'slug', g."slug",
      'status', CASE WHEN g."published_at" IS NULL THEN 'draft' WHEN g."published_at" > CAST($4 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
      'authorId', g."author_id",
      'tags', to_jsonb(g."tags"),
      'trashed', g."trashed_at" IS NOT NULL,
      'coverImageId', g."cover_image_id"),
    'sequence', g."seq")
  FROM "gone" g
)
SELECT "id" FROM "gone"
-- $1 = "2025-12-02T00:00:00.000Z"
-- $2 = 100
-- $3 = "article.deleted"
-- $4 = "2026-01-01T00:00:00.000Z"

-- articles.announceDue (scheduled articles whose time has come)
WITH "changed" AS (
  UPDATE "articles" a SET "live_event_at" = CAST($1 AS timestamptz), "event_seq" = a."event_seq" + 1
  WHERE a."id" IN (
    SELECT "id" FROM "articles"
    WHERE "live_event_at" IS NULL AND "published_at" <= CAST($2 AS timestamptz) AND "trashed_at" IS NULL
    ORDER BY "published_at" LIMIT $3 FOR UPDATE SKIP LOCKED)
  RETURNING a."id", a."slug", a."title", a."excerpt", a."body", a."body_html" AS "bodyHtml", a."body_text" AS "bodyText", a."word_count" AS "wordCount", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", a."event_seq" AS "eventSeq", NULL::text AS "prevSlug", NULL::text[] AS "prevTags", NULL::uuid AS "prevAuthorId",
  NULL::timestamptz AS "prevPublishedAt", NULL::timestamptz AS "prevTrashedAt", NULL::uuid AS "prevCoverImageId"),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $4, c."id", c."eventSeq", NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', c."id",
    'slug', c."slug",
    'status', CASE WHEN c."publishedAt" IS NULL THEN 'draft' WHEN c."publishedAt" > CAST($5 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(c."publishedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'authorId', c."authorId",
    'tags', to_jsonb(c."tags"),
    'trashed', c."trashedAt" IS NOT NULL,
    'coverImageId', c."coverImageId",
    'previous', CASE WHEN c."prevSlug" IS NULL THEN NULL ELSE jsonb_build_object(
      'slug', c."prevSlug",
      'status', CASE WHEN c."prevPublishedAt" IS NULL THEN 'draft' WHEN c."prevPublishedAt" > CAST($6 AS timestamptz) THEN 'scheduled' ELSE 'published' END,
      'authorId', c."prevAuthorId",
      'tags', to_jsonb(c."prevTags"),
      'trashed', c."prevTrashedAt" IS NOT NULL,
      'coverImageId', c."prevCoverImageId") END,
    'sequence', c."eventSeq")
  FROM "changed" c
)
SELECT "id" FROM "changed"
-- $1 = "2026-01-01T00:00:00.000Z"
-- $2 = "2026-01-01T00:00:00.000Z"
-- $3 = 100
-- $4 = "article.published"
-- $5 = "2026-01-01T00:00:00.000Z"
-- $6 = "2026-01-01T00:00:00.000Z"

-- articles.nextGoLive (the next scheduled go-live)
SELECT min("published_at") AS "at" FROM "articles"
WHERE "live_event_at" IS NULL AND "published_at" > $1 AND "trashed_at" IS NULL
-- $1 = "2026-01-01T00:00:00.000Z"

-- articles.listTrash (editor, first page)
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", CAST((SELECT count(*) FROM "articles" a WHERE a."trashed_at" IS NOT NULL AND TRUE) AS int) AS "__total" FROM "articles" a
WHERE a."trashed_at" IS NOT NULL AND TRUE
ORDER BY a."trashed_at" DESC, a."id" DESC
LIMIT $1 OFFSET $2
-- $1 = 21
-- $2 = 0

-- articles.listTrash (author token, by title, next page by cursor)
SELECT a."id", a."slug", a."title", a."excerpt", a."body", a."tags", a."published_at" AS "publishedAt", a."author_id" AS "authorId", a."cover_image_id" AS "coverImageId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt", a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt", CAST((SELECT count(*) FROM "articles" a WHERE a."trashed_at" IS NOT NULL AND a."author_id" = CAST($1 AS uuid)) AS int) AS "__total" FROM "articles" a
WHERE a."trashed_at" IS NOT NULL AND a."author_id" = CAST($2 AS uuid) AND (a."title", a."id") > (CAST($3 AS text), CAST($4 AS uuid))
ORDER BY a."title" ASC, a."id" ASC
LIMIT $5 OFFSET $6
-- $1 = "a0a0a0a0-0000-4000-8000-000000000001"
-- $2 = "a0a0a0a0-0000-4000-8000-000000000001"
-- $3 = "Budget passes"
-- $4 = "0b7e2c1a-0000-4000-8000-000000000001"
-- $5 = 21
-- $6 = 0

-- articles.authorHasArticles (by author id)
SELECT 1 FROM "articles" WHERE "author_id" = CAST($1 AS uuid) LIMIT 1
-- $1 = "a0a0a0a0-0000-4000-8000-000000000001"
