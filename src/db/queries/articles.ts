import { ANONYMOUS, type Principal } from '../../auth.js'
import type { Article as ArticleModel, RevisionAction } from '../../generated/prisma/client.js'
import {
  fetchPage,
  timestampValue,
  type CursorCodec,
  type ListMeta,
  type ListSpec,
  type Pagination,
  type SortTerm,
} from '../paging.js'
import { byIdOrSlug, empty, idOf, isUuid, join, raw, sql, timestamp, type Query, type Sql } from '../sql.js'

/** An article row as these statements return it: Prisma's model, less the search vector. */
export type ArticleRow = Omit<ArticleModel, 'searchVector' | 'eventSeq' | 'liveEventAt'> & {
  /** With `include=author`. */
  authorSlug?: string
  authorName?: string
  authorAvatarUrl?: string | null
  /** With a search: ts_rank of the row. */
  rank?: number
}

const columns = sql`a."id", a."slug", a."title", a."excerpt", a."body", a."tags", a."published_at" AS "publishedAt",
  a."author_id" AS "authorId", a."comment_count" AS "commentCount", a."created_at" AS "createdAt",
  a."updated_at" AS "updatedAt", a."version", a."trashed_at" AS "trashedAt"`
const authorColumns = sql`, au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"`
const withAuthorJoin = sql`JOIN "authors" au ON au."id" = a."author_id"`

/** The sortable fields of articles (the allowlist), each declared once. */
const spec: ListSpec<ArticleRow> = {
  name: 'articles',
  sortable: {
    publishedAt: {
      expr: sql`a."published_at"`,
      type: 'timestamptz',
      nullable: true,
      read: (r) => timestampValue(r.publishedAt),
    },
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
export const searchQuery = (config: string, q: string): Sql =>
  sql`websearch_to_tsquery(CAST(${config} AS regconfig), ${q})`

/** Relevance first when searching without an explicit sort. */
export const rankTerm = (search: Sql): SortTerm<ArticleRow> => ({
  name: 'relevance',
  field: { expr: sql`ts_rank(a."search_vector", ${search})`, type: 'float4', read: (r) => r.rank ?? 0 },
  descending: true,
})

/**
 * Where an article is looked for: `live` (not in the trash: every read and write but the
 * trash's own), `trash` (only trashed ones), or `any`.
 */
export type Shelf = 'live' | 'trash' | 'any'

/**
 * Which live articles a caller may read, on alias `a`. Anonymous: published ones only (a
 * scheduled article goes live by itself when its time comes, since this compares with now).
 * Any token reads drafts, except that an author token sees only its own unpublished work; a
 * preview token reads its one article.
 */
function readable(principal: Principal, now: Date): Sql {
  const at = timestamp(now)
  if (principal.kind === 'anonymous') return sql`a."published_at" <= ${at}`
  if (principal.kind === 'preview') return sql`a."id" = CAST(${principal.articleId} AS uuid)`
  if (principal.role === 'author')
    return sql`(a."published_at" <= ${at} OR a."author_id" = CAST(${principal.authorId} AS uuid))`
  return sql`TRUE`
}

/** Which articles a caller may change: staff all, an author token its own, nobody else any. */
function editable(principal: Principal): Sql {
  if (principal.kind !== 'token' || principal.role === 'viewer') return sql`FALSE`
  if (principal.role === 'author') return sql`a."author_id" = CAST(${principal.authorId} AS uuid)`
  return sql`TRUE`
}

/**
 * Which articles a caller may see on a shelf, on alias `a`: live ones as `readable` says;
 * trashed ones only when the caller may edit them (the trash is nobody else's business).
 */
function visible(principal: Principal, now: Date, shelf: Shelf = 'live'): Sql {
  const live = sql`a."trashed_at" IS NULL AND ${readable(principal, now)}`
  if (shelf === 'live') return live
  const trashed = sql`a."trashed_at" IS NOT NULL AND ${editable(principal)}`
  return shelf === 'trash' ? trashed : sql`((${live}) OR (${trashed}))`
}

/** The articles anyone may read, on alias `a` (live and published at `now`): what public aggregates count. */
export const publiclyVisible = (now: Date): Sql => visible(ANONYMOUS, now)

/**
 * This article (by id or slug), if the caller may see it: a condition on alias `a`, also for
 * the statements of routes nested under an article (comments), so they need no lookup.
 */
export function visibleArticle(principal: Principal, idOrSlug: string, now = new Date(), shelf: Shelf = 'live'): Sql {
  return sql`${byIdOrSlug(sql`a`, idOrSlug)} AND ${visible(principal, now, shelf)}`
}

/**
 * One article by id or slug, if the caller may see it on that shelf (`live` unless told). With
 * `lock`, the row is locked for the rest of the transaction (a write that decides from what it
 * read: two publishes at once must not both see a draft).
 */
export async function findArticle(
  db: Query,
  principal: Principal,
  idOrSlug: string,
  withAuthor: boolean,
  shelf: Shelf = 'live',
  lock = false,
): Promise<ArticleRow | undefined> {
  const rows = await db<ArticleRow>(sql`
    SELECT ${columns} ${withAuthor ? authorColumns : empty}
    FROM "articles" a ${withAuthor ? withAuthorJoin : empty}
    WHERE ${visibleArticle(principal, idOrSlug, new Date(), shelf)}
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
  page: { pagination: Pagination; codec: CursorCodec; withAuthor: boolean; now: Date },
): Promise<{ rows: ArticleRow[]; meta: ListMeta }> {
  const { now, withAuthor } = page
  const where: Sql[] = [visible(principal, now)]
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

/** Who made a change, as its revision records it: a token's id and name, or nobody (the seed). */
export interface Actor {
  tokenId: string | null
  name: string | null
}

/** The outbox event types of article changes (one per change). */
export type ArticleEventType =
  | 'article.created'
  | 'article.updated'
  | 'article.published'
  | 'article.unpublished'
  | 'article.trashed'
  | 'article.restored'
  | 'article.deleted'

/** What a change records besides the article's new state: its revision and its outbox event. */
export interface ChangeNote {
  action: RevisionAction
  actor: Actor
  /** For `restore`: the revision whose content was copied. */
  restoredFrom?: number
  /** Keep at most this many revisions of the article (REVISIONS_KEEP); unset keeps all. */
  keep?: number | undefined
  /** The one outbox event this change emits. */
  event: ArticleEventType
  /** The server's clock for this change: the status a snapshot or an event records. */
  now: Date
}

/** An article's status on row `c` at `now`, in SQL: the same rule as `articleStatus`. */
const statusAt = (published: Sql, now: Date) =>
  sql`CASE WHEN ${published} IS NULL THEN 'draft' WHEN ${published} > CAST(${timestamp(now)} AS timestamptz) THEN 'scheduled' ELSE 'published' END`
/** A timestamp as the API writes it (RFC 3339, UTC, milliseconds). */
const iso = (at: Sql) => sql`to_char(${at} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/**
 * The snapshot a revision keeps of row `c` (a change's RETURNING columns): the editable fields
 * and the publication state, never anything secret. The status is decided by the server's
 * clock, as the API decides it (the database's may differ).
 */
const snapshot = (now: Date) => sql`jsonb_build_object(
    'title', c."title", 'slug', c."slug", 'excerpt', c."excerpt", 'body', c."body", 'tags', to_jsonb(c."tags"),
    'authorId', c."authorId", 'status', ${statusAt(sql`c."publishedAt"`, now)}, 'publishedAt', ${iso(sql`c."publishedAt"`)},
    'trashed', c."trashedAt" IS NOT NULL)`

/**
 * The `data` of an article event, from row `c`: public identifiers and state (what a frontend
 * needs to revalidate pages: slug, status, tags, author) and, for a change of an existing
 * article, the same before it. Never a body or anything private.
 */
const eventData = (now: Date) => sql`jsonb_build_object(
    'id', c."id", 'slug', c."slug", 'status', ${statusAt(sql`c."publishedAt"`, now)}, 'publishedAt', ${iso(sql`c."publishedAt"`)},
    'authorId', c."authorId", 'tags', to_jsonb(c."tags"), 'trashed', c."trashedAt" IS NOT NULL, 'sequence', c."eventSeq",
    'previous', CASE WHEN c."prevSlug" IS NULL THEN NULL ELSE jsonb_build_object(
      'slug', c."prevSlug", 'status', ${statusAt(sql`c."prevPublishedAt"`, now)}, 'authorId', c."prevAuthorId",
      'tags', to_jsonb(c."prevTags"), 'trashed', c."prevTrashedAt" IS NOT NULL) END)`

/** The article before the change, for an UPDATE's RETURNING (from the locked row `p`). */
const previousColumns = sql`p."slug" AS "prevSlug", p."tags" AS "prevTags", p."author_id" AS "prevAuthorId",
  p."published_at" AS "prevPublishedAt", p."trashed_at" AS "prevTrashedAt"`
const noPreviousColumns = sql`NULL::text AS "prevSlug", NULL::text[] AS "prevTags", NULL::uuid AS "prevAuthorId",
  NULL::timestamptz AS "prevPublishedAt", NULL::timestamptz AS "prevTrashedAt"`

/**
 * A change of "articles" (CTEs ending in `"changed"`, an INSERT or UPDATE returning `columns`,
 * `eventSeq` and the previous state) with its revision and its outbox event, in one statement:
 * both commit with the change or not at all, and cost no extra round trip. The revision is
 * numbered with the article's new version, the event with its new `event_seq`; the row lock
 * orders concurrent writers, so neither number can collide. With `keep`, revisions beyond
 * that many are deleted by the same statement.
 */
function recorded(change: Sql, note: ChangeNote): Sql {
  const prune =
    note.keep === undefined
      ? empty
      : sql`, "pruned" AS (
          DELETE FROM "article_revisions" r USING "changed" c
          WHERE r."article_id" = c."id" AND r."number" <= c."version" - ${note.keep})`
  return sql`
    WITH ${change},
    "revision" AS (
      INSERT INTO "article_revisions" ("article_id", "number", "action", "token_id", "token_name", "restored_from", "snapshot")
      SELECT c."id", c."version", CAST(${note.action} AS "RevisionAction"), CAST(${note.actor.tokenId} AS uuid), ${note.actor.name},
             CAST(${note.restoredFrom ?? null} AS int), ${snapshot(note.now)}
      FROM "changed" c
    ),
    "event" AS (
      INSERT INTO "outbox_events" ("type", "article_id", "sequence", "data")
      SELECT ${note.event}, c."id", c."eventSeq", ${eventData(note.now)} FROM "changed" c
    ) ${prune}
    SELECT * FROM "changed"`
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
}

/**
 * Inserts an article with its first revision; undefined when its slug is taken (nothing
 * written, the transaction intact).
 */
export async function insertArticle(db: Query, a: NewArticle, note: ChangeNote): Promise<ArticleRow | undefined> {
  const rows = await db<ArticleRow>(
    recorded(
      sql`"changed" AS (
        INSERT INTO "articles" AS a ("slug", "title", "excerpt", "body", "tags", "author_id", "event_seq")
        VALUES (${a.slug}, ${a.title}, ${a.excerpt}, ${a.body}, CAST(${a.tags} AS text[]), CAST(${a.authorId} AS uuid), 1)
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
  if (changes.body !== undefined) set.push(sql`"body" = ${changes.body}`)
  if (changes.tags !== undefined) set.push(sql`"tags" = CAST(${changes.tags} AS text[])`)
  if (changes.authorId !== undefined) set.push(sql`"author_id" = CAST(${changes.authorId} AS uuid)`)
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
 * Destroying articles (a DELETE returning the rows it removed as `g`) with one `article.deleted`
 * event each, in one statement: what the article was (slug, author, tags, status, whether it
 * was in the trash), so receivers and caches know what to forget.
 */
function destroyed(deletion: Sql, now: Date): Sql {
  return sql`
    WITH "gone" AS (${deletion} RETURNING "id", "slug", "tags", "author_id", "published_at", "trashed_at", "event_seq" + 1 AS "seq"),
    "event" AS (
      INSERT INTO "outbox_events" ("type", "article_id", "sequence", "data")
      SELECT 'article.deleted', g."id", g."seq", jsonb_build_object(
        'id', g."id", 'slug', g."slug", 'status', 'deleted', 'authorId', g."author_id", 'tags', to_jsonb(g."tags"), 'sequence', g."seq",
        'previous', jsonb_build_object('slug', g."slug", 'status', ${statusAt(sql`g."published_at"`, now)}, 'authorId', g."author_id",
          'tags', to_jsonb(g."tags"), 'trashed', g."trashed_at" IS NOT NULL))
      FROM "gone" g
    )
    SELECT "id" FROM "gone"`
}

/**
 * Destroys the article (its comments, revisions and preview tokens go with it) if it still
 * has `expected` version, with its `article.deleted` event; how many rows went.
 */
export async function deleteArticle(
  db: Query,
  id: string,
  expected: number | '*' | undefined,
  now: Date,
): Promise<number> {
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
    "event" AS (
      INSERT INTO "outbox_events" ("type", "article_id", "sequence", "data")
      SELECT 'article.published', c."id", c."eventSeq", ${eventData(now)} FROM "changed" c
    )
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
    select: columns,
    from: sql`"articles" a`,
    where: [visible(principal, new Date(), 'trash')],
    ...page,
  })
}

/** The sortable fields of the trash. */
export const trashSpec: ListSpec<ArticleRow> = {
  name: 'trash',
  sortable: {
    trashedAt: { expr: sql`a."trashed_at"`, type: 'timestamptz', read: (r) => timestampValue(r.trashedAt) },
    title: { expr: sql`a."title"`, type: 'text', read: (r) => r.title },
    updatedAt: { expr: sql`a."updated_at"`, type: 'timestamptz', read: (r) => timestampValue(r.updatedAt) },
  },
  id: { expr: sql`a."id"`, type: 'uuid', read: (r) => r.id },
  defaultSort: '-trashedAt',
}

/** Whether an author still has articles, trashed ones included (an author with any cannot be deleted). */
export async function authorHasArticles(db: Query, authorId: string): Promise<boolean> {
  const rows = await db(sql`SELECT 1 FROM "articles" WHERE "author_id" = CAST(${authorId} AS uuid) LIMIT 1`)
  return rows.length > 0
}
