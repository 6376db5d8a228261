import { raw, sql, type Query } from '../sql.js'

/** The slugs in `table` that are `base` or `base-<n>`: what a new slug made from `base` must avoid. */
export async function takenSlugs(db: Query, table: 'articles' | 'authors', base: string): Promise<string[]> {
  const rows = await db<{ slug: string }>(
    sql`SELECT "slug" FROM ${raw(`"${table}"`)} WHERE "slug" = ${base} OR "slug" ~ ${`^${base}-[0-9]+$`}`,
  )
  return rows.map((r) => r.slug)
}
