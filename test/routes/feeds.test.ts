import Parser from 'rss-parser'
import t, { type Test } from 'tap'
import type { Article } from '../../src/schemas/article.js'
import type { Author } from '../../src/schemas/author.js'
import { buildTestApp, tokenHeaders, type TestApp } from '../support/app.js'
import { isProblem } from '../support/assert.js'
import { createArticle, createAuthor, setArticleState } from '../support/factories.js'
import { requires } from '../support/requires.js'
import { xmllint } from '../support/xmllint.js'

/**
 * The RSS, Atom and JSON feeds, read the way a feed reader reads them: RSS and Atom through the
 * independent parser rss-parser (and xmllint for well-formedness, namespaces included), JSON
 * Feed against the fields version 1.1 requires. Against a newsroom of more than 50 published
 * articles, a hostile title, and a draft, a scheduled and a trashed article that must never show.
 */

const SITE = {
  PUBLIC_SITE_URL: 'https://news.example.com',
  PUBLIC_URL: 'https://cms.example.com',
  ARTICLE_URL_TEMPLATE: '{siteUrl}/{yyyy}/{mm}/{dd}/{slug}',
  AUTHOR_URL_TEMPLATE: '{siteUrl}/people/{slug}',
  PUBLISHER_NAME: 'The Example Times',
  PUBLISHER_LOGO_URL: 'https://news.example.com/logo.png',
  SITE_LANGUAGE: 'en-GB',
}
const FORMATS = ['rss', 'atom', 'json'] as const
const CONTENT_TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
}

/** Markup, both CDATA terminators, quotes, and a character XML cannot carry at all. */
const HOSTILE_TITLE = 'Fish & chips: <script>alert("x")</script> ]]> and ]]> again \u0007rung'
const SECRETS = ['Embargoed draft', 'Embargoed schedule', 'Embargoed trash']

interface Expected {
  id: string
  slug: string
  title: string
  excerpt: string
  bodyHtml: string
  tags: string[]
  authorId: string
  authorName: string
  authorSlug: string
  publishedAt: Date
  updatedAt: Date
}

const two = (n: number) => String(n).padStart(2, '0')
const articleUrl = (a: Expected) =>
  `https://news.example.com/${a.publishedAt.getUTCFullYear()}/${two(a.publishedAt.getUTCMonth() + 1)}/${two(a.publishedAt.getUTCDate())}/${a.slug}`
const authorUrl = (slug: string) => `https://news.example.com/people/${slug}`
/** Atom's `type="html"` text is HTML: what a reader shows of it. */
const unescapeHtml = (html: string) =>
  html.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name]!,
  )

/** Rows as stored, in feed order (newest first), for the given article ids. */
async function expected(app: TestApp, ids: string[]): Promise<Expected[]> {
  const rows = await app.db.prisma.article.findMany({ where: { id: { in: ids } }, include: { author: true } })
  return rows
    .map((r) => ({
      id: r.id,
      slug: r.slug,
      title: r.title,
      excerpt: r.excerpt,
      bodyHtml: r.bodyHtml,
      tags: r.tags,
      authorId: r.authorId,
      authorName: r.author.name,
      authorSlug: r.author.slug,
      publishedAt: r.publishedAt!,
      updatedAt: r.updatedAt,
    }))
    .sort((a, b) => b.publishedAt.getTime() - a.publishedAt.getTime() || (a.id < b.id ? 1 : -1))
}

interface Newsroom {
  ada: Author
  ben: Author
  /** An author without a published article (a draft only). */
  quiet: Author
  /** Every published article's id. */
  published: string[]
  hostile: Article
}

/**
 * 55 published articles (one a day in January 2026, alternating Ada and Ben; tagged transport,
 * culture and transport, or nothing), one published after them with a hostile title, and a
 * draft, a scheduled article and a trashed one with newer dates than all of them.
 */
async function buildNewsroom(app: TestApp): Promise<Newsroom> {
  const ada = await createAuthor(app, { name: 'Ada Byline' })
  const ben = await createAuthor(app, { name: 'Ben O’Neill & <Sons> &amp; co' })
  const quiet = await createAuthor(app, { name: 'Quiet Quill' })
  const published: string[] = []
  const tagSets = [['transport'], ['culture', 'transport'], []]
  for (let i = 0; i < 55; i++) {
    const article = await createArticle(app, {
      state: 'published',
      publishedAt: new Date(Date.UTC(2026, 0, 1 + i, 7, 30)).toISOString(),
      authorId: (i % 2 === 0 ? ada : ben).id,
      tags: tagSets[i % 3]!,
      excerpt: `Summary ${i}: fares & timetables`,
      body: `Paragraph **${i}**, with [a link](https://example.org/${i}) and a <b>raw</b> tag.`,
    })
    published.push(article.id)
  }
  const hostile = await createArticle(app, {
    state: 'published',
    publishedAt: new Date(Date.UTC(2026, 2, 1, 9)).toISOString(),
    authorId: ben.id,
    title: HOSTILE_TITLE,
    excerpt: 'Less than <3 & more than ]]> expected',
    body: 'Closing ]]> inside the body, and `code ]]>` too.',
    tags: ['culture'],
  })
  published.push(hostile.id)
  const later = new Date(Date.UTC(2026, 5, 1)).toISOString()
  await createArticle(app, { authorId: ada.id, title: `${SECRETS[0]} story`, tags: ['transport'] })
  await createArticle(app, { authorId: quiet.id, title: 'Quiet draft', tags: ['transport'] })
  await createArticle(app, {
    state: 'scheduled',
    authorId: ada.id,
    title: `${SECRETS[1]} story`,
    tags: ['transport'],
    publishedAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
  })
  await createArticle(app, {
    state: 'trashed',
    authorId: ben.id,
    title: `${SECRETS[2]} story`,
    tags: ['culture'],
    publishedAt: later,
  })
  return { ada, ben, quiet, published, hostile }
}

// Atom's logo, each entry's updated and categories are not among rss-parser's own fields.
const parser = new Parser<Record<string, unknown>, Record<string, unknown>>({
  customFields: {
    feed: ['logo'],
    item: [
      ['updated', 'updated'],
      ['category', 'atomCategories', { keepArray: true }],
    ],
  },
})

/** A feed as a reader sees it, whatever its format: feed-level facts and items. */
interface Read {
  title: string
  link: string
  self: string
  language?: string
  image?: string
  updated?: string
  items: {
    id: string
    title: string
    link: string
    published: string
    updated?: string
    summary: string
    content: string
    author: string
    authorUrl?: string
    tags: string[]
  }[]
}

/** Fetches a feed, checks its status, content type and well-formedness, and reads it. */
async function readFeed(t: Test, app: TestApp, url: string, format: (typeof FORMATS)[number]): Promise<Read> {
  const res = await app.inject(url)
  t.equal(res.statusCode, 200, `${url}: 200`)
  t.equal(res.headers['content-type'], CONTENT_TYPES[format], `${url}: content type`)
  if (format === 'json') return readJson(t, res.body, url)
  if (!requires('xmllint')) {
    const lint = xmllint(res.body)
    t.ok(lint.ok, `${url}: well-formed XML, namespaces declared (${lint.output.slice(0, 300)})`)
  }
  const feed = await parser.parseString(res.body)
  if (format === 'rss') {
    return {
      title: feed.title!,
      link: feed.link!,
      self: feed.feedUrl!,
      language: (feed as { language?: string }).language!,
      image: feed.image?.url,
      updated: feed.lastBuildDate as string,
      items: feed.items.map((item) => ({
        id: item.guid!,
        title: item.title!,
        link: item.link!,
        published: item.isoDate!,
        summary: unescapeHtml(item.content ?? ''),
        content: (item as Record<string, string>)['content:encoded'] ?? '',
        author: item.creator!,
        tags: item.categories ?? [],
      })),
    }
  }
  return {
    title: feed.title!,
    link: feed.link!,
    self: feed.feedUrl!,
    image: (feed as { logo?: string }).logo,
    updated: feed.lastBuildDate as string,
    items: feed.items.map((item) => {
      const extra = item as unknown as { id: string; updated: string; atomCategories?: { $: { term: string } }[] }
      return {
        id: extra.id,
        title: unescapeHtml(item.title!),
        link: item.link!,
        published: item.isoDate!,
        updated: extra.updated,
        summary: unescapeHtml(item.summary ?? ''),
        content: item.content ?? '',
        author: (item as { author?: string }).author!,
        tags: (extra.atomCategories ?? []).map((c) => c.$.term),
      }
    }),
  }
}

/** JSON Feed 1.1: the fields it requires (version, title, items with id and content), then the rest. */
function readJson(t: Test, body: string, url: string): Read {
  const feed = JSON.parse(body)
  t.equal(feed.version, 'https://jsonfeed.org/version/1.1', `${url}: JSON Feed 1.1`)
  t.type(feed.title, 'string', 'title (required)')
  t.ok(Array.isArray(feed.items), 'items (required)')
  for (const item of feed.items) {
    t.type(item.id, 'string', 'items[].id (required, a string)')
    t.ok(typeof item.content_html === 'string' || typeof item.content_text === 'string', 'content_html or content_text')
    t.equal(item.author, undefined, '1.1: authors, not the deprecated author')
    t.ok(Array.isArray(item.authors) && item.authors.length === 1, 'authors[]')
  }
  return {
    title: feed.title,
    link: feed.home_page_url,
    self: feed.feed_url,
    language: feed.language,
    image: feed.icon,
    items: feed.items.map((item: any) => ({
      id: item.id,
      title: item.title,
      link: item.url,
      published: item.date_published,
      updated: item.date_modified,
      summary: item.summary ?? '',
      content: item.content_html,
      author: item.authors[0].name,
      authorUrl: item.authors[0].url,
      tags: item.tags,
    })),
  }
}

/** Every item as stored, in order: id, link, title, dates, summary, content, author, tags. */
function sameItems(t: Test, read: Read, want: Expected[], format: (typeof FORMATS)[number], what: string) {
  t.equal(read.items.length, want.length, `${what}: ${want.length} items`)
  t.same(
    read.items.map((i) => i.id),
    want.map((a) => `urn:uuid:${a.id}`),
    `${what}: urn:uuid ids, newest first`,
  )
  const xml = format !== 'json'
  for (const [i, item] of read.items.entries()) {
    const a = want[i]
    if (!a) break
    const title = xml ? a.title.replaceAll('\u0007', '') : a.title
    t.equal(item.title, title, `${what}: title of ${a.slug}`)
    t.equal(item.link, articleUrl(a), `${what}: frontend link of ${a.slug}`)
    // RSS dates have whole seconds; the articles here were published on the second.
    t.equal(new Date(item.published).toISOString(), a.publishedAt.toISOString(), `${what}: published ${a.slug}`)
    if (format !== 'rss') t.equal(item.updated, a.updatedAt.toISOString(), `${what}: updated ${a.slug}`)
    t.equal(item.summary, a.excerpt, `${what}: the excerpt as summary`)
    const content = xml ? a.bodyHtml.replaceAll(']]>', ']]&gt;') : a.bodyHtml
    t.equal(item.content, content, `${what}: the stored bodyHtml as content`)
    t.equal(item.author, a.authorName, `${what}: author of ${a.slug}`)
    if (item.authorUrl !== undefined) t.equal(item.authorUrl, authorUrl(a.authorSlug), `${what}: author's page`)
    t.same(item.tags, a.tags, `${what}: tags as categories`)
  }
}

t.test('feeds', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false, ...SITE })
  const world = await buildNewsroom(app)
  const all = await expected(app, world.published)
  t.equal(all.length, 56)
  t.ok(
    all.every((a) => a.bodyHtml.length > 0),
    'every body was rendered and stored as bodyHtml',
  )
  const newest = all.slice(0, 50)

  t.test('the main feed: the newest 50 published articles, in every format', async (t) => {
    for (const format of FORMATS) {
      const read = await readFeed(t, app, `/feeds/articles.${format}`, format)
      t.equal(read.title, 'The Example Times', `${format}: titled PUBLISHER_NAME`)
      t.match(read.link, /^https:\/\/news\.example\.com\/?$/, `${format}: links to the site`)
      t.equal(read.self, `https://cms.example.com/feeds/articles.${format}`, `${format}: self link at PUBLIC_URL`)
      t.equal(read.image, 'https://news.example.com/logo.png', `${format}: the logo`)
      if (format !== 'atom') t.equal(read.language, 'en-GB', `${format}: SITE_LANGUAGE`)
      sameItems(t, read, newest, format, format)
    }
    const atom = await app.inject('/feeds/articles.atom')
    const newestChange = new Date(Math.max(...newest.map((a) => a.updatedAt.getTime()))).toISOString()
    t.match(atom.body, `<updated>${newestChange}</updated>`, 'Atom: updated is the newest change of an item')
    t.equal(all[0]!.id, world.hostile.id, 'the hostile title is the newest item')
  })

  t.test('a tag’s feed lists only its articles; a tag nobody published is an empty feed', async (t) => {
    for (const format of FORMATS) {
      const transport = all.filter((a) => a.tags.includes('transport'))
      const read = await readFeed(t, app, `/feeds/tags/transport.${format}`, format)
      t.equal(read.title, 'The Example Times — transport')
      t.equal(read.self, `https://cms.example.com/feeds/tags/transport.${format}`)
      sameItems(t, read, transport.slice(0, 50), format, `transport ${format}`)
      const culture = await readFeed(t, app, `/feeds/tags/culture.${format}`, format)
      sameItems(t, culture, all.filter((a) => a.tags.includes('culture')).slice(0, 50), format, `culture ${format}`)
      const none = await readFeed(t, app, `/feeds/tags/nobody-wrote-this.${format}`, format)
      t.equal(none.items.length, 0, `${format}: an unused tag is an empty feed`)
      isProblem(t, await app.inject(`/feeds/tags/Transport.${format}`), 400, 'VALIDATION_FAILED', '/params/tag')
    }
  })

  t.test('an author’s feed: their articles, their name; unknown authors are 404', async (t) => {
    for (const format of FORMATS) {
      for (const author of [world.ada, world.ben]) {
        const read = await readFeed(t, app, `/feeds/authors/${author.slug}.${format}`, format)
        t.equal(read.title, `The Example Times — ${author.name}`, `${format}: titled with the author`)
        t.equal(read.link, authorUrl(author.slug), `${format}: links to the author's page`)
        t.equal(read.self, `https://cms.example.com/feeds/authors/${author.slug}.${format}`)
        const theirs = all.filter((a) => a.authorId === author.id).slice(0, 50)
        sameItems(t, read, theirs, format, `${author.slug} ${format}`)
      }
      const quiet = await readFeed(t, app, `/feeds/authors/${world.quiet.slug}.${format}`, format)
      t.equal(quiet.items.length, 0, `${format}: an author with drafts only: an empty feed`)
      isProblem(t, await app.inject(`/feeds/authors/nobody-by-this-name.${format}`), 404, 'NOT_FOUND')
      isProblem(t, await app.inject(`/feeds/authors/${world.ada.id}.${format}`), 404, 'NOT_FOUND')
    }
    const json = JSON.parse((await app.inject(`/feeds/authors/${world.ada.slug}.json`)).body)
    t.same(json.authors, [{ name: 'Ada Byline', url: authorUrl(world.ada.slug) }], 'JSON: the feed’s author')
  })

  t.test('no draft, scheduled or trashed article in any feed, whoever asks', async (t) => {
    const editor = await tokenHeaders(app, 'editor')
    const urls = FORMATS.flatMap((f) => [
      `/feeds/articles.${f}`,
      `/feeds/tags/transport.${f}`,
      `/feeds/tags/culture.${f}`,
      `/feeds/authors/${world.ada.slug}.${f}`,
      `/feeds/authors/${world.ben.slug}.${f}`,
      `/feeds/authors/${world.quiet.slug}.${f}`,
    ])
    for (const url of urls) {
      const anonymous = await app.inject(url)
      const staff = await app.inject({ url, headers: editor })
      for (const res of [anonymous, staff]) {
        const shown = [...SECRETS, 'Quiet draft'].filter((s) => res.body.includes(s))
        t.same(shown, [], `${url}: nothing unpublished`)
      }
      t.equal(staff.body, anonymous.body, `${url}: a token sees the public feed`)
      t.equal(staff.headers['cache-control'], 'private, no-cache', `${url}: with a token, private`)
    }
  })

  t.test('ETag and 304, shared-cache headers, surrogate keys', async (t) => {
    for (const format of FORMATS) {
      const url = `/feeds/articles.${format}`
      const first = await app.inject(url)
      const etag = first.headers.etag as string
      t.match(etag, /^W\/"[\w-]{16}"$/, `${format}: a weak ETag`)
      t.match(first.headers['cache-control'], /^public, max-age=0, s-maxage=\d+, stale-while-revalidate=\d+/)
      const keys = String(first.headers['surrogate-key']).split(' ')
      t.equal(keys[0], 'articles', `${format}: the list key first`)
      for (const a of newest) t.ok(keys.includes(`article-${a.id}`), `${format}: key of ${a.slug}`)
      t.ok(keys.includes(`author-${world.ada.id}`) && keys.includes(`author-${world.ben.id}`), 'the authors shown')
      t.equal(first.headers['cache-tag'], keys.join(','), 'Cache-Tag: the same keys')
      const again = await app.inject({ url, headers: { 'if-none-match': etag } })
      t.equal(again.statusCode, 304, `${format}: 304 on If-None-Match`)
      t.equal(again.body, '', 'without a body')
      const head = await app.inject({ method: 'HEAD', url })
      t.equal(head.statusCode, 200)
      t.equal(head.headers.etag, etag, 'HEAD: the same ETag')
      t.equal(head.body, '')
      isProblem(t, await app.inject(`${url}?utm_source=x`), 400, 'VALIDATION_FAILED', '/query/utm_source')
    }
    const tag = await app.inject('/feeds/tags/culture.atom')
    t.equal(String(tag.headers['surrogate-key']).split(' ')[0], 'tag-culture', 'a tag feed: its tag key')
    const author = await app.inject(`/feeds/authors/${world.ada.slug}.rss`)
    t.same(
      String(author.headers['surrogate-key']).split(' ').slice(0, 2),
      [`author-${world.ada.id}`, `author-articles-${world.ada.id}`],
      'an author feed: the author and their articles',
    )
    isProblem(t, await app.inject('/feeds/articles.xml'), 400, 'VALIDATION_FAILED', '/params/format')
    isProblem(t, await app.inject('/feeds/tags/culture.html'), 400, 'VALIDATION_FAILED', '/params/format')
    const missing = await app.inject('/feeds/authors/nobody.rss')
    t.equal(missing.headers['cache-control'], 'public, max-age=0, must-revalidate', '404: not kept by shared caches')
    t.equal(missing.headers['surrogate-key'], undefined)
  })
})

t.test('the {id} placeholder, a URL with a query, and a feed whose bodies are all empty', async (t) => {
  const app = await buildTestApp(t, {
    SEED_ON_EMPTY: false,
    ARTICLE_URL_TEMPLATE: 'https://www.example.org/story/{id}?from=feed&amp=1',
    AUTHOR_URL_TEMPLATE: 'https://www.example.org/by/{id}',
  })
  const author = await createAuthor(app)
  const article = await createArticle(app, { state: 'published', authorId: author.id, body: '' })
  for (const format of FORMATS) {
    const read = await readFeed(t, app, `/feeds/authors/${author.slug}.${format}`, format)
    t.equal(read.items[0]?.link, `https://www.example.org/story/${article.id}?from=feed&amp=1`, `${format}: {id}`)
    t.equal(read.items[0]?.content, '', `${format}: an empty body is empty content`)
    t.equal(read.items[0]?.author, author.name, `${format}: the author named all the same`)
    t.equal(
      read.self,
      `http://localhost:3000/feeds/authors/${author.slug}.${format}`,
      'without PUBLIC_URL: the local address',
    )
  }
})

t.test('a scheduled article appears in the feeds by itself at its time', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const author = await createAuthor(app)
  await createArticle(app, { state: 'published', authorId: author.id, tags: ['soon'] })
  const at = new Date(Math.ceil((Date.now() + 2500) / 1000) * 1000)
  const scheduled = await createArticle(app, {
    state: 'scheduled',
    authorId: author.id,
    tags: ['soon'],
    publishedAt: at.toISOString(),
  })
  const urls = FORMATS.flatMap((f) => [
    `/feeds/articles.${f}`,
    `/feeds/tags/soon.${f}`,
    `/feeds/authors/${author.slug}.${f}`,
  ])
  for (const url of urls) {
    const res = await app.inject(url)
    t.notOk(res.body.includes(scheduled.id), `${url}: not before its time`)
    const maxAge = Number(/s-maxage=(\d+)/.exec(String(res.headers['cache-control']))?.[1])
    t.ok(maxAge <= 3, `${url}: shared caches keep it only until the go-live (s-maxage=${maxAge})`)
  }
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, at.getTime() - Date.now() + 50)))
  for (const url of urls) {
    const res = await app.inject(url)
    t.ok(res.body.includes(scheduled.id), `${url}: there once its time has come, with no sweep having run`)
  }
  // And the reverse: unpublished, it is gone at once.
  await setArticleState(app, scheduled, 'draft')
  for (const url of urls) t.notOk((await app.inject(url)).body.includes(scheduled.id), `${url}: unpublished, gone`)
})
