import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  ArticleListSchema,
  ArticleQuerySchema,
  ArticleSchema,
  CreateArticleSchema,
  DeleteArticleQuerySchema,
  ListArticlesQuerySchema,
  PublishArticleSchema,
  UpdateArticleSchema,
  type Article,
} from '../../schemas/article.js'
import { IdOrSlugParamsSchema, NoBody, described, problems, ref } from '../../schemas/common.js'
import {
  articleListKeys,
  coverKeys,
  dependsOn,
  keys,
  linkNext,
  sendVersioned,
  smallBody,
  answerSparse,
} from '../http.js'
import { sections, security, writers } from '../common.js'

const articleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/articles',
    {
      config: { surrogateKeys: true, etag: 'weak' },
      schema: {
        tags: sections.articles,
        operationId: 'listArticles',
        summary: 'List articles',
        description:
          'Anonymous callers see published articles; tokens also see drafts and scheduled articles they may edit ' +
          '(viewer, editor and admin tokens: all). Default order: newest first, or relevance with `q`.',
        querystring: ListArticlesQuerySchema,
        response: {
          200: described(ArticleListSchema, 'A page of articles, with paging metadata'),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 401),
        },
      },
    },
    async (request, reply) => {
      const list = await app.services.articles.list(request.principal, request.query)
      if (request.query.fields !== undefined) answerSparse(reply)
      linkNext(reply, request.url, list.meta)
      dependsOn(reply, ...articleListKeys(list.data, request.query))
      // A list is cacheable only until the next scheduled article goes live.
      reply.freshUntil = app.services.goLive.next
      return list
    },
  )

  app.get(
    '/articles/:idOrSlug',
    {
      // The one route a preview token opens (plugins/auth).
      config: { surrogateKeys: true, etag: 'strong', preview: true },
      schema: {
        tags: sections.articles,
        operationId: 'getArticle',
        summary: 'Get an article by id or slug',
        description:
          'A UUID is an id, anything else a slug. Anonymous callers see published articles only; a draft or scheduled ' +
          'article is the same 404 as an unknown one unless the token may edit it, and so is a trashed article for ' +
          'everyone. A preview token (POST /articles/{idOrSlug}/preview) reads its own article here, draft included, ' +
          'with `Cache-Control: private, no-store` and `X-Robots-Tag: noindex`. `include=author` embeds the author. ' +
          'The strong ETag is what PATCH and DELETE take as If-Match; If-None-Match gives 304.',
        params: IdOrSlugParamsSchema,
        querystring: ArticleQuerySchema,
        response: {
          200: described(ArticleSchema, 'The article'),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const article = await app.services.articles.get(request.principal, request.params.idOrSlug, request.query)
      if (request.query.fields !== undefined) answerSparse(reply)
      dependsOn(
        reply,
        keys.article(article.resource.id),
        ...(article.resource.author ? [keys.author(article.resource.authorId)] : []),
        ...coverKeys(article.resource),
      )
      return sendVersioned(reply, article)
    },
  )

  app.post(
    '/articles',
    {
      config: { etag: 'strong' },
      preParsing: app.requireRole(...writers),
      schema: {
        tags: sections.articles,
        security,
        operationId: 'createArticle',
        summary: 'Create a draft article',
        description:
          'Author tokens write for their own author; editor and admin tokens name `authorId` (GET /authors lists them). ' +
          'Without `slug`, one is made from the title (with -2, -3, … when taken). The draft is invisible to the public ' +
          'until published. Send a fresh `Idempotency-Key` to make a retry safe.',
        body: ref(CreateArticleSchema),
        response: {
          201: Type.Unsafe<Article>({
            ...ref(ArticleSchema),
            description: 'The new draft',
            headers: {
              Location: {
                type: 'string',
                pattern: '^/api/v1/articles/[0-9a-f-]{36}$',
                description: 'Path of the new article.',
              },
            },
          }),
          ...problems(400, 401, 403, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const created = await app.services.articles.create(request.principal, request.body)
      reply.code(201).header('location', `/api/v1/articles/${created.resource.id}`)
      return sendVersioned(reply, created)
    },
  )

  app.patch(
    '/articles/:idOrSlug',
    {
      config: { etag: 'strong', ifMatch: 'required' },
      preParsing: app.requireRole(...writers),
      schema: {
        tags: sections.articles,
        security,
        operationId: 'updateArticle',
        summary: 'Update an article (If-Match required)',
        description:
          'Only the fields given change; publication state is changed by publish and unpublish. ' +
          '`If-Match` must be the ETag of the article as GET /articles/{idOrSlug} (no query) or the previous write sent it; the whole tag is compared (version and hash), so a tag read before any change to what GET sends (an edit, a newly approved comment, a scheduled article going live) is 412. `*` applies the change unconditionally.',
        params: IdOrSlugParamsSchema,
        body: ref(UpdateArticleSchema),
        response: {
          200: described(ArticleSchema, 'The updated article'),
          ...problems(400, 401, 403, 404, 409, 412, 413, 415, 428),
        },
      },
    },
    async (request, reply) => {
      const expected = await reply.requireIfMatch(() =>
        app.services.articles.get(request.principal, request.params.idOrSlug),
      )
      return sendVersioned(
        reply,
        await app.services.articles.update(request.principal, request.params.idOrSlug, expected, request.body),
      )
    },
  )

  app.delete(
    '/articles/:idOrSlug',
    {
      config: { ifMatch: 'optional' },
      preParsing: app.requireRole(...writers),
      schema: {
        tags: sections.articles,
        security,
        operationId: 'deleteArticle',
        summary: 'Move an article to the trash, or destroy it (If-Match honoured)',
        description:
          'Moves the article to the trash (its comments with it; GET /trash lists it, POST /articles/{idOrSlug}/restore ' +
          'brings it back, the server destroys it TRASH_RETENTION_DAYS later). From then on it is the same 404 as an ' +
          'unknown article everywhere else, and its slug stays reserved. `permanent=true` (admin tokens only; 403 for ' +
          'others) destroys it now, trashed or not, with its comments and revisions. With `If-Match`, only if the ' +
          'article is still as read (the whole ETag is compared); without it, unconditionally.',
        params: IdOrSlugParamsSchema,
        querystring: DeleteArticleQuerySchema,
        response: {
          204: NoBody('In the trash (or destroyed, with permanent=true)'),
          ...problems(400, 401, 403, 404, 412),
        },
      },
    },
    async (request, reply) => {
      const { principal } = request
      const { idOrSlug } = request.params
      if (request.query.permanent === true) {
        const expected = await reply.ifMatch(() => app.services.articles.getForWrite(principal, idOrSlug, 'any'))
        await app.services.articles.destroy(principal, idOrSlug, expected)
      } else {
        const expected = await reply.ifMatch(() => app.services.articles.get(principal, idOrSlug))
        await app.services.articles.trash(principal, idOrSlug, expected)
      }
      return reply.code(204).send()
    },
  )

  app.post(
    '/articles/:idOrSlug/publish',
    {
      bodyLimit: smallBody(app),
      // The body is optional: a bare POST publishes now.
      config: { etag: 'strong', optionalBody: true },
      preParsing: app.requireRole(...writers),
      schema: {
        tags: sections.articles,
        security,
        operationId: 'publishArticle',
        summary: 'Publish now, or schedule with a future publishAt',
        description:
          'No body (or `{}`) publishes now; a future `publishAt` schedules the article, which goes live by itself at ' +
          'that moment. Publishing an article that is already live keeps its original publication time. The version ' +
          'goes up, so read the new ETag from this response before a PATCH. A cover image without alt text is 409 ' +
          'ALT_TEXT_REQUIRED.',
        params: IdOrSlugParamsSchema,
        body: ref(PublishArticleSchema),
        response: {
          200: described(ArticleSchema, 'The article, published or scheduled'),
          ...problems(400, 401, 403, 404, 409, 413, 415),
        },
      },
    },
    async (request, reply) =>
      sendVersioned(
        reply,
        await app.services.articles.publish(request.principal, request.params.idOrSlug, request.body ?? {}),
      ),
  )

  app.post(
    '/articles/:idOrSlug/unpublish',
    {
      config: { etag: 'strong' },
      preParsing: app.requireRole(...writers),
      schema: {
        tags: sections.articles,
        security,
        operationId: 'unpublishArticle',
        summary: 'Back to draft',
        description:
          'Takes a published or scheduled article back to draft: the public no longer sees it. A draft stays as it is.',
        params: IdOrSlugParamsSchema,
        response: {
          200: described(ArticleSchema, 'The article, back to draft'),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) =>
      sendVersioned(reply, await app.services.articles.unpublish(request.principal, request.params.idOrSlug)),
  )
}

export default articleRoutes
