import { Feed, type Item } from 'feed'
import type { Database } from '../db/database.js'
import * as q from '../db/queries/feeds.js'
import { Problems } from '../errors.js'
import { FEED_SIZE, type FeedFormat, type JsonFeed } from '../schemas/feed.js'
import { variantUrl } from './media-view.js'
import type { Site } from './site.js'
import { htmlForCdata, htmlText, xmlChars } from './xml.js'

/**
 * RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the newest published articles: all of them, a tag's,
 * an author's. Written by the `feed` package (jpmonette/feed) from one statement's rows; every
 * link is a frontend URL (services/site.ts), and each feed's self link is its address on this
 * server. The same rows always give the same bytes (no clock in the output), so the weak ETag
 * changes only when the feed does.
 */

/** A feed as sent, and what it was made from (its surrogate keys are the route's business). */
export interface FeedAnswer {
  body: string
  /** The articles listed, newest first. */
  items: { id: string; authorId: string; coverImageId: string | null }[]
}

/** A feed's own facts, beside its items. */
interface FeedMeta {
  title: string
  description: string
  /** The page the feed stands for on the frontend. */
  link: string
  /** This feed's path on this server, without the extension: `/feeds/articles`. */
  path: string
  /** An author feed's author. */
  author?: { name: string; link: string }
}

const RSS_DC = 'http://purl.org/dc/elements/1.1/'
const JSON_FEED_VERSION = 'https://jsonfeed.org/version/1.1'
/** `updated` of a feed without items: fixed, so an empty feed's bytes (and ETag) do not change by themselves. */
const NEVER = new Date(0)

export function createFeedService(db: Database, options: { site: Site }) {
  const { site } = options
  const page = () => ({ now: new Date(), limit: FEED_SIZE })
  const authorOf = (row: q.FeedArticleRow) => ({
    name: row.authorName,
    link: site.authorUrl({ id: row.authorId, slug: row.authorSlug }),
  })

  /** One format of one feed, from its rows (newest first). */
  function render(format: FeedFormat, meta: FeedMeta, rows: q.FeedArticleRow[]): string {
    const xml = format !== 'json'
    // Only characters XML can carry; the JSON feed keeps the text exactly as stored.
    const text = xml ? xmlTextNode : (s: string) => s
    const updated = rows.reduce<Date>((newest, row) => (row.updatedAt > newest ? row.updatedAt : newest), NEVER)
    const self = (ext: FeedFormat) => `${site.serverUrl}${meta.path}.${ext}`
    const feed = new Feed({
      title: text(meta.title),
      description: text(meta.description),
      id: self('atom'),
      link: meta.link,
      feedLinks: { rss: self('rss'), atom: self('atom'), json: self('json') },
      language: site.language,
      updated,
      generator: 'Broadsheet',
      ...(site.publisher.logoUrl ? { image: text(site.publisher.logoUrl) } : {}),
      ...(meta.author ? { author: { name: text(meta.author.name), link: meta.author.link } } : {}),
    })
    // RSS's <author> must be an email address, and authors' are private: RSS names the author
    // with Dublin Core's creator instead. The package declares that namespace only when an item
    // has content, so a feed whose every body is empty declares it on each element.
    const contents = rows.map((row) => (xml ? htmlForCdata(row.bodyHtml) : row.bodyHtml))
    const dcOnRoot = contents.some((content) => content !== '')
    for (const [i, row] of rows.entries()) {
      const author = authorOf(row)
      const item: Item = {
        // Atom's title and summary are `type="html"`, RSS's description is HTML: plain text
        // escaped as HTML there. RSS's title and JSON's fields are plain text.
        title: format === 'atom' ? htmlText(row.title) : format === 'rss' ? cdataText(row.title) : row.title,
        id: `urn:uuid:${row.id}`,
        link: site.articleUrl(row),
        date: row.updatedAt,
        published: row.publishedAt,
        description: xml ? htmlText(row.excerpt) : row.excerpt,
        content: contents[i],
        category: row.tags.map((tag) => ({ name: tag, term: tag })),
      }
      // The cover as a JPEG (what every reader shows): RSS's enclosure, Atom's enclosure link,
      // JSON Feed's image.
      if (row.coverImageId !== null && row.coverVersion !== null) {
        item.image = variantUrl(site.serverUrl, { id: row.coverImageId, cropVersion: row.coverVersion }, 'hero', 'jpeg')
      }
      if (format === 'rss') {
        item.extensions = [
          {
            name: 'dc:creator',
            objects: { ...(dcOnRoot ? {} : { _attributes: { 'xmlns:dc': RSS_DC } }), _text: text(author.name) },
          },
        ]
      } else {
        item.author = [{ name: text(author.name), link: author.link }]
      }
      feed.addItem(item)
    }
    if (format === 'rss') return feed.rss2()
    if (format === 'atom') return feed.atom1()
    return jsonFeed(feed.json1(), site.language)
  }

  const answer = (format: FeedFormat, meta: FeedMeta, rows: q.FeedArticleRow[]): FeedAnswer => ({
    body: render(format, meta, rows),
    items: rows.map((row) => ({ id: row.id, authorId: row.authorId, coverImageId: row.coverImageId })),
  })

  return {
    /** The newest published articles, or a tag's (a tag no published article has: an empty feed). */
    async articles(format: FeedFormat, filter: { tag?: string } = {}): Promise<FeedAnswer> {
      const rows = await q.latestArticles(db.query, filter, page())
      const publisher = site.publisher.name
      const meta: FeedMeta =
        filter.tag === undefined
          ? {
              title: publisher,
              description: `The latest articles of ${publisher}`,
              link: site.url,
              path: '/feeds/articles',
            }
          : {
              title: `${publisher} — ${filter.tag}`,
              description: `The latest articles of ${publisher} tagged ${filter.tag}`,
              link: site.url,
              path: `/feeds/tags/${encodeURIComponent(filter.tag)}`,
            }
      return answer(format, meta, rows)
    },

    /** An author's newest published articles (none published: an empty feed); 404 for an unknown slug. */
    async author(format: FeedFormat, slug: string): Promise<FeedAnswer & { authorId: string }> {
      const found = await q.authorFeed(db.query, slug, page())
      if (!found) throw Problems.notFound('No such author.')
      const { author, articles } = found
      const link = site.authorUrl(author)
      const meta: FeedMeta = {
        title: `${site.publisher.name} — ${author.name}`,
        description: `The latest articles by ${author.name} in ${site.publisher.name}`,
        link,
        path: `/feeds/authors/${encodeURIComponent(author.slug)}`,
        author: { name: author.name, link },
      }
      return { ...answer(format, meta, articles), authorId: author.id }
    },
  }
}

export type FeedService = ReturnType<typeof createFeedService>

/*
 * The package writes XML with xml-js, which has two habits the feeds must not inherit:
 * - a text node is escaped after every `&amp;` in it is turned back into `&` (so that escaped
 *   input is not escaped twice): a literal `&amp;` in a name would come out as `&`. Escaping
 *   each `&` first makes that step give back exactly the text.
 * - a CDATA section has only its first `]]>` split (`]]]]><![CDATA[>`): a second one would end
 *   the section and make the document malformed. Every later one is split here, so its own
 *   split of the first completes the job.
 */

/** Plain text the package writes as an XML text node. */
function xmlTextNode(text: string): string {
  return xmlChars(text).replaceAll('&', '&amp;')
}

/** Plain text the package writes as a CDATA section (RSS's item title). */
function cdataText(text: string): string {
  const [first, ...rest] = xmlChars(text).split(']]>')
  if (rest.length === 0) return first!
  return `${first}]]>${rest.join(']]]]><![CDATA[>')}`
}

/**
 * The package writes JSON Feed 1.0 (`author` objects); 1.1 has `authors` arrays and `language`.
 * The rest is the same, so its output is carried over field by field.
 */
function jsonFeed(written: string, language: string): string {
  type Author = { name: string; url: string }
  type Written = Omit<JsonFeed, 'version' | 'language' | 'authors' | 'items'> & {
    author?: Author
    items: (Omit<JsonFeed['items'][number], 'authors'> & { author: Author })[]
  }
  const { author, items, ...feed } = JSON.parse(written) as Written
  const upgraded: JsonFeed = {
    ...feed,
    version: JSON_FEED_VERSION,
    language,
    ...(author ? { authors: [author] } : {}),
    items: items.map(({ author: itemAuthor, ...item }) => ({ ...item, authors: [itemAuthor] })),
  }
  return JSON.stringify(upgraded)
}
