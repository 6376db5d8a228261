import type { Principal } from '../../auth.js'
import type { Article as ArticleModel } from '../../generated/prisma/client.js'
import { fetchPage, timestampValue, type CursorCodec, type ListMeta, type ListSpec, type Pagination, type SortTerm } from '../paging.js'
import { byIdOrSlug, empty, idOf, join, sql, timestamp, type Query, type Sql } from '../sql.js'

/** An article row as these statements return it: Prisma's model, less the search vector. */
export type ArticleRow = Omit<ArticleModel, 'searchVector'> & {
  /** With `include=author`. */
  authorSlug?: string
  authorName?: string
  authorAvatarUrl?: string | null
  /** With a search: ts_rank of the row. */
  rank?: number
}

const columns = sql`a."id", a."slug", a."title", a."excerpt", a."body", a."tags", a."published_at" AS "publishedAt",
  a."author_id" AS "authorId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt",
  a."updated_at" AS "updatedAt", a."version"`
const authorColumns = sql`, au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"`
const withAuthorJoin = sql`JOIN "authors" au ON au."id" = a."author_id"`

/** The sortable fields of articles (the allowlist), each declared once. */
const spec: ListSpec<ArticleRow> = {
  name: 'articles',
  sortable: {
    publishedAt: { expr: sql`a."published_at"`, type: 'timestamptz', nullable: true, read: (r) => timestampValue(r.publishedAt) },
    createdAt: { expr: sql`a."created_at"`, type: 'timestamptz', read: (r) => timestampValue(r.createdAt) },
    updatedAt: { expr: sql`a."updated_at"`, type: 'timestamptz', read: (r) => timestampValue(r.updatedAt) },
    title: { expr: sql`a."title"`, type: 'text', read: (r) => r.title },
    commentCount: { expr: sql`a."comment_count"`, type: 'int4', read: (r) => r.commentCount },
  },
  id: { expr: sql`a."id"`, type: 'uuid', read: (r) => r.id },
  defaultSort: '-publishedAt',
}

/**
 * The same list when every row is known to have a publication date (anonymous callers see
 * published articles only): publishedAt is then NOT NULL for sorting and paging, so the
 * newest-first order is the (published_at DESC, id DESC) index as it stands, and a cursor is
 * an index bound. Same name, so cursors are the same.
 */
const datedSpec: ListSpec<ArticleRow> = {
  ...spec,
  sortable: { ...spec.sortable, publishedAt: { ...spec.sortable.publishedAt!, nullable: false } },
}

/** Which sort allowlist a list uses: `dated` when every listed row is published or scheduled. */
export const listSpec = (dated: boolean): ListSpec<ArticleRow> => (dated ? datedSpec : spec)

/** Text search in the configuration the search_vector trigger uses. */
export const searchQuery = (config: string, q: string): Sql => sql`websearch_to_tsquery(CAST(${config} AS regconfig), ${q})`

/** Relevance first when searching without an explicit sort. */
export const rankTerm = (search: Sql): SortTerm<ArticleRow> => ({
  name: 'relevance',
  field: { expr: sql`ts_rank(a."search_vector", ${search})`, type: 'float4', read: (r) => r.rank ?? 0 },
  descending: true,
})

/**
 * Which articles a caller may see, on alias `a`. Anonymous: published ones only (a scheduled
 * article goes live by itself when its time comes, since this compares with now). Any token
 * reads drafts, except that an author token sees only its own unpublished work.
 */
function visible(principal: Principal, now: Date): Sql {
  const at = timestamp(now)
  if (principal.kind === 'anonymous') return sql`a."published_at" <= ${at}`
  if (principal.role === 'author') return sql`(a."published_at" <= ${at} OR a."author_id" = CAST(${principal.authorId} AS uuid))`
  return sql`TRUE`
}

/**
 * This article (by id or slug), if the caller may see it: a condition on alias `a`, also for
 * the statements of routes nested under an article (comments), so they need no lookup.
 */
export function visibleArticle(principal: Principal, idOrSlug: string, now = new Date()): Sql {
  return sql`${byIdOrSlug(sql`a`, idOrSlug)} AND ${visible(principal, now)}`
}

/** One article by id or slug, if the caller may see it. */
export async function findArticle(db: Query, principal: Principal, idOrSlug: string, withAuthor: boolean): Promise<ArticleRow | undefined> {
  const rows = await db<ArticleRow>(sql`
    SELECT ${columns} ${withAuthor ? authorColumns : empty}
    FROM "articles" a ${withAuthor ? withAuthorJoin : empty}
    WHERE ${visibleArticle(principal, idOrSlug)}`)
  return rows[0]
}

/** The id of an article the caller may see. */
export async function findVisibleId(db: Query, principal: Principal, idOrSlug: string): Promise<string | undefined> {
  const rows = await db<{ id: string }>(sql`SELECT a."id" FROM "articles" a WHERE ${visibleArticle(principal, idOrSlug)}`)
  return rows[0]?.id
}

export interface ArticleFilters {
  search?: Sql
  author?: string
  tag?: string
  publishedAfter?: string
  publishedBefore?: string
  status?: 'draft' | 'scheduled' | 'published'
}

/** A page of the articles a caller may see, filtered, with the total unless count=false. */
export async function listArticles(
  db: Query,
  principal: Principal,
  filters: ArticleFilters,
  page: { pagination: Pagination; codec: CursorCodec; withAuthor: boolean; now: Date },
): Promise<{ rows: ArticleRow[]; meta: ListMeta }> {
  const { now, withAuthor } = page
  const where: Sql[] = [visible(principal, now)]
  if (filters.search) where.push(sql`a."search_vector" @@ ${filters.search}`)
  if (filters.author !== undefined) where.push(sql`a."author_id" = ${idOf('authors', filters.author)}`)
  if (filters.tag !== undefined) where.push(sql`a."tags" @> ARRAY[${filters.tag}]::text[]`)
  if (filters.publishedAfter !== undefined) where.push(sql`a."published_at" > CAST(${filters.publishedAfter} AS timestamptz)`)
  if (filters.publishedBefore !== undefined) where.push(sql`a."published_at" < CAST(${filters.publishedBefore} AS timestamptz)`)
  if (filters.status === 'draft') where.push(sql`a."published_at" IS NULL`)
  if (filters.status === 'scheduled') where.push(sql`a."published_at" > ${timestamp(now)}`)
  if (filters.status === 'published') where.push(sql`a."published_at" <= ${timestamp(now)}`)
  // Unfiltered totals come from the counters the articles triggers maintain (constant
  // time at any size); only the scheduled articles, few and indexed, are counted.
  const unfiltered = where.length === 1
  const total =
    unfiltered && principal.kind === 'anonymous'
      ? sql`((SELECT "value" FROM "counters" WHERE "name" = 'articles_dated')
             - (SELECT count(*) FROM "articles" WHERE "published_at" > ${timestamp(now)}))`
      : unfiltered && principal.kind === 'token' && principal.role !== 'author'
        ? sql`(SELECT "value" FROM "counters" WHERE "name" = 'articles')`
        : undefined
  return fetchPage<ArticleRow>(db, {
    select: sql`${columns} ${withAuthor ? authorColumns : empty}
                ${filters.search ? sql`, ts_rank(a."search_vector", ${filters.search}) AS rank` : empty}`,
    from: sql`"articles" a ${withAuthor ? withAuthorJoin : empty}`,
    countFrom: sql`"articles" a`,
    ...(total ? { total } : {}),
    where,
    pagination: page.pagination,
    codec: page.codec,
  })
}

export interface NewArticle {
  slug: string
  title: string
  excerpt: string
  body: string
  tags: string[]
  authorId: string
}

/** Inserts an article; undefined when its slug is taken (nothing written, the transaction intact). */
export async function insertArticle(db: Query, a: NewArticle): Promise<ArticleRow | undefined> {
  const rows = await db<ArticleRow>(sql`
    INSERT INTO "articles" AS a ("slug", "title", "excerpt", "body", "tags", "author_id")
    VALUES (${a.slug}, ${a.title}, ${a.excerpt}, ${a.body}, CAST(${a.tags} AS text[]), CAST(${a.authorId} AS uuid))
    ON CONFLICT ("slug") DO NOTHING
    RETURNING ${columns}`)
  return rows[0]
}

export interface ArticleChanges {
  title?: string
  slug?: string
  excerpt?: string
  body?: string
  tags?: string[]
  authorId?: string
  publishedAt?: Date | null
}

/**
 * Applies `changes` to the article with this id or slug, in one statement that also checks
 * the If-Match version (`expected`, or '*' for any) and, for an author token, ownership
 * (`ownerId`), and bumps the version. Undefined when any of those does not hold.
 */
export async function updateArticle(
  db: Query,
  idOrSlug: string,
  changes: ArticleChanges,
  conditions: { expected: number | '*'; ownerId?: string | undefined },
): Promise<ArticleRow | undefined> {
  const set: Sql[] = []
  if (changes.title !== undefined) set.push(sql`"title" = ${changes.title}`)
  if (changes.slug !== undefined) set.push(sql`"slug" = ${changes.slug}`)
  if (changes.excerpt !== undefined) set.push(sql`"excerpt" = ${changes.excerpt}`)
  if (changes.body !== undefined) set.push(sql`"body" = ${changes.body}`)
  if (changes.tags !== undefined) set.push(sql`"tags" = CAST(${changes.tags} AS text[])`)
  if (changes.authorId !== undefined) set.push(sql`"author_id" = CAST(${changes.authorId} AS uuid)`)
  if (changes.publishedAt !== undefined) {
    set.push(sql`"published_at" = CAST(${changes.publishedAt === null ? null : timestamp(changes.publishedAt)} AS timestamptz)`)
  }
  const where = [byIdOrSlug(sql`a`, idOrSlug)]
  if (conditions.expected !== '*') where.push(sql`a."version" = ${conditions.expected}`)
  if (conditions.ownerId !== undefined) where.push(sql`a."author_id" = CAST(${conditions.ownerId} AS uuid)`)
  const rows = await db<ArticleRow>(sql`
    UPDATE "articles" a SET ${join([...set, sql`"version" = a."version" + 1`, sql`"updated_at" = now()`], ', ')}
    WHERE ${join(where, ' AND ')}
    RETURNING ${columns}`)
  return rows[0]
}

/** Deletes the article (its comments go with it) if it still has `expected` version; how many rows went. */
export async function deleteArticle(db: Query, id: string, expected: number | '*' | undefined): Promise<number> {
  const rows = await db<{ id: string }>(sql`
    DELETE FROM "articles" WHERE "id" = CAST(${id} AS uuid) ${typeof expected === 'number' ? sql`AND "version" = ${expected}` : empty}
    RETURNING "id"`)
  return rows.length
}

/** Whether an author still has articles (an author with any cannot be deleted). */
export async function authorHasArticles(db: Query, authorId: string): Promise<boolean> {
  const rows = await db(sql`SELECT 1 FROM "articles" WHERE "author_id" = CAST(${authorId} AS uuid) LIMIT 1`)
  return rows.length > 0
}
