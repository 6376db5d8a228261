-- The SQL of src/db/queries/settings.ts: every statement its functions send, for the examples
-- in scripts/sync-sql.ts, as the driver receives it ($n are parameters, listed after each).
-- Generated: do not edit. Regenerate with `npm run sql:sync`; test/unit/sql-snapshots.test.ts
-- fails while this file differs from what the code sends.

-- settings.settingOrInit (a cursor key), statement 1 of 2
INSERT INTO "settings" ("key", "value") VALUES ($1, $2) ON CONFLICT ("key") DO NOTHING
-- $1 = "cursor-key"
-- $2 = "k3y"

-- settings.settingOrInit (a cursor key), statement 2 of 2
SELECT "value" FROM "settings" WHERE "key" = $1
-- $1 = "cursor-key"

-- settings.ping (health)
SELECT 1
