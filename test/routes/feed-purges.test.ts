import t from 'tap'
import { purgeKeysFor } from '../../src/services/cdn.js'
import { buildTestApp, tokenHeaders, type TestApp } from '../support/app.js'
import { createArticle, createAuthor, setArticleState } from '../support/factories.js'

/**
 * CDN purges of feeds and sitemaps: after each change, every feed and sitemap whose bytes changed
 * must be purged by the change's outbox event (its cached copy carries one of the keys
 * `purgeKeysFor` names), and the ones named as unchanged must not be (no needless purge). The
 * keys are those the cached copy was sent with, before the change.
 */

type Snapshot = Map<string, { body: string; keys: string[] }>

async function snapshot(app: TestApp, urls: string[]): Promise<Snapshot> {
  const result: Snapshot = new Map()
  for (const url of urls) {
    const res = await app.inject(url)
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`)
    result.set(url, { body: res.body, keys: String(res.headers['surrogate-key'] ?? '').split(' ') })
  }
  return result
}

t.test('a change purges exactly the feeds and sitemaps it changes', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const editor = await tokenHeaders(app, 'editor')
  const ada = await createAuthor(app, { name: 'Ada' })
  const ben = await createAuthor(app, { name: 'Ben' })
  const day = 86_400_000
  const old = await createArticle(app, {
    state: 'published',
    authorId: ada.id,
    tags: ['alpha'],
    publishedAt: new Date(Date.now() - 10 * day).toISOString(),
  })
  const older = await createArticle(app, {
    state: 'published',
    authorId: ben.id,
    tags: ['beta'],
    publishedAt: new Date(Date.now() - 20 * day).toISOString(),
  })
  const recent = await createArticle(app, {
    state: 'published',
    authorId: ada.id,
    tags: ['alpha', 'beta'],
    publishedAt: new Date(Date.now() - 3_600_000).toISOString(),
  })
  const draft = await createArticle(app, { authorId: ben.id, tags: ['alpha'] })

  const feeds = {
    all: '/feeds/articles.atom',
    alpha: '/feeds/tags/alpha.rss',
    beta: '/feeds/tags/beta.json',
    gamma: '/feeds/tags/gamma.atom',
    ada: `/feeds/authors/${ada.slug}.json`,
    ben: `/feeds/authors/${ben.slug}.rss`,
  }
  const sitemaps = {
    index: '/sitemap.xml',
    articles: '/sitemaps/articles-1.xml',
    news: '/sitemaps/news.xml',
    authors: '/sitemaps/authors.xml',
  }
  const urls = [...Object.values(feeds), ...Object.values(sitemaps)]

  /** Runs `change`, then checks every URL against the purge its event asks for. */
  const check = async (name: string, change: () => Promise<unknown>, notPurged: string[]) => {
    const before = await snapshot(app, urls)
    await change()
    const event = await app.db.prisma.outboxEvent.findFirst({ orderBy: { position: 'desc' } })
    const purged = purgeKeysFor({ type: event!.type, data: event!.data as Record<string, unknown> })
    const after = await snapshot(app, urls)
    for (const url of urls) {
      const { body, keys } = before.get(url)!
      const changed = body !== after.get(url)!.body
      const hit = keys.filter((key) => purged.includes(key))
      if (changed) t.ok(hit.length > 0, `${name}: ${url} changed and is purged (${hit.join(' ')})`)
      if (notPurged.includes(url)) {
        t.notOk(changed, `${name}: ${url} did not change`)
        t.same(hit, [], `${name}: ${url} is not purged`)
      }
    }
  }
  const edit = (id: string, payload: object) =>
    app.inject({ method: 'PATCH', url: `/api/v1/articles/${id}`, headers: { ...editor, 'if-match': '*' }, payload })

  await check('publishing a draft of Ben tagged alpha', () => setArticleState(app, draft, 'published'), [
    feeds.beta,
    feeds.gamma,
    feeds.ada,
  ])
  await check('editing an old article of Ada', () => edit(old.id, { title: 'Old, retitled' }), [
    feeds.beta,
    feeds.gamma,
    feeds.ben,
    sitemaps.news,
    sitemaps.authors,
  ])
  await check('editing a recent article', () => edit(recent.id, { title: 'Recent, retitled' }), [
    feeds.gamma,
    feeds.ben,
    sitemaps.authors,
  ])
  await check('moving an old article from beta to gamma', () => edit(older.id, { tags: ['gamma'] }), [
    feeds.alpha,
    feeds.ada,
    sitemaps.news,
    sitemaps.authors,
  ])
  await check('moving an old article from Ada to Ben', () => edit(old.id, { authorId: ben.id }), [
    feeds.beta,
    feeds.gamma,
    sitemaps.news,
  ])
  await check('trashing an old article', () => setArticleState(app, old, 'trashed'), [
    feeds.beta,
    feeds.gamma,
    feeds.ada,
    sitemaps.news,
  ])
  await check('unpublishing an old article', () => setArticleState(app, older, 'draft'), [
    feeds.alpha,
    feeds.beta,
    feeds.ada,
  ])
  await check('trashing a recent article', () => setArticleState(app, draft, 'trashed'), [feeds.beta, feeds.ada])
  await check('unpublishing a recent article', () => setArticleState(app, recent, 'draft'), [feeds.ben])
  await check(
    'renaming Ada',
    () =>
      app.inject({
        method: 'PATCH',
        url: `/api/v1/authors/${ada.id}`,
        headers: { ...editor, 'if-match': '*' },
        payload: { name: 'Ada Lovelace' },
      }),
    [feeds.gamma, sitemaps.articles, sitemaps.news],
  )
})
