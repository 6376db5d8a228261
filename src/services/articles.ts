import type { Principal } from '../auth.js'
import type { Database } from '../db/database.js'
import { uniqueViolation } from '../db/errors.js'
import { paginate, type CursorCodec } from '../db/paging.js'
import * as q from '../db/queries/articles.js'
import { authorExists } from '../db/queries/authors.js'
import { Problems } from '../errors.js'
import type {
  Article,
  ArticleList,
  CreateArticle,
  ListArticlesQuery,
  PublishArticle,
  UpdateArticle,
} from '../schemas/article.js'
import { authorScope, canReadDrafts, isStaff, mayActFor } from './access.js'
import type { Versioned } from './common.js'
import { insertWithSlug, rejectUuidSlug, slugify } from './slug.js'

export function articleStatus(publishedAt: Date | null, now: Date): Article['status'] {
  if (publishedAt === null) return 'draft'
  return publishedAt > now ? 'scheduled' : 'published'
}

function toArticle(row: q.ArticleRow, now: Date): Article {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    excerpt: row.excerpt,
    body: row.body,
    tags: row.tags,
    status: articleStatus(row.publishedAt, now),
    publishedAt: row.publishedAt?.toISOString() ?? null,
    authorId: row.authorId,
    commentCount: row.commentCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...(row.authorSlug === undefined
      ? {}
      : { author: { id: row.authorId, slug: row.authorSlug, name: row.authorName!, avatarUrl: row.authorAvatarUrl ?? null } }),
  }
}

const versioned = (row: q.ArticleRow): VersionedArticle => ({ resource: toArticle(row, new Date()), version: row.version })

export type VersionedArticle = Versioned<Article>

const notFound = () => Problems.notFound('No such article.')

/** The last moment an RFC 3339 timestamp with a four-digit year can name in UTC. */
const LATEST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

export interface ArticleServiceOptions {
  cursors: () => Promise<CursorCodec>
  /** Text search configuration; must match the one the search_vector trigger uses. */
  searchConfig?: string
}

export function createArticleService(db: Database, options: ArticleServiceOptions) {
  const { cursors } = options
  const searchConfig = options.searchConfig ?? 'english'

  async function getVersioned(principal: Principal, idOrSlug: string, withAuthor = false): Promise<VersionedArticle> {
    const row = await q.findArticle(db.query, principal, idOrSlug, withAuthor)
    if (!row) throw notFound()
    return versioned(row)
  }

  /**
   * Resolves the article a write targets, and decides what a refusal looks like: 404 when
   * the caller may not even see it (so drafts do not leak), 403 when they see it but may not
   * change it.
   */
  async function writable(principal: Principal, id: string): Promise<q.ArticleRow> {
    const row = await q.findArticle(db.query, principal, id, false)
    if (!row) throw notFound()
    if (!mayActFor(principal, row.authorId)) throw Problems.forbidden('This token may not change this article.')
    return row
  }

  /** The update, or the refusal that explains why it matched nothing: 404, 403 or 412. */
  async function updateOrExplain(principal: Principal, id: string, changes: q.ArticleChanges, expected: number | '*'): Promise<VersionedArticle> {
    const row = await q.updateArticle(db.query, id, changes, { expected, ownerId: authorScope(principal) })
    if (row) return versioned(row)
    await writable(principal, id) // 404 or 403
    throw Problems.preconditionFailed()
  }

  async function resolveAuthorId(principal: Principal, requested: string | undefined): Promise<string> {
    const own = authorScope(principal)
    if (own !== undefined) {
      if (requested !== undefined && requested !== own) throw Problems.forbidden('An author token can only write its own articles.')
      return own
    }
    if (requested === undefined) {
      throw Problems.validation([{ path: '/body/authorId', message: 'is required for editor and admin tokens' }])
    }
    if (!(await authorExists(db.query, requested))) throw Problems.validation([{ path: '/body/authorId', message: 'no author has this id' }])
    return requested
  }

  // Which article a path names, remembered for a minute (at most 10,000 of them): a slug
  // renamed meanwhile only keeps its old answer for that minute.
  const canonical = new Map<string, { key: string; until: number }>()

  return {
    /**
     * One key per published article whichever way a path names it (id, upper-case id or slug),
     * for per-article limits; a path naming no published article is its own key.
     */
    async canonicalKey(idOrSlug: string): Promise<string> {
      const name = idOrSlug.toLowerCase()
      const now = Date.now()
      let known = canonical.get(name)
      if (!known || known.until < now) {
        const id = await q.findVisibleId(db.query, { kind: 'anonymous' }, name).catch(() => undefined)
        if (canonical.size >= 10_000) canonical.clear()
        known = { key: id ?? name, until: now + 60_000 }
        canonical.set(name, known)
      }
      return known.key
    },

    async list(principal: Principal, query: ListArticlesQuery): Promise<ArticleList> {
      if (query.status !== undefined && !canReadDrafts(principal)) {
        throw Problems.unauthorized('The status filter needs a token; without one only published articles are listed.')
      }
      const now = new Date()
      const search = query.q === undefined ? undefined : q.searchQuery(searchConfig, query.q)
      const codec = await cursors()
      const dated = principal.kind === 'anonymous' || query.status === 'published' || query.status === 'scheduled'
      const pagination = paginate(q.listSpec(dated), query, codec, search && query.sort === undefined ? [q.rankTerm(search)] : [])
      const { rows, meta } = await q.listArticles(
        db.query,
        principal,
        {
          ...(search ? { search } : {}),
          ...(query.author !== undefined ? { author: query.author } : {}),
          ...(query.tag !== undefined ? { tag: query.tag } : {}),
          ...(query.publishedAfter !== undefined ? { publishedAfter: query.publishedAfter } : {}),
          ...(query.publishedBefore !== undefined ? { publishedBefore: query.publishedBefore } : {}),
          ...(query.status !== undefined ? { status: query.status } : {}),
        },
        { pagination, codec, withAuthor: query.include === 'author', now },
      )
      return { data: rows.map((row) => toArticle(row, now)), meta }
    },

    get: (principal: Principal, idOrSlug: string, include?: 'author') => getVersioned(principal, idOrSlug, include === 'author'),

    /** The id of an article the caller may see, else 404: for the routes nested under an article. */
    async visibleId(principal: Principal, idOrSlug: string): Promise<string> {
      const id = await q.findVisibleId(db.query, principal, idOrSlug)
      if (!id) throw notFound()
      return id
    },

    async create(principal: Principal, input: CreateArticle): Promise<VersionedArticle> {
      rejectUuidSlug(input.slug)
      return db.transaction(async () => {
        const authorId = await resolveAuthorId(principal, input.authorId)
        const base = input.slug ?? slugify(input.title, 'article')
        const fields = { title: input.title, excerpt: input.excerpt ?? '', body: input.body ?? '', tags: input.tags ?? [], authorId }
        const row = await insertWithSlug(db.query, 'articles', input.slug, base, (slug) => q.insertArticle(db.query, { ...fields, slug }))
        return versioned(row)
      })
    },

    async update(principal: Principal, id: string, expected: number | '*', input: UpdateArticle): Promise<VersionedArticle> {
      rejectUuidSlug(input.slug)
      if (input.authorId !== undefined && !isStaff(principal)) {
        throw Problems.forbidden('Only editors and admins may move an article to another author.')
      }
      if (input.authorId !== undefined && !(await authorExists(db.query, input.authorId))) {
        throw Problems.validation([{ path: '/body/authorId', message: 'no author has this id' }])
      }
      // One statement on the happy path: the If-Match version, the caller's right to edit
      // and the version bump are all in the UPDATE. Only a refusal looks again, to say which.
      try {
        return await updateOrExplain(principal, id, input, expected)
      } catch (error) {
        if (uniqueViolation(error) === 'slug' && input.slug !== undefined) throw Problems.slugTaken(input.slug)
        throw error
      }
    },

    async remove(principal: Principal, id: string, expected: number | '*' | undefined): Promise<void> {
      await db.transaction(async () => {
        const row = await writable(principal, id)
        if ((await q.deleteArticle(db.query, row.id, expected)) === 0) throw Problems.preconditionFailed()
      })
    },

    async publish(principal: Principal, id: string, input: PublishArticle): Promise<VersionedArticle> {
      return db.transaction(async () => {
        const row = await writable(principal, id)
        const now = new Date()
        if (input.publishAt !== undefined && new Date(input.publishAt).getTime() > LATEST_INSTANT) {
          // 9999-12-31T23:59:59-23:59 is a valid RFC 3339 text, but a moment in the year 10000.
          throw Problems.validation([{ path: '/body/publishAt', message: 'must be before 10000-01-01T00:00:00Z' }])
        }
        // Publishing something already live keeps its original publication time.
        if (row.publishedAt !== null && row.publishedAt <= now && input.publishAt === undefined) return versioned(row)
        return updateOrExplain(principal, row.id, { publishedAt: input.publishAt === undefined ? now : new Date(input.publishAt) }, '*')
      })
    },

    async unpublish(principal: Principal, id: string): Promise<VersionedArticle> {
      return db.transaction(async () => {
        const row = await writable(principal, id)
        if (row.publishedAt === null) return versioned(row)
        return updateOrExplain(principal, row.id, { publishedAt: null }, '*')
      })
    },
  }
}

export type ArticleService = ReturnType<typeof createArticleService>
