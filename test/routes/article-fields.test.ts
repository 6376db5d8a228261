import t from 'tap'
import { buildTestApp, json, type TestApp } from '../support/app.js'
import { isProblem } from '../support/assert.js'
import { adminHeaders, createArticle, createAuthor, setArticleState } from '../support/factories.js'

/**
 * Articles' rendered fields (bodyHtml, bodyText, wordCount, readingTimeMinutes), their
 * structured data, and sparse fieldsets (`fields=`) on lists and single reads.
 */

const SITE = {
  PUBLIC_SITE_URL: 'https://news.example.com',
  ARTICLE_URL_TEMPLATE: '{siteUrl}/{yyyy}/{mm}/{slug}',
  AUTHOR_URL_TEMPLATE: '{siteUrl}/people/{slug}',
  PUBLISHER_NAME: 'The Greyhaven Courier',
  PUBLISHER_LOGO_URL: 'https://news.example.com/logo.png',
  SITE_LANGUAGE: 'en-GB',
}

const get = (app: TestApp, url: string, headers: Record<string, string> = {}) => app.inject({ url, headers })

/** A list item's keys as v1 has them: no rendered fields unless asked. */
const V1_KEYS = [
  'id',
  'slug',
  'title',
  'excerpt',
  'body',
  'tags',
  'status',
  'publishedAt',
  'authorId',
  'coverImageId',
  'commentCount',
  'createdAt',
  'updatedAt',
]

t.test('single reads carry the rendered body, stored at write time', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false, ...SITE })
  const created = await createArticle(app, {
    title: 'Budget night',
    body: '# Budget night\n\nThe council voted **7 to 2**. [Minutes](https://example.org/minutes) and <script>alert(1)</script>.',
  })
  const expectedHtml =
    '<h1 id="user-content-budget-night">Budget night</h1>\n' +
    '<p>The council voted <strong>7 to 2</strong>. <a href="https://example.org/minutes" rel="noopener noreferrer">Minutes</a> and &lt;script&gt;alert(1)&lt;/script&gt;.</p>\n'
  t.equal(created.bodyHtml, expectedHtml, 'the create answer holds the sanitized HTML')
  t.equal(created.bodyText?.includes('The council voted 7 to 2.'), true, 'plain text without markup')
  t.equal(created.wordCount, 14)
  t.equal(created.readingTimeMinutes, 1)

  const admin = await adminHeaders(app)
  const read = await get(app, `/api/v1/articles/${created.slug}`, admin)
  t.equal(json(read).bodyHtml, expectedHtml, 'a read returns what was stored')
  t.notOk('structuredData' in json(read), 'a draft has no structured data')

  const patched = await app.inject({
    method: 'PATCH',
    url: `/api/v1/articles/${created.id}`,
    headers: { ...admin, 'if-match': read.headers.etag as string },
    payload: { body: 'Short ~~long~~ body.' },
  })
  t.equal(patched.statusCode, 200)
  t.equal(json(patched).bodyHtml, '<p>Short <s>long</s> body.</p>\n', 'a new body is rendered again')
  t.equal(json(patched).wordCount, 3)
  const again = await get(app, `/api/v1/articles/${created.slug}`, admin)
  t.equal(again.headers.etag, patched.headers.etag, "the write's answer is the read's representation (same ETag)")

  const title = await app.inject({
    method: 'PATCH',
    url: `/api/v1/articles/${created.id}`,
    headers: { ...admin, 'if-match': '*' },
    payload: { title: 'Only the title' },
  })
  t.equal(json(title).bodyHtml, '<p>Short <s>long</s> body.</p>\n', 'a change without a body keeps its rendering')
})

t.test('the seed keeps typographic quotes, dashes and emoji byte-exact in bodyHtml', async (t) => {
  const app = await buildTestApp(t)
  const res = await get(app, '/api/v1/articles/riverside-tram-line-9-stops-3-years-late-and-finally-open')
  t.equal(res.statusCode, 200)
  const { bodyHtml, body } = json(res)
  for (const text of ['“unforeseen archaeology” —', 'four o’clock. 🚋 The Riverside line — 6.8 km'])
    t.ok(body.includes(text) && bodyHtml.includes(text), `${text} survives`)
})

t.test('structured data: a NewsArticle with the fields Google documents, frontend URLs only', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false, ...SITE })
  const author = await createAuthor(app, { name: 'Amara Okafor', slug: 'amara-okafor' })
  const article = await createArticle(app, {
    state: 'published',
    publishedAt: '2026-03-04T05:06:07.000Z',
    authorId: author.id,
    title: 'Harbour ferry returns',
    slug: 'harbour-ferry-returns',
    excerpt: 'After two years, the ferry sails again.',
    body: 'The ferry is back.',
    tags: ['transport', 'harbour'],
  })
  const data = json(await get(app, '/api/v1/articles/harbour-ferry-returns')).structuredData
  t.same(data, {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline: 'Harbour ferry returns',
    description: 'After two years, the ferry sails again.',
    datePublished: '2026-03-04T05:06:07.000Z',
    dateModified: article.updatedAt,
    author: [{ '@type': 'Person', name: 'Amara Okafor', url: 'https://news.example.com/people/amara-okafor' }],
    publisher: {
      '@type': 'Organization',
      name: 'The Greyhaven Courier',
      url: 'https://news.example.com',
      logo: { '@type': 'ImageObject', url: 'https://news.example.com/logo.png' },
    },
    mainEntityOfPage: { '@type': 'WebPage', '@id': 'https://news.example.com/2026/03/harbour-ferry-returns' },
    url: 'https://news.example.com/2026/03/harbour-ferry-returns',
    keywords: 'transport, harbour',
    inLanguage: 'en-GB',
    wordCount: 4,
  })
  // What Google's Article rich results documentation asks for (all optional, these recommended):
  // headline, image (once media exists), datePublished and dateModified in ISO 8601 with a time
  // zone, author as Person with name and url, publisher with name.
  t.ok(Date.parse(data.datePublished) <= Date.parse(data.dateModified), 'modified is not before published')
  for (const key of ['datePublished', 'dateModified']) t.match(data[key], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

  const scheduled = await createArticle(app, { state: 'scheduled' })
  const admin = await adminHeaders(app)
  t.notOk('structuredData' in json(await get(app, `/api/v1/articles/${scheduled.slug}`, admin)), 'scheduled: none')
  await setArticleState(app, article, 'draft')
  t.notOk('structuredData' in json(await get(app, `/api/v1/articles/${article.slug}`, admin)), 'unpublished: none')
})

t.test("the README's embedding idiom holds against a hostile title", async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false, ...SITE })
  const hostile = '</script><script>alert(document.cookie)</script><!--'
  const article = await createArticle(app, { state: 'published', title: hostile, excerpt: '<SCRIPT>x</SCRIPT>' })
  const data = json(await get(app, `/api/v1/articles/${article.slug}`)).structuredData
  t.equal(data.headline, hostile, 'the title is data, kept as written')
  // The idiom: JSON with every "<" escaped, so nothing in it can end the script element (HTML's
  // script data state ends only at "</script"; "<!--" and "<script" change that state).
  const embedded = JSON.stringify(data).replace(/</g, '\\u003c')
  const page = `<script type="application/ld+json">${embedded}</script>`
  t.notOk(embedded.includes('<'), 'no "<" inside the element')
  t.equal(page.toLowerCase().indexOf('</script'), page.length - '</script>'.length, 'the only end tag is the last one')
  t.same(JSON.parse(embedded), data, 'and it is the same JSON-LD for a parser')
  const naive = `<script type="application/ld+json">${JSON.stringify(data)}</script>`
  t.ok(
    naive.toLowerCase().indexOf('</script') < naive.length - '</script>'.length,
    'plain JSON.stringify would break out',
  )
})

t.test('lists: v1 fields by default; fields= picks, reads and tags only those', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false, ...SITE })
  const author = await createAuthor(app, { name: 'Léa Fontaine' })
  const long = Array.from({ length: 40 }, (_, i) => `Paragraph ${i}: the committee met again to discuss it.`).join(
    '\n\n',
  )
  for (let i = 0; i < 5; i++)
    await createArticle(app, {
      state: 'published',
      publishedAt: new Date(Date.parse('2026-01-01T00:00:00Z') + i * 60_000).toISOString(),
      authorId: author.id,
      body: long,
    })

  const full = await get(app, '/api/v1/articles?limit=5')
  t.same(Object.keys(json(full).data[0]), V1_KEYS, 'a list item is what v1 answered')

  const url = '/api/v1/articles?limit=5&fields=slug,title,excerpt,publishedAt,author.name'
  const sparse = await get(app, url)
  t.equal(sparse.statusCode, 200)
  const items = json(sparse).data
  t.equal(items.length, 5)
  for (const item of items) {
    t.same(Object.keys(item), ['id', 'slug', 'title', 'excerpt', 'publishedAt', 'author'])
    t.same(item.author, { name: 'Léa Fontaine' }, 'author.name only')
  }
  t.ok(full.body.length >= 3 * sparse.body.length, `list page ${full.body.length} B → ${sparse.body.length} B`)
  t.not(sparse.headers.etag, full.headers.etag, 'the ETag is the sparse answer’s')
  t.equal((await get(app, url, { 'if-none-match': sparse.headers.etag as string })).statusCode, 304)
  t.match(sparse.headers['surrogate-key'], /\barticles\b/, 'still tagged for purges')

  // Paging by cursor with a fieldset that leaves out the sort key.
  const first = json(await get(app, '/api/v1/articles?limit=2&fields=title'))
  t.same(Object.keys(first.data[0]), ['id', 'title'])
  const next = json(await get(app, `/api/v1/articles?limit=2&fields=title&cursor=${first.meta.nextCursor}`))
  t.equal(next.data.length, 2)
  t.notOk(
    next.data.some((a: { id: string }) => first.data.some((b: { id: string }) => a.id === b.id)),
    'the next page moves on',
  )

  const rendered = json(await get(app, '/api/v1/articles?limit=1&fields=bodyHtml,readingTimeMinutes,structuredData'))
  t.same(Object.keys(rendered.data[0]), ['id', 'bodyHtml', 'readingTimeMinutes', 'structuredData'])
  t.match(rendered.data[0].bodyHtml, /^<p>Paragraph 0:/)
  t.equal(rendered.data[0].structuredData.author[0].name, 'Léa Fontaine', 'structured data brings its author')

  const included = json(await get(app, '/api/v1/articles?limit=1&fields=title&include=author')).data[0]
  t.same(Object.keys(included.author), ['id', 'slug', 'name', 'avatarUrl'], 'include=author alone: the whole author')
})

t.test('single reads: fields=, ETag and refusals', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false, ...SITE })
  const article = await createArticle(app, { state: 'published', tags: ['courts'] })
  const url = `/api/v1/articles/${article.slug}?fields=title,status,tags`
  const res = await get(app, url)
  t.equal(res.statusCode, 200)
  t.same(json(res), { id: article.id, title: article.title, tags: ['courts'], status: 'published' })
  const full = await get(app, `/api/v1/articles/${article.slug}`)
  t.not(res.headers.etag, full.headers.etag)
  t.equal((await get(app, url, { 'if-none-match': res.headers.etag as string })).statusCode, 304)

  isProblem(
    t,
    await get(app, `/api/v1/articles/${article.slug}?fields=title,secret`),
    400,
    'VALIDATION_FAILED',
    '/query/fields',
  )
  isProblem(t, await get(app, '/api/v1/articles?fields=author.email'), 400, 'VALIDATION_FAILED', '/query/fields')
  isProblem(t, await get(app, '/api/v1/articles?fields=title,,slug'), 400, 'VALIDATION_FAILED')
  isProblem(t, await get(app, '/api/v1/articles?fields='), 400, 'VALIDATION_FAILED')

  const draft = await createArticle(app)
  t.equal((await get(app, `/api/v1/articles/${draft.slug}?fields=title`)).statusCode, 404, 'a draft stays hidden')
})
