import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { NoBody, problems } from '../../schemas/common.js'
import { ArticleSitemapParamsSchema, NoQuerySchema, SITEMAP_CONTENT_TYPE } from '../../schemas/feed.js'
import { sections } from '../common.js'
import { dependsOn, keys } from '../http.js'

const xml = (description: string) =>
  Type.Unsafe<string | Buffer>({
    description,
    content: { [SITEMAP_CONTENT_TYPE.split(';')[0]!]: { schema: { type: 'string', description: 'XML, UTF-8.' } } },
  })

const PUBLIC =
  'Frontend URLs only (PUBLIC_SITE_URL and the URL templates), of published articles only (never drafts, scheduled ' +
  'or trashed ones). No token is needed; the weak ETag answers If-None-Match with 304; anonymous answers carry ' +
  'shared-cache Cache-Control and surrogate keys.'

/** The earlier of two moments a cached answer stops being true (either may be unknown). */
function earliest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a || !b) return a ?? b
  return a < b ? a : b
}

/** A sitemap as sent: XML, fresh until it changes by the clock alone or the next scheduled article goes live. */
function send(reply: FastifyReply, body: string | Buffer, expires: Date | undefined, next: Date | undefined) {
  reply.freshUntil = earliest(expires, next)
  return reply.type(SITEMAP_CONTENT_TYPE).send(body)
}

/**
 * Sitemaps (sitemaps.org 0.9) and the Google News sitemap, outside /api/v1: one statement each
 * (services/sitemaps.ts), purged by `sitemaps`, `sitemap-news` and `authors` (services/cdn.ts).
 */
const sitemapRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const common = { tags: sections.feeds, security: [], querystring: NoQuerySchema }
  const config = { surrogateKeys: true, etag: 'weak' } as const
  const notModified = NoBody('Not modified (If-None-Match)')

  app.get(
    '/sitemap.xml',
    {
      config,
      schema: {
        ...common,
        operationId: 'getSitemapIndex',
        summary: 'The sitemap index',
        description:
          'A sitemap index of the files at SITEMAP_BASE_URL: `/sitemaps/articles-1.xml` … `articles-N.xml` (N = the ' +
          'published articles over 50,000, rounded up; at least 1), `/sitemaps/news.xml` and `/sitemaps/authors.xml`, ' +
          `each with the newest change (lastmod) of what it lists, when it lists anything. ${PUBLIC}`,
        response: { 200: xml('The sitemap index'), 304: notModified, ...problems(400, 401) },
      },
    },
    async (_request, reply) => {
      const index = await app.services.sitemaps.index()
      dependsOn(reply, keys.sitemaps, keys.authors)
      return send(reply, index.body, index.expires, app.services.goLive.next)
    },
  )

  app.get(
    '/sitemaps/articles-:n.xml',
    {
      config,
      schema: {
        ...common,
        operationId: 'getArticlesSitemap',
        summary: 'An article sitemap',
        description:
          'Published articles in a stable order, oldest first (by publication, then id), 50,000 per file; file `n` ' +
          `counts from 1. Each URL's lastmod is the article's updatedAt. ${PUBLIC}`,
        params: ArticleSitemapParamsSchema,
        response: { 200: xml('The sitemap file'), 304: notModified, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const sitemap = await app.services.sitemaps.articles(request.params.n)
      dependsOn(reply, keys.sitemaps)
      return send(reply, sitemap.body, sitemap.expires, app.services.goLive.next)
    },
  )

  app.get(
    '/sitemaps/news.xml',
    {
      config,
      schema: {
        ...common,
        operationId: 'getNewsSitemap',
        summary: 'The Google News sitemap',
        description:
          'Articles published in the last 48 hours, at most 1,000, newest first, each with the publication ' +
          '(PUBLISHER_NAME, SITE_LANGUAGE), its publication date and title; an empty urlset when nothing was published ' +
          `in that time. Shared caches keep it only until its oldest entry turns 48 hours old. ${PUBLIC}`,
        response: { 200: xml('The news sitemap'), 304: notModified, ...problems(400, 401) },
      },
    },
    async (_request, reply) => {
      const sitemap = await app.services.sitemaps.news()
      dependsOn(reply, keys.sitemapNews)
      return send(reply, sitemap.body, sitemap.expires, app.services.goLive.next)
    },
  )

  app.get(
    '/sitemaps/authors.xml',
    {
      config,
      schema: {
        ...common,
        operationId: 'getAuthorsSitemap',
        summary: 'The authors sitemap',
        description:
          "The frontend page (AUTHOR_URL_TEMPLATE) of every author with at least one published article, by slug; lastmod is the author's updatedAt. " +
          PUBLIC,
        response: { 200: xml('The authors sitemap'), 304: notModified, ...problems(400, 401) },
      },
    },
    async (_request, reply) => {
      const sitemap = await app.services.sitemaps.authors()
      dependsOn(reply, keys.authors, keys.articles)
      return send(reply, sitemap.body, sitemap.expires, app.services.goLive.next)
    },
  )
}

export default sitemapRoutes
