import { Type, type Static } from 'typebox'
import { ListOf, ListQuery, Nullable, StringEnum, Timestamp, Uuid } from './common.js'
import { COMMENT_FIELDS, FieldsParam, SparseOf } from './fields.js'
import { NOT_BLANK, UNTRUSTED } from './text.js'

export const COMMENT_STATUSES = ['pending', 'approved', 'spam', 'rejected'] as const
export type CommentStatus = (typeof COMMENT_STATUSES)[number]

const Status = StringEnum(COMMENT_STATUSES, {
  description: 'Moderation state. Only approved comments are public and counted in the article’s commentCount.',
})

export const CommentSchema = Type.Object(
  {
    id: Uuid,
    articleId: Uuid,
    parentId: Nullable({
      ...Uuid,
      description: 'The comment this one replies to; null for a top-level comment, or when the parent was deleted.',
    }),
    authorName: Type.String({ examples: ['Kwame Boateng'] }),
    authorEmail: Type.Optional(
      Type.String({
        format: 'email',
        description:
          'Private: present only in responses to editor and admin tokens (moderation), never in public lists.',
      }),
    ),
    body: Type.String({ description: 'Plain text, returned byte-exact.' }),
    bodyHtml: Type.String({
      description:
        '`body` as HTML, rendered when the body is written: paragraphs from blank lines, line breaks from single ' +
        'newlines, URLs (http://, https://, www.) as links with rel="ugc nofollow noopener", everything else ' +
        'escaped. Still untrusted input for frontends. In every comment answer.',
    }),
    status: Status,
    createdAt: Timestamp,
  },
  { $id: 'Comment', title: 'Comment' },
)
export type Comment = Static<typeof CommentSchema>

export const CommentListSchema = ListOf(CommentSchema, 'CommentList')
export type CommentList = Static<typeof CommentListSchema>

/** A comment answered with `fields=`: the named fields and `id`. */
export const CommentFieldsSchema = SparseOf(
  CommentSchema.properties,
  {},
  {
    $id: 'CommentFields',
    description:
      'A comment with only the fields named in `fields` (and `id`). `authorEmail` stays private: named or not, it ' +
      'is present only in the moderator representation (editor and admin tokens), never in public lists.',
  },
)
export const CommentFieldsListSchema = ListOf(CommentFieldsSchema, 'CommentFieldsList')

const CommentFields = FieldsParam(COMMENT_FIELDS, 'authorName,bodyHtml,createdAt')

// Blank (no visible character: schemas/text.ts) is a 400 like a missing value.
const AuthorName = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: NOT_BLANK,
  description: `The commenter's name as shown, plain text, not blank. ${UNTRUSTED}`,
})
const AuthorEmail = Type.String({
  format: 'email',
  maxLength: 254,
  description: 'Private: shown to editors and admins only, never published.',
})
const Body = Type.String({
  minLength: 1,
  maxLength: 10_000,
  pattern: NOT_BLANK,
  description: `Plain text, not blank. ${UNTRUSTED}`,
})

export const CreateCommentSchema = Type.Object(
  {
    authorName: AuthorName,
    authorEmail: AuthorEmail,
    body: Body,
    parentId: Type.Optional({ ...Uuid, description: 'Reply to this comment, which must belong to the same article.' }),
    website: Type.Optional(
      Type.String({
        maxLength: 200,
        description:
          'Honeypot: render it as a hidden form field and leave it empty. People never fill it in; bots do, ' +
          'and a comment with it filled in is filed as spam.',
      }),
    ),
  },
  {
    $id: 'CreateComment',
    title: 'CreateComment',
    additionalProperties: false,
    description: 'New comments are pending until a moderator approves them; status is not writable here.',
    examples: [
      {
        authorName: 'Ines Duarte',
        authorEmail: 'ines.duarte@reader.example',
        body: 'I took the N4 last night: on time, and full.',
      },
    ],
  },
)
export type CreateComment = Static<typeof CreateCommentSchema>

export const UpdateCommentSchema = Type.Object(
  { status: Type.Optional(Status), body: Type.Optional(Body) },
  {
    $id: 'UpdateComment',
    title: 'UpdateComment',
    additionalProperties: false,
    minProperties: 1,
    description: 'Moderation: a new status, a corrected body, or both.',
    examples: [{ status: 'approved' }],
  },
)
export type UpdateComment = Static<typeof UpdateCommentSchema>

const Sort = Type.Optional(
  Type.String({
    maxLength: 200,
    description: 'createdAt, or -createdAt for newest first. Default createdAt (oldest first).',
  }),
)

export const ListArticleCommentsQuerySchema = Type.Object(
  { ...ListQuery, sort: Sort, fields: CommentFields },
  { additionalProperties: false },
)
export type ListArticleCommentsQuery = Static<typeof ListArticleCommentsQuerySchema>

export const ListCommentsQuerySchema = Type.Object(
  {
    ...ListQuery,
    sort: Sort,
    status: Type.Optional(
      StringEnum(COMMENT_STATUSES, { description: 'Only comments in this state (default: every state).' }),
    ),
    article: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Article id or slug.' })),
    fields: CommentFields,
  },
  { additionalProperties: false },
)
export type ListCommentsQuery = Static<typeof ListCommentsQuerySchema>

/** GET /comments/{id} takes `fields` only; any other query parameter is a 400. */
export const CommentQuerySchema = Type.Object({ fields: CommentFields }, { additionalProperties: false })
export type CommentQuery = Static<typeof CommentQuerySchema>
