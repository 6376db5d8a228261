-- The SQL of src/db/queries/slugs.ts: every statement its functions send, for the examples
-- in scripts/sync-sql.ts, as the driver receives it ($n are parameters, listed after each).
-- Generated: do not edit. Regenerate with `npm run sql:sync`; test/unit/sql-snapshots.test.ts
-- fails while this file differs from what the code sends.

-- slugs.lockSlugBase (articles)
SELECT pg_advisory_xact_lock(hashtextextended($1, 0))
-- $1 = "slug:articles:city-council-passes-budget"

-- slugs.takenSlugs (articles)
SELECT "slug" FROM "articles" WHERE "slug" = $1 OR "slug" ~ $2
-- $1 = "city-council-passes-budget"
-- $2 = "^city-council-passes-budget-[0-9]+$"

-- slugs.takenSlugs (authors)
SELECT "slug" FROM "authors" WHERE "slug" = $1 OR "slug" ~ $2
-- $1 = "ada-byline"
-- $2 = "^ada-byline-[0-9]+$"
