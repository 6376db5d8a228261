import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  CommentListSchema,
  CommentQuerySchema,
  CommentSchema,
  CreateCommentSchema,
  ListArticleCommentsQuerySchema,
  ListCommentsQuerySchema,
  UpdateCommentSchema,
} from '../../schemas/comment.js'
import { BulkCommentsSchema } from '../../schemas/bulk.js'
import {
  BulkResultSchema,
  IdOrSlugParamsSchema,
  IdParamsSchema,
  NoBody,
  described,
  problems,
  ref,
} from '../../schemas/common.js'
import { dependsOn, keys, linkNext, sendVersioned, smallBody, answerSparse } from '../http.js'
import { sections, security, staff } from '../common.js'

const commentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/articles/:idOrSlug/comments',
    {
      config: { surrogateKeys: true, etag: 'weak' },
      schema: {
        tags: sections.comments,
        operationId: 'listArticleComments',
        summary: 'List the approved comments of an article',
        description:
          'Approved comments only, oldest first by default; `parentId` links a reply to the comment it answers. ' +
          'Anonymous callers reach published articles only: a draft, scheduled or unknown article is the same 404. ' +
          'This is the public representation: `authorEmail` is never included, whatever the token (named in ' +
          '`fields` or not). `fields` answers only the named fields (and `id`).',
        params: IdOrSlugParamsSchema,
        querystring: ListArticleCommentsQuerySchema,
        response: {
          200: described(CommentListSchema, 'A page of the article’s approved comments, with paging metadata'),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const { list, articleId } = await app.services.comments.listForArticle(
        request.principal,
        request.params.idOrSlug,
        request.query,
      )
      if (request.query.fields !== undefined) answerSparse(reply)
      linkNext(reply, request.url, list.meta)
      dependsOn(reply, keys.comments(articleId), keys.article(articleId))
      return list
    },
  )

  app.post(
    '/articles/:idOrSlug/comments',
    {
      bodyLimit: smallBody(app),
      // No ETag: this is the poster's public copy, not the moderator representation that
      // If-Match on PATCH /comments/{id} compares with.
      config: { quota: app.commentQuota },
      schema: {
        tags: sections.comments,
        operationId: 'createComment',
        summary: 'Post a comment (no token needed); it waits for moderation',
        description:
          'The comment is created `pending` and appears publicly once a moderator approves it. Only published ' +
          'articles take comments: a draft, scheduled or unknown article is 404 for every caller. A `parentId` ' +
          'must name a comment of the same article (400 otherwise). The response is the public representation.',
        params: IdOrSlugParamsSchema,
        body: ref(CreateCommentSchema),
        response: {
          201: described(CommentSchema, 'The new comment, pending moderation (public representation)'),
          ...problems(400, 401, 404, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const created = await app.services.comments.create(request.params.idOrSlug, request.body)
      reply.code(201)
      return sendVersioned(reply, created)
    },
  )

  app.get(
    '/comments',
    {
      config: { etag: 'weak' },
      preParsing: app.requireRole(...staff),
      schema: {
        tags: sections.comments,
        security,
        operationId: 'listComments',
        summary: 'The moderation queue (editor, admin)',
        description:
          'Comments in every state unless `status` is given, oldest first by default, with `authorEmail`. ' +
          '`article` takes an article id or slug. `fields` answers only the named fields (and `id`).',
        querystring: ListCommentsQuerySchema,
        response: {
          200: described(CommentListSchema, 'A page of the moderation queue, with paging metadata'),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const list = await app.services.comments.list(request.query)
      if (request.query.fields !== undefined) answerSparse(reply)
      linkNext(reply, request.url, list.meta)
      return list
    },
  )

  app.get(
    '/comments/:id',
    {
      config: { etag: 'strong' },
      preParsing: app.requireRole(...staff),
      schema: {
        tags: sections.comments,
        security,
        operationId: 'getComment',
        summary: 'One comment, in any state, for moderation (its ETag is what PATCH needs)',
        description:
          'Editors and admins: the moderator representation, with `authorEmail`, whatever the status. Its strong ETag is the If-Match of PATCH and DELETE; ' +
          'with `fields` (only the named fields, and `id`) it is the ETag of the sparse answer, good for If-None-Match only.',
        params: IdParamsSchema,
        querystring: CommentQuerySchema,
        response: {
          200: described(CommentSchema, 'The comment (moderator representation, with authorEmail)'),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const comment = await app.services.comments.get(request.params.id, request.query)
      if (request.query.fields !== undefined) answerSparse(reply)
      return sendVersioned(reply, comment)
    },
  )

  app.patch(
    '/comments/:id',
    {
      bodyLimit: smallBody(app),
      config: { etag: 'strong', ifMatch: 'required' },
      preParsing: app.requireRole(...staff),
      schema: {
        tags: sections.comments,
        security,
        operationId: 'updateComment',
        summary: 'Moderate a comment: status and/or body (If-Match required)',
        description:
          'Approving a comment makes it public and adds it to the article’s `commentCount`; moving it out of ' +
          '`approved` removes it again. `If-Match` takes the ETag of GET /comments/{id} or of an earlier PATCH ' +
          'response (the whole tag is compared), or `*` to apply unconditionally. Responds with the moderator representation (with `authorEmail`).',
        params: IdParamsSchema,
        body: ref(UpdateCommentSchema),
        response: {
          200: described(CommentSchema, 'The moderated comment (moderator representation, with authorEmail)'),
          ...problems(400, 401, 403, 404, 412, 413, 415, 428),
        },
      },
    },
    async (request, reply) => {
      const expected = await reply.requireIfMatch(() => app.services.comments.get(request.params.id))
      return sendVersioned(reply, await app.services.comments.update(request.params.id, expected, request.body))
    },
  )

  app.delete(
    '/comments/:id',
    {
      config: { ifMatch: 'optional' },
      preParsing: app.requireRole(...staff),
      schema: {
        tags: sections.comments,
        security,
        operationId: 'deleteComment',
        summary: 'Delete a comment (If-Match honoured)',
        description:
          'Its replies are kept and become top-level comments (their `parentId` turns null). An approved ' +
          'comment leaves the article’s `commentCount`.',
        params: IdParamsSchema,
        response: { 204: NoBody('Deleted'), ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const expected = await reply.ifMatch(() => app.services.comments.get(request.params.id))
      await app.services.comments.remove(request.params.id, expected)
      return reply.code(204).send()
    },
  )

  app.post(
    '/comments/bulk',
    {
      bodyLimit: smallBody(app),
      preParsing: app.requireRole(...staff),
      schema: {
        tags: sections.comments,
        security,
        operationId: 'bulkComments',
        summary: 'One moderation action on up to 100 comments',
        description:
          'approve, pending, spam, reject or delete each comment exactly as PATCH or DELETE /comments/{id} would; ' +
          'commentCount stays right. `results` holds, in request order, the status each item would have had alone and ' +
          'its problem when it failed. With `atomic: true` any failing item means nothing changes and the answer is 409 ' +
          'BULK_ABORTED with the same results. The whole request honours Idempotency-Key.',
        body: ref(BulkCommentsSchema),
        response: { 200: described(BulkResultSchema, 'Per-item results'), ...problems(400, 401, 403, 409, 413, 415) },
      },
    },
    async (request) =>
      app.services.comments.bulk(request.body, (error, id) =>
        request.log.error({ err: error, id }, 'bulk item failed'),
      ),
  )
}

export default commentRoutes
