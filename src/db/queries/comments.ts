import { ANONYMOUS, type Principal } from '../../auth.js'
import type { Comment as CommentModel } from '../../generated/prisma/client.js'
import {
  fetchPage,
  timestampValue,
  type CursorCodec,
  type ListMeta,
  type ListSpec,
  type Pagination,
} from '../paging.js'
import { RENDERER_VERSION } from '../../render/markdown.js'
import { renderCommentBody } from '../../render/comment.js'
import { empty, idOf, selectList, sql, type Query, type Sql } from '../sql.js'
import { visibleArticle } from './article-visibility.js'
import { outboxEvent } from './events.js'

/** A comment row; `authorEmail` is absent when read for the public representation. */
export type CommentRow = Omit<CommentModel, 'updatedAt' | 'authorEmail' | 'renderVersion'> & { authorEmail?: string }
export type CommentStatus = CommentModel['status']

/** Each column a comment answer can be made from, by the row property it fills. */
const COLUMN = {
  id: sql`c."id"`,
  articleId: sql`c."article_id" AS "articleId"`,
  parentId: sql`c."parent_id" AS "parentId"`,
  authorName: sql`c."author_name" AS "authorName"`,
  body: sql`c."body"`,
  bodyHtml: sql`c."body_html" AS "bodyHtml"`,
  status: sql`c."status"::text AS "status"`,
  version: sql`c."version"`,
  createdAt: sql`c."created_at" AS "createdAt"`,
  authorEmail: sql`c."author_email" AS "authorEmail"`,
} satisfies Record<keyof CommentRow, Sql>
export type CommentColumn = keyof typeof COLUMN
/** The columns of the public representation: every one but the commenter's email. */
export type PublicCommentColumn = Exclude<CommentColumn, 'authorEmail'>

const isPublic = (column: CommentColumn): column is PublicCommentColumn => column !== 'authorEmail'

const columnList = (wanted: Iterable<CommentColumn>): Sql => selectList(COLUMN, wanted)
const ALL = Object.keys(COLUMN) as CommentColumn[]
/** What the public thread shows: never the email, not even as far as this process. */
const publicColumns = columnList(ALL.filter(isPublic))
/** The staff columns: the public ones and the commenter's email. */
const staffColumns = columnList(ALL)

export const commentListSpec: ListSpec<CommentRow> = {
  name: 'comments',
  sortable: { createdAt: { expr: sql`c."created_at"`, type: 'timestamptz', read: (r) => timestampValue(r.createdAt) } },
  id: { expr: sql`c."id"`, type: 'uuid', read: (r) => r.id },
  defaultSort: 'createdAt',
}

/** A list page: its position, and with `columns` (a sparse fieldset) only those columns. */
type Page<C extends CommentColumn = CommentColumn> = {
  pagination: Pagination
  codec: CursorCodec
  columns?: C[] | undefined
}

/** A sparse page's select list: the columns asked for, and what the next cursor is read from (the sort's own columns). */
function pageColumns(pagination: Pagination, wanted: CommentColumn[]): Sql {
  const sortColumns = pagination.terms.map((t) => t.name).filter((n): n is CommentColumn => n in COLUMN)
  return columnList([...wanted, ...sortColumns, 'id'])
}

/**
 * The approved comments of an article the caller may see, in one statement: the comments
 * joined to their article, whose maintained comment_count (approved comments) is the total.
 * Public columns only, whatever `columns` asks for.
 */
export async function listArticleComments(
  db: Query,
  principal: Principal,
  idOrSlug: string,
  page: Page<PublicCommentColumn>,
): Promise<{ rows: CommentRow[]; meta: ListMeta }> {
  const { columns: wanted, ...paging } = page
  return fetchPage<CommentRow>(db, {
    select: wanted ? pageColumns(paging.pagination, wanted.filter(isPublic)) : publicColumns,
    from: sql`"comments" c JOIN "articles" a ON a."id" = c."article_id"`,
    total: sql`a."comment_count"`,
    where: [visibleArticle(principal, idOrSlug), sql`c."status" = 'approved'`],
    ...paging,
  })
}

/** The article of comment `c` is not in the trash (a trashed article's comments went with it). */
const articleLive = sql`EXISTS (SELECT 1 FROM "articles" ta WHERE ta."id" = c."article_id" AND ta."trashed_at" IS NULL)`

/** The moderation queue: every state unless filtered, with emails; not the comments of trashed articles. */
export async function listComments(
  db: Query,
  filters: { status?: CommentStatus; article?: string },
  page: Page,
): Promise<{ rows: CommentRow[]; meta: ListMeta }> {
  const { columns: wanted, ...paging } = page
  const where: Sql[] = [articleLive]
  if (filters.status !== undefined) where.push(sql`c."status" = CAST(${filters.status} AS "CommentStatus")`)
  if (filters.article !== undefined) where.push(sql`c."article_id" = ${idOf('articles', filters.article)}`)
  return fetchPage<CommentRow>(db, {
    select: wanted ? pageColumns(paging.pagination, wanted) : staffColumns,
    from: sql`"comments" c`,
    where,
    ...paging,
  })
}

/**
 * One comment in any state, with the email, unless its article is in the trash. With `columns`
 * (a sparse fieldset), only those and the version its ETag is made from.
 */
export async function findComment(
  db: Query,
  id: string,
  options: { columns?: CommentColumn[] | undefined } = {},
): Promise<CommentRow | undefined> {
  const selected = options.columns ? columnList([...options.columns, 'id', 'version']) : staffColumns
  const rows = await db<CommentRow>(
    sql`SELECT ${selected} FROM "comments" c WHERE c."id" = CAST(${id} AS uuid) AND ${articleLive}`,
  )
  return rows[0]
}

export interface NewComment {
  parentId: string | null
  authorName: string
  authorEmail: string
  body: string
  status: CommentStatus
}

/**
 * A reader's comment on a published article, in one statement: the article is resolved, the
 * parent checked (an approved comment of the same article: a hidden one is as good as
 * unknown) and the row written together. Undefined
 * when the article is not there to comment on or the parent does not fit; a parent deleted
 * meanwhile is a foreign-key violation.
 */
export async function insertComment(
  db: Query,
  articleIdOrSlug: string,
  c: NewComment,
): Promise<CommentRow | undefined> {
  const rows = await db<CommentRow>(sql`
    INSERT INTO "comments" AS c ("article_id", "parent_id", "author_name", "author_email", "body", "body_html", "render_version", "status")
    SELECT a."id", CAST(${c.parentId} AS uuid), ${c.authorName}, ${c.authorEmail}, ${c.body}, ${renderCommentBody(c.body)},
      ${RENDERER_VERSION}, CAST(${c.status} AS "CommentStatus")
    FROM "articles" a
    WHERE ${visibleArticle(ANONYMOUS, articleIdOrSlug)}
      ${c.parentId === null ? empty : sql`AND EXISTS (SELECT 1 FROM "comments" p WHERE p."id" = CAST(${c.parentId} AS uuid) AND p."article_id" = a."id" AND p."status" = 'approved')`}
    RETURNING ${publicColumns}`)
  return rows[0]
}

/**
 * Locks a comment for a moderation write (inside a transaction) and returns it as locked;
 * undefined when there is none, or its article is in the trash. The article row is locked
 * first, in the same order as an article delete (article, then its comments), so the two
 * cannot deadlock; a comment's article never changes.
 */
export async function lockComment(db: Query, id: string): Promise<CommentRow | undefined> {
  const articles = await db(sql`
    SELECT a."id" FROM "articles" a
    WHERE a."id" = (SELECT "article_id" FROM "comments" WHERE "id" = CAST(${id} AS uuid)) AND a."trashed_at" IS NULL
    FOR NO KEY UPDATE`)
  if (articles.length === 0) return undefined
  const rows = await db<CommentRow>(
    sql`SELECT ${staffColumns} FROM "comments" c WHERE c."id" = CAST(${id} AS uuid) FOR UPDATE`,
  )
  return rows[0]
}

/**
 * Locks these comments and their articles (articles first, each in id order, as a single
 * moderation does): a bulk moderation in one transaction takes its locks up front, so it
 * cannot deadlock with another one or a single write.
 */
export async function lockComments(db: Query, ids: string[]): Promise<void> {
  await db(sql`
    SELECT a."id" FROM "articles" a
    WHERE a."id" IN (SELECT "article_id" FROM "comments" WHERE "id" = ANY (CAST(${ids} AS uuid[])))
    ORDER BY a."id" FOR NO KEY UPDATE`)
  await db(sql`SELECT c."id" FROM "comments" c WHERE c."id" = ANY (CAST(${ids} AS uuid[])) ORDER BY c."id" FOR UPDATE`)
}

/** Moderation: a new status and/or body, bumping the version. */
export async function updateComment(
  db: Query,
  id: string,
  changes: { status?: CommentStatus; body?: string },
): Promise<CommentRow | undefined> {
  const rows = await db<CommentRow>(sql`
    UPDATE "comments" c SET
      "status" = COALESCE(CAST(${changes.status ?? null} AS "CommentStatus"), c."status"),
      "body" = COALESCE(${changes.body ?? null}, c."body"),
      ${changes.body === undefined ? empty : sql`"body_html" = ${renderCommentBody(changes.body)}, "render_version" = ${RENDERER_VERSION},`}
      "version" = c."version" + 1, "updated_at" = now()
    WHERE c."id" = CAST(${id} AS uuid)
    RETURNING ${staffColumns}`)
  return rows[0]
}

/** Deletes a comment; its replies stay, with parentId null (the foreign key sets it). */
export async function deleteComment(db: Query, id: string): Promise<void> {
  await db(sql`DELETE FROM "comments" WHERE "id" = CAST(${id} AS uuid)`)
}

/**
 * The outbox event of a moderation write: a name of the contract in src/schemas/events.ts
 * (`CommentEventType` there), which this layer does not import.
 */
export type CommentEventType = `comment.${string}`

/** The outbox event a moderation write emits: its type, the comment as written, and whether the public saw it before. */
export interface CommentEvent {
  type: CommentEventType
  comment: Pick<CommentRow, 'id' | 'parentId' | 'status'>
  wasApproved: boolean
}

/**
 * What a moderation write does to its article, in one statement inside the moderation's
 * transaction: `comment_count` (approved comments; not an edit of the article: no updatedAt,
 * no version) moves by `delta`, and the comment's outbox event, when it has one, takes the
 * article's next event sequence number. The event carries the comment's public identity only
 * (never the commenter's name or email).
 */
export async function recordCommentChange(
  db: Query,
  change: { articleId: string; delta: number; event?: CommentEvent | undefined },
): Promise<void> {
  const { articleId, delta, event } = change
  if (delta === 0 && !event) return
  const written = event
    ? sql`,
    ${outboxEvent({
      type: event.type,
      from: sql`"changed" c`,
      article: { id: sql`c."id"`, sequence: sql`c."event_seq"` },
      data: {
        id: sql`CAST(${event.comment.id} AS uuid)`,
        articleId: sql`c."id"`,
        articleSlug: sql`c."slug"`,
        parentId: sql`CAST(${event.comment.parentId} AS uuid)`,
        status: sql`CAST(${event.comment.status} AS text)`,
        wasApproved: sql`CAST(${event.wasApproved} AS boolean)`,
      },
    })}`
    : empty
  await db(sql`
    WITH "changed" AS (
      UPDATE "articles" SET "comment_count" = "comment_count" + ${delta}, "event_seq" = "event_seq" + ${event ? 1 : 0}
      WHERE "id" = CAST(${articleId} AS uuid)
      RETURNING "id", "slug", "event_seq")${written}
    SELECT "id" FROM "changed"`)
}
