-- CreateEnum
CREATE TYPE "RevisionAction" AS ENUM ('create', 'update', 'publish', 'unpublish', 'restore', 'trash', 'untrash');

-- AlterTable
ALTER TABLE "articles" ADD COLUMN     "trashed_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "article_revisions" (
    "article_id" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "action" "RevisionAction" NOT NULL,
    "token_id" UUID,
    "token_name" TEXT,
    "restored_from" INTEGER,
    "snapshot" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "article_revisions_pkey" PRIMARY KEY ("article_id","number")
);

-- CreateTable
CREATE TABLE "preview_tokens" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "article_id" UUID NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "token_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "preview_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "preview_tokens_secret_hash_key" ON "preview_tokens"("secret_hash");

-- CreateIndex
CREATE INDEX "preview_tokens_article_id_idx" ON "preview_tokens"("article_id");

-- CreateIndex
CREATE INDEX "preview_tokens_token_id_idx" ON "preview_tokens"("token_id");

-- CreateIndex
CREATE INDEX "preview_tokens_expires_at_idx" ON "preview_tokens"("expires_at");

-- CreateIndex
CREATE INDEX "articles_trashed_at_idx" ON "articles"("trashed_at");

-- AddForeignKey
ALTER TABLE "article_revisions" ADD CONSTRAINT "article_revisions_article_id_fkey" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "preview_tokens" ADD CONSTRAINT "preview_tokens_article_id_fkey" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "preview_tokens" ADD CONSTRAINT "preview_tokens_token_id_fkey" FOREIGN KEY ("token_id") REFERENCES "api_tokens"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The article counters (migration 20261128000000_counters) count what lists show: trashed
-- articles are in no list, so they are not counted either. Moving an article to or from the
-- trash changes the counts like an insert or a delete.
CREATE OR REPLACE FUNCTION "articles_count_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d_all bigint := 0;
  d_dated bigint := 0;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT d_all + count(*) FILTER (WHERE "trashed_at" IS NULL),
           d_dated + count(*) FILTER (WHERE "published_at" IS NOT NULL AND "trashed_at" IS NULL)
      INTO d_all, d_dated FROM new_rows;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    SELECT d_all - count(*) FILTER (WHERE "trashed_at" IS NULL),
           d_dated - count(*) FILTER (WHERE "published_at" IS NOT NULL AND "trashed_at" IS NULL)
      INTO d_all, d_dated FROM old_rows;
  END IF;
  IF d_all <> 0 THEN
    UPDATE "counters" SET "value" = "value" + d_all WHERE "name" = 'articles';
  END IF;
  IF d_dated <> 0 THEN
    UPDATE "counters" SET "value" = "value" + d_dated WHERE "name" = 'articles_dated';
  END IF;
  RETURN NULL;
END
$$;

-- History starts here: every article that exists gets one revision with its current state,
-- numbered with its current version (as every later revision is), by nobody.
INSERT INTO "article_revisions" ("article_id", "number", "action", "snapshot", "created_at")
SELECT a."id", a."version", 'create', jsonb_build_object(
    'title', a."title", 'slug', a."slug", 'excerpt', a."excerpt", 'body', a."body", 'tags', to_jsonb(a."tags"),
    'authorId', a."author_id",
    'status', CASE WHEN a."published_at" IS NULL THEN 'draft' WHEN a."published_at" > now() THEN 'scheduled' ELSE 'published' END,
    'publishedAt', to_char(a."published_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'trashed', FALSE),
  a."updated_at"
FROM "articles" a;
