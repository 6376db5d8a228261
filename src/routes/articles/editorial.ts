import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ArticleSchema, ListTrashQuerySchema, TrashListSchema } from '../../schemas/article.js'
import { BulkArticlesSchema } from '../../schemas/bulk.js'
import {
  BulkResultSchema,
  IdOrSlugParamsSchema,
  NoBody,
  PageQuerySchema,
  described,
  problems,
  ref,
} from '../../schemas/common.js'
import {
  CreatePreviewSchema,
  PreviewLinkListSchema,
  PreviewParamsSchema,
  PreviewSchema,
  type Preview,
} from '../../schemas/preview.js'
import { ROLES } from '../../auth.js'
import { linkNext, sendVersioned, smallBody } from '../http.js'
import { sections, security, writers } from '../common.js'

/** The editorial safety net around articles: the trash, draft preview links and bulk actions. */
const editorialRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/trash',
    {
      config: { etag: 'weak' },
      preParsing: app.requireRole(...ROLES),
      schema: {
        tags: sections.articles,
        security,
        operationId: 'listTrash',
        summary: 'Trashed articles the token may edit',
        description:
          'DELETE /articles/{idOrSlug} moves an article here (its comments with it): it is invisible everywhere else ' +
          '(the same 404 as an unknown article, absent from lists, counts and search) and its slug stays reserved. ' +
          '`purgeAt` is when the server destroys it (TRASH_RETENTION_DAYS after trashing); POST ' +
          '/articles/{idOrSlug}/restore brings it back. Author tokens see their own; viewer tokens, which edit nothing, ' +
          'see an empty trash. Newest first.',
        querystring: ListTrashQuerySchema,
        response: {
          200: described(TrashListSchema, 'A page of trashed articles'),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const list = await app.services.trash.list(request.principal, request.query)
      linkNext(reply, request.url, list.meta)
      return list
    },
  )

  app.post(
    '/articles/:idOrSlug/restore',
    {
      // No role check up front: to anonymous callers every article is unknown here (404, not 401).
      config: { etag: 'strong' },
      schema: {
        tags: sections.articles,
        security,
        operationId: 'restoreArticle',
        summary: 'Bring an article back from the trash',
        description:
          'As it was: same slug, same comments, same publication state (a published article is live again). Writes a ' +
          'revision (action `untrash`). An article that is not in the trash is returned as it is. Without a token ' +
          'every article is the same 404 as an unknown one. A published or scheduled one whose cover lost its alt text ' +
          'in the trash is 409 ALT_TEXT_REQUIRED.',
        params: IdOrSlugParamsSchema,
        response: { 200: described(ArticleSchema, 'The article, back'), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) =>
      sendVersioned(reply, await app.services.articles.untrash(request.principal, request.params.idOrSlug)),
  )

  app.get(
    '/articles/:idOrSlug/preview',
    {
      config: { etag: 'weak' },
      preParsing: app.requireRole(...writers),
      schema: {
        tags: sections.articles,
        security,
        operationId: 'listArticlePreviews',
        summary: 'List the live preview links of an article',
        description:
          'The preview links that still open this article (unexpired and not revoked), newest first, with who made them ' +
          'and until when. Never the tokens themselves (shown once, stored hashed): `prefix` is enough to recognise one, ' +
          '`id` revokes it. For callers who may edit the article.',
        params: IdOrSlugParamsSchema,
        querystring: PageQuerySchema,
        response: {
          200: described(PreviewLinkListSchema, 'A page of live preview links'),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const list = await app.services.previews.list(request.principal, request.params.idOrSlug, request.query)
      linkNext(reply, request.url, list.meta)
      return list
    },
  )

  app.post(
    '/articles/:idOrSlug/preview',
    {
      bodyLimit: smallBody(app),
      // The token is shown once: a retry with the same Idempotency-Key is told so, never shown it again.
      // The body is optional: a bare POST makes a link for an hour.
      config: { idempotentReplay: false, optionalBody: true },
      preParsing: app.requireRole(...writers),
      schema: {
        tags: sections.articles,
        security,
        operationId: 'createArticlePreview',
        summary: 'Make a draft preview link',
        description:
          'A token bound to this one article, read-only, expiring (default 1 hour, at most 7 days), revocable, stored ' +
          'hashed. Sent as `Authorization: Bearer <token>` to GET /api/v1/articles/{idOrSlug} (id or slug) it answers ' +
          'the current draft with `Cache-Control: private, no-store` and `X-Robots-Tag: noindex`; every other request ' +
          'with it is 401 (other routes) or 404 (other articles). With PREVIEW_URL set, `url` is the ready link for ' +
          "your site's draft mode. Revoking the API token that made it revokes it too.",
        params: IdOrSlugParamsSchema,
        body: ref(CreatePreviewSchema),
        response: {
          201: Type.Unsafe<Preview>({
            ...ref(PreviewSchema),
            description: 'The preview link; the token is shown only this once',
            headers: {
              'Cache-Control': { type: 'string', const: 'no-store', description: 'The token must not be cached.' },
            },
          }),
          ...problems(400, 401, 403, 404, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const preview = await app.services.previews.create(request.principal, request.params.idOrSlug, request.body ?? {})
      // It carries a secret: no cache keeps it.
      reply.code(201).header('cache-control', 'no-store')
      return preview
    },
  )

  app.delete(
    '/articles/:idOrSlug/preview',
    {
      preParsing: app.requireRole(...writers),
      schema: {
        tags: sections.articles,
        security,
        operationId: 'revokeArticlePreviews',
        summary: 'Revoke every preview link of an article',
        description:
          'Every preview link of this article stops working at once, whoever made it: its token is then a 401 like any ' +
          'unknown token. 204 also when there was none. For callers who may edit the article; to revoke one link, use ' +
          'DELETE /articles/{idOrSlug}/preview/{previewId}.',
        params: IdOrSlugParamsSchema,
        response: { 204: NoBody('Revoked (also when there were none)'), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await app.services.previews.revoke(request.principal, request.params.idOrSlug)
      return reply.code(204).send()
    },
  )

  app.delete(
    '/articles/:idOrSlug/preview/:previewId',
    {
      preParsing: app.requireRole(...writers),
      schema: {
        tags: sections.articles,
        security,
        operationId: 'revokeArticlePreview',
        summary: 'Revoke one preview link',
        description: 'The link stops working at once. `previewId` is the `id` the preview was created with.',
        params: PreviewParamsSchema,
        response: { 204: NoBody('Revoked'), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await app.services.previews.revoke(request.principal, request.params.idOrSlug, request.params.previewId)
      return reply.code(204).send()
    },
  )

  app.post(
    '/articles/bulk',
    {
      bodyLimit: smallBody(app),
      preParsing: app.requireRole(...writers),
      schema: {
        tags: sections.articles,
        security,
        operationId: 'bulkArticles',
        summary: 'One action on up to 100 articles',
        description:
          'publish, unpublish, trash, restore (from the trash), addTags or removeTags (with `tags`) on each id or slug, ' +
          'each exactly as its single-item route would (roles, ownership, revisions). `results` holds, in request order, ' +
          'the status each item would have had alone and its problem when it failed. Without `atomic` each item stands ' +
          'alone; with `atomic: true` any failing item means nothing changes and the answer is 409 BULK_ABORTED with the ' +
          'same results. The whole request honours Idempotency-Key.',
        body: ref(BulkArticlesSchema),
        response: { 200: described(BulkResultSchema, 'Per-item results'), ...problems(400, 401, 403, 409, 413, 415) },
      },
    },
    async (request) =>
      app.services.bulk.articles(request.principal, request.body, (error, id) =>
        request.log.error({ err: error, id }, 'bulk item failed'),
      ),
  )
}

export default editorialRoutes
