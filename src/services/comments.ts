import type { Principal } from '../auth.js'
import type { Database } from '../db/database.js'
import { isForeignKeyViolation } from '../db/errors.js'
import { paginate, type CursorCodec } from '../db/paging.js'
import * as q from '../db/queries/comments.js'
import { Problems } from '../errors.js'
import type {
  Comment,
  CommentList,
  CommentQuery,
  CommentStatus,
  CreateComment,
  ListArticleCommentsQuery,
  ListCommentsQuery,
  UpdateComment,
} from '../schemas/comment.js'
import { COMMENT_FIELDS, type CommentField } from '../schemas/fields.js'
import type { BulkComments, CommentBulkAction } from '../schemas/bulk.js'
import type { BulkResult } from '../schemas/common.js'
import type { CommentEventType } from '../schemas/events.js'
import type { ArticleService } from './articles.js'
import { runBulk } from './bulk.js'
import type { Versioned } from './common.js'
import { parseFields } from './fields.js'

/**
 * Who sees what: the public representation never carries the commenter's email; the staff
 * one (moderation queue, moderation writes) does.
 */
type Representation = 'public' | 'staff'

/** How each field is made from the row (each is read from the column of its own name). */
const FIELD: Record<CommentField, (row: q.CommentRow) => unknown> = {
  id: (r) => r.id,
  articleId: (r) => r.articleId,
  parentId: (r) => r.parentId,
  authorName: (r) => r.authorName,
  authorEmail: (r) => r.authorEmail,
  body: (r) => r.body,
  bodyHtml: (r) => r.bodyHtml,
  status: (r) => r.status,
  createdAt: (r) => r.createdAt.toISOString(),
}

const isPublicField = (field: CommentField): field is Exclude<CommentField, 'authorEmail'> => field !== 'authorEmail'
/** Whether a representation carries this field at all: the email is the staff one's only. */
const carries = (representation: Representation, field: CommentField) =>
  representation === 'staff' || isPublicField(field)

/**
 * A comment in a representation: every field it carries, or only those of a sparse fieldset
 * (`id` always), in the order of the full one.
 */
function toComment(row: q.CommentRow, representation: Representation, fields?: ReadonlySet<CommentField>): Comment {
  const out: Record<string, unknown> = {}
  for (const field of COMMENT_FIELDS) {
    if (carries(representation, field) && (!fields || fields.has(field))) out[field] = FIELD[field](row)
  }
  return out as Comment
}

/**
 * `fields=` checked against the allowlist, and the columns the statement reads for it in a
 * representation: the named fields the representation carries (a public answer never reads the
 * email, named or not).
 */
function selectionOf(text: string | undefined, representation: Representation) {
  if (text === undefined) return undefined
  const { fields } = parseFields(text, COMMENT_FIELDS)
  return { fields, columns: [...fields].filter((field) => carries(representation, field)) }
}

export type VersionedComment = Versioned<Comment>

const notFound = () => Problems.notFound('No such comment.')
const approved = (status: CommentStatus) => (status === 'approved' ? 1 : 0)

export interface CommentServiceOptions {
  cursors: () => Promise<CursorCodec>
  /** Whether an article exists for a caller is the article service's rule; asking it keeps one copy. */
  articles: ArticleService
}

export function createCommentService(db: Database, options: CommentServiceOptions) {
  const { cursors, articles } = options

  /** Locks a comment for a moderation write, checking If-Match against the locked version. */
  async function lockForWrite(id: string, expected: number | '*' | undefined): Promise<q.CommentRow> {
    const row = await q.lockComment(db.query, id)
    if (!row) throw notFound()
    if (typeof expected === 'number' && row.version !== expected) throw Problems.preconditionFailed()
    return row
  }

  const service = {
    /** Approved comments of an article the caller may see, in the public representation. */
    async listForArticle(
      principal: Principal,
      idOrSlug: string,
      query: ListArticleCommentsQuery,
    ): Promise<{ list: CommentList; articleId: string }> {
      const selection = selectionOf(query.fields, 'public')
      const codec = await cursors()
      const { rows, meta } = await q.listArticleComments(db.query, principal, idOrSlug, {
        pagination: paginate(q.commentListSpec, query, codec),
        codec,
        // articleId, named or not: the answer's cache keys are the article's.
        ...(selection ? { columns: [...selection.columns.filter(isPublicField), 'articleId'] } : {}),
      })
      // Only an empty page asks whether the article exists (a 404 when it does not).
      const articleId = rows[0]?.articleId ?? (await articles.visibleId(principal, idOrSlug))
      return { list: { data: rows.map((row) => toComment(row, 'public', selection?.fields)), meta }, articleId }
    },

    /** The moderation queue (editors and admins): every state unless filtered, with emails. */
    async list(query: ListCommentsQuery): Promise<CommentList> {
      const codec = await cursors()
      const filters = {
        ...(query.status !== undefined ? { status: query.status } : {}),
        ...(query.article !== undefined ? { article: query.article } : {}),
      }
      const selection = selectionOf(query.fields, 'staff')
      const { rows, meta } = await q.listComments(db.query, filters, {
        pagination: paginate(q.commentListSpec, query, codec),
        codec,
        ...(selection ? { columns: selection.columns } : {}),
      })
      return { data: rows.map((row) => toComment(row, 'staff', selection?.fields)), meta }
    },

    /**
     * A reader's comment on a published article: always pending. A reply must answer a
     * comment of the same article; which other comments exist is not revealed.
     */
    async create(idOrSlug: string, input: CreateComment): Promise<VersionedComment> {
      // Comments go to published articles only, whoever posts: drafts are 404 like unknown ones.
      let row: q.CommentRow | undefined
      try {
        row = await q.insertComment(db.query, idOrSlug, {
          parentId: input.parentId ?? null,
          authorName: input.authorName,
          authorEmail: input.authorEmail,
          body: input.body,
          status: spamVerdict(input),
        })
      } catch (error) {
        if (!isForeignKeyViolation(error)) throw error // else: the parent was deleted meanwhile
      }
      if (!row) {
        await articles.visibleId({ kind: 'anonymous' }, idOrSlug) // 404 when the article is not there to comment on
        throw Problems.validation([{ path: '/body/parentId', message: 'is not a comment on this article' }])
      }
      // The poster always reads "pending": telling a bot it was filed as spam would teach it.
      return { resource: { ...toComment(row, 'public'), status: 'pending' }, version: row.version }
    },

    /** One comment in any state, moderator representation: full, or with `fields` only those (sent as it is). */
    async get(id: string, query: CommentQuery = {}): Promise<VersionedComment> {
      const selection = selectionOf(query.fields, 'staff')
      const row = await q.findComment(db.query, id, selection ? { columns: selection.columns } : {})
      if (!row) throw notFound()
      return { resource: toComment(row, 'staff', selection?.fields), version: row.version }
    },

    /** Moderation: status and/or body, only if the comment still has `expected` version (If-Match). */
    async update(id: string, expected: number | '*', input: UpdateComment): Promise<VersionedComment> {
      const row = await db.transaction(async () => {
        const before = await lockForWrite(id, expected)
        const after = (await q.updateComment(db.query, id, input))!
        const delta = approved(after.status) - approved(before.status)
        // The public sees a change: approved, unapproved, or the text of an approved comment.
        const type: CommentEventType | undefined =
          delta > 0
            ? 'comment.approved'
            : delta < 0
              ? 'comment.unapproved'
              : after.status === 'approved' && after.body !== before.body
                ? 'comment.updated'
                : undefined
        await q.recordCommentChange(db.query, {
          articleId: before.articleId,
          delta,
          event: type && { type, comment: after, wasApproved: before.status === 'approved' },
        })
        return after
      })
      return { resource: toComment(row, 'staff'), version: row.version }
    },

    /** Deletes a comment; its replies stay, with parentId null (the foreign key sets it). */
    async remove(id: string, expected: number | '*' | undefined): Promise<void> {
      await db.transaction(async () => {
        const before = await lockForWrite(id, expected)
        await q.deleteComment(db.query, id)
        await q.recordCommentChange(db.query, {
          articleId: before.articleId,
          delta: -approved(before.status),
          event: { type: 'comment.deleted', comment: before, wasApproved: before.status === 'approved' },
        })
      })
    },

    /** One moderation action on up to 100 comments, each as PATCH or DELETE would do it (services/bulk.ts). */
    async bulk(input: BulkComments, onUnexpected: (error: unknown, id: string) => void): Promise<BulkResult> {
      return runBulk(
        db,
        input.ids,
        input.atomic ?? false,
        async (id) => {
          if (input.action === 'delete') {
            await service.remove(id, undefined)
            return 204
          }
          await service.update(id, '*', { status: BULK_STATUS[input.action] })
          return 200
        },
        (ids) => q.lockComments(db.query, ids),
        onUnexpected,
      )
    },
  }
  return service
}

/** The status each bulk moderation action sets. */
const BULK_STATUS: Record<Exclude<CommentBulkAction, 'delete'>, CommentStatus> = {
  approve: 'approved',
  pending: 'pending',
  spam: 'spam',
  reject: 'rejected',
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
