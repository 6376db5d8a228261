-- The SQL of src/db/queries/sitemaps.ts: every statement its functions send, for the examples
-- in scripts/sync-sql.ts, as the driver receives it ($n are parameters, listed after each).
-- Generated: do not edit. Regenerate with `npm run sql:sync`; test/unit/sql-snapshots.test.ts
-- fails while this file differs from what the code sends.

-- sitemaps.sitemapIndex (files of 50,000, the news window, the authors)
WITH "live" AS (
  SELECT a."id", a."author_id", a."published_at", a."updated_at",
  CAST((row_number() OVER (ORDER BY a."published_at", a."id") - 1) / $1 + 1 AS int) AS "file"
  FROM "articles" a
  WHERE a."trashed_at" IS NULL AND a."published_at" <= $2),
"news" AS (
  SELECT l."published_at", l."updated_at" FROM "live" l
  WHERE l."published_at" > CAST($3 AS timestamptz)
  ORDER BY l."published_at" DESC, l."id" DESC
  LIMIT $4)
SELECT 'articles' AS "kind", l."file", max(l."updated_at") AS "lastmod", CAST(NULL AS timestamptz) AS "oldest"
FROM "live" l GROUP BY l."file"
UNION ALL
SELECT 'news', 1, max(n."updated_at"), min(n."published_at") FROM "news" n
UNION ALL
SELECT 'authors', 1, max(au."updated_at"), CAST(NULL AS timestamptz)
FROM "authors" au WHERE EXISTS (SELECT 1 FROM "live" l WHERE l."author_id" = au."id")
ORDER BY 1, 2
-- $1 = 50000
-- $2 = "2026-01-01T00:00:00.000Z"
-- $3 = "2025-12-30T00:00:00.000Z"
-- $4 = 1000

-- sitemaps.sitemapArticles (the first file, {siteUrl}/articles/{slug})
SELECT string_agg('<url><loc>' || CAST($1 AS text) || CASE WHEN a."slug" ~ $2 THEN a."slug" ELSE (
    SELECT string_agg(CASE WHEN c ~ $3 THEN c
      ELSE upper(regexp_replace(encode(convert_to(c, 'UTF8'), 'hex'), '(..)', $4, 'g')) END, '' ORDER BY n)
    FROM regexp_split_to_table(a."slug", '') WITH ORDINALITY AS t(c, n)) END || $5 || '</loc><lastmod>' || to_char(a."updated_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '</lastmod>' || CASE WHEN a."cover_image_id" IS NULL THEN '' ELSE '<image:image><image:loc>' || $6
  || a."cover_image_id" || '/full.jpeg</image:loc></image:image>' END
  || '</url>' || chr(10), '' ORDER BY a."published_at", a."id") AS "xml"
FROM (
  SELECT a."id", a."slug", a."published_at", a."updated_at", a."cover_image_id",
  (row_number() OVER (ORDER BY a."published_at", a."id") - 1) / $7 AS "part"
  FROM "articles" a
  WHERE a."trashed_at" IS NULL AND a."published_at" <= $8
  ORDER BY a."published_at", a."id"
  LIMIT $9 OFFSET $10) a
GROUP BY a."part"
ORDER BY a."part"
-- $1 = "https://news.example.com/articles/"
-- $2 = "^[A-Za-z0-9_.!~*'()-]*$"
-- $3 = "^[A-Za-z0-9_.!~*'()-]$"
-- $4 = "%\\1"
-- $5 = ""
-- $6 = "https://api.example.com/media/"
-- $7 = 500
-- $8 = "2026-01-01T00:00:00.000Z"
-- $9 = 50000
-- $10 = 0

-- sitemaps.sitemapArticles (the third file, every placeholder)
SELECT string_agg('<url><loc>' || CAST($1 AS text) || to_char(a."published_at" AT TIME ZONE 'UTC', 'YYYY') || $2 || to_char(a."published_at" AT TIME ZONE 'UTC', 'MM') || $3 || to_char(a."published_at" AT TIME ZONE 'UTC', 'DD') || $4 || CASE WHEN a."slug" ~ $5 THEN a."slug" ELSE (
    SELECT string_agg(CASE WHEN c ~ $6 THEN c
      ELSE upper(regexp_replace(encode(convert_to(c, 'UTF8'), 'hex'), '(..)', $7, 'g')) END, '' ORDER BY n)
    FROM regexp_split_to_table(a."slug", '') WITH ORDINALITY AS t(c, n)) END || $8 || CAST(a."id" AS text) || $9 || '</loc><lastmod>' || to_char(a."updated_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '</lastmod>' || CASE WHEN a."cover_image_id" IS NULL THEN '' ELSE '<image:image><image:loc>' || $10
  || a."cover_image_id" || '/full.jpeg</image:loc></image:image>' END
  || '</url>' || chr(10), '' ORDER BY a."published_at", a."id") AS "xml"
FROM (
  SELECT a."id", a."slug", a."published_at", a."updated_at", a."cover_image_id",
  (row_number() OVER (ORDER BY a."published_at", a."id") - 1) / $11 AS "part"
  FROM "articles" a
  WHERE a."trashed_at" IS NULL AND a."published_at" <= $12
  ORDER BY a."published_at", a."id"
  LIMIT $13 OFFSET $14) a
GROUP BY a."part"
ORDER BY a."part"
-- $1 = "https://news.example.com/"
-- $2 = "/"
-- $3 = "/"
-- $4 = "/"
-- $5 = "^[A-Za-z0-9_.!~*'()-]*$"
-- $6 = "^[A-Za-z0-9_.!~*'()-]$"
-- $7 = "%\\1"
-- $8 = "-"
-- $9 = "?ref=sitemap&amp;v=1"
-- $10 = "https://api.example.com/media/"
-- $11 = 500
-- $12 = "2026-01-01T00:00:00.000Z"
-- $13 = 50000
-- $14 = 100000

-- sitemaps.newsArticles (the last 48 hours, at most 1,000)
SELECT a."id", a."slug", a."title", a."published_at" AS "publishedAt", a."updated_at" AS "updatedAt"
FROM "articles" a
WHERE a."trashed_at" IS NULL AND a."published_at" <= $1 AND a."published_at" > CAST($2 AS timestamptz)
ORDER BY a."published_at" DESC, a."id" DESC
LIMIT $3
-- $1 = "2026-01-01T00:00:00.000Z"
-- $2 = "2025-12-30T00:00:00.000Z"
-- $3 = 1000

-- sitemaps.sitemapAuthors (with a published article)
SELECT au."id", au."slug", to_char(au."updated_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastmod"
FROM "authors" au
WHERE EXISTS (SELECT 1 FROM "articles" a WHERE a."author_id" = au."id" AND a."trashed_at" IS NULL AND a."published_at" <= $1)
ORDER BY au."slug"
LIMIT $2
-- $1 = "2026-01-01T00:00:00.000Z"
-- $2 = 50000
