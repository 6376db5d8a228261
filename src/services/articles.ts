import type { Principal } from '../auth.js'
import type { Database } from '../db/database.js'
import { uniqueViolation } from '../db/errors.js'
import { paginate, type CursorCodec } from '../db/paging.js'
import type { Actor, ChangeNote } from '../db/queries/article-history.js'
import { listSpec, rankTerm, searchQuery } from '../db/queries/article-lists.js'
import type { Shelf } from '../db/queries/article-visibility.js'
import * as q from '../db/queries/articles.js'
import { authorExists } from '../db/queries/authors.js'
import { findEmbeddedMedia, lockMediaForUse } from '../db/queries/media.js'
import { ProblemError, Problems } from '../errors.js'
import type {
  Article,
  ArticleList,
  CreateArticle,
  ListArticlesQuery,
  PublishArticle,
  UpdateArticle,
} from '../schemas/article.js'
import type { ArticleEventType } from '../schemas/events.js'
import { authorScope, canReadDrafts, isStaff, mayActFor } from './access.js'
import {
  articleColumns,
  articleStatus,
  toArticle,
  toSparseArticle,
  versioned as versionedOn,
  type ArticleIncludes,
  type VersionedArticle,
} from './article-view.js'
import { parseFields } from './fields.js'
import type { Site } from './site.js'
import { ARTICLE_FIELDS, AUTHOR_SUMMARY_FIELDS } from '../schemas/fields.js'
import { insertWithSlug, rejectUuidSlug, slugify } from './slug.js'

/** Who a change is by, as its revision records it. */
export function actorOf(principal: Principal): Actor {
  return principal.kind === 'token'
    ? { tokenId: principal.tokenId, name: principal.name }
    : { tokenId: null, name: null }
}

export type { VersionedArticle }

/** The fields a revision restore copies back: the content, never publication state, slug or author. */
export type RestorableContent = Pick<q.ArticleChanges, 'title' | 'excerpt' | 'body' | 'tags'>

const notFound = () => Problems.notFound('No such article.')

/** The most tags an article has (the schema's limit, which bulk tag changes keep too). */
const MAX_TAGS = 20

/** The last moment an RFC 3339 timestamp with a four-digit year can name in UTC. */
const LATEST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

export interface ArticleServiceOptions {
  cursors: () => Promise<CursorCodec>
  /** Text search configuration; must match the one the search_vector trigger uses. */
  searchConfig?: string
  /** Revisions kept per article (REVISIONS_KEEP); unset keeps all. */
  revisionsKeep?: number | undefined
  /** Told when an article is scheduled to go live at `at` (services/go-live.ts: the sweep wakes for it). */
  scheduled?: (at: Date) => void
  /** The frontend's addresses, for structured data. */
  site: Site
}

/** A single read's or a list's query: what to embed (`author,coverImage`) and the sparse fieldset. */
export interface ArticleShape {
  include?: string | undefined
  fields?: string | undefined
}

/** What `include=` names (the schema's pattern has checked it). */
function includesOf(shape: ArticleShape): ArticleIncludes {
  if (shape.include === undefined) return {}
  const names = shape.include.split(',')
  return { author: names.includes('author'), coverImage: names.includes('coverImage') }
}

/**
 * `fields=` checked against the allowlist; naming an `author.*` field embeds the author, as does
 * include=author (all its fields); include=coverImage adds `coverImage`.
 */
function selectionOf(shape: ArticleShape) {
  if (shape.fields === undefined) return undefined
  const selection = parseFields(shape.fields, ARTICLE_FIELDS, AUTHOR_SUMMARY_FIELDS)
  const include = includesOf(shape)
  const fields = include.coverImage ? new Set([...selection.fields, 'coverImage' as const]) : selection.fields
  if (include.author && !selection.author) return { ...selection, fields, author: new Set(AUTHOR_SUMMARY_FIELDS) }
  return { ...selection, fields }
}

export function createArticleService(db: Database, options: ArticleServiceOptions) {
  const { cursors, revisionsKeep, site } = options
  /**
   * The single-read representation: the cover is read only where the answer shows it (embedded
   * with include=coverImage, or in a published article's structured data), by a second statement
   * for an article that has one, so a read of one without a cover stays one statement.
   */
  async function versioned(row: q.ArticleRow, include: ArticleIncludes = {}): Promise<VersionedArticle> {
    const shown = include.coverImage === true || (row.publishedAt !== null && row.publishedAt <= new Date())
    if (row.coverImageId !== null && row.coverImage === undefined && shown) {
      row.coverImage = (await findEmbeddedMedia(db.query, row.coverImageId)) ?? null
    }
    return versionedOn(row, site, include)
  }
  const searchConfig = options.searchConfig ?? 'english'
  /** What a change by `principal` records: its revision (`action`) and its outbox event. */
  const note = (
    principal: Principal,
    action: ChangeNote['action'],
    event: ArticleEventType,
    now = new Date(),
    restoredFrom?: number,
  ): ChangeNote => ({
    action,
    actor: actorOf(principal),
    keep: revisionsKeep,
    event,
    now,
    ...(restoredFrom === undefined ? {} : { restoredFrom }),
  })

  /**
   * Tells go-live (services/go-live.ts) about an article a committed change left scheduled
   * (unless an outer transaction, a bulk's or an Idempotency-Key's, is still open: the go-live
   * sweep then looks again a moment after it wakes).
   */
  function tellIfScheduled({ resource }: VersionedArticle): void {
    if (resource.status === 'scheduled' && resource.publishedAt !== null)
      options.scheduled?.(new Date(resource.publishedAt))
  }

  async function getVersioned(
    principal: Principal,
    idOrSlug: string,
    shape: ArticleShape = {},
  ): Promise<VersionedArticle> {
    const selection = selectionOf(shape)
    const include = includesOf(shape)
    const row = await q.findArticle(
      db.query,
      principal,
      idOrSlug,
      selection ? articleColumns(selection) : { withCover: include.coverImage === true },
    )
    if (!row) throw notFound()
    return selection
      ? { resource: toSparseArticle(row, selection, new Date(), site) as Article, version: row.version }
      : versioned(row, include)
  }

  /**
   * Resolves the article a write targets, and decides what a refusal looks like: 404 when
   * the caller may not even see it (so drafts do not leak), 403 when they see it but may not
   * change it.
   */
  async function writable(
    principal: Principal,
    id: string,
    shelf: Shelf = 'live',
    lock = false,
  ): Promise<q.ArticleRow> {
    // Only tokens change articles (a preview token reads one): to anyone else every article is unknown.
    if (principal.kind !== 'token') throw notFound()
    const row = await q.findArticle(db.query, principal, id, { shelf, lock })
    if (!row) throw notFound()
    if (!mayActFor(principal, row.authorId)) throw Problems.forbidden('This token may not change this article.')
    return row
  }

  /**
   * The update with its revision, or the refusal that explains why it matched nothing: 404,
   * 403 or 412.
   */
  async function updateOrExplain(
    principal: Principal,
    id: string,
    changes: q.ArticleChanges,
    expected: number | '*',
    revision: ChangeNote,
    shelf: 'live' | 'trash' = 'live',
  ): Promise<VersionedArticle> {
    const row = await q.updateArticle(
      db.query,
      id,
      changes,
      { expected, ownerId: authorScope(principal), shelf },
      revision,
    )
    if (row) return versioned(row)
    await writable(principal, id, shelf) // 404 or 403
    throw Problems.preconditionFailed()
  }

  /**
   * The media item a write names as the cover exists (else 400), and stays as it is (its alt
   * text, its existence) until the write's transaction ends.
   */
  async function lockCover(coverImageId: string | null | undefined): Promise<void> {
    if (!coverImageId) return
    if (!(await lockMediaForUse(db.query, coverImageId)))
      throw Problems.validation([{ path: '/body/coverImageId', message: 'no media item has this id' }])
  }

  /**
   * A published or scheduled article's cover must have alt text (409 ALT_TEXT_REQUIRED): checked
   * in the write's transaction after its statement, so a refusal undoes it. The media row is
   * locked (FOR SHARE) first, so an edit clearing the alt text (services/media.ts, which locks it
   * FOR UPDATE and then looks for such articles) cannot slip in between.
   */
  async function requireAltText({ resource }: VersionedArticle): Promise<void> {
    if (resource.coverImageId === null || resource.status === 'draft') return
    const media = await lockMediaForUse(db.query, resource.coverImageId)
    if (media && media.alt.trim() === '') {
      throw new ProblemError(
        'ALT_TEXT_REQUIRED',
        `The cover image ${media.id} has no alt text; set it (PATCH /api/v1/media/${media.id}) before the article is ` +
          'published or scheduled with it.',
      )
    }
  }

  async function resolveAuthorId(principal: Principal, requested: string | undefined): Promise<string> {
    const own = authorScope(principal)
    if (own !== undefined) {
      if (requested !== undefined && requested !== own)
        throw Problems.forbidden('An author token can only write its own articles.')
      return own
    }
    if (requested === undefined) {
      throw Problems.validation([{ path: '/body/authorId', message: 'is required for editor and admin tokens' }])
    }
    if (!(await authorExists(db.query, requested)))
      throw Problems.validation([{ path: '/body/authorId', message: 'no author has this id' }])
    return requested
  }

  return {
    async list(principal: Principal, query: ListArticlesQuery): Promise<ArticleList> {
      if (query.status !== undefined && !canReadDrafts(principal)) {
        throw Problems.unauthorized('The status filter needs a token; without one only published articles are listed.')
      }
      const selection = selectionOf(query)
      const include = includesOf(query)
      const now = new Date()
      const search = query.q === undefined ? undefined : searchQuery(searchConfig, query.q)
      const codec = await cursors()
      const dated = principal.kind === 'anonymous' || query.status === 'published' || query.status === 'scheduled'
      const pagination = paginate(
        listSpec({ dated }),
        query,
        codec,
        search && query.sort === undefined ? [rankTerm(search)] : [],
      )
      const { rows, meta } = await q.listArticles(
        db.query,
        principal,
        {
          ...(search ? { search } : {}),
          ...(query.author !== undefined ? { author: query.author } : {}),
          ...(query.tag !== undefined ? { tags: [...new Set(query.tag)] } : {}),
          ...(query.publishedAfter !== undefined ? { publishedAfter: query.publishedAfter } : {}),
          ...(query.publishedBefore !== undefined ? { publishedBefore: query.publishedBefore } : {}),
          ...(query.status !== undefined ? { status: query.status } : {}),
        },
        selection
          ? { pagination, codec, ...articleColumns(selection), now }
          : { pagination, codec, withAuthor: include.author === true, withCover: include.coverImage === true, now },
      )
      const data = selection
        ? rows.map((row) => toSparseArticle(row, selection, now, site) as Article)
        : rows.map((row) =>
            toArticle(row, now, { author: include.author === true, cover: include.coverImage === true, site }),
          )
      return { data, meta }
    },

    /** A single read: the full representation, or with `fields` only those (a sparse answer, which the route sends as it is). */
    get: (principal: Principal, idOrSlug: string, shape?: ArticleShape) => getVersioned(principal, idOrSlug, shape),

    /**
     * The article a write or an editor's read (revisions, previews) targets, on `shelf`: 404
     * when the caller may not see it (anonymous callers and preview tokens never do), 403 when
     * they see it but may not change it.
     */
    writable,

    /** What GET would send for an article on any shelf: the representation If-Match is compared with before destroying it. */
    async getForWrite(principal: Principal, idOrSlug: string, shelf: Shelf): Promise<VersionedArticle> {
      return versioned(await writable(principal, idOrSlug, shelf))
    },

    /**
     * The id of an article the caller may see, else 404: for the routes nested under an article,
     * and (anonymous) for the per-article comment limit's key (plugins/protection.ts).
     */
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
        const fields = {
          title: input.title,
          excerpt: input.excerpt ?? '',
          body: input.body ?? '',
          tags: input.tags ?? [],
          authorId,
          coverImageId: input.coverImageId ?? null,
        }
        await lockCover(input.coverImageId)
        const row = await insertWithSlug(db.query, 'articles', input.slug, base, (slug) =>
          q.insertArticle(db.query, { ...fields, slug }, note(principal, 'create', 'article.created')),
        )
        return versioned(row)
      })
    },

    async update(
      principal: Principal,
      id: string,
      expected: number | '*',
      input: UpdateArticle,
    ): Promise<VersionedArticle> {
      rejectUuidSlug(input.slug)
      if (input.authorId !== undefined && !isStaff(principal)) {
        throw Problems.forbidden('Only editors and admins may move an article to another author.')
      }
      if (input.authorId !== undefined && !(await authorExists(db.query, input.authorId))) {
        throw Problems.validation([{ path: '/body/authorId', message: 'no author has this id' }])
      }
      // One statement on the happy path: the If-Match version, the caller's right to edit
      // and the version bump are all in the UPDATE. Only a refusal looks again, to say which.
      // A new cover is locked first and its alt text checked after, in one transaction.
      const change = () => updateOrExplain(principal, id, input, expected, note(principal, 'update', 'article.updated'))
      try {
        if (!input.coverImageId) return await change()
        return await db.transaction(async () => {
          await lockCover(input.coverImageId)
          const updated = await change()
          await requireAltText(updated)
          return updated
        })
      } catch (error) {
        if (uniqueViolation(error) === 'slug' && input.slug !== undefined) throw Problems.slugTaken(input.slug)
        throw error
      }
    },

    /** DELETE: into the trash (its comments go with it, out of sight), with a revision. */
    async trash(principal: Principal, id: string, expected: number | '*' | undefined): Promise<void> {
      const now = new Date()
      await updateOrExplain(
        principal,
        id,
        { trashedAt: now },
        expected ?? '*',
        note(principal, 'trash', 'article.trashed', now),
      )
    },

    /** Back from the trash, as it was (same slug, same comments), with a revision. Not in the trash: as it is. */
    async untrash(principal: Principal, id: string): Promise<VersionedArticle> {
      const back = await db.transaction(async () => {
        const row = await writable(principal, id, 'any', true)
        if (row.trashedAt === null) return versioned(row)
        // Back live: its return is its publication (no go-live event is due for it any more).
        const now = new Date()
        const live = articleStatus(row.publishedAt, now) === 'published'
        const changes = { trashedAt: null, ...(live ? { liveEventAt: now } : {}) }
        const restored = await updateOrExplain(
          principal,
          row.id,
          changes,
          '*',
          note(principal, 'untrash', 'article.restored', now),
          'trash',
        )
        await requireAltText(restored)
        return restored
      })
      // Back in the schedule: go-live learns its time now, not at the next sweep.
      tellIfScheduled(back)
      return back
    },

    /** DELETE ?permanent=true (admins): destroys the article, trashed or not, with its comments and revisions. */
    async destroy(principal: Principal, id: string, expected: number | '*' | undefined): Promise<void> {
      if (principal.kind !== 'token' || principal.role !== 'admin') {
        // Whether the article exists is the caller's business only if they may see it.
        await writable(principal, id, 'any')
        throw Problems.forbidden(
          'Only admin tokens may destroy an article; without permanent=true it goes to the trash.',
        )
      }
      await db.transaction(async () => {
        const row = await writable(principal, id, 'any')
        if ((await q.deleteArticle(db.query, row.id, { expected, now: new Date() })) === 0)
          throw Problems.preconditionFailed()
      })
    },

    /**
     * Copies the content of one of the article's revisions (title, excerpt, body, tags) onto it
     * as a new revision, if it still has `expected` version. Publication state, slug and author
     * stay as they are.
     */
    async restoreRevision(
      principal: Principal,
      id: string,
      expected: number | '*',
      revision: { number: number; content: RestorableContent },
    ): Promise<VersionedArticle> {
      return updateOrExplain(
        principal,
        id,
        revision.content,
        expected,
        note(principal, 'restore', 'article.updated', new Date(), revision.number),
      )
    },

    async publish(principal: Principal, id: string, input: PublishArticle): Promise<VersionedArticle> {
      const published = await db.transaction(async () => {
        const row = await writable(principal, id, 'live', true)
        const now = new Date()
        if (input.publishAt !== undefined && new Date(input.publishAt).getTime() > LATEST_INSTANT) {
          // 9999-12-31T23:59:59-23:59 is a valid RFC 3339 text, but a moment in the year 10000.
          throw Problems.validation([{ path: '/body/publishAt', message: 'must be before 10000-01-01T00:00:00Z' }])
        }
        // Publishing something already live keeps its original publication time.
        if (row.publishedAt !== null && row.publishedAt <= now && input.publishAt === undefined) return versioned(row)
        const publishedAt = input.publishAt === undefined ? now : new Date(input.publishAt)
        // Live now: published (and announced) by this change. Scheduled: an update now, and
        // `article.published` from the go-live sweep at its time.
        const live = publishedAt <= now
        const changed = await updateOrExplain(
          principal,
          row.id,
          { publishedAt, liveEventAt: live ? now : null },
          '*',
          note(principal, 'publish', live ? 'article.published' : 'article.updated', now),
        )
        await requireAltText(changed)
        return changed
      })
      tellIfScheduled(published)
      return published
    },

    async unpublish(principal: Principal, id: string): Promise<VersionedArticle> {
      return db.transaction(async () => {
        const row = await writable(principal, id, 'live', true)
        if (row.publishedAt === null) return versioned(row)
        return updateOrExplain(
          principal,
          row.id,
          { publishedAt: null, liveEventAt: null },
          '*',
          note(principal, 'unpublish', 'article.unpublished'),
        )
      })
    },

    /** Adds and removes tags (bulk actions), keeping the order of the rest; unchanged tags write nothing. */
    async retag(principal: Principal, id: string, add: string[], remove: string[]): Promise<VersionedArticle> {
      return db.transaction(async () => {
        const row = await writable(principal, id, 'live', true)
        const tags = [...row.tags.filter((t) => !remove.includes(t)), ...add.filter((t) => !row.tags.includes(t))]
        if (tags.length === row.tags.length && tags.every((t, i) => t === row.tags[i])) return versioned(row)
        if (tags.length > MAX_TAGS) {
          throw Problems.validation([
            { path: '/body/tags', message: `would give this article more than ${MAX_TAGS} tags` },
          ])
        }
        return updateOrExplain(principal, row.id, { tags }, row.version, note(principal, 'update', 'article.updated'))
      })
    },
  }
}

export type ArticleService = ReturnType<typeof createArticleService>
