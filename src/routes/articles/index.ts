import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ArticleListSchema, ListArticlesQuerySchema } from '../../schemas/article.js'
import { ProblemSchema, ref } from '../../schemas/common.js'
import { linkHeader } from '../links.js'

const articleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/articles',
    {
      schema: {
        tags: ['articles'],
        operationId: 'listArticles',
        summary: 'List published articles, newest first',
        querystring: ListArticlesQuerySchema,
        response: { 200: ref(ArticleListSchema), 400: ref(ProblemSchema) },
      },
    },
    async (request, reply) => {
      const { list, hasMore } = await app.services.articles.listPublished(request.query)
      if (hasMore) reply.header('link', linkHeader(request.url, { page: String((list.meta.page ?? 1) + 1) }))
      return list
    },
  )
}

export default articleRoutes
