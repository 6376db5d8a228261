import { sql, type Query } from '../sql.js'

/** The value of a server-wide setting, storing `initial` first if it has none (the first writer wins). */
export async function settingOrInit(db: Query, key: string, initial: string): Promise<string> {
  // Two statements: the SELECT must see a row another process inserted while ours waited.
  await db(sql`INSERT INTO "settings" ("key", "value") VALUES (${key}, ${initial}) ON CONFLICT ("key") DO NOTHING`)
  const rows = await db<{ value: string }>(sql`SELECT "value" FROM "settings" WHERE "key" = ${key}`)
  return rows[0]!.value
}

/** True when the database answers. */
export async function ping(db: Query): Promise<void> {
  await db(sql`SELECT 1`)
}
