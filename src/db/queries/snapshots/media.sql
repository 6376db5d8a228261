-- The SQL of src/db/queries/media.ts: every statement its functions send, for the examples
-- in scripts/sync-sql.ts, as the driver receives it ($n are parameters, listed after each).
-- Generated: do not edit. Regenerate with `npm run sql:sync`; test/unit/sql-snapshots.test.ts
-- fails while this file differs from what the code sends.

-- media.findEmbeddedMedia (a cover or avatar by id)
SELECT (SELECT json_build_object(
    'id', m."id", 'mimeType', m."mime_type", 'width', m."width", 'height', m."height", 'bytes', m."bytes",
    'alt', m."alt", 'caption', m."caption", 'credit', m."credit", 'license', m."license",
    'focalX', m."focal_x", 'focalY', m."focal_y", 'placeholderColor', m."placeholder_color",
    'thumbhash', m."thumbhash", 'public', m."public", 'version', m."version",
    'cropVersion', m."crop_version",
    'createdAt', m."created_at", 'updatedAt', m."updated_at")
  FROM "media" m WHERE m."id" = CAST($1 AS uuid)) AS "media"
-- $1 = "3e3e3e3e-0000-4000-8000-000000000001"

-- media.findMedia (a token: any item)
SELECT m."id", m."storage_key" AS "storageKey", m."mime_type" AS "mimeType", m."width", m."height", m."bytes", m."alt", m."caption", m."credit", m."license", m."focal_x" AS "focalX", m."focal_y" AS "focalY", m."placeholder_color" AS "placeholderColor", m."thumbhash", m."public", m."uploaded_by" AS "uploadedBy", m."version", m."crop_version" AS "cropVersion", m."created_at" AS "createdAt", m."updated_at" AS "updatedAt", (m."public"
  OR EXISTS (SELECT 1 FROM "articles" a WHERE a."cover_image_id" = m."id" AND a."trashed_at" IS NULL AND a."published_at" <= $1)
  OR EXISTS (SELECT 1 FROM "authors" au WHERE au."avatar_id" = m."id")) AS "publiclyVisible" FROM "media" m
WHERE m."id" = CAST($2 AS uuid)
-- $1 = "2026-01-01T00:00:00.000Z"
-- $2 = "3e3e3e3e-0000-4000-8000-000000000001"

-- media.findMedia (anonymous: public items only)
SELECT m."id", m."storage_key" AS "storageKey", m."mime_type" AS "mimeType", m."width", m."height", m."bytes", m."alt", m."caption", m."credit", m."license", m."focal_x" AS "focalX", m."focal_y" AS "focalY", m."placeholder_color" AS "placeholderColor", m."thumbhash", m."public", m."uploaded_by" AS "uploadedBy", m."version", m."crop_version" AS "cropVersion", m."created_at" AS "createdAt", m."updated_at" AS "updatedAt", TRUE AS "publiclyVisible" FROM "media" m
WHERE m."id" = CAST($1 AS uuid) AND (m."public"
  OR EXISTS (SELECT 1 FROM "articles" a WHERE a."cover_image_id" = m."id" AND a."trashed_at" IS NULL AND a."published_at" <= $2)
  OR EXISTS (SELECT 1 FROM "authors" au WHERE au."avatar_id" = m."id"))
-- $1 = "3e3e3e3e-0000-4000-8000-000000000001"
-- $2 = "2026-01-01T00:00:00.000Z"

-- media.lockMediaForUse (a cover or avatar about to be used)
SELECT m."id", m."alt" FROM "media" m WHERE m."id" = CAST($1 AS uuid) FOR SHARE
-- $1 = "3e3e3e3e-0000-4000-8000-000000000001"

-- media.lockMediaForChange (before clearing its alt text)
SELECT 1 FROM "media" m WHERE m."id" = CAST($1 AS uuid) FOR UPDATE
-- $1 = "3e3e3e3e-0000-4000-8000-000000000001"

-- media.illustratesPublication (a published or scheduled cover?)
SELECT 1 FROM "articles" a
WHERE a."cover_image_id" = CAST($1 AS uuid) AND a."published_at" IS NOT NULL AND a."trashed_at" IS NULL
LIMIT 1
-- $1 = "3e3e3e3e-0000-4000-8000-000000000001"

-- media.listMedia (the library, newest first)
SELECT m."id", m."storage_key" AS "storageKey", m."mime_type" AS "mimeType", m."width", m."height", m."bytes", m."alt", m."caption", m."credit", m."license", m."focal_x" AS "focalX", m."focal_y" AS "focalY", m."placeholder_color" AS "placeholderColor", m."thumbhash", m."public", m."uploaded_by" AS "uploadedBy", m."version", m."crop_version" AS "cropVersion", m."created_at" AS "createdAt", m."updated_at" AS "updatedAt", CAST((SELECT count(*) FROM "media" m WHERE TRUE) AS int) AS "__total" FROM "media" m
WHERE TRUE
ORDER BY m."created_at" DESC, m."id" DESC
LIMIT $1 OFFSET $2
-- $1 = 21
-- $2 = 0

-- media.listMedia (filtered: text, type, public; next page by cursor)
SELECT m."id", m."storage_key" AS "storageKey", m."mime_type" AS "mimeType", m."width", m."height", m."bytes", m."alt", m."caption", m."credit", m."license", m."focal_x" AS "focalX", m."focal_y" AS "focalY", m."placeholder_color" AS "placeholderColor", m."thumbhash", m."public", m."uploaded_by" AS "uploadedBy", m."version", m."crop_version" AS "cropVersion", m."created_at" AS "createdAt", m."updated_at" AS "updatedAt", CAST((SELECT count(*) FROM "media" m WHERE m."mime_type" = $1 AND m."public" = $2 AND (strpos(lower(m."alt"), lower($3)) > 0 OR strpos(lower(m."caption"), lower($4)) > 0 OR strpos(lower(m."credit"), lower($5)) > 0)) AS int) AS "__total" FROM "media" m
WHERE m."mime_type" = $6 AND m."public" = $7 AND (strpos(lower(m."alt"), lower($8)) > 0 OR strpos(lower(m."caption"), lower($9)) > 0 OR strpos(lower(m."credit"), lower($10)) > 0) AND (m."created_at", m."id") < (CAST($11 AS timestamptz), CAST($12 AS uuid))
ORDER BY m."created_at" DESC, m."id" DESC
LIMIT $13 OFFSET $14
-- $1 = "image/jpeg"
-- $2 = true
-- $3 = "harbour"
-- $4 = "harbour"
-- $5 = "harbour"
-- $6 = "image/jpeg"
-- $7 = true
-- $8 = "harbour"
-- $9 = "harbour"
-- $10 = "harbour"
-- $11 = "2025-12-31T12:00:00.000Z"
-- $12 = "3e3e3e3e-0000-4000-8000-000000000001"
-- $13 = 21
-- $14 = 0

-- media.insertMedia (an upload)
INSERT INTO "media" AS m ("storage_key", "mime_type", "width", "height", "bytes", "alt", "caption", "credit",
  "license", "focal_x", "focal_y", "placeholder_color", "thumbhash", "public", "uploaded_by")
VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
  $9, $10, $11, $12, $13, $14,
  CAST($15 AS uuid))
RETURNING m."id", m."storage_key" AS "storageKey", m."mime_type" AS "mimeType", m."width", m."height", m."bytes", m."alt", m."caption", m."credit", m."license", m."focal_x" AS "focalX", m."focal_y" AS "focalY", m."placeholder_color" AS "placeholderColor", m."thumbhash", m."public", m."uploaded_by" AS "uploadedBy", m."version", m."crop_version" AS "cropVersion", m."created_at" AS "createdAt", m."updated_at" AS "updatedAt"
-- $1 = "originals/AAAAAAAAAAAAAAAAAAAAAAAA"
-- $2 = "image/jpeg"
-- $3 = 1600
-- $4 = 1200
-- $5 = 245001
-- $6 = "The harbour crane at dusk"
-- $7 = ""
-- $8 = "Amara Okafor"
-- $9 = ""
-- $10 = 0.5
-- $11 = 0.35
-- $12 = "#3a5f7d"
-- $13 = "HBkSHYSIeHiPiHh8eJd4eTN0EEQG"
-- $14 = false
-- $15 = "70707070-0000-4000-8000-000000000001"

-- media.updateMedia (text fields, If-Match)
WITH "changed" AS (
  UPDATE "media" m SET "alt" = $1, "credit" = $2, "version" = m."version" + 1, "updated_at" = now()
  WHERE m."id" = CAST($3 AS uuid) AND m."version" = $4
  RETURNING m."id", m."storage_key" AS "storageKey", m."mime_type" AS "mimeType", m."width", m."height", m."bytes", m."alt", m."caption", m."credit", m."license", m."focal_x" AS "focalX", m."focal_y" AS "focalY", m."placeholder_color" AS "placeholderColor", m."thumbhash", m."public", m."uploaded_by" AS "uploadedBy", m."version", m."crop_version" AS "cropVersion", m."created_at" AS "createdAt", m."updated_at" AS "updatedAt"),
"stale" AS (
  DELETE FROM "media_variants" v USING "changed" c
  WHERE v."media_id" = c."id" AND FALSE
  RETURNING v."storage_key"),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $5, NULL::uuid, NULL::int, NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', c."id",
    'cropVersion', c."cropVersion")
  FROM "changed" c
)
SELECT c.*, ARRAY(SELECT "storage_key" FROM "stale") AS "staleKeys" FROM "changed" c
-- $1 = "Crane"
-- $2 = "A. Okafor"
-- $3 = "3e3e3e3e-0000-4000-8000-000000000001"
-- $4 = 3
-- $5 = "media.updated"

-- media.updateMedia (a new focal point: the old crops go)
WITH "changed" AS (
  UPDATE "media" m SET "focal_x" = $1, "focal_y" = $2, "version" = m."version" + 1, "crop_version" = m."crop_version" + 1, "updated_at" = now()
  WHERE m."id" = CAST($3 AS uuid)
  RETURNING m."id", m."storage_key" AS "storageKey", m."mime_type" AS "mimeType", m."width", m."height", m."bytes", m."alt", m."caption", m."credit", m."license", m."focal_x" AS "focalX", m."focal_y" AS "focalY", m."placeholder_color" AS "placeholderColor", m."thumbhash", m."public", m."uploaded_by" AS "uploadedBy", m."version", m."crop_version" AS "cropVersion", m."created_at" AS "createdAt", m."updated_at" AS "updatedAt"),
"stale" AS (
  DELETE FROM "media_variants" v USING "changed" c
  WHERE v."media_id" = c."id" AND TRUE
  RETURNING v."storage_key"),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $4, NULL::uuid, NULL::int, NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', c."id",
    'cropVersion', c."cropVersion")
  FROM "changed" c
)
SELECT c.*, ARRAY(SELECT "storage_key" FROM "stale") AS "staleKeys" FROM "changed" c
-- $1 = 0.2
-- $2 = 0.8
-- $3 = "3e3e3e3e-0000-4000-8000-000000000001"
-- $4 = "media.updated"

-- media.deleteMedia (any version)
WITH "variants" AS (
  SELECT v."storage_key" FROM "media_variants" v WHERE v."media_id" = CAST($1 AS uuid)),
"gone" AS (
  DELETE FROM "media" m WHERE m."id" = CAST($2 AS uuid)
  RETURNING m."id", m."storage_key"),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $3, NULL::uuid, NULL::int, NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', g."id")
  FROM "gone" g
)
SELECT array_cat(ARRAY(SELECT "storage_key" FROM "gone"), ARRAY(SELECT "storage_key" FROM "variants")) AS "keys"
FROM "gone"
-- $1 = "3e3e3e3e-0000-4000-8000-000000000001"
-- $2 = "3e3e3e3e-0000-4000-8000-000000000001"
-- $3 = "media.deleted"

-- media.deleteMedia (If-Match)
WITH "variants" AS (
  SELECT v."storage_key" FROM "media_variants" v WHERE v."media_id" = CAST($1 AS uuid)),
"gone" AS (
  DELETE FROM "media" m WHERE m."id" = CAST($2 AS uuid)
  AND m."version" = $3
  RETURNING m."id", m."storage_key"),
"event" AS (
  INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
  SELECT $4, NULL::uuid, NULL::int, NULL::uuid, NULL::timestamptz,
  jsonb_build_object(
    'id', g."id")
  FROM "gone" g
)
SELECT array_cat(ARRAY(SELECT "storage_key" FROM "gone"), ARRAY(SELECT "storage_key" FROM "variants")) AS "keys"
FROM "gone"
-- $1 = "3e3e3e3e-0000-4000-8000-000000000001"
-- $2 = "3e3e3e3e-0000-4000-8000-000000000001"
-- $3 = 4
-- $4 = "media.deleted"

-- media.findVariant (a stored rendition)
SELECT v."media_id" AS "mediaId", v."variant", v."format", v."storage_key" AS "storageKey", v."width",
v."height", v."bytes", v."created_at" AS "createdAt"
FROM "media_variants" v
WHERE v."media_id" = CAST($1 AS uuid) AND v."variant" = $2 AND v."format" = $3
-- $1 = "3e3e3e3e-0000-4000-8000-000000000001"
-- $2 = "card"
-- $3 = "webp"

-- media.insertVariant (made on first request)
INSERT INTO "media_variants" ("media_id", "variant", "format", "storage_key", "width", "height", "bytes")
SELECT m."id", $1, $2, $3, $4, $5, $6
FROM "media" m WHERE m."id" = CAST($7 AS uuid) AND m."crop_version" = $8
ON CONFLICT ("media_id", "variant", "format") DO NOTHING
RETURNING "media_id"
-- $1 = "card"
-- $2 = "webp"
-- $3 = "variants/BBBBBBBBBBBBBBBBBBBBBBBB"
-- $4 = 800
-- $5 = 450
-- $6 = 31337
-- $7 = "3e3e3e3e-0000-4000-8000-000000000001"
-- $8 = 2
