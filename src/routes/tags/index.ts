import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { NoBody, described, problems } from '../../schemas/common.js'
import { ListTagsQuerySchema, TagListSchema } from '../../schemas/tag.js'
import { dependsOn, keys, linkNext } from '../http.js'
import { sections } from '../common.js'

const tagRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/tags',
    {
      config: { surrogateKeys: true, etag: 'weak' },
      schema: {
        tags: sections.articles,
        operationId: 'listTags',
        summary: 'List the tags of published articles, with their counts',
        description:
          'Everyone may list tags. Always the public view: only live published articles count (never drafts, ' +
          'scheduled or trashed ones), whatever token is sent. `count` is how many of them have the tag. Default ' +
          'order: most used first; ties by tag. `q` keeps tags that start with it. GET /articles?tag=… lists the ' +
          'articles of a tag (repeat `tag` for articles having every one).',
        querystring: ListTagsQuerySchema,
        response: {
          200: described(TagListSchema, 'A page of tags, with paging metadata'),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 401),
        },
      },
    },
    async (request, reply) => {
      const list = await app.services.tags.list(request.query)
      linkNext(reply, request.url, list.meta)
      dependsOn(reply, keys.tags)
      // The counts change when a scheduled article goes live: cacheable only until then.
      reply.freshUntil = app.services.goLive.next
      return list
    },
  )
}

export default tagRoutes
