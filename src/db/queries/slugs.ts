import { raw, sql, type Query } from '../sql.js'

/**
 * Serialises, for the rest of the transaction, the creates whose slug is made from the same
 * `base`: each then sees the slugs the others committed, so none fails on a slug the client
 * never sent.
 */
export async function lockSlugBase(db: Query, table: 'articles' | 'authors', base: string): Promise<void> {
  await db(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`slug:${table}:${base}`}, 0))`)
}

/** The slugs in `table` that are `base` or `base-<n>`: what a new slug made from `base` must avoid. */
export async function takenSlugs(db: Query, table: 'articles' | 'authors', base: string): Promise<string[]> {
  const rows = await db<{ slug: string }>(
    sql`SELECT "slug" FROM ${raw(`"${table}"`)} WHERE "slug" = ${base} OR "slug" ~ ${`^${base}-[0-9]+$`}`,
  )
  return rows.map((r) => r.slug)
}
