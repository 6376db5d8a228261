import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { NoBody, problems, ref } from '../../schemas/common.js'
import {
  AuthorFeedParamsSchema,
  FEED_CONTENT_TYPES,
  FEED_SIZE,
  FeedParamsSchema,
  JsonFeedSchema,
  NoQuerySchema,
  TagFeedParamsSchema,
} from '../../schemas/feed.js'
import { sections } from '../common.js'
import { dependsOn, keys } from '../http.js'

const mediaType = (type: string) => type.split(';')[0]!

/** A feed's 200 answer: one media type per format, and for JSON Feed the schema of the document. */
const feedResponse = (description: string) =>
  Type.Unsafe<string>({
    description,
    content: {
      [mediaType(FEED_CONTENT_TYPES.rss)]: { schema: { type: 'string', description: 'RSS 2.0 (format rss).' } },
      [mediaType(FEED_CONTENT_TYPES.atom)]: { schema: { type: 'string', description: 'Atom 1.0 (format atom).' } },
      [mediaType(FEED_CONTENT_TYPES.json)]: { schema: ref(JsonFeedSchema) },
    },
  })

const ITEMS =
  `The newest ${FEED_SIZE} published articles (never drafts, scheduled or trashed ones; a scheduled article appears ` +
  'by itself at its time), newest first: title, frontend link (ARTICLE_URL_TEMPLATE), id `urn:uuid:<article id>`, ' +
  'published and updated dates, the excerpt as summary, the stored sanitized `bodyHtml` as content, the author (name ' +
  'and frontend page) and the tags as categories. The feed is titled PUBLISHER_NAME, in SITE_LANGUAGE, links to ' +
  'the frontend and to itself at PUBLIC_URL, `updated` is the newest change of an item, and PUBLISHER_LOGO_URL is ' +
  'its image when set. No token is needed; the weak ETag answers If-None-Match with 304; anonymous answers carry ' +
  'shared-cache Cache-Control and surrogate keys.'

/** The item keys of a feed: each article shown and its author (their pages' changes are the feed's). */
const itemKeys = (items: { id: string; authorId: string; coverImageId: string | null }[]) =>
  items.flatMap((item) => [
    keys.article(item.id),
    keys.author(item.authorId),
    ...(item.coverImageId ? [keys.media(item.coverImageId)] : []),
  ])

/**
 * RSS 2.0, Atom 1.0 and JSON Feed 1.1 (`.rss`, `.atom`, `.json`), outside /api/v1: every
 * published article, a tag's, an author's. One statement each (services/feeds.ts); cacheable
 * until the next scheduled article goes live, and purged by the keys of what they list
 * (services/cdn.ts).
 */
const feedRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: sections.feeds, security: [], querystring: NoQuerySchema }
  const config = { surrogateKeys: true, etag: 'weak' } as const
  const notModified = NoBody('Not modified (If-None-Match)')

  app.get(
    '/feeds/articles.:format',
    {
      config,
      schema: {
        ...common,
        operationId: 'getArticlesFeed',
        summary: 'The articles feed',
        description: ITEMS,
        params: FeedParamsSchema,
        response: { 200: feedResponse('The feed'), 304: notModified, ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const { format } = request.params
      const feed = await app.services.feeds.articles(format)
      dependsOn(reply, keys.articles, ...itemKeys(feed.items))
      reply.freshUntil = app.services.goLive.next
      return reply.type(FEED_CONTENT_TYPES[format]).send(feed.body)
    },
  )

  app.get(
    '/feeds/tags/:tag.:format',
    {
      config,
      schema: {
        ...common,
        operationId: 'getTagFeed',
        summary: 'A tag’s feed',
        description: `${ITEMS} Only articles with the tag; a tag no published article has is an empty feed (200).`,
        params: TagFeedParamsSchema,
        response: { 200: feedResponse('The feed of the tag'), 304: notModified, ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const { tag, format } = request.params
      const feed = await app.services.feeds.articles(format, { tag })
      dependsOn(reply, keys.tag(tag), ...itemKeys(feed.items))
      reply.freshUntil = app.services.goLive.next
      return reply.type(FEED_CONTENT_TYPES[format]).send(feed.body)
    },
  )

  app.get(
    '/feeds/authors/:slug.:format',
    {
      config,
      schema: {
        ...common,
        operationId: 'getAuthorFeed',
        summary: 'An author’s feed',
        description:
          `${ITEMS} Only the author's articles; the feed is titled with their name and links to their frontend ` +
          'page (AUTHOR_URL_TEMPLATE). An author without published articles is an empty feed; an unknown slug is 404.',
        params: AuthorFeedParamsSchema,
        response: { 200: feedResponse('The feed of the author'), 304: notModified, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { slug, format } = request.params
      const feed = await app.services.feeds.author(format, slug)
      dependsOn(reply, keys.author(feed.authorId), keys.authorArticles(feed.authorId), ...itemKeys(feed.items))
      reply.freshUntil = app.services.goLive.next
      return reply.type(FEED_CONTENT_TYPES[format]).send(feed.body)
    },
  )
}

export default feedRoutes
