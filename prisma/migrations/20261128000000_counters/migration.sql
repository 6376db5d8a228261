-- CreateTable
CREATE TABLE "counters" (
    "name" TEXT NOT NULL,
    "value" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "counters_pkey" PRIMARY KEY ("name")
);

-- Article counts, kept by statement-level triggers (one update per statement, however many
-- rows it touched), so an unfiltered list's total is read, not counted. A counter row is
-- only written when a statement changes its count: edits that leave publishedAt's nullness
-- alone (titles, bodies, moving a date) never touch it.
CREATE FUNCTION "articles_count_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d_all bigint := 0;
  d_dated bigint := 0;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT d_all + count(*), d_dated + count(*) FILTER (WHERE "published_at" IS NOT NULL)
      INTO d_all, d_dated FROM new_rows;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    SELECT d_all - count(*), d_dated - count(*) FILTER (WHERE "published_at" IS NOT NULL)
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

CREATE FUNCTION "articles_count_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "counters" SET "value" = 0 WHERE "name" IN ('articles', 'articles_dated');
  RETURN NULL;
END
$$;

CREATE TRIGGER "articles_count_insert" AFTER INSERT ON "articles"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "articles_count_rows"();
CREATE TRIGGER "articles_count_update" AFTER UPDATE ON "articles"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "articles_count_rows"();
CREATE TRIGGER "articles_count_delete" AFTER DELETE ON "articles"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "articles_count_rows"();
CREATE TRIGGER "articles_count_truncate" AFTER TRUNCATE ON "articles"
  FOR EACH STATEMENT EXECUTE FUNCTION "articles_count_truncate"();

INSERT INTO "counters" ("name", "value")
SELECT 'articles', count(*) FROM "articles"
UNION ALL
SELECT 'articles_dated', count(*) FROM "articles" WHERE "published_at" IS NOT NULL;
