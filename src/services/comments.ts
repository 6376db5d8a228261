import { ANONYMOUS, type Principal } from '../auth.js'
import { Problems } from '../errors.js'
import type { Prisma, PrismaClient } from '../generated/prisma/client.js'
import type {
  Comment,
  CommentList,
  CommentStatus,
  CreateComment,
  ListArticleCommentsQuery,
  ListCommentsQuery,
  UpdateComment,
} from '../schemas/comment.js'
import type { ArticleService } from './articles.js'
import {
  CursorCodec,
  empty,
  fetchPage,
  paginate,
  sql,
  timestampValue,
  type CursorValue,
  type ListSpec,
  type Query,
  type Sql,
  type SortTerm,
} from './list.js'
import { isForeignKeyViolation, type Versioned } from './common.js'
import { isUuid } from './slug.js'

/** A row as the list statement returns it (snake_case, straight from SQL). */
interface CommentRow {
  id: string
  article_id: string
  parent_id: string | null
  author_name: string
  /** Absent when read for the public representation. */
  author_email?: string
  body: string
  status: CommentStatus
  version: number
  created_at: Date
}

const columns = sql`c."id", c."article_id", c."parent_id", c."author_name", c."author_email", c."body",
  c."status"::text AS "status", c."version", c."created_at"`
/** What the public representation shows: never the email, not even as far as this process. */
const publicColumns = sql`c."id", c."article_id", c."parent_id", c."author_name", c."body",
  c."status"::text AS "status", c."version", c."created_at"`

const spec: ListSpec = {
  name: 'comments',
  sortable: { createdAt: { expr: sql`c."created_at"`, type: 'timestamptz' } },
  id: { expr: sql`c."id"`, type: 'uuid' },
  defaultSort: 'createdAt',
}

function cursorValue(row: CommentRow, term: SortTerm): CursorValue {
  return term.name === 'createdAt' ? timestampValue(row.created_at) : row.id
}

/**
 * Who sees what: the public representation never carries the commenter's email; the staff
 * one (moderation queue, moderation writes) does.
 */
type Representation = 'public' | 'staff'

function toComment(row: CommentRow, representation: Representation): Comment {
  return {
    id: row.id,
    articleId: row.article_id,
    parentId: row.parent_id,
    authorName: row.author_name,
    ...(representation === 'staff' ? { authorEmail: row.author_email! } : {}),
    body: row.body,
    status: row.status,
    createdAt: row.created_at.toISOString(),
  }
}

export type VersionedComment = Versioned<Comment>

type Tx = Prisma.TransactionClient

const notFound = () => Problems.notFound('No such comment.')

export interface CommentServiceOptions {
  cursors: () => Promise<CursorCodec>
  /** Hand-written statements on the driver, for the public reads and posts (`Database.query`). */
  query: Query
  /** Which articles a caller may see is the article service's rule; asking it keeps one copy. */
  articles: ArticleService
}

export function createCommentService(prisma: PrismaClient, options: CommentServiceOptions) {
  const { cursors, articles, query: run } = options

  async function list(
    filters: Sql[],
    query: ListArticleCommentsQuery,
    representation: Representation,
    from: { from: Sql; total?: Sql } = { from: sql`"comments" c` },
  ): Promise<CommentList> {
    const codec = await cursors()
    const { rows, meta } = await fetchPage<CommentRow>(run, {
      select: representation === 'public' ? publicColumns : columns,
      ...from,
      where: filters,
      pagination: paginate(spec, query, codec),
      codec,
      cursorValue,
    })
    return { data: rows.map((row) => toComment(row, representation)), meta }
  }

  async function fetchOne(db: Tx | PrismaClient, id: string): Promise<CommentRow | undefined> {
    const rows = await db.$queryRaw<CommentRow[]>`SELECT ${columns} FROM "comments" c WHERE c."id" = CAST(${id} AS uuid)`
    return rows[0]
  }

  /**
   * Locks a comment for a moderation write and returns it as locked, so the status change
   * and the article's comment_count move together. The article row is locked first, in the
   * same order as an article delete (article, then its comments), so the two cannot
   * deadlock; a comment's article never changes, so the lookup is stable.
   */
  async function lockForWrite(tx: Tx, id: string, expected: number | '*' | undefined): Promise<CommentRow> {
    await tx.$queryRaw`
      SELECT a."id" FROM "articles" a
      WHERE a."id" = (SELECT "article_id" FROM "comments" WHERE "id" = CAST(${id} AS uuid))
      FOR NO KEY UPDATE`
    const rows = await tx.$queryRaw<CommentRow[]>`
      SELECT ${columns} FROM "comments" c WHERE c."id" = CAST(${id} AS uuid) FOR UPDATE`
    const row = rows[0]
    if (!row) throw notFound()
    if (typeof expected === 'number' && row.version !== expected) throw Problems.preconditionFailed()
    return row
  }

  /** comment_count is the number of approved comments: adjusted in the transaction that changes one. */
  async function adjustCount(tx: Tx, articleId: string, delta: number): Promise<void> {
    if (delta === 0) return
    // Raw SQL on purpose: a comment changing is not an edit of the article (no updatedAt, no version).
    await tx.$executeRaw`
      UPDATE "articles" SET "comment_count" = "comment_count" + ${delta} WHERE "id" = CAST(${articleId} AS uuid)`
  }

  const approved = (status: CommentStatus) => (status === 'approved' ? 1 : 0)

  return {
    /** Approved comments of an article the caller may see, in the public representation. */
    async listForArticle(principal: Principal, idOrSlug: string, query: ListArticleCommentsQuery): Promise<CommentList> {
      // One statement: the comments joined to their article as the caller may see it, whose
      // maintained comment_count (approved comments) is the total. Only an empty page asks
      // whether the article exists.
      const page = await list([articles.visibleCondition(principal, idOrSlug), sql`c."status" = 'approved'`], query, 'public', {
        from: sql`"comments" c JOIN "articles" a ON a."id" = c."article_id"`,
        total: sql`a."comment_count"`,
      })
      if (page.data.length === 0) await articles.visibleId(principal, idOrSlug)
      return page
    },

    /** The moderation queue (editors and admins): every state unless filtered, with emails. */
    async list(query: ListCommentsQuery): Promise<CommentList> {
      const filters: Sql[] = []
      if (query.status !== undefined) filters.push(sql`c."status" = CAST(${query.status} AS "CommentStatus")`)
      if (query.article !== undefined) {
        filters.push(
          isUuid(query.article)
            ? sql`c."article_id" = CAST(${query.article.toLowerCase()} AS uuid)`
            : sql`c."article_id" = (SELECT "id" FROM "articles" WHERE "slug" = ${query.article})`,
        )
      }
      return list(filters, query, 'staff')
    },

    /**
     * A reader's comment on a published article: always pending. A reply must answer a
     * comment of the same article; which other comments exist is not revealed.
     */
    async create(idOrSlug: string, input: CreateComment): Promise<VersionedComment> {
      // Comments go to published articles only, whoever posts: drafts are 404 like unknown
      // ones. One statement: the article is resolved, the parent checked and the row written
      // together; the parent_id foreign key stops a parent deleted meanwhile.
      const parentId = input.parentId ?? null
      let rows: CommentRow[]
      try {
        rows = await run<CommentRow>(sql`
          INSERT INTO "comments" AS c ("article_id", "parent_id", "author_name", "author_email", "body", "status")
          SELECT a."id", CAST(${parentId} AS uuid), ${input.authorName}, ${input.authorEmail}, ${input.body},
                 CAST(${spamVerdict(input)} AS "CommentStatus")
          FROM "articles" a
          WHERE ${articles.visibleCondition(ANONYMOUS, idOrSlug)}
            ${parentId === null ? empty : sql`AND EXISTS (SELECT 1 FROM "comments" p WHERE p."id" = CAST(${parentId} AS uuid) AND p."article_id" = a."id")`}
          RETURNING ${columns}`)
      } catch (error) {
        if (!isForeignKeyViolation(error)) throw error
        rows = []
      }
      const row = rows[0]
      if (!row) {
        await articles.visibleId(ANONYMOUS, idOrSlug) // 404 when the article is not there to comment on
        throw Problems.validation([{ path: '/body/parentId', message: 'is not a comment on this article' }])
      }
      // The poster always reads "pending": telling a bot it was filed as spam would teach it.
      return { resource: { ...toComment(row, 'public'), status: 'pending' }, version: row.version }
    },

    /** One comment in any state, moderator representation. */
    async get(id: string): Promise<VersionedComment> {
      const row = await fetchOne(prisma, id)
      if (!row) throw notFound()
      return { resource: toComment(row, 'staff'), version: row.version }
    },

    /** Moderation: status and/or body, only if the comment still has `expected` version (If-Match). */
    async update(id: string, expected: number | '*', input: UpdateComment): Promise<VersionedComment> {
      const row = await prisma.$transaction(async (tx) => {
        const before = await lockForWrite(tx, id, expected)
        const { count } = await tx.comment.updateMany({
          where: { id, ...(expected === '*' ? {} : { version: expected }) },
          data: { ...input, version: { increment: 1 } },
        })
        if (count === 0) throw Problems.preconditionFailed()
        await adjustCount(tx, before.article_id, approved(input.status ?? before.status) - approved(before.status))
        return (await fetchOne(tx, id))!
      })
      return { resource: toComment(row, 'staff'), version: row.version }
    },

    /** Deletes a comment; its replies stay, with parentId null (the foreign key sets it). */
    async remove(id: string, expected: number | '*' | undefined): Promise<void> {
      await prisma.$transaction(async (tx) => {
        const before = await lockForWrite(tx, id, expected)
        const { count } = await tx.comment.deleteMany({
          where: { id, ...(typeof expected === 'number' ? { version: expected } : {}) },
        })
        if (count === 0) throw Problems.preconditionFailed()
        await adjustCount(tx, before.article_id, -approved(before.status))
      })
    },
  }
}

export type CommentService = ReturnType<typeof createCommentService>

/** Links: http(s) URLs and bare www. addresses. */
const LINK = /\bhttps?:\/\/|\bwww\./gi
export const SPAM_LINK_THRESHOLD = 3

/**
 * The spam rule, deliberately simple and documented: a filled-in honeypot (`website`), or
 * three or more links in the name and body together, files the comment as spam; everything
 * else waits as pending for a moderator.
 */
export function spamVerdict(input: { authorName: string; body: string; website?: string }): 'pending' | 'spam' {
  if (input.website !== undefined && input.website.trim() !== '') return 'spam'
  const links = `${input.authorName} ${input.body}`.match(LINK)?.length ?? 0
  return links >= SPAM_LINK_THRESHOLD ? 'spam' : 'pending'
}
