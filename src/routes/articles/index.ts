import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  ArticleListSchema,
  ArticleQuerySchema,
  ArticleSchema,
  CreateArticleSchema,
  ListArticlesQuerySchema,
  PublishArticleSchema,
  UpdateArticleSchema,
  type Article,
} from '../../schemas/article.js'
import { IdOrSlugParamsSchema, NoBody, described, problems, ref } from '../../schemas/common.js'
import { linkNext, sendVersioned, smallBody } from '../http.js'

const tags = ['articles']
const security = [{ bearerAuth: [] }]
const writers = ['admin', 'editor', 'author'] as const

const articleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/articles',
    {
      config: { etag: 'weak' },
      schema: {
        tags,
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
      linkNext(reply, request.url, list.meta)
      return list
    },
  )

  app.get(
    '/articles/:idOrSlug',
    {
      config: { etag: 'strong' },
      schema: {
        tags,
        operationId: 'getArticle',
        summary: 'Get an article by id or slug',
        params: IdOrSlugParamsSchema,
        querystring: ArticleQuerySchema,
        response: {
          200: described(ArticleSchema, 'The article'),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 401, 404),
        },
      },
    },
    async (request, reply) =>
      sendVersioned(reply, await app.services.articles.get(request.principal, request.params.idOrSlug, request.query.include)),
  )

  app.post(
    '/articles',
    {
      config: { etag: 'strong' },
      preParsing: app.requireRole(...writers),
      schema: {
        tags,
        security,
        operationId: 'createArticle',
        summary: 'Create a draft article',
        body: ref(CreateArticleSchema),
        response: {
          201: Type.Unsafe<Article>({
            ...ref(ArticleSchema),
            description: 'The new draft',
            headers: {
              Location: { type: 'string', pattern: '^/api/v1/articles/[0-9a-f-]{36}$', description: 'Path of the new article.' },
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
      config: { etag: 'strong' },
      preParsing: app.requireRole(...writers),
      schema: {
        tags,
        security,
        operationId: 'updateArticle',
        summary: 'Update an article (If-Match required)',
        params: IdOrSlugParamsSchema,
        body: ref(UpdateArticleSchema),
        response: {
          200: described(ArticleSchema, 'The updated article'),
          ...problems(400, 401, 403, 404, 409, 412, 413, 415, 428),
        },
      },
    },
    async (request, reply) => {
      const expected = await reply.requireIfMatch(() => app.services.articles.get(request.principal, request.params.idOrSlug))
      return sendVersioned(reply, await app.services.articles.update(request.principal, request.params.idOrSlug, expected, request.body))
    },
  )

  app.delete(
    '/articles/:idOrSlug',
    {
      preParsing: app.requireRole(...writers),
      schema: {
        tags,
        security,
        operationId: 'deleteArticle',
        summary: 'Delete an article and its comments (If-Match honoured)',
        params: IdOrSlugParamsSchema,
        response: { 204: NoBody('Deleted'), ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const expected = await reply.ifMatch(() => app.services.articles.get(request.principal, request.params.idOrSlug))
      await app.services.articles.remove(request.principal, request.params.idOrSlug, expected)
      return reply.code(204).send()
    },
  )

  app.post(
    '/articles/:idOrSlug/publish',
    {
      bodyLimit: smallBody(app),
      config: { etag: 'strong' },
      // The body is optional: a bare POST publishes now.
      preValidation: async (request) => {
        request.body ??= {}
      },
      preParsing: app.requireRole(...writers),
      schema: {
        tags,
        security,
        operationId: 'publishArticle',
        summary: 'Publish now, or schedule with a future publishAt',
        params: IdOrSlugParamsSchema,
        body: ref(PublishArticleSchema),
        response: {
          200: described(ArticleSchema, 'The article, published or scheduled'),
          ...problems(400, 401, 403, 404, 413, 415),
        },
      },
    },
    async (request, reply) =>
      sendVersioned(reply, await app.services.articles.publish(request.principal, request.params.idOrSlug, request.body ?? {})),
  )

  app.post(
    '/articles/:idOrSlug/unpublish',
    {
      config: { etag: 'strong' },
      preParsing: app.requireRole(...writers),
      schema: {
        tags,
        security,
        operationId: 'unpublishArticle',
        summary: 'Back to draft',
        params: IdOrSlugParamsSchema,
        response: {
          200: described(ArticleSchema, 'The article, back to draft'),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => sendVersioned(reply, await app.services.articles.unpublish(request.principal, request.params.idOrSlug)),
  )
}

export default articleRoutes
