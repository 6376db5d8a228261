import type { Principal } from '../../auth.js'
import type { Article as ArticleModel } from '../../generated/prisma/client.js'
import { fetchPage, type CursorCodec, type ListMeta, type Pagination } from '../paging.js'
import { RENDERER_VERSION, renderArticleBody } from '../../render/markdown.js'
import { byIdOrSlug, empty, idOf, isUuid, join, raw, selectList, sql, timestamp, type Query, type Sql } from '../sql.js'
import {
  articleEvent,
  destroyed,
  noPreviousColumns,
  previousColumns,
  recorded,
  snapshot,
  type ChangeNote,
} from './article-history.js'
import { visible, visibleArticle, type Shelf } from './article-visibility.js'
import { embeddedMedia, type EmbeddedMediaRow } from './media.js'

/**
 * The statements on articles: reads as the caller may see them (visibility: article-visibility.ts),
 * and writes that record their revision and outbox event in the same statement (article-history.ts).
 * How lists sort and page is article-lists.ts.
 */
/** An article row as these statements return it: Prisma's model, less the search vector. */
export type ArticleRow = Omit<ArticleModel, 'searchVector' | 'eventSeq' | 'liveEventAt' | 'renderVersion'> & {
  /** With `include=author`. */
  authorSlug?: string
  authorName?: string
  authorAvatarUrl?: string | null
  /** With `withCover`: the cover image (null when the article has none). */
  coverImage?: EmbeddedMediaRow | null
  /** With a search: ts_rank of the row. */
  rank?: number
}

/** Each column an article answer can be made from, by the row property it fills. */
const COLUMN = {
  id: sql`a."id"`,
  slug: sql`a."slug"`,
  title: sql`a."title"`,
  excerpt: sql`a."excerpt"`,
  body: sql`a."body"`,
  bodyHtml: sql`a."body_html" AS "bodyHtml"`,
  bodyText: sql`a."body_text" AS "bodyText"`,
  wordCount: sql`a."word_count" AS "wordCount"`,
  tags: sql`a."tags"`,
  publishedAt: sql`a."published_at" AS "publishedAt"`,
  authorId: sql`a."author_id" AS "authorId"`,
  coverImageId: sql`a."cover_image_id" AS "coverImageId"`,
  commentCount: sql`a."comment_count" AS "commentCount"`,
  createdAt: sql`a."created_at" AS "createdAt"`,
  updatedAt: sql`a."updated_at" AS "updatedAt"`,
  version: sql`a."version"`,
  trashedAt: sql`a."trashed_at" AS "trashedAt"`,
} satisfies Record<string, Sql>
export type ArticleColumn = keyof typeof COLUMN

/** The select list of these columns (each once, in a fixed order); a list asks for the same few sets again and again. */
const columnLists = new Map<string, Sql>()
const columnList = (wanted: Iterable<ArticleColumn>): Sql => {
  const set = new Set(wanted)
  const key = (Object.keys(COLUMN) as ArticleColumn[]).filter((c) => set.has(c)).join()
  let list = columnLists.get(key)
  if (!list) {
    list = selectList(COLUMN, set)
    // Bounded: fieldsets are the caller's choice, and there are 2^17 of them.
    if (columnLists.size < 64) columnLists.set(key, list)
  }
  return list
}
const columns = columnList(Object.keys(COLUMN) as ArticleColumn[])
/** A list's columns without a fieldset: v1's fields (no rendered body), as lists have always answered. */
export const LIST_COLUMNS: ArticleColumn[] = [
  'id',
  'slug',
  'title',
  'excerpt',
  'body',
  'tags',
  'publishedAt',
  'authorId',
  'coverImageId',
  'commentCount',
  'createdAt',
  'updatedAt',
  'version',
  'trashedAt',
]
const authorColumns = sql`, au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"`
const withAuthorJoin = sql`JOIN "authors" au ON au."id" = a."author_id"`
const coverColumn = sql`, ${embeddedMedia(sql`a."cover_image_id"`)} AS "coverImage"`

/**
 * One article by id or slug, if the caller may see it on that shelf (`live` unless told), with
 * its author's public fields (a single read's structured data names the author), and its cover
 * image `withCover`. Every column unless `columns` names some (a sparse fieldset); then the
 * author only `withAuthor`. With
 * `lock`, the row is locked for the rest of the transaction (a write that decides from what it
 * read: two publishes at once must not both see a draft).
 */
export async function findArticle(
  db: Query,
  principal: Principal,
  idOrSlug: string,
  options: { columns?: ArticleColumn[]; withAuthor?: boolean; withCover?: boolean; shelf?: Shelf; lock?: boolean } = {},
): Promise<ArticleRow | undefined> {
  const { shelf = 'live', lock = false } = options
  const withAuthor = options.columns === undefined || options.withAuthor === true
  const withCover = options.withCover === true
  const rows = await db<ArticleRow>(sql`
    SELECT ${options.columns ? columnList([...options.columns, 'version']) : columns} ${withAuthor ? authorColumns : empty}
      ${withCover ? coverColumn : empty}
    FROM "articles" a ${withAuthor ? withAuthorJoin : empty}
    WHERE ${visibleArticle(principal, idOrSlug, { shelf })}
    ${lock ? sql`FOR NO KEY UPDATE OF a` : empty}`)
  return rows[0]
}

/**
 * Locks, in id order, the articles these ids or slugs name (for the rest of the transaction):
 * a bulk request that runs all its items in one transaction takes its locks up front, in one
 * order, so it cannot deadlock with another bulk or a single write.
 */
export async function lockArticles(db: Query, idsOrSlugs: string[]): Promise<void> {
  const ids = idsOrSlugs.filter(isUuid).map((id) => id.toLowerCase())
  const slugs = idsOrSlugs.filter((value) => !isUuid(value))
  await db(sql`
    SELECT a."id" FROM "articles" a
    WHERE a."id" = ANY (CAST(${ids} AS uuid[])) OR a."slug" = ANY (CAST(${slugs} AS text[]))
    ORDER BY a."id" FOR NO KEY UPDATE`)
}

/** The id of an article the caller may see. */
export async function findVisibleId(db: Query, principal: Principal, idOrSlug: string): Promise<string | undefined> {
  const rows = await db<{ id: string }>(
    sql`SELECT a."id" FROM "articles" a WHERE ${visibleArticle(principal, idOrSlug)}`,
  )
  return rows[0]?.id
}

export interface ArticleFilters {
  search?: Sql
  author?: string
  /** The article must have every one of these tags. */
  tags?: string[]
  publishedAfter?: string
  publishedBefore?: string
  status?: 'draft' | 'scheduled' | 'published'
}

/** A page of the articles a caller may see, filtered, with the total unless count=false. */
export async function listArticles(
  db: Query,
  principal: Principal,
  filters: ArticleFilters,
  page: {
    pagination: Pagination
    codec: CursorCodec
    columns?: ArticleColumn[]
    withAuthor: boolean
    withCover?: boolean
    now: Date
  },
): Promise<{ rows: ArticleRow[]; meta: ListMeta }> {
  const { now, withAuthor, withCover = false } = page
  // The fields asked for, and what the next cursor is read from: the sort's own columns.
  const sortColumns = page.pagination.terms.map((t) => t.name).filter((n): n is ArticleColumn => n in COLUMN)
  const selected = columnList([...(page.columns ?? LIST_COLUMNS), ...sortColumns, 'id'])
  const where: Sql[] = [visible(principal, { now })]
  if (filters.search) where.push(sql`a."search_vector" @@ ${filters.search}`)
  if (filters.author !== undefined) where.push(sql`a."author_id" = ${idOf('authors', filters.author)}`)
  // Containment, so the GIN index on "tags" answers it: every given tag, in any order.
  if (filters.tags !== undefined && filters.tags.length > 0)
    where.push(sql`a."tags" @> CAST(${filters.tags} AS text[])`)
  if (filters.publishedAfter !== undefined)
    where.push(sql`a."published_at" > CAST(${filters.publishedAfter} AS timestamptz)`)
  if (filters.publishedBefore !== undefined)
    where.push(sql`a."published_at" < CAST(${filters.publishedBefore} AS timestamptz)`)
  if (filters.status === 'draft') where.push(sql`a."published_at" IS NULL`)
  if (filters.status === 'scheduled') where.push(sql`a."published_at" > ${timestamp(now)}`)
  if (filters.status === 'published') where.push(sql`a."published_at" <= ${timestamp(now)}`)
  // Unfiltered totals come from the counters the articles triggers maintain (constant
  // time at any size); only the scheduled articles, few and indexed, are counted.
  const unfiltered = where.length === 1
  const total =
    unfiltered && principal.kind === 'anonymous'
      ? sql`((SELECT "value" FROM "counters" WHERE "name" = 'articles_dated')
             - (SELECT count(*) FROM "articles" WHERE "published_at" > ${timestamp(now)} AND "trashed_at" IS NULL))`
      : unfiltered && principal.kind === 'token' && principal.role !== 'author'
        ? sql`(SELECT "value" FROM "counters" WHERE "name" = 'articles')`
        : undefined
  return fetchPage<ArticleRow>(db, {
    select: sql`${selected} ${withAuthor ? authorColumns : empty} ${withCover ? coverColumn : empty}
                ${filters.search ? sql`, ts_rank(a."search_vector", ${filters.search}) AS rank` : empty}`,
    from: sql`"articles" a ${withAuthor ? withAuthorJoin : empty}`,
    countFrom: sql`"articles" a`,
    ...(total ? { total } : {}),
    where,
    pagination: page.pagination,
    codec: page.codec,
  })
}

/**
 * Starts the history of every article that has none (seeded content): one `create` revision
 * with its current state, numbered with its version, by nobody. How many were written.
 */
export async function startHistory(db: Query): Promise<number> {
  const rows = await db(sql`
    INSERT INTO "article_revisions" ("article_id", "number", "action", "snapshot", "created_at")
    SELECT c."id", c."version", 'create', ${snapshot(new Date())}, c."updatedAt"
    FROM (SELECT ${columns} FROM "articles" a
          WHERE NOT EXISTS (SELECT 1 FROM "article_revisions" r WHERE r."article_id" = a."id")) c
    RETURNING 1`)
  return rows.length
}

export interface NewArticle {
  slug: string
  title: string
  excerpt: string
  body: string
  tags: string[]
  authorId: string
  coverImageId: string | null
}

/**
 * Inserts an article with its first revision; undefined when its slug is taken (nothing
 * written, the transaction intact).
 */
export async function insertArticle(db: Query, a: NewArticle, note: ChangeNote): Promise<ArticleRow | undefined> {
  const rendered = renderArticleBody(a.body)
  const rows = await db<ArticleRow>(
    recorded(
      sql`"changed" AS (
        INSERT INTO "articles" AS a ("slug", "title", "excerpt", "body", "body_html", "body_text", "word_count", "render_version",
                                     "tags", "author_id", "cover_image_id", "event_seq")
        VALUES (${a.slug}, ${a.title}, ${a.excerpt}, ${a.body}, ${rendered.html}, ${rendered.text}, ${rendered.wordCount},
                ${RENDERER_VERSION}, CAST(${a.tags} AS text[]), CAST(${a.authorId} AS uuid),
                CAST(${a.coverImageId} AS uuid), 1)
        ON CONFLICT ("slug") DO NOTHING
        RETURNING ${columns}, a."event_seq" AS "eventSeq", ${noPreviousColumns})`,
      note,
    ),
  )
  return rows[0]
}

export interface ArticleChanges {
  title?: string
  slug?: string
  excerpt?: string
  body?: string
  tags?: string[]
  authorId?: string
  /** A media item's id, or null for none. */
  coverImageId?: string | null
  publishedAt?: Date | null
  /** Into the trash (a moment) or out of it (null). */
  trashedAt?: Date | null
  /** When `article.published` was emitted for the current publication (null: none yet). */
  liveEventAt?: Date | null
}

export interface UpdateConditions {
  /** The If-Match version, or '*' for any. */
  expected: number | '*'
  /** For an author token: the article must be this author's. */
  ownerId?: string | undefined
  /** Where the article must be: `live` (the default) or `trash` (to restore it). */
  shelf?: 'live' | 'trash'
}

/**
 * Applies `changes` to the article with this id or slug and records the revision, in one
 * statement that also checks the If-Match version, ownership (author tokens) and the shelf,
 * and bumps the version. Undefined when any of those does not hold.
 */
export async function updateArticle(
  db: Query,
  idOrSlug: string,
  changes: ArticleChanges,
  conditions: UpdateConditions,
  note: ChangeNote,
): Promise<ArticleRow | undefined> {
  const set: Sql[] = []
  if (changes.title !== undefined) set.push(sql`"title" = ${changes.title}`)
  if (changes.slug !== undefined) set.push(sql`"slug" = ${changes.slug}`)
  if (changes.excerpt !== undefined) set.push(sql`"excerpt" = ${changes.excerpt}`)
  if (changes.body !== undefined) {
    // Rendered here, at write time, so every write that sets a body stores its HTML with it.
    const rendered = renderArticleBody(changes.body)
    set.push(
      sql`"body" = ${changes.body}`,
      sql`"body_html" = ${rendered.html}`,
      sql`"body_text" = ${rendered.text}`,
      sql`"word_count" = ${rendered.wordCount}`,
      sql`"render_version" = ${RENDERER_VERSION}`,
    )
  }
  if (changes.tags !== undefined) set.push(sql`"tags" = CAST(${changes.tags} AS text[])`)
  if (changes.authorId !== undefined) set.push(sql`"author_id" = CAST(${changes.authorId} AS uuid)`)
  if (changes.coverImageId !== undefined) set.push(sql`"cover_image_id" = CAST(${changes.coverImageId} AS uuid)`)
  for (const [column, at] of [
    ['published_at', changes.publishedAt],
    ['trashed_at', changes.trashedAt],
    ['live_event_at', changes.liveEventAt],
  ] as const) {
    if (at !== undefined)
      set.push(sql`${raw(`"${column}"`)} = CAST(${at === null ? null : timestamp(at)} AS timestamptz)`)
  }
  const where = [conditions.shelf === 'trash' ? sql`a."trashed_at" IS NOT NULL` : sql`a."trashed_at" IS NULL`]
  if (conditions.expected !== '*') where.push(sql`a."version" = ${conditions.expected}`)
  if (conditions.ownerId !== undefined) where.push(sql`a."author_id" = CAST(${conditions.ownerId} AS uuid)`)
  // The row is locked and read first ("prev"), so the event can say what it was before.
  const rows = await db<ArticleRow>(
    recorded(
      sql`"prev" AS (SELECT a.* FROM "articles" a WHERE ${byIdOrSlug(sql`a`, idOrSlug)} FOR NO KEY UPDATE),
      "changed" AS (
        UPDATE "articles" a
        SET ${join([...set, sql`"version" = a."version" + 1`, sql`"event_seq" = a."event_seq" + 1`, sql`"updated_at" = now()`], ', ')}
        FROM "prev" p
        WHERE a."id" = p."id" AND ${join(where, ' AND ')}
        RETURNING ${columns}, a."event_seq" AS "eventSeq", ${previousColumns})`,
      note,
    ),
  )
  return rows[0]
}

/**
 * Destroys the article (its comments, revisions and preview tokens go with it) if it still
 * has the `expected` version (any when not a number), with its `article.deleted` event (its
 * status by the clock `now`); how many rows went.
 */
export async function deleteArticle(
  db: Query,
  id: string,
  options: { expected?: number | '*' | undefined; now: Date },
): Promise<number> {
  const { expected, now } = options
  const rows = await db<{ id: string }>(
    destroyed(
      sql`DELETE FROM "articles" WHERE "id" = CAST(${id} AS uuid) ${typeof expected === 'number' ? sql`AND "version" = ${expected}` : empty}`,
      now,
    ),
  )
  return rows.length
}

/**
 * Destroys up to `limit` articles that have been in the trash since before `cutoff`, skipping
 * rows another process is destroying right now (so each goes exactly once, with one event);
 * their ids.
 */
export async function purgeTrash(db: Query, cutoff: Date, limit: number, now: Date): Promise<string[]> {
  const rows = await db<{ id: string }>(
    destroyed(
      sql`DELETE FROM "articles" WHERE "id" IN (
        SELECT "id" FROM "articles" WHERE "trashed_at" <= ${timestamp(cutoff)}
        ORDER BY "trashed_at" LIMIT ${limit} FOR UPDATE SKIP LOCKED)`,
      now,
    ),
  )
  return rows.map((r) => r.id)
}

/**
 * Scheduled articles whose time has come: marks up to `limit` of them announced and emits
 * their `article.published` event, skipping rows another process is announcing (each goes
 * live exactly once); their ids. Not a revision: nobody changed the article.
 */
export async function announceDue(db: Query, now: Date, limit: number): Promise<string[]> {
  const at = timestamp(now)
  const rows = await db<{ id: string }>(sql`
    WITH "changed" AS (
      UPDATE "articles" a SET "live_event_at" = CAST(${at} AS timestamptz), "event_seq" = a."event_seq" + 1
      WHERE a."id" IN (
        SELECT "id" FROM "articles"
        WHERE "live_event_at" IS NULL AND "published_at" <= CAST(${at} AS timestamptz) AND "trashed_at" IS NULL
        ORDER BY "published_at" LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING ${columns}, a."event_seq" AS "eventSeq", ${noPreviousColumns}),
    ${articleEvent('article.published', now)}
    SELECT "id" FROM "changed"`)
  return rows.map((r) => r.id)
}

/** When the next scheduled article goes live (none: undefined). */
export async function nextGoLive(db: Query, now: Date): Promise<Date | undefined> {
  const rows = await db<{ at: Date | null }>(sql`
    SELECT min("published_at") AS "at" FROM "articles"
    WHERE "live_event_at" IS NULL AND "published_at" > ${timestamp(now)} AND "trashed_at" IS NULL`)
  return rows[0]?.at ?? undefined
}

/** The trash: articles the caller may edit, trashed, newest first unless sorted. */
export async function listTrash(
  db: Query,
  principal: Principal,
  page: { pagination: Pagination; codec: CursorCodec },
): Promise<{ rows: ArticleRow[]; meta: ListMeta }> {
  return fetchPage<ArticleRow>(db, {
    select: columnList(LIST_COLUMNS),
    from: sql`"articles" a`,
    where: [visible(principal, { now: new Date(), shelf: 'trash' })],
    ...page,
  })
}

/** Whether an author still has articles, trashed ones included (an author with any cannot be deleted). */
export async function authorHasArticles(db: Query, authorId: string): Promise<boolean> {
  const rows = await db(sql`SELECT 1 FROM "articles" WHERE "author_id" = CAST(${authorId} AS uuid) LIMIT 1`)
  return rows.length > 0
}
