import { Prisma } from '../generated/prisma/client.js'

/**
 * The statement builder every query of the application uses: Prisma's tagged template, whose
 * interpolations are always parameters (`$1`, `$2`, ...), never text spliced into SQL. Only
 * `raw` splices, and it is given constants from code, never request input.
 */
export type Sql = Prisma.Sql
export const sql = Prisma.sql
export const join = Prisma.join
export const raw = Prisma.raw
export const empty = Prisma.empty

/** Runs one statement and returns its rows: `Database.query`, inside a transaction or not. */
export type Query = <Row>(statement: Sql) => Promise<Row[]>

/**
 * The select list of the `wanted` columns of a statement module's column map (row property →
 * SQL), each once and in the map's order (so the same fieldset is the same statement), with
 * `instead` for a column read another way.
 */
export function selectList<C extends string>(
  columns: Record<C, Sql>,
  wanted: Iterable<C>,
  instead: Partial<Record<C, Sql>> = {},
): Sql {
  const set = new Set(wanted)
  return join(
    (Object.keys(columns) as C[]).filter((c) => set.has(c)).map((c) => instead[c] ?? columns[c]),
    ', ',
  )
}

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** `{idOrSlug}`: a UUID is an id, anything else a slug. */
export function isUuid(value: string): boolean {
  return UUID_SHAPE.test(value)
}

/**
 * The condition picking one row of `alias` by id or slug, e.g. `byIdOrSlug(sql\`a\`, 'x')`
 * → `a."slug" = $1`. The one place an `{idOrSlug}` becomes SQL.
 */
export function byIdOrSlug(alias: Sql, idOrSlug: string): Sql {
  return isUuid(idOrSlug)
    ? sql`${alias}."id" = CAST(${idOrSlug.toLowerCase()} AS uuid)`
    : sql`${alias}."slug" = ${idOrSlug}`
}

/**
 * The id a reference by id or slug names, as a scalar SQL expression: the id itself for a
 * UUID, else a subquery on `table`'s slug. For filters such as `?author=<id or slug>`.
 */
export function idOf(table: 'articles' | 'authors', idOrSlug: string): Sql {
  return isUuid(idOrSlug)
    ? sql`CAST(${idOrSlug.toLowerCase()} AS uuid)`
    : sql`(SELECT "id" FROM ${raw(`"${table}"`)} WHERE "slug" = ${idOrSlug})`
}

/**
 * A moment as a statement parameter: ISO text, which Postgres reads as timestamptz where it is
 * compared with one. node-postgres formats a Date parameter in local time, field by field,
 * measurably slower (about 20 µs a parameter on the benchmark machine).
 */
export const timestamp = (at: Date): string => at.toISOString()
