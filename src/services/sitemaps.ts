import type { Database } from '../db/database.js'
import * as q from '../db/queries/sitemaps.js'
import { Problems } from '../errors.js'
import type { Site } from './site.js'
import { w3cDate, xmlText } from './xml.js'

/**
 * Sitemaps (sitemaps.org 0.9) and the Google News sitemap, of frontend URLs (services/site.ts):
 * an index, the published articles in files of 50,000 (the protocol's limit), the articles of
 * the last 48 hours with their news metadata, and the authors with a published article. Each is
 * one statement, and XML written by hand (a generic XML writer's object tree would cost several
 * times a 50,000-URL file's few megabytes): the article files' entries by Postgres, in a hundred
 * strings copied into one buffer; the others here, one string per URL, joined once.
 */

/** The protocol's limit of URLs per sitemap file. */
export const SITEMAP_MAX_URLS = 50_000
/** Google News lists articles of the last two days, at most 1,000 per sitemap. */
export const NEWS_WINDOW_MS = 48 * 3_600_000
export const NEWS_MAX_URLS = 1000

const SITEMAP_NS = 'http://www.sitemaps.org/schemas/sitemap/0.9'
const NEWS_NS = 'http://www.google.com/schemas/sitemap-news/0.9'
const IMAGE_NS = 'http://www.google.com/schemas/sitemap-image/1.1'
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
/** The article files' urlset: entries may name their cover image (Google's image extension). */
const URLSET = `${DECLARATION}<urlset xmlns="${SITEMAP_NS}" xmlns:image="${IMAGE_NS}">\n`
const URLSET_END = '</urlset>\n'

/**
 * The strings written one after the other into one buffer of their exact size: no joined string
 * of megabytes, and no copy of it as bytes to hash (the ETag) and to send.
 */
function bytes(strings: string[]): Buffer {
  const buffer = Buffer.allocUnsafe(strings.reduce((size, s) => size + Buffer.byteLength(s), 0))
  strings.reduce((offset, s) => offset + buffer.write(s, offset), 0)
  return buffer
}

/** A sitemap as sent; `expires`: when it changes by the clock alone (an article leaving the news window). */
export interface SitemapAnswer {
  body: string | Buffer
  expires?: Date
}

export interface SitemapServiceOptions {
  site: Site
  /** URLs per article sitemap file: the protocol's 50,000 (tests pass a few). */
  perFile?: number
}

/**
 * Google News takes an ISO 639 code, or zh-cn / zh-tw for Chinese: the BCP 47 SITE_LANGUAGE's
 * primary language, lowercase (zh-Hant, zh-TW, zh-HK are traditional Chinese).
 */
export function newsLanguage(language: string): string {
  const lower = language.toLowerCase()
  const [primary] = lower.split('-')
  if (primary !== 'zh') return primary!
  return /^zh-(hant|tw|hk|mo)\b/.test(lower) ? 'zh-tw' : 'zh-cn'
}

/** `n` of `articles-{n}.xml` when it is a file number (1, 2, …, no leading zero), else undefined. */
export function fileNumber(n: string): number | undefined {
  return /^[1-9][0-9]{0,8}$/.test(n) ? Number(n) : undefined
}

export function createSitemapService(db: Database, options: SitemapServiceOptions) {
  const { site } = options
  const perFile = options.perFile ?? SITEMAP_MAX_URLS
  const newsWindow = (now: Date) => ({ since: new Date(now.getTime() - NEWS_WINDOW_MS), limit: NEWS_MAX_URLS })
  /** When the oldest news entry leaves the window, and the news sitemap (and its lastmod) changes. */
  const leaves = (oldest: Date | null) => (oldest ? new Date(oldest.getTime() + NEWS_WINDOW_MS) : undefined)
  const lastmod = (at: Date | string | null) =>
    at === null ? '' : `<lastmod>${typeof at === 'string' ? at : w3cDate(at)}</lastmod>`
  const urlset = (urls: string[], namespaces = '') =>
    `${DECLARATION}<urlset xmlns="${SITEMAP_NS}"${namespaces}>\n${urls.join('')}</urlset>\n`
  // The article sitemaps' URLs are written by Postgres (queries/sitemaps.ts), from the template's
  // text escaped here; what it puts between (a percent-encoded slug, an id, digits) needs none.
  const articleUrl = {
    text: site.articleUrlTemplate.text.map(xmlText),
    placeholders: site.articleUrlTemplate.placeholders,
  }
  const publication =
    `<news:publication><news:name>${xmlText(site.publisher.name)}</news:name>` +
    `<news:language>${xmlText(newsLanguage(site.language))}</news:language></news:publication>`

  return {
    /**
     * The index: articles-1 … articles-N (N = the published articles over 50,000, rounded up, at
     * least 1), news and authors, at SITEMAP_BASE_URL, each with the newest change of what it lists.
     */
    async index(): Promise<SitemapAnswer> {
      const now = new Date()
      const rows = await q.sitemapIndex(db.query, { now, perFile, news: newsWindow(now) })
      const articleFiles = rows.filter((row) => row.kind === 'articles')
      const news = rows.find((row) => row.kind === 'news')
      const authors = rows.find((row) => row.kind === 'authors')
      const files = [
        ...(articleFiles.length > 0 ? articleFiles : [{ file: 1, lastmod: null }]).map((row) => ({
          name: `articles-${row.file}.xml`,
          lastmod: row.lastmod,
        })),
        { name: 'news.xml', lastmod: news?.lastmod ?? null },
        { name: 'authors.xml', lastmod: authors?.lastmod ?? null },
      ]
      const entries = files.map(
        (file) =>
          `<sitemap><loc>${xmlText(`${site.sitemapBaseUrl}/sitemaps/${file.name}`)}</loc>${lastmod(file.lastmod)}</sitemap>\n`,
      )
      const expires = leaves(news?.oldest ?? null)
      return {
        body: `${DECLARATION}<sitemapindex xmlns="${SITEMAP_NS}">\n${entries.join('')}</sitemapindex>\n`,
        ...(expires ? { expires } : {}),
      }
    },

    /** Article file `n` (from 1), oldest first; 404 beyond the last file or for anything but a file number. */
    async articles(n: string): Promise<SitemapAnswer> {
      const file = fileNumber(n)
      if (file === undefined) throw Problems.notFound(`No sitemap articles-${n.slice(0, 20)}.xml.`)
      const parts = await q.sitemapArticles(db.query, {
        now: new Date(),
        file,
        perFile,
        url: articleUrl,
        mediaBase: xmlText(`${site.serverUrl}/media/`),
      })
      // The first file exists even while nothing is published (the index always lists it).
      if (parts.length === 0 && file > 1) throw Problems.notFound(`No sitemap articles-${file}.xml: fewer files.`)
      return { body: bytes([URLSET, ...parts.map((part) => part.xml), URLSET_END]) }
    },

    /**
     * Google News: articles published in the last 48 hours (at most 1,000, newest first), with
     * the publication's name and language and each one's date and title. Empty when nothing
     * was published in that time.
     */
    async news(): Promise<SitemapAnswer> {
      const now = new Date()
      const rows = await q.newsArticles(db.query, { now, news: newsWindow(now) })
      const urls = rows.map(
        (row) =>
          `<url><loc>${xmlText(site.articleUrl(row))}</loc>${lastmod(row.updatedAt)}<news:news>${publication}` +
          `<news:publication_date>${w3cDate(row.publishedAt)}</news:publication_date>` +
          `<news:title>${xmlText(row.title)}</news:title></news:news></url>\n`,
      )
      const expires = leaves(rows.at(-1)?.publishedAt ?? null)
      return { body: urlset(urls, ` xmlns:news="${NEWS_NS}"`), ...(expires ? { expires } : {}) }
    },

    /** The authors with at least one published article (their pages have something to show), by slug. */
    async authors(): Promise<SitemapAnswer> {
      const rows = await q.sitemapAuthors(db.query, { now: new Date(), limit: SITEMAP_MAX_URLS })
      return {
        body: urlset(
          rows.map((row) => `<url><loc>${xmlText(site.authorUrl(row))}</loc>${lastmod(row.lastmod)}</url>\n`),
        ),
      }
    },
  }
}

export type SitemapService = ReturnType<typeof createSitemapService>
