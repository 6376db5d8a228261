import { createHmac, timingSafeEqual } from 'node:crypto'
import { ProblemError, Problems } from '../errors.js'
import { empty, join, raw, sql, type Query, type Sql } from './sql.js'

/**
 * The list machinery every collection shares: `sort` parsed against an allowlist, opaque
 * signed keyset cursors, `page` or `cursor` (never both), and the `meta` block. A page is
 * read with one statement (its total a scalar subquery), so sorting, filtering and
 * pagination stay in the database and are the same for every resource.
 */
export type SortType = 'timestamptz' | 'text' | 'int4' | 'float4' | 'uuid'

/**
 * A field a list can be sorted (and so paged) by, declared once per resource: its SQL
 * expression, its type, and how to read its value off a fetched row for the next cursor.
 */
export interface SortField<Row = any> {
  /** SQL expression, e.g. `a."published_at"`. Comes from code, never from the request. */
  expr: Sql
  type: SortType
  nullable?: boolean
  /** This field's value in `row`, as a cursor holds it. */
  read: (row: Row) => CursorValue
}

export interface SortTerm<Row = any> {
  name: string
  field: SortField<Row>
  descending: boolean
}

export interface ListSpec<Row = any> {
  /** Which list this is; cursors are bound to it, so one list's cursor is a 400 on another. */
  name: string
  /** API field name → how to sort by it: the allowlist. */
  sortable: Record<string, SortField<Row>>
  /** The unique tiebreaker appended to every sort, e.g. `a."id"`. */
  id: SortField<Row>
  defaultSort: string
}

export type CursorValue = string | number | null

export interface PageRequest {
  limit?: number
  page?: number
  cursor?: string
  count?: boolean
  sort?: string
}

export interface Pagination {
  limit: number
  /** Set in page mode (page given, or neither page nor cursor). */
  page?: number
  /** Decoded keyset position in cursor mode. */
  after?: CursorValue[]
  offset: number
  count: boolean
  terms: SortTerm[]
  /** The list's name and canonical sort string, bound into cursors. */
  sortKey: string
}

export const DEFAULT_LIMIT = 20

/** Turns `sort=-publishedAt,title` into terms, rejecting any field not on the allowlist. */
export function parseSort(spec: ListSpec, sort: string | undefined): SortTerm[] {
  const text = sort === undefined || sort === '' ? spec.defaultSort : sort
  const seen = new Set<string>()
  const terms: SortTerm[] = []
  for (const part of text.split(',')) {
    const descending = part.startsWith('-')
    const name = descending ? part.slice(1) : part
    const field = Object.hasOwn(spec.sortable, name) ? spec.sortable[name] : undefined
    if (!field) {
      throw Problems.validation([
        {
          path: '/query/sort',
          message: `cannot sort by "${name}"; sortable fields: ${Object.keys(spec.sortable).join(', ')}`,
        },
      ])
    }
    if (seen.has(name)) throw Problems.validation([{ path: '/query/sort', message: `"${name}" appears twice` }])
    seen.add(name)
    terms.push({ name, field, descending })
  }
  return terms
}

/** Signs and checks cursors so a tampered or foreign cursor is a clean 400, never a query. */
export class CursorCodec {
  constructor(private readonly key: string) {}

  encode(sortKey: string, values: CursorValue[]): string {
    const payload = Buffer.from(JSON.stringify({ s: sortKey, v: values })).toString('base64url')
    return `${payload}.${this.sign(payload)}`
  }

  decode(sortKey: string, cursor: string, types: SortType[]): CursorValue[] {
    const [payload, signature, extra] = cursor.split('.')
    if (!payload || !signature || extra !== undefined || !this.verify(payload, signature)) throw invalidCursor()
    let parsed: unknown
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    } catch {
      throw invalidCursor()
    }
    const { s, v } = (parsed ?? {}) as { s?: unknown; v?: unknown }
    if (s !== sortKey) {
      throw Problems.validation([
        { path: '/query/cursor', message: 'this cursor belongs to another list or sort order' },
      ])
    }
    if (!Array.isArray(v) || v.length !== types.length || !v.every((value, i) => fits(value, types[i]!))) {
      throw invalidCursor()
    }
    return v as CursorValue[]
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url').slice(0, 27)
  }

  private verify(payload: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(payload))
    const given = Buffer.from(signature)
    return expected.length === given.length && timingSafeEqual(expected, given)
  }
}

function fits(value: unknown, type: SortType): boolean {
  if (value === null) return true
  switch (type) {
    case 'int4':
      return Number.isInteger(value)
    case 'float4':
      return typeof value === 'number' && Number.isFinite(value)
    case 'timestamptz':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value))
    default:
      return typeof value === 'string'
  }
}

function invalidCursor(): ProblemError {
  return Problems.validation([
    { path: '/query/cursor', message: 'is not a valid cursor (use meta.nextCursor as given)' },
  ])
}

export function paginate(
  spec: ListSpec,
  request: PageRequest,
  codec: CursorCodec,
  extraTerms: SortTerm[] = [],
): Pagination {
  if (request.page !== undefined && request.cursor !== undefined) {
    throw Problems.validation(
      [{ path: '/query/cursor', message: 'use either page or cursor, not both' }],
      'Use either page or cursor, not both.',
    )
  }
  const limit = request.limit ?? DEFAULT_LIMIT
  const terms = [...extraTerms, ...parseSort(spec, request.sort), { name: 'id', field: spec.id, descending: false }]
  const last = terms[terms.length - 2]
  terms[terms.length - 1]!.descending = last?.descending ?? false
  const sortKey = `${spec.name}:${terms.map((t) => (t.descending ? '-' : '') + t.name).join(',')}`
  const count = request.count !== false
  if (request.cursor !== undefined) {
    const after = codec.decode(
      sortKey,
      request.cursor,
      terms.map((t) => t.field.type),
    )
    return { limit, after, offset: 0, count, terms, sortKey }
  }
  const page = request.page ?? 1
  return { limit, page, offset: (page - 1) * limit, count, terms, sortKey }
}

/**
 * `ORDER BY` for the terms; nulls always last, in both directions. Only nullable fields say
 * so (ASC puts nulls last anyway): a NOT NULL column sorted plain `DESC` matches its
 * `DESC` index, where `DESC NULLS LAST` would make Postgres sort the whole table.
 */
export function orderBy(terms: SortTerm[]): Sql {
  return join(
    terms.map(
      (t) => sql`${t.field.expr} ${raw(t.descending ? (t.field.nullable ? 'DESC NULLS LAST' : 'DESC') : 'ASC')}`,
    ),
    ', ',
  )
}

/**
 * The keyset condition "strictly after this position" for `orderBy(terms)`. When every
 * term is NOT NULL and sorted the same way, a row comparison `(t1, t2) < (v1, v2)`, which
 * Postgres uses as an index bound (a deep page costs what the first does). Otherwise
 * (t1 after) OR (t1 = AND t2 after) OR ... with NULLS LAST semantics.
 */
export function after(terms: SortTerm[], values: CursorValue[]): Sql {
  const direction = terms[0]?.descending
  if (terms.every((t, i) => !t.field.nullable && t.descending === direction && values[i] !== null)) {
    return sql`(${join(
      terms.map((t) => t.field.expr),
      ', ',
    )}) ${raw(direction ? '<' : '>')} (${join(
      terms.map((t, i) => param(t, values[i]!)),
      ', ',
    )})`
  }
  const disjuncts: Sql[] = []
  for (let i = 0; i < terms.length; i++) {
    const equal = terms.slice(0, i).map((t, j) => equals(t, values[j]!))
    const beyond = strictlyAfter(terms[i]!, values[i]!)
    if (beyond) disjuncts.push(join([...equal, beyond], ' AND '))
  }
  return disjuncts.length === 0
    ? sql`FALSE`
    : sql`(${join(
        disjuncts.map((d) => sql`(${d})`),
        ' OR ',
      )})`
}

function param(t: SortTerm, value: CursorValue): Sql {
  return sql`CAST(${value} AS ${raw(t.field.type)})`
}

function equals(t: SortTerm, value: CursorValue): Sql {
  return value === null ? sql`${t.field.expr} IS NULL` : sql`${t.field.expr} = ${param(t, value)}`
}

function strictlyAfter(t: SortTerm, value: CursorValue): Sql | undefined {
  if (value === null) return undefined // nulls come last: nothing sorts after a null
  const op = raw(t.descending ? '<' : '>')
  const compare = sql`${t.field.expr} ${op} ${param(t, value)}`
  return t.field.nullable ? sql`(${compare} OR ${t.field.expr} IS NULL)` : compare
}

export interface ListMeta {
  limit: number
  nextCursor: string | null
  page?: number
  total?: number
  pageCount?: number
}

/**
 * Builds `meta` from a page fetched with `limit + 1` rows: the extra row only says whether
 * there is a next page; the last kept row's sort values are the next cursor.
 */
export function pageResult<Row>(
  rows: Row[],
  p: Pagination,
  codec: CursorCodec,
  total: number | undefined,
): { rows: Row[]; meta: ListMeta } {
  const hasMore = rows.length > p.limit
  const kept = hasMore ? rows.slice(0, p.limit) : rows
  const lastRow = kept[kept.length - 1]
  const meta: ListMeta = {
    limit: p.limit,
    nextCursor:
      hasMore && lastRow !== undefined
        ? codec.encode(
            p.sortKey,
            p.terms.map((t) => t.field.read(lastRow)),
          )
        : null,
    ...(p.page === undefined ? {} : { page: p.page }),
    ...(total === undefined ? {} : { total, pageCount: Math.ceil(total / p.limit) }),
  }
  return { rows: kept, meta }
}

/** The value of a timestamp sort term as a cursor value (ISO, millisecond precision like the column). */
export function timestampValue(value: Date | null): string | null {
  return value === null ? null : value.toISOString()
}

export interface PageQuery {
  /** The select list, e.g. a."id", a."title". */
  select: Sql
  /** The FROM clause of the page, joins included. */
  from: Sql
  /** The FROM clause for the count, when the joins do not change the row count. Default: `from`. */
  countFrom?: Sql
  /**
   * A cheaper scalar expression for the total, when one is known to equal
   * `count(*) FROM countFrom WHERE where` (a maintained counter, or a column of a joined
   * row every listed row shares). Default: that count.
   */
  total?: Sql
  /** Filters, ANDed: visibility first. */
  where: Sql[]
  pagination: Pagination
  codec: CursorCodec
}

/**
 * One page of a list in one statement: the rows (limit + 1, to know whether there is more)
 * with, unless count=false, the total as a scalar subquery Postgres evaluates once. Only an
 * empty page needs a second statement for its total.
 */
export async function fetchPage<Row>(query: Query, q: PageQuery): Promise<{ rows: Row[]; meta: ListMeta }> {
  const p = q.pagination
  const where = q.where.length === 0 ? sql`TRUE` : join(q.where, ' AND ')
  const page = p.after ? sql`${where} AND ${after(p.terms, p.after)}` : where
  const total = p.count ? (q.total ?? sql`(SELECT count(*) FROM ${q.countFrom ?? q.from} WHERE ${where})`) : undefined
  const rows = await query<Row & { __total?: number }>(sql`
      SELECT ${q.select} ${total ? sql`, CAST(${total} AS int) AS "__total"` : empty} FROM ${q.from}
      WHERE ${page}
      ORDER BY ${orderBy(p.terms)}
      LIMIT ${p.limit + 1} OFFSET ${p.offset}`)
  let n: number | undefined
  if (total) {
    // An empty page (past the end, or nothing there) reads the total off any matching row;
    // none matching means 0. So `total` may refer to the listed tables' columns.
    n =
      rows[0]?.__total ??
      (
        await query<{ n: number }>(
          sql`SELECT CAST(${total} AS int) AS n FROM ${q.countFrom ?? q.from} WHERE ${where} LIMIT 1`,
        )
      )[0]?.n ??
      0
  }
  return pageResult(rows, p, q.codec, n)
}
