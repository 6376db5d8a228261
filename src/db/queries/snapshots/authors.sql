-- The SQL of src/db/queries/authors.ts: every statement its functions send, for the examples
-- in scripts/sync-sql.ts, as the driver receives it ($n are parameters, listed after each).
-- Generated: do not edit. Regenerate with `npm run sql:sync`; test/unit/sql-snapshots.test.ts
-- fails while this file differs from what the code sends.

-- authors.findAuthor (by slug)
SELECT au."id", au."slug", au."name", au."email", au."bio", au."avatar_url" AS "avatarUrl", au."avatar_id" AS "avatarId", (SELECT json_build_object(
    'id', m."id", 'mimeType', m."mime_type", 'width', m."width", 'height', m."height", 'bytes', m."bytes",
    'alt', m."alt", 'caption', m."caption", 'credit', m."credit", 'license', m."license",
    'focalX', m."focal_x", 'focalY', m."focal_y", 'placeholderColor', m."placeholder_color",
    'thumbhash', m."thumbhash", 'public', m."public", 'version', m."version",
    'cropVersion', m."crop_version",
    'createdAt', m."created_at", 'updatedAt', m."updated_at")
  FROM "media" m WHERE m."id" = au."avatar_id") AS "avatar", au."website", au."created_at" AS "createdAt", au."updated_at" AS "updatedAt", au."version" FROM "authors" au WHERE au."slug" = $1
-- $1 = "ada-byline"

-- authors.findAuthor (by id)
SELECT au."id", au."slug", au."name", au."email", au."bio", au."avatar_url" AS "avatarUrl", au."avatar_id" AS "avatarId", (SELECT json_build_object(
    'id', m."id", 'mimeType', m."mime_type", 'width', m."width", 'height', m."height", 'bytes', m."bytes",
    'alt', m."alt", 'caption', m."caption", 'credit', m."credit", 'license', m."license",
    'focalX', m."focal_x", 'focalY', m."focal_y", 'placeholderColor', m."placeholder_color",
    'thumbhash', m."thumbhash", 'public', m."public", 'version', m."version",
    'cropVersion', m."crop_version",
    'createdAt', m."created_at", 'updatedAt', m."updated_at")
  FROM "media" m WHERE m."id" = au."avatar_id") AS "avatar", au."website", au."created_at" AS "createdAt", au."updated_at" AS "updatedAt", au."version" FROM "authors" au WHERE au."id" = CAST($1 AS uuid)
-- $1 = "a0a0a0a0-0000-4000-8000-000000000001"

-- authors.findAuthor (fields=name,avatarUrl)
SELECT au."id", au."name", au."avatar_url" AS "avatarUrl", au."version" FROM "authors" au WHERE au."slug" = $1
-- $1 = "ada-byline"

-- authors.findAuthor (fields=name,email, author token: its own email only)
SELECT au."id", au."name", CASE WHEN au."id" = CAST($1 AS uuid) THEN au."email" END AS "email", au."version" FROM "authors" au WHERE au."id" = CAST($2 AS uuid)
-- $1 = "a0a0a0a0-0000-4000-8000-000000000001"
-- $2 = "a0a0a0a0-0000-4000-8000-000000000001"

-- authors.authorExists (by id)
SELECT 1 FROM "authors" WHERE "id" = CAST($1 AS uuid)
-- $1 = "a0a0a0a0-0000-4000-8000-000000000001"

-- authors.listAuthors (first page)
SELECT au."id", au."slug", au."name", au."email", au."bio", au."avatar_url" AS "avatarUrl", au."avatar_id" AS "avatarId", (SELECT json_build_object(
    'id', m."id", 'mimeType', m."mime_type", 'width', m."width", 'height', m."height", 'bytes', m."bytes",
    'alt', m."alt", 'caption', m."caption", 'credit', m."credit", 'license', m."license",
    'focalX', m."focal_x", 'focalY', m."focal_y", 'placeholderColor', m."placeholder_color",
    'thumbhash', m."thumbhash", 'public', m."public", 'version', m."version",
    'cropVersion', m."crop_version",
    'createdAt', m."created_at", 'updatedAt', m."updated_at")
  FROM "media" m WHERE m."id" = au."avatar_id") AS "avatar", au."website", au."created_at" AS "createdAt", au."updated_at" AS "updatedAt", au."version", CAST((SELECT count(*) FROM "authors" au WHERE TRUE) AS int) AS "__total" FROM "authors" au
WHERE TRUE
ORDER BY au."name" ASC, au."id" ASC
LIMIT $1 OFFSET $2
-- $1 = 21
-- $2 = 0

-- authors.listAuthors (name search, next page by cursor)
SELECT au."id", au."slug", au."name", au."email", au."bio", au."avatar_url" AS "avatarUrl", au."avatar_id" AS "avatarId", (SELECT json_build_object(
    'id', m."id", 'mimeType', m."mime_type", 'width', m."width", 'height', m."height", 'bytes', m."bytes",
    'alt', m."alt", 'caption', m."caption", 'credit', m."credit", 'license', m."license",
    'focalX', m."focal_x", 'focalY', m."focal_y", 'placeholderColor', m."placeholder_color",
    'thumbhash', m."thumbhash", 'public', m."public", 'version', m."version",
    'cropVersion', m."crop_version",
    'createdAt', m."created_at", 'updatedAt', m."updated_at")
  FROM "media" m WHERE m."id" = au."avatar_id") AS "avatar", au."website", au."created_at" AS "createdAt", au."updated_at" AS "updatedAt", au."version", CAST((SELECT count(*) FROM "authors" au WHERE strpos(lower(au."name"), lower($1)) > 0) AS int) AS "__total" FROM "authors" au
WHERE strpos(lower(au."name"), lower($2)) > 0 AND (au."name", au."id") > (CAST($3 AS text), CAST($4 AS uuid))
ORDER BY au."name" ASC, au."id" ASC
LIMIT $5 OFFSET $6
-- $1 = "ada"
-- $2 = "ada"
-- $3 = "Ada Byline"
-- $4 = "a0a0a0a0-0000-4000-8000-000000000001"
-- $5 = 11
-- $6 = 0

-- authors.listAuthors (fields=slug,email (staff), by -createdAt: the sort column read for the cursor)
SELECT au."id", au."slug", au."email", au."created_at" AS "createdAt", CAST((SELECT count(*) FROM "authors" au WHERE TRUE) AS int) AS "__total" FROM "authors" au
WHERE TRUE
ORDER BY au."created_at" DESC, au."id" DESC
LIMIT $1 OFFSET $2
-- $1 = 21
-- $2 = 0

-- authors.insertAuthor (a new author)
WITH "created" AS (
  INSERT INTO "authors" AS au ("slug", "name", "email", "bio", "avatar_url", "avatar_id", "website")
  VALUES ($1, $2, $3, $4, $5, CAST($6 AS uuid), $7)
  ON CONFLICT ("slug") DO NOTHING
  RETURNING au."id", au."slug", au."name", au."email", au."bio", au."avatar_url" AS "avatarUrl", au."avatar_id" AS "avatarId", (SELECT json_build_object(
      'id', m."id", 'mimeType', m."mime_type", 'width', m."width", 'height', m."height", 'bytes', m."bytes",
      'alt', m."alt", 'caption', m."caption", 'credit', m."credit", 'license', m."license",
      'focalX', m."focal_x", 'focalY', m."focal_y", 'placeholderColor', m."placeholder_color",
      'thumbhash', m."thumbhash", 'public', m."public", 'version', m."version",
      'cropVersion', m."crop_version",
      'createdAt', m."created_at", 'updatedAt', m."updated_at")
    FROM "media" m WHERE m."id" = au."avatar_id") AS "avatar", au."website", au."created_at" AS "createdAt", au."updated_at" AS "updatedAt", au."version"),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $8, NULL::uuid, NULL::int, NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', c."id",
    'slug', c."slug",
    'name', c."name")
  FROM "created" c
)
SELECT * FROM "created"
-- $1 = "ada-byline"
-- $2 = "Ada Byline"
-- $3 = "ada@example.com"
-- $4 = "City hall reporter."
-- $5 = null
-- $6 = null
-- $7 = "https://example.com/ada"
-- $8 = "author.created"

-- authors.updateAuthor (several fields, If-Match version)
WITH "prev" AS (SELECT au."id", au."slug", au."avatar_id" FROM "authors" au WHERE au."id" = CAST($1 AS uuid) FOR UPDATE),
"changed" AS (
  UPDATE "authors" au SET "name" = $2, "email" = $3, "bio" = $4, "version" = au."version" + 1, "updated_at" = now()
  FROM "prev" p
  WHERE au."id" = p."id" AND au."version" = $5
  RETURNING au."id", au."slug", au."name", au."email", au."bio", au."avatar_url" AS "avatarUrl", au."avatar_id" AS "avatarId", (SELECT json_build_object(
      'id', m."id", 'mimeType', m."mime_type", 'width', m."width", 'height', m."height", 'bytes', m."bytes",
      'alt', m."alt", 'caption', m."caption", 'credit', m."credit", 'license', m."license",
      'focalX', m."focal_x", 'focalY', m."focal_y", 'placeholderColor', m."placeholder_color",
      'thumbhash', m."thumbhash", 'public', m."public", 'version', m."version",
      'cropVersion', m."crop_version",
      'createdAt', m."created_at", 'updatedAt', m."updated_at")
    FROM "media" m WHERE m."id" = au."avatar_id") AS "avatar", au."website", au."created_at" AS "createdAt", au."updated_at" AS "updatedAt", au."version", p."slug" AS "prevSlug", p."avatar_id" AS "prevAvatarId"),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $6, NULL::uuid, NULL::int, NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', c."id",
    'slug', c."slug",
    'name', c."name",
    'avatarId', c."avatarId",
    'previous', jsonb_build_object(
      'slug', c."prevSlug",
      'avatarId', c."prevAvatarId"))
  FROM "changed" c
)
SELECT * FROM "changed"
-- $1 = "a0a0a0a0-0000-4000-8000-000000000001"
-- $2 = "Ada B. Byline"
-- $3 = "ada.b@example.com"
-- $4 = "Politics editor."
-- $5 = 2
-- $6 = "author.updated"

-- authors.updateAuthor (new slug, any version)
WITH "prev" AS (SELECT au."id", au."slug", au."avatar_id" FROM "authors" au WHERE au."id" = CAST($1 AS uuid) FOR UPDATE),
"changed" AS (
  UPDATE "authors" au SET "slug" = $2, "version" = au."version" + 1, "updated_at" = now()
  FROM "prev" p
  WHERE au."id" = p."id"
  RETURNING au."id", au."slug", au."name", au."email", au."bio", au."avatar_url" AS "avatarUrl", au."avatar_id" AS "avatarId", (SELECT json_build_object(
      'id', m."id", 'mimeType', m."mime_type", 'width', m."width", 'height', m."height", 'bytes', m."bytes",
      'alt', m."alt", 'caption', m."caption", 'credit', m."credit", 'license', m."license",
      'focalX', m."focal_x", 'focalY', m."focal_y", 'placeholderColor', m."placeholder_color",
      'thumbhash', m."thumbhash", 'public', m."public", 'version', m."version",
      'cropVersion', m."crop_version",
      'createdAt', m."created_at", 'updatedAt', m."updated_at")
    FROM "media" m WHERE m."id" = au."avatar_id") AS "avatar", au."website", au."created_at" AS "createdAt", au."updated_at" AS "updatedAt", au."version", p."slug" AS "prevSlug", p."avatar_id" AS "prevAvatarId"),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $3, NULL::uuid, NULL::int, NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', c."id",
    'slug', c."slug",
    'name', c."name",
    'avatarId', c."avatarId",
    'previous', jsonb_build_object(
      'slug', c."prevSlug",
      'avatarId', c."prevAvatarId"))
  FROM "changed" c
)
SELECT * FROM "changed"
-- $1 = "a0a0a0a0-0000-4000-8000-000000000001"
-- $2 = "ada-b-byline"
-- $3 = "author.updated"

-- authors.deleteAuthor (If-Match version)
WITH "gone" AS (
  DELETE FROM "authors" WHERE "id" = CAST($1 AS uuid) AND "version" = $2
  RETURNING "id", "slug", "avatar_id"),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $3, NULL::uuid, NULL::int, NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', g."id",
    'slug', g."slug",
    'avatarId', g."avatar_id")
  FROM "gone" g
)
SELECT "id" FROM "gone"
-- $1 = "a0a0a0a0-0000-4000-8000-000000000001"
-- $2 = 3
-- $3 = "author.deleted"

-- authors.deleteAuthor (any version)
WITH "gone" AS (
  DELETE FROM "authors" WHERE "id" = CAST($1 AS uuid)
  RETURNING "id", "slug", "avatar_id"),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $2, NULL::uuid, NULL::int, NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', g."id",
    'slug', g."slug",
    'avatarId', g."avatar_id")
  FROM "gone" g
)
SELECT "id" FROM "gone"
-- $1 = "a0a0a0a0-0000-4000-8000-000000000001"
-- $2 = "author.deleted"
