import t, { type Test } from 'tap'
import type { Article } from '../../src/schemas/article.js'
import { createSitemapService } from '../../src/services/sitemaps.js'
import { buildTestApp, tokenHeaders, type TestApp } from '../support/app.js'
import { isProblem } from '../support/assert.js'
import { createArticle, createAuthor, setArticleState } from '../support/factories.js'
import { requires } from '../support/requires.js'
import { SCHEMAS, xmllint } from '../support/xmllint.js'

/**
 * The sitemap index, the article sitemaps, the Google News sitemap and the authors' sitemap:
 * each validated by xmllint against the published schemas (test/fixtures/sitemaps/: sitemaps.org
 * 0.9 and Google's News extension), their contents checked URL by URL against what is stored.
 */

const HOUR = 3_600_000
const SITE = {
  PUBLIC_SITE_URL: 'https://news.example.com',
  SITEMAP_BASE_URL: 'https://www.example.com/seo',
  ARTICLE_URL_TEMPLATE: '{siteUrl}/{yyyy}/{mm}/{dd}/{slug}?ref=sitemap&v=1',
  AUTHOR_URL_TEMPLATE: '{siteUrl}/people/{slug}',
  PUBLISHER_NAME: 'The Example Times & <Co>',
  SITE_LANGUAGE: 'en-GB',
  // Long enough that a short freshness (the news window) is visible in s-maxage.
  CACHE_S_MAXAGE: 3600,
}
const HOSTILE_TITLE = 'Fish & chips: <b>bold</b> ]]> "quoted" \u0007rung'

const two = (n: number) => String(n).padStart(2, '0')
const articleUrl = (a: { slug: string; publishedAt: string | Date | null }) => {
  const at = new Date(a.publishedAt!)
  return `https://news.example.com/${at.getUTCFullYear()}/${two(at.getUTCMonth() + 1)}/${two(at.getUTCDate())}/${a.slug}?ref=sitemap&v=1`
}
const unescapeXml = (text: string) =>
  text.replace(
    /&(amp|lt|gt|quot|apos);/g,
    (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[name]!,
  )

/** The `<loc>` and `<lastmod>` of every entry (`url` or `sitemap`), in order, unescaped. */
function entries(xml: string): { loc: string; lastmod: string | undefined }[] {
  return [...xml.matchAll(/<(?:url|sitemap)><loc>([^<]*)<\/loc>(?:<lastmod>([^<]*)<\/lastmod>)?/g)].map((m) => ({
    loc: unescapeXml(m[1]!),
    lastmod: m[2],
  }))
}

/** Valid against `schema` (xmllint), or the test says what xmllint found. */
function validates(t: Test, xml: string, schema: string, what: string) {
  if (requires('xmllint')) return
  const lint = xmllint(xml, schema)
  t.ok(lint.ok, `${what}: valid (${lint.output.slice(0, 400)})`)
}

/** The stored updatedAt of articles (and authors), as sitemaps write them. */
async function stored(app: TestApp) {
  const articles = await app.db.prisma.article.findMany()
  const authors = await app.db.prisma.author.findMany()
  return {
    article: (id: string) => articles.find((a) => a.id === id)!,
    author: (id: string) => authors.find((a) => a.id === id)!,
  }
}

t.test('sitemaps', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false, ...SITE })
  const now = Date.now()
  const ada = await createAuthor(app, { name: 'Ada Byline' })
  const ben = await createAuthor(app, { name: 'Ben Okafor' })
  const quiet = await createAuthor(app, { name: 'Quiet Quill' })
  const at = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString()
  // Oldest first: two old articles, one three days old, then the last 48 hours.
  const old = [
    await createArticle(app, { state: 'published', authorId: ada.id, publishedAt: '2025-03-01T08:00:00Z' }),
    await createArticle(app, { state: 'published', authorId: ben.id, publishedAt: '2025-06-01T08:00:00Z' }),
    await createArticle(app, { state: 'published', authorId: ada.id, publishedAt: at(now - 72 * HOUR) }),
  ]
  // Leaves the news window in about two minutes: the news sitemap may be cached only until then.
  const edge = await createArticle(app, {
    state: 'published',
    authorId: ben.id,
    publishedAt: at(now - 48 * HOUR + 120_000),
  })
  const recent = [
    await createArticle(app, { state: 'published', authorId: ada.id, publishedAt: at(now - 5 * HOUR) }),
    await createArticle(app, {
      state: 'published',
      authorId: ben.id,
      publishedAt: at(now - HOUR),
      title: HOSTILE_TITLE,
    }),
  ]
  const hidden = [
    await createArticle(app, { authorId: quiet.id, title: 'A draft' }),
    await createArticle(app, {
      state: 'scheduled',
      authorId: ada.id,
      publishedAt: new Date(now + 30 * 86_400_000).toISOString(),
    }),
    await createArticle(app, { state: 'trashed', authorId: ben.id, publishedAt: at(now - 2 * HOUR) }),
  ]
  const published: Article[] = [...old, edge, ...recent]
  const news = [...recent].reverse().concat(edge) // newest first
  const db = await stored(app)

  t.test('the index lists every file at SITEMAP_BASE_URL, each with its newest change', async (t) => {
    const res = await app.inject('/sitemap.xml')
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-type'], 'application/xml; charset=utf-8')
    validates(t, res.body, SCHEMAS.siteindex, 'sitemap index (siteindex.xsd)')
    const newestOf = (ids: string[]) =>
      new Date(Math.max(...ids.map((id) => db.article(id).updatedAt.getTime()))).toISOString()
    t.same(entries(res.body), [
      { loc: 'https://www.example.com/seo/sitemaps/articles-1.xml', lastmod: newestOf(published.map((a) => a.id)) },
      { loc: 'https://www.example.com/seo/sitemaps/news.xml', lastmod: newestOf(news.map((a) => a.id)) },
      {
        loc: 'https://www.example.com/seo/sitemaps/authors.xml',
        lastmod: new Date(
          Math.max(db.author(ada.id).updatedAt.getTime(), db.author(ben.id).updatedAt.getTime()),
        ).toISOString(),
      },
    ])
    t.same(String(res.headers['surrogate-key']).split(' '), ['sitemaps', 'authors'])
    const maxAge = Number(/s-maxage=(\d+)/.exec(String(res.headers['cache-control']))?.[1])
    t.ok(maxAge > 0 && maxAge <= 120, `fresh only until the oldest news entry leaves it (s-maxage=${maxAge})`)
  })

  t.test('articles-1: every published article, oldest first, lastmod its updatedAt', async (t) => {
    const res = await app.inject('/sitemaps/articles-1.xml')
    t.equal(res.statusCode, 200)
    validates(t, res.body, SCHEMAS.urlset, 'articles-1 (sitemap.xsd)')
    t.same(
      entries(res.body),
      published.map((a) => ({ loc: articleUrl(a), lastmod: db.article(a.id).updatedAt.toISOString() })),
    )
    t.match(res.body, '?ref=sitemap&amp;v=1', 'the URL escaped as XML')
    t.equal(res.headers['surrogate-key'], 'sitemaps')
    for (const n of ['2', '0', '01', 'x', '-1', '1.5']) {
      isProblem(t, await app.inject(`/sitemaps/articles-${n}.xml`), 404, 'NOT_FOUND')
    }
  })

  t.test('news: the last 48 hours, newest first, with the publication', async (t) => {
    const res = await app.inject('/sitemaps/news.xml')
    t.equal(res.statusCode, 200)
    validates(t, res.body, SCHEMAS.news, 'news (sitemap.xsd with sitemap-news.xsd)')
    t.same(
      entries(res.body).map((e) => e.loc),
      news.map(articleUrl),
      'recent articles only, newest first',
    )
    const items = [...res.body.matchAll(/<news:news>(.*?)<\/news:news>/g)].map((m) => m[1]!)
    for (const [i, item] of items.entries()) {
      const a = news[i]!
      t.match(
        item,
        '<news:publication><news:name>The Example Times &amp; &lt;Co&gt;</news:name><news:language>en</news:language></news:publication>',
        'PUBLISHER_NAME, escaped; SITE_LANGUAGE as Google takes it',
      )
      t.equal(
        /<news:publication_date>([^<]*)</.exec(item)?.[1],
        new Date(a.publishedAt!).toISOString(),
        'publication date',
      )
      const title = unescapeXml(/<news:title>([^<]*)</.exec(item)?.[1] ?? '')
      t.equal(title, a.title.replace('\u0007', ''), 'title (without what XML cannot carry)')
    }
    t.equal(res.headers['surrogate-key'], 'sitemap-news')
    const maxAge = Number(/s-maxage=(\d+)/.exec(String(res.headers['cache-control']))?.[1])
    t.ok(maxAge > 0 && maxAge <= 120, `fresh only until ${edge.slug} leaves the window (s-maxage=${maxAge})`)

    t.test('the news elements are validated, not merely allowed', { skip: requires('xmllint') }, async (t) => {
      const broken = {
        'no title': res.body.replace(/<news:title>[^<]*<\/news:title>/, ''),
        'a language name instead of a code': res.body.replace('<news:language>en<', '<news:language>English<'),
        'a date that is not one': res.body.replace(
          /<news:publication_date>[^<]*</,
          '<news:publication_date>yesterday<',
        ),
        'an element Google does not define': res.body.replace(
          '<news:title>',
          '<news:headline>x</news:headline><news:title>',
        ),
      }
      for (const [what, xml] of Object.entries(broken)) {
        t.not(xml, res.body, `${what}: the entry was changed`)
        const lint = xmllint(xml, SCHEMAS.news)
        t.notOk(lint.ok, `${what}: refused (${lint.output.split('\n')[0]})`)
      }
      t.notOk(xmllint(res.body, SCHEMAS.urlset).ok, 'without the news schema the strict wildcard refuses news:news')
    })
  })

  t.test('authors: those with a published article, lastmod their updatedAt', async (t) => {
    const res = await app.inject('/sitemaps/authors.xml')
    t.equal(res.statusCode, 200)
    validates(t, res.body, SCHEMAS.urlset, 'authors (sitemap.xsd)')
    t.same(
      entries(res.body),
      [ada, ben]
        .sort((a, b) => (a.slug < b.slug ? -1 : 1))
        .map((a) => ({
          loc: `https://news.example.com/people/${a.slug}`,
          lastmod: db.author(a.id).updatedAt.toISOString(),
        })),
      'not the author of a draft only',
    )
    t.same(String(res.headers['surrogate-key']).split(' '), ['authors', 'articles'])
  })

  t.test('no draft, scheduled or trashed article anywhere, whoever asks; ETags, 304, caching', async (t) => {
    const editor = await tokenHeaders(app, 'editor')
    for (const url of ['/sitemap.xml', '/sitemaps/articles-1.xml', '/sitemaps/news.xml', '/sitemaps/authors.xml']) {
      const res = await app.inject(url)
      for (const a of hidden) t.notOk(res.body.includes(a.slug), `${url}: not ${a.slug}`)
      t.notOk(res.body.includes(quiet.slug), `${url}: not the author of a draft only`)
      const staff = await app.inject({ url, headers: editor })
      t.equal(staff.body, res.body, `${url}: a token gets the public sitemap`)
      t.equal(staff.headers['cache-control'], 'private, no-cache')
      t.match(res.headers['cache-control'], /^public, max-age=0, s-maxage=\d+, stale-while-revalidate=/)
      const etag = res.headers.etag as string
      t.match(etag, /^W\/"[\w-]{16}"$/, `${url}: a weak ETag`)
      const again = await app.inject({ url, headers: { 'if-none-match': etag } })
      t.equal(again.statusCode, 304, `${url}: 304 on If-None-Match`)
      t.equal(again.body, '')
      isProblem(t, await app.inject(`${url}?nocache=1`), 400, 'VALIDATION_FAILED', '/query/nocache')
    }
  })
})

t.test('a scheduled article enters the sitemaps by itself at its time', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const author = await createAuthor(app)
  const at = new Date(Math.ceil((Date.now() + 2500) / 1000) * 1000)
  const scheduled = await createArticle(app, { state: 'scheduled', authorId: author.id, publishedAt: at.toISOString() })
  const urls = ['/sitemaps/articles-1.xml', '/sitemaps/news.xml', '/sitemaps/authors.xml']
  for (const url of urls) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 200)
    t.notOk(res.body.includes(scheduled.slug) || res.body.includes(author.slug), `${url}: not before its time`)
    // Nothing published yet: the sitemaps.org schema wants at least one URL, so this is checked
    // for well-formedness only (an empty urlset is what a site with nothing to list has).
    if (!requires('xmllint')) t.ok(xmllint(res.body).ok, `${url}: well-formed while empty`)
    const maxAge = Number(/s-maxage=(\d+)/.exec(String(res.headers['cache-control']))?.[1])
    t.ok(maxAge <= 3, `${url}: cacheable only until the go-live (s-maxage=${maxAge})`)
  }
  const index = await app.inject('/sitemap.xml')
  t.same(
    entries(index.body).map((e) => e.lastmod),
    [undefined, undefined, undefined],
    'the index: articles-1, news and authors, without a lastmod while they list nothing',
  )
  validates(t, index.body, SCHEMAS.siteindex, 'the index of empty sitemaps')
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, at.getTime() - Date.now() + 50)))
  for (const url of urls) {
    const res = await app.inject(url)
    t.ok(res.body.includes(url.includes('authors') ? author.slug : scheduled.slug), `${url}: there once its time came`)
    validates(t, res.body, url.includes('news') ? SCHEMAS.news : SCHEMAS.urlset, url)
  }
  await setArticleState(app, scheduled, 'trashed')
  for (const url of urls) t.notOk((await app.inject(url)).body.includes(scheduled.slug), `${url}: trashed, gone`)
})

t.test('files of N articles: the index counts them, each file holds its share in order', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false, SITEMAP_BASE_URL: 'https://example.org' })
  // The protocol's 50,000 is not configurable; the service takes a smaller size for this test.
  const sitemaps = createSitemapService(app.db, { site: app.services.site, perFile: 2 })
  const locs = (xml: string) => entries(xml).map((e) => e.loc)
  const url = (a: Article) =>
    app.services.site.articleUrl({ id: a.id, slug: a.slug, publishedAt: new Date(a.publishedAt!) })
  const empty = await sitemaps.index()
  t.same(
    locs(String(empty.body)).slice(0, 1),
    ['https://example.org/sitemaps/articles-1.xml'],
    'no article: still articles-1',
  )
  t.same(locs(String((await sitemaps.articles('1')).body)), [], 'articles-1: an empty urlset')
  await t.rejects(sitemaps.articles('2'), { code: 'NOT_FOUND' }, 'articles-2: none')

  const author = await createAuthor(app)
  const articles: Article[] = []
  for (let i = 0; i < 5; i++) {
    articles.push(
      await createArticle(app, {
        state: 'published',
        authorId: author.id,
        publishedAt: new Date(Date.UTC(2025, 0, 10 - i)).toISOString(), // created newest first
      }),
    )
  }
  articles.reverse() // oldest first
  const db = await stored(app)
  const index = await sitemaps.index()
  const files = entries(String(index.body)).filter((e) => e.loc.includes('/articles-'))
  t.same(
    files.map((f) => f.loc),
    [1, 2, 3].map((n) => `https://example.org/sitemaps/articles-${n}.xml`),
    '5 articles, 2 a file: 3 files',
  )
  for (const [i, file] of files.entries()) {
    const share = articles.slice(i * 2, i * 2 + 2)
    const body = String((await sitemaps.articles(String(i + 1))).body)
    t.same(locs(body), share.map(url), `articles-${i + 1}: its share, oldest first`)
    const newest = Math.max(...share.map((a) => db.article(a.id).updatedAt.getTime()))
    t.equal(file.lastmod, new Date(newest).toISOString(), `articles-${i + 1}: lastmod the newest of its share`)
  }
  await t.rejects(sitemaps.articles('4'), { code: 'NOT_FOUND' }, 'beyond the last file: 404')
  // Unpublishing one moves the later ones up: 4 articles, 2 files.
  await setArticleState(app, articles[0]!, 'draft')
  t.equal(entries(String((await sitemaps.index()).body)).filter((e) => e.loc.includes('/articles-')).length, 2)
  t.same(locs(String((await sitemaps.articles('2')).body)), articles.slice(3).map(url))
})

t.test('news: at most 1,000, the newest', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const author = await createAuthor(app)
  const now = Date.now()
  // Written straight to the database: 1,001 articles through the API would take minutes.
  await app.db.prisma.article.createMany({
    data: Array.from({ length: 1001 }, (_, i) => ({
      slug: `bulk-news-${i}`,
      title: `Bulk news ${i}`,
      authorId: author.id,
      publishedAt: new Date(now - (i + 1) * 60_000),
    })),
  })
  const res = await app.inject('/sitemaps/news.xml')
  t.equal(res.statusCode, 200)
  const slugs = entries(res.body).map((e) => /\/articles\/([^/?]+)$/.exec(e.loc)?.[1])
  t.equal(slugs.length, 1000, '1,000 entries')
  t.same(slugs.slice(0, 2), ['bulk-news-0', 'bulk-news-1'], 'newest first')
  t.equal(slugs.at(-1), 'bulk-news-999', 'the 1,001st (the oldest) left out')
  validates(t, res.body, SCHEMAS.news, 'a 1,000-entry news sitemap')
})

t.test(
  'the article sitemaps’ URLs, written by Postgres, are exactly the ones the API’s articleUrl gives',
  async (t) => {
    const app = await buildTestApp(t, {
      SEED_ON_EMPTY: false,
      PUBLIC_SITE_URL: 'https://news.example.com/base',
      ARTICLE_URL_TEMPLATE: '{siteUrl}/{yyyy}/{mm}/{dd}/{slug}-{id}?from={siteUrl}&x={yyyy}{unknown}',
    })
    const author = await createAuthor(app)
    // Slugs the API would never write (it keeps them to [a-z0-9-]), straight into the database:
    // every one must be percent-encoded as encodeURIComponent does it.
    const slugs = [
      'plain-slug',
      'café-ünïcode',
      "it's-(a)-test!~*._",
      'a&b<c>"d',
      'space here',
      '日本語-記事',
      'emoji-🗞️',
      'per%cent/slash?q#h',
    ]
    await app.db.prisma.article.createMany({
      data: slugs.map((slug, i) => ({
        slug,
        title: `Odd ${i}`,
        authorId: author.id,
        publishedAt: new Date(Date.UTC(2024, i, 28 + (i % 3), 23, 59, 59)),
      })),
    })
    const rows = await app.db.prisma.article.findMany({ orderBy: [{ publishedAt: 'asc' }, { id: 'asc' }] })
    const res = await app.inject('/sitemaps/articles-1.xml')
    t.equal(res.statusCode, 200)
    validates(t, res.body, SCHEMAS.urlset, 'odd slugs')
    t.same(
      entries(res.body).map((e) => e.loc),
      rows.map((row) => app.services.site.articleUrl(row)),
      'the same URL, byte for byte, for every slug',
    )
    t.match(res.body, 'caf%C3%A9-%C3%BCn%C3%AFcode', 'UTF-8, upper-case hex')
  },
)
