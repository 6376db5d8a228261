import type { Principal } from '../auth.js'
import { canReadDrafts, isStaff } from '../auth.js'
import { Problems } from '../errors.js'
import { Prisma, type PrismaClient } from '../generated/prisma/client.js'
import type {
  Article,
  ArticleList,
  CreateArticle,
  ListArticlesQuery,
  PublishArticle,
  UpdateArticle,
} from '../schemas/article.js'
import {
  CursorCodec,
  fetchPage,
  empty,
  join,
  paginate,
  sql,
  timestampValue,
  type CursorValue,
  type ListSpec,
  type Query,
  type Sql,
  type SortTerm,
} from './list.js'
import { uniqueViolation, type Versioned } from './common.js'
import { freeSlug, isUuid, rejectUuidSlug, slugify } from './slug.js'

/** A row as the list statement returns it (snake_case, straight from SQL). */
interface ArticleRow {
  id: string
  slug: string
  title: string
  excerpt: string
  body: string
  tags: string[]
  published_at: Date | null
  author_id: string
  comment_count: number
  created_at: Date
  updated_at: Date
  version: number
  rank?: number
  author_slug?: string
  author_name?: string
  author_avatar_url?: string | null
}

const columns = sql`a."id", a."slug", a."title", a."excerpt", a."body", a."tags", a."published_at", a."author_id",
  a."comment_count", a."created_at", a."updated_at", a."version"`
const authorColumns = sql`, au."slug" AS author_slug, au."name" AS author_name, au."avatar_url" AS author_avatar_url`

const spec: ListSpec = {
  name: 'articles',
  sortable: {
    publishedAt: { expr: sql`a."published_at"`, type: 'timestamptz', nullable: true },
    createdAt: { expr: sql`a."created_at"`, type: 'timestamptz' },
    updatedAt: { expr: sql`a."updated_at"`, type: 'timestamptz' },
    title: { expr: sql`a."title"`, type: 'text' },
    commentCount: { expr: sql`a."comment_count"`, type: 'int4' },
  },
  id: { expr: sql`a."id"`, type: 'uuid' },
  defaultSort: '-publishedAt',
}

/**
 * The same list when every row is known to have a publication date (anonymous callers see
 * published articles only): publishedAt is then NOT NULL for sorting and paging, so the
 * newest-first order is the (published_at DESC, id DESC) index as it stands, and a cursor is
 * an index bound. Same name, so cursors are the same.
 */
const datedSpec: ListSpec = {
  ...spec,
  sortable: { ...spec.sortable, publishedAt: { ...spec.sortable.publishedAt!, nullable: false } },
}

/** Relevance first when searching without an explicit sort. */
const rankTerm = (query: Sql): SortTerm => ({
  name: 'relevance',
  field: { expr: sql`ts_rank(a."search_vector", ${query})`, type: 'float4' },
  descending: true,
})

function cursorValue(row: ArticleRow, term: SortTerm): CursorValue {
  switch (term.name) {
    case 'relevance':
      return row.rank ?? 0
    case 'publishedAt':
      return timestampValue(row.published_at)
    case 'createdAt':
      return timestampValue(row.created_at)
    case 'updatedAt':
      return timestampValue(row.updated_at)
    case 'title':
      return row.title
    case 'commentCount':
      return row.comment_count
    default:
      return row.id
  }
}

/**
 * A moment as a statement parameter: ISO text, which Postgres reads as timestamptz where it is
 * compared with one. node-postgres formats a Date parameter in local time, field by field,
 * measurably slower (about 20 µs a parameter on the benchmark machine).
 */
const timestamp = (at: Date): string => at.toISOString()

export function articleStatus(publishedAt: Date | null, now: Date): Article['status'] {
  if (publishedAt === null) return 'draft'
  return publishedAt > now ? 'scheduled' : 'published'
}

function toArticle(row: ArticleRow, now: Date): Article {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    excerpt: row.excerpt,
    body: row.body,
    tags: row.tags,
    status: articleStatus(row.published_at, now),
    publishedAt: row.published_at?.toISOString() ?? null,
    authorId: row.author_id,
    commentCount: row.comment_count,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    ...(row.author_slug === undefined
      ? {}
      : {
          author: {
            id: row.author_id,
            slug: row.author_slug,
            name: row.author_name!,
            avatarUrl: row.author_avatar_url ?? null,
          },
        }),
  }
}

export type VersionedArticle = Versioned<Article>

/**
 * Which articles a caller may see. Anonymous: published ones only (a scheduled article goes
 * live by itself when its time comes, since this compares with now). Any token reads drafts,
 * except that an author token sees only its own unpublished work.
 */
function visible(principal: Principal, now: Date): Sql {
  const at = timestamp(now)
  if (principal.kind === 'anonymous') return sql`a."published_at" <= ${at}`
  if (principal.role === 'author') {
    return sql`(a."published_at" <= ${at} OR a."author_id" = CAST(${principal.authorId} AS uuid))`
  }
  return sql`TRUE`
}

/** This article (by id or slug), if the caller may see it: a condition on alias `a`. */
function visibleArticle(principal: Principal, idOrSlug: string, now = new Date()): Sql {
  return sql`${byIdOrSlug(idOrSlug)} AND ${visible(principal, now)}`
}

function byIdOrSlug(idOrSlug: string): Sql {
  return isUuid(idOrSlug) ? sql`a."id" = CAST(${idOrSlug.toLowerCase()} AS uuid)` : sql`a."slug" = ${idOrSlug}`
}

function mayEdit(principal: Principal, authorId: string): boolean {
  if (principal.kind === 'anonymous') return false
  if (principal.role === 'admin' || principal.role === 'editor') return true
  return principal.role === 'author' && principal.authorId === authorId
}

export interface ArticleServiceOptions {
  cursors: () => Promise<CursorCodec>
  /** Hand-written statements on the driver, for the hot reads (`Database.query`). */
  query: Query
  /** Text search configuration; must match the one the search_vector trigger uses. */
  searchConfig?: string
}

export function createArticleService(prisma: PrismaClient, options: ArticleServiceOptions) {
  const { cursors, query: run } = options
  const searchConfig = options.searchConfig ?? 'english'

  /** One article by id or slug as the caller may see it, with its stored version. */
  async function fetchOne(principal: Principal, idOrSlug: string, withAuthor: boolean): Promise<ArticleRow | undefined> {
    const rows = await run<ArticleRow>(sql`
      SELECT ${columns} ${withAuthor ? authorColumns : empty}
      FROM "articles" a ${withAuthor ? sql`JOIN "authors" au ON au."id" = a."author_id"` : empty}
      WHERE ${visibleArticle(principal, idOrSlug)}`)
    return rows[0]
  }

  async function getVersioned(principal: Principal, idOrSlug: string, withAuthor = false): Promise<VersionedArticle> {
    const row = await fetchOne(principal, idOrSlug, withAuthor)
    if (!row) throw Problems.notFound('No such article.')
    return { resource: toArticle(row, new Date()), version: row.version }
  }

  /**
   * Resolves the article a write targets, and decides what a refusal looks like: 404 when
   * the caller may not even see it (so drafts do not leak), 403 when they see it but may not
   * change it.
   */
  async function writable(principal: Principal, id: string): Promise<ArticleRow> {
    const row = await fetchOne(principal, id, false)
    if (!row) throw Problems.notFound('No such article.')
    if (!mayEdit(principal, row.author_id)) throw Problems.forbidden('This token may not change this article.')
    return row
  }

  /**
   * Applies `data` only if the row still has `expected` version (If-Match), in the same
   * statement that bumps the version: two writers with the same ETag get one 200 and one 412.
   */
  async function conditionalUpdate(
    principal: Principal,
    row: ArticleRow,
    expected: number | '*',
    data: Prisma.ArticleUpdateManyMutationInput & { authorId?: string },
  ): Promise<VersionedArticle> {
    const where: Prisma.ArticleWhereInput = { id: row.id, ...(expected === '*' ? {} : { version: expected }) }
    // An author token can only ever update its own articles, even if ownership changed meanwhile.
    if (principal.kind === 'token' && principal.role === 'author') where.authorId = principal.authorId!
    const { count } = await prisma.article.updateMany({ where, data: { ...data, version: { increment: 1 } } })
    if (count === 0) {
      const current = await fetchOne(principal, row.id, false)
      if (!current) throw Problems.notFound('No such article.')
      throw Problems.preconditionFailed()
    }
    return getVersioned(principal, row.id)
  }

  async function resolveAuthorId(principal: Principal, requested: string | undefined): Promise<string> {
    if (principal.kind === 'token' && principal.role === 'author') {
      if (requested !== undefined && requested !== principal.authorId) {
        throw Problems.forbidden('An author token can only write its own articles.')
      }
      return principal.authorId!
    }
    if (requested === undefined) {
      throw Problems.validation([{ path: '/body/authorId', message: 'is required for editor and admin tokens' }])
    }
    const author = await prisma.author.findUnique({ where: { id: requested }, select: { id: true } })
    if (!author) throw Problems.validation([{ path: '/body/authorId', message: 'no author has this id' }])
    return author.id
  }

  return {
    async list(principal: Principal, query: ListArticlesQuery): Promise<ArticleList> {
      if (query.status !== undefined && !canReadDrafts(principal)) {
        throw Problems.unauthorized('The status filter needs a token; without one only published articles are listed.')
      }
      const now = new Date()
      const search = query.q === undefined ? undefined : sql`websearch_to_tsquery(CAST(${searchConfig} AS regconfig), ${query.q})`
      const relevance = search && query.sort === undefined ? [rankTerm(search)] : []
      const codec = await cursors()
      const dated = principal.kind === 'anonymous' || query.status === 'published' || query.status === 'scheduled'
      const p = paginate(dated ? datedSpec : spec, query, codec, relevance)

      const filters: Sql[] = [visible(principal, now)]
      if (search) filters.push(sql`a."search_vector" @@ ${search}`)
      if (query.author !== undefined) {
        filters.push(
          isUuid(query.author)
            ? sql`a."author_id" = CAST(${query.author.toLowerCase()} AS uuid)`
            : sql`a."author_id" = (SELECT "id" FROM "authors" WHERE "slug" = ${query.author})`,
        )
      }
      if (query.tag !== undefined) filters.push(sql`a."tags" @> ARRAY[${query.tag}]::text[]`)
      if (query.publishedAfter !== undefined) filters.push(sql`a."published_at" > CAST(${query.publishedAfter} AS timestamptz)`)
      if (query.publishedBefore !== undefined) filters.push(sql`a."published_at" < CAST(${query.publishedBefore} AS timestamptz)`)
      if (query.status === 'draft') filters.push(sql`a."published_at" IS NULL`)
      if (query.status === 'scheduled') filters.push(sql`a."published_at" > ${timestamp(now)}`)
      if (query.status === 'published') filters.push(sql`a."published_at" <= ${timestamp(now)}`)
      const withAuthor = query.include === 'author'
      // Unfiltered totals come from the counters the articles triggers maintain (constant
      // time at any size); only the scheduled articles, few and indexed, are counted.
      const unfiltered = filters.length === 1
      const total =
        unfiltered && principal.kind === 'anonymous'
          ? sql`((SELECT "value" FROM "counters" WHERE "name" = 'articles_dated')
                 - (SELECT count(*) FROM "articles" WHERE "published_at" > ${timestamp(now)}))`
          : unfiltered && principal.kind === 'token' && principal.role !== 'author'
            ? sql`(SELECT "value" FROM "counters" WHERE "name" = 'articles')`
            : undefined
      const { rows, meta } = await fetchPage<ArticleRow>(run, {
        select: sql`${columns} ${withAuthor ? authorColumns : empty}
                    ${search ? sql`, ts_rank(a."search_vector", ${search}) AS rank` : empty}`,
        from: sql`"articles" a ${withAuthor ? sql`JOIN "authors" au ON au."id" = a."author_id"` : empty}`,
        countFrom: sql`"articles" a`,
        ...(total ? { total } : {}),
        where: filters,
        pagination: p,
        codec,
        cursorValue,
      })
      return { data: rows.map((row) => toArticle(row, now)), meta }
    },

    get: (principal: Principal, idOrSlug: string, include?: 'author') => getVersioned(principal, idOrSlug, include === 'author'),

    /**
     * The condition, on alias `a` of "articles", that picks this article if the caller may
     * see it: for statements of the routes nested under an article (comments), so they need
     * no separate lookup.
     */
    visibleCondition: (principal: Principal, idOrSlug: string): Sql => visibleArticle(principal, idOrSlug),

    /** The id of an article the caller may see, else 404: for the routes nested under an article. */
    async visibleId(principal: Principal, idOrSlug: string): Promise<string> {
      const rows = await run<{ id: string }>(sql`SELECT a."id" FROM "articles" a WHERE ${visibleArticle(principal, idOrSlug)}`)
      if (!rows[0]) throw Problems.notFound('No such article.')
      return rows[0].id
    },

    async create(principal: Principal, input: CreateArticle): Promise<VersionedArticle> {
      rejectUuidSlug(input.slug)
      const authorId = await resolveAuthorId(principal, input.authorId)
      const base = input.slug ?? slugify(input.title, 'article')
      // Generated slugs race with concurrent creates of the same title: retry on collision.
      for (let attempt = 0; ; attempt++) {
        const slug = input.slug ?? (await freeSlug(prisma, 'articles', base))
        try {
          const row = await prisma.article.create({
            data: {
              slug,
              title: input.title,
              excerpt: input.excerpt ?? '',
              body: input.body ?? '',
              tags: input.tags ?? [],
              authorId,
            },
            select: { id: true },
          })
          return await getVersioned(principal, row.id)
        } catch (error) {
          if (uniqueViolation(error) !== 'slug') throw error
          if (input.slug !== undefined) throw Problems.slugTaken(input.slug)
          if (attempt >= 4) throw error
        }
      }
    },

    async update(principal: Principal, id: string, expected: number | '*', input: UpdateArticle): Promise<VersionedArticle> {
      rejectUuidSlug(input.slug)
      if (input.authorId !== undefined && !isStaff(principal)) {
        throw Problems.forbidden('Only editors and admins may move an article to another author.')
      }
      if (input.authorId !== undefined && !(await prisma.author.findUnique({ where: { id: input.authorId }, select: { id: true } }))) {
        throw Problems.validation([{ path: '/body/authorId', message: 'no author has this id' }])
      }
      // One statement on the happy path: the If-Match version, the caller's right to edit
      // and the version bump are all in the UPDATE. Only a refusal looks again, to say which.
      const set: Sql[] = []
      if (input.title !== undefined) set.push(sql`"title" = ${input.title}`)
      if (input.slug !== undefined) set.push(sql`"slug" = ${input.slug}`)
      if (input.excerpt !== undefined) set.push(sql`"excerpt" = ${input.excerpt}`)
      if (input.body !== undefined) set.push(sql`"body" = ${input.body}`)
      if (input.tags !== undefined) set.push(sql`"tags" = CAST(${input.tags} AS text[])`)
      if (input.authorId !== undefined) set.push(sql`"author_id" = CAST(${input.authorId} AS uuid)`)
      const where = [byIdOrSlug(id)]
      if (expected !== '*') where.push(sql`a."version" = ${expected}`)
      // An author token can only ever update its own articles (the route admits writers only).
      if (principal.kind === 'token' && principal.role === 'author') where.push(sql`a."author_id" = CAST(${principal.authorId} AS uuid)`)
      let rows: ArticleRow[]
      try {
        rows = await run<ArticleRow>(sql`
          UPDATE "articles" a SET ${join([...set, sql`"version" = a."version" + 1`, sql`"updated_at" = now()`], ', ')}
          WHERE ${join(where, ' AND ')}
          RETURNING ${columns}`)
      } catch (error) {
        if (uniqueViolation(error) === 'slug' && input.slug !== undefined) throw Problems.slugTaken(input.slug)
        throw error
      }
      const row = rows[0]
      if (row) return { resource: toArticle(row, new Date()), version: row.version }
      await writable(principal, id) // 404 or 403
      throw Problems.preconditionFailed()
    },

    async remove(principal: Principal, id: string, expected: number | '*' | undefined): Promise<void> {
      const row = await writable(principal, id)
      const where: Prisma.ArticleWhereInput = { id: row.id, ...(typeof expected === 'number' ? { version: expected } : {}) }
      const { count } = await prisma.article.deleteMany({ where })
      if (count === 0) {
        if (await fetchOne(principal, row.id, false)) throw Problems.preconditionFailed()
        throw Problems.notFound('No such article.')
      }
    },

    async publish(principal: Principal, id: string, input: PublishArticle): Promise<VersionedArticle> {
      const row = await writable(principal, id)
      const now = new Date()
      const at = input.publishAt === undefined ? now : new Date(input.publishAt)
      // Publishing something already live keeps its original publication time.
      const alreadyLive = row.published_at !== null && row.published_at <= now && input.publishAt === undefined
      if (alreadyLive) return { resource: toArticle(row, now), version: row.version }
      return conditionalUpdate(principal, row, '*', { publishedAt: at })
    },

    async unpublish(principal: Principal, id: string): Promise<VersionedArticle> {
      const row = await writable(principal, id)
      if (row.published_at === null) return { resource: toArticle(row, new Date()), version: row.version }
      return conditionalUpdate(principal, row, '*', { publishedAt: null })
    },
  }
}

export type ArticleService = ReturnType<typeof createArticleService>
