import t from 'tap'
import { hashSecret } from '../../src/auth.js'
import type { Article } from '../../src/schemas/article.js'
import type { Author } from '../../src/schemas/author.js'
import type { Comment } from '../../src/schemas/comment.js'
import { buildTestApp, json, tokenHeaders, type TestApp } from '../support/app.js'
import { createArticle, createAuthor, createComment, setArticleState } from '../support/factories.js'

/**
 * Walks every public (anonymous) response of a newsroom built for it and proves that none of
 * them carries an email address, token material, unpublished article content or comments the
 * public must not see: not in lists, single reads, comment threads, searches, filters, counts,
 * feeds, sitemaps or errors.
 */

interface Newsroom {
  authors: Author[]
  /** Every article, hidden ones included. */
  articles: Article[]
  /** Live, and staying live. */
  published: Article[]
  /**
   * Two drafts, an article taken back to draft after comments were approved on it, and a
   * scheduled one with approved comments.
   */
  hidden: Article[]
  /** Published, with comments: the walk moves it to the trash first; from then on as hidden as a draft. */
  trashed: Article
  comments: Comment[]
}

/** Text only an unpublished article has, with words long enough to search for. */
const secretText = (n: number) => ({
  title: `Embargoed: councillors negotiate the shipyard sale, part ${n}`,
  body: `Confidential ${n}: the shipyard negotiations continue behind closed doors.\nUndisclosed figures, withheld until publication.`,
})

async function buildNewsroom(app: TestApp): Promise<Newsroom> {
  const authors = [
    await createAuthor(app, { bio: 'Covers the harbour.' }),
    await createAuthor(app, { website: 'https://desk.example.org' }),
    await createAuthor(app, { avatarUrl: 'https://images.example.org/a.jpg' }),
    await createAuthor(app),
    await createAuthor(app),
  ]
  const comments: Comment[] = []
  /** A thread in every moderation state. */
  const discuss = async (article: Article) => {
    const approved = await createComment(app, article, { status: 'approved' })
    comments.push(
      approved,
      await createComment(app, article, { status: 'approved', parent: approved }),
      await createComment(app, article, { status: 'pending', parent: approved }),
      await createComment(app, article, { status: 'pending' }),
      await createComment(app, article, { status: 'spam' }),
      await createComment(app, article, { status: 'rejected' }),
    )
  }
  const published: Article[] = []
  const tagSets = [['transport', 'city-hall'], ['culture'], ['transport', 'housing'], ['sport'], [], ['climate']]
  for (const [i, tags] of tagSets.entries()) {
    const publishedAt = new Date(Date.UTC(2025, 2, 1 + i, 9)).toISOString()
    const article = await createArticle(app, { state: 'published', publishedAt, authorId: authors[i % 4]!.id, tags })
    await discuss(article)
    published.push(article)
  }
  const trashed = await createArticle(app, {
    state: 'published',
    authorId: authors[0]!.id,
    tags: ['climate'],
    title: 'Why the summer nights stopped cooling down',
    body: 'The city centre stayed above 20 °C on 23 nights this summer.',
  })
  await discuss(trashed)

  const draft = await createArticle(app, { authorId: authors[1]!.id, tags: ['draft-only'], ...secretText(1) })
  const otherDraft = await createArticle(app, { authorId: authors[4]!.id, ...secretText(4) })
  const withdrawn = await createArticle(app, {
    state: 'published',
    authorId: authors[0]!.id,
    tags: ['transport'],
    ...secretText(2),
  })
  await discuss(withdrawn)
  const scheduled = await createArticle(app, {
    state: 'published',
    authorId: authors[2]!.id,
    tags: ['city-hall', 'scheduled-only'],
    ...secretText(3),
  })
  await discuss(scheduled)
  const hidden = [
    draft,
    otherDraft,
    await setArticleState(app, withdrawn, 'draft'),
    await setArticleState(app, scheduled, 'scheduled'),
  ]
  return { authors, articles: [...published, trashed, ...hidden], published, hidden, trashed, comments }
}

function forbiddenStrings(world: Newsroom, secrets: string[]): Map<string, string> {
  const forbidden = new Map<string, string>()
  for (const a of world.authors) forbidden.set(a.email!, `email of author ${a.slug}`)
  for (const c of world.comments) forbidden.set(c.authorEmail!, `email of commenter ${c.authorName}`)
  for (const a of world.hidden) {
    forbidden.set(a.slug, `slug of unpublished ${a.slug}`)
    forbidden.set(a.id, `id of unpublished ${a.slug}`)
    forbidden.set(a.title, `title of unpublished ${a.slug}`)
    // A distinctive run of its body, not a phrase it may share with a published article.
    forbidden.set(a.body.slice(0, 60), `body of unpublished ${a.slug}`)
  }
  const hiddenIds = new Set(world.hidden.map((a) => a.id))
  for (const c of world.comments) {
    if (c.status !== 'approved') forbidden.set(c.body.slice(0, 50), `${c.status} comment ${c.id}`)
    else if (hiddenIds.has(c.articleId))
      forbidden.set(c.body.slice(0, 50), `approved comment ${c.id} of a hidden article`)
  }
  for (const s of secrets) {
    forbidden.set(s, 'a token secret')
    forbidden.set(hashSecret(s), 'a token hash')
  }
  return forbidden
}

/** Distinctive words of the unpublished articles, to search and filter with. */
function probeWords(world: Newsroom): string[] {
  const words = new Set<string>()
  for (const a of world.hidden) {
    for (const w of `${a.title} ${a.body}`.split(/[^\p{L}]+/u)) if (w.length >= 8) words.add(w.toLowerCase())
  }
  return [...words].slice(0, 40)
}

async function collect(app: TestApp, world: Newsroom) {
  const responses: { url: string; status: number; body: string; headers: string }[] = []
  const get = async (url: string, method: 'GET' | 'POST' = 'GET', payload?: object) => {
    const res = await app.inject({ url, method, ...(payload ? { payload } : {}) })
    responses.push({
      url: `${method} ${url}`,
      status: res.statusCode,
      body: res.body,
      headers: JSON.stringify(res.headers),
    })
    return res
  }
  const walk = async (url: string) => {
    let next: string | null = url
    while (next) {
      const res = await get(next)
      next =
        res.statusCode === 200 ? (/^<([^>]+)>/.exec((res.headers.link as string | undefined) ?? '')?.[1] ?? null) : null
    }
  }

  for (const url of [
    '/api/v1/articles?limit=3',
    '/api/v1/articles?limit=3&include=author',
    '/api/v1/articles?limit=3&sort=title',
    '/api/v1/articles?limit=3&sort=-updatedAt',
    '/api/v1/articles?limit=3&sort=commentCount',
    '/api/v1/authors?limit=2',
    '/api/v1/authors?limit=2&sort=-createdAt',
  ]) {
    await walk(url)
  }
  for (const a of world.articles) {
    for (const key of [a.slug, a.id]) {
      await get(`/api/v1/articles/${key}`)
      await get(`/api/v1/articles/${key}?include=author`)
      await walk(`/api/v1/articles/${key}/comments?limit=2`)
      await get(`/api/v1/articles/${key}/comments`, 'POST', {
        authorName: 'Probe',
        authorEmail: 'probe@example.test',
        body: 'hi',
      })
      // History, restores, previews and bulk actions are for editors: to the public, nothing.
      await get(`/api/v1/articles/${key}/revisions`)
      await get(`/api/v1/articles/${key}/revisions/1`)
      await get(`/api/v1/articles/${key}/revisions/1/diff?against=1`)
      await get(`/api/v1/articles/${key}/revisions/1/restore`, 'POST')
      await get(`/api/v1/articles/${key}/restore`, 'POST')
      await get(`/api/v1/articles/${key}/preview`, 'POST')
    }
    for (const tag of a.tags) await get(`/api/v1/articles?tag=${encodeURIComponent(tag)}`)
  }
  for (const author of world.authors) {
    await get(`/api/v1/authors/${author.slug}`)
    await get(`/api/v1/authors/${author.id}`)
    await get(`/api/v1/articles?author=${author.slug}`)
    await get(`/api/v1/articles?author=${author.id}&include=author`)
    // Private fields are not a query surface: probing them is a 400 that echoes nothing.
    await get(`/api/v1/authors?q=${encodeURIComponent(author.email!)}`)
    await get(`/api/v1/authors?email=${encodeURIComponent(author.email!)}`)
  }
  for (const word of probeWords(world)) await get(`/api/v1/articles?q=${encodeURIComponent(word)}`)
  // Feeds and sitemaps: every format, every tag any article has (those only hidden articles
  // have included), every author by slug (and by id, which no feed takes).
  const tags = new Set(world.articles.flatMap((a) => a.tags))
  for (const format of ['rss', 'atom', 'json']) {
    await get(`/feeds/articles.${format}`)
    for (const tag of tags) await get(`/feeds/tags/${encodeURIComponent(tag)}.${format}`)
    for (const author of world.authors) {
      await get(`/feeds/authors/${author.slug}.${format}`)
      await get(`/feeds/authors/${author.id}.${format}`)
    }
  }
  for (const url of [
    '/sitemap.xml',
    '/sitemaps/articles-1.xml',
    '/sitemaps/articles-2.xml',
    '/sitemaps/news.xml',
    '/sitemaps/authors.xml',
  ]) {
    await get(url)
  }
  for (const url of [
    '/api/v1/comments',
    '/api/v1/comments?status=pending',
    '/api/v1/tokens',
    '/api/v1/articles?status=draft',
    '/api/v1/trash',
    '/openapi.json',
    '/api/v1/nope',
  ]) {
    await get(url)
  }
  await get('/api/v1/articles/bulk', 'POST', { action: 'restore', ids: world.articles.map((a) => a.slug) })
  return responses
}

t.test('no public response leaks private data', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const world = await buildNewsroom(app)
  const { hidden, trashed, published } = world
  const editor = await app.services.tokens.create({ name: 'probe editor', role: 'editor' })
  const secrets = [
    editor.secret,
    (
      await app.services.tokens.create({
        name: 'probe author',
        role: 'author',
        authorId: world.authors[0]!.id,
      })
    ).secret,
  ]
  // A published article moved to the trash, with its comments, and a draft with a preview link:
  // the public must learn nothing of either.
  const trashedId = trashed.id
  const trash = await app.inject({
    method: 'DELETE',
    url: `/api/v1/articles/${trashedId}`,
    headers: { authorization: `Bearer ${editor.secret}` },
  })
  t.equal(trash.statusCode, 204)
  const preview = await app.inject({
    method: 'POST',
    url: `/api/v1/articles/${hidden[0]!.slug}/preview`,
    headers: { authorization: `Bearer ${editor.secret}` },
  })
  secrets.push(JSON.parse(preview.body).token)
  const forbidden = forbiddenStrings(world, secrets)
  forbidden.set(trashed.title, `title of trashed ${trashed.slug}`)
  forbidden.set(trashed.body.slice(0, 60), `body of trashed ${trashed.slug}`)
  for (const c of world.comments.filter((c) => c.articleId === trashed.id))
    forbidden.set(c.body.slice(0, 50), `comment ${c.id} of the trashed article`)
  t.ok(forbidden.size > 40, `${forbidden.size} private strings to look for`)

  const responses = await collect(app, world)
  t.ok(responses.length > 200, `${responses.length} public responses walked`)
  const leaks: string[] = []
  for (const r of responses) {
    // A problem's `instance` echoes the path the caller sent; that is their input, not a leak.
    const path = r.url.split(' ')[1]!.split('?')[0]!
    const body = r.body.replaceAll(`"instance":"${path}"`, '')
    for (const [needle, what] of forbidden) {
      if (body.includes(needle) || r.headers.includes(needle)) leaks.push(`${r.url} (${r.status}) shows ${what}`)
    }
    if (/[\w.+-]+@[\w-]+\.[\w.]+/.test(r.body) && !r.url.startsWith('GET /openapi'))
      leaks.push(`${r.url} contains an email-like string`)
  }
  t.same(leaks, [], 'no private string in any public response')

  const totals = responses
    .filter((r) => r.status === 200 && r.url.startsWith('GET /api/v1/articles?limit=3'))
    .map((r) => JSON.parse(r.body).meta.total as number)
  t.ok(totals.length > 0 && totals.every((n) => n === published.length), 'every count covers published articles only')

  const hiddenReads = responses.filter(
    (r) =>
      !r.url.endsWith('/preview') && [...hidden, trashed].some((a) => r.url.includes(a.slug) || r.url.includes(a.id)),
  )
  const unknown = json(await app.inject('/api/v1/articles/no-such-article'))
  const shape = (body: string) => ({ ...JSON.parse(body), instance: undefined, detail: undefined })
  t.ok(hiddenReads.length > 0)
  for (const r of hiddenReads) {
    t.equal(r.status, 404, `${r.url}: 404`)
    t.same(
      shape(r.body),
      { ...unknown, instance: undefined, detail: undefined },
      `${r.url}: same problem as an unknown article`,
    )
  }
})

t.test('the detector is live: staff responses do contain what the public ones must not', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const world = await buildNewsroom(app)
  const editor = await tokenHeaders(app, 'editor')
  const forbidden = forbiddenStrings(world, [])
  const queue = await app.inject({ url: '/api/v1/comments?limit=100', headers: editor })
  const drafts = await app.inject({ url: '/api/v1/articles?status=draft&limit=100', headers: editor })
  const authors = await app.inject({ url: '/api/v1/authors?limit=100', headers: editor })
  const seen = [...forbidden.keys()].filter((needle) =>
    [queue.body, drafts.body, authors.body].some((b) => b.includes(needle)),
  )
  t.ok(seen.length > 20, `${seen.length} private strings visible to an editor`)
})
