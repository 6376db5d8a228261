import t, { type Test } from 'tap'
import { buildTestApp, type TestApp } from '../support/app.js'
import { isProblem } from '../support/assert.js'
import { createArticle, restoreArticle, setArticleState } from '../support/factories.js'

/**
 * The go-live sweep (services/go-live.ts, which the housekeeping runs) and the trash together,
 * which the sample content never has. A scheduled article is announced (`article.published`)
 * when its time comes, exactly once; one that is in the trash then is not announced at all
 * (subscribers would revalidate a page nobody may read), and when it comes back after its time
 * its restore is its announcement (`article.restored`, live), after which the sweep stays
 * silent; one restored before its time is announced by the sweep at its time; one announced
 * and then trashed is never announced again. The app runs without background jobs, so the
 * test alone decides when the sweep runs; what was announced is read from the outbox. Articles
 * are scheduled a week ahead, and their time comes when the test says so (`timeComes`), so a
 * slow machine cannot make one go live before the test is ready for it.
 */

/** The app on an empty database, and the sweep as the housekeeping runs it. */
async function setUp(t: Test) {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  return { app, sweep: async () => (await app.services.goLive.sweep()).announced }
}

/** The outbox events of an article, oldest first: type, and the status its data reports. */
async function events(app: TestApp, articleId: string): Promise<{ type: string; status: unknown }[]> {
  const rows = await app.db.prisma.outboxEvent.findMany({ where: { articleId }, orderBy: { position: 'asc' } })
  return rows.map((row) => ({ type: row.type, status: (row.data as { status?: unknown }).status }))
}
const announcements = async (app: TestApp, articleId: string) =>
  (await events(app, articleId)).filter((e) => e.type === 'article.published')

/** A scheduled article (a week ahead), through the API. */
async function scheduled(app: TestApp) {
  const article = await createArticle(app, { state: 'scheduled' })
  if (article.status !== 'scheduled') throw new Error(`not scheduled: ${article.status}`)
  return article
}

/**
 * The articles' time has come: their publishedAt moves to a second ago in the database, which
 * is all that the clock passing it changes (nothing was announced: live_event_at stays as it is).
 */
async function timeComes(app: TestApp, ...ids: string[]): Promise<void> {
  await app.db.prisma.article.updateMany({
    where: { id: { in: ids } },
    data: { publishedAt: new Date(Date.now() - 1000) },
  })
}

t.test('trashed before its time: not announced while in the trash, announced once by its restore', async (t) => {
  const { app, sweep } = await setUp(t)
  // Two articles due at the same moment: the one left alone shows the sweep did run.
  const kept = await scheduled(app)
  const trashed = (await scheduled(app)).id
  await setArticleState(app, trashed, 'trashed')

  t.same(await sweep(), [], 'before its time, the sweep announces nothing')
  await timeComes(app, kept.id, trashed)
  t.same(await sweep(), [kept.id], 'at its time, the sweep announces the article that is not in the trash, only')
  t.same(await announcements(app, kept.id), [{ type: 'article.published', status: 'published' }])
  t.same(await announcements(app, trashed), [], 'no article.published for the trashed one')
  t.same(await sweep(), [], 'nor at the next sweep')
  isProblem(t, await app.inject(`/api/v1/articles/${trashed}`), 404, 'NOT_FOUND')

  const restored = await restoreArticle(app, trashed)
  t.equal(restored.status, 'published', 'restored after its time: live')
  t.equal((await app.inject(`/api/v1/articles/${trashed}`)).statusCode, 200, 'and public')
  const after = (await events(app, trashed)).slice(-1)
  t.same(after, [{ type: 'article.restored', status: 'published' }], 'its restore announces it live')
  t.same(await sweep(), [], 'and the sweep does not announce it a second time')
  t.same(await sweep(), [], 'nor later')
  t.same(await announcements(app, trashed), [], 'so it went live exactly once, by its restore')
  t.same(
    (await events(app, trashed)).filter((e) => e.status === 'published').map((e) => e.type),
    ['article.restored'],
    'one event says it is live',
  )
})

t.test('trashed and restored before its time: the sweep announces it at its time, once', async (t) => {
  const { app, sweep } = await setUp(t)
  const article = await scheduled(app)
  await setArticleState(app, article, 'trashed')
  const restored = await restoreArticle(app, article)
  t.equal(restored.status, 'scheduled', 'back in the schedule')
  t.same(await sweep(), [], 'not yet due')
  await timeComes(app, article.id)
  t.same(await sweep(), [article.id], 'announced at its time')
  t.same(await sweep(), [], 'once')
  t.same(await announcements(app, article.id), [{ type: 'article.published', status: 'published' }])
})

t.test('announced, then trashed and restored: never announced again', async (t) => {
  const { app, sweep } = await setUp(t)
  const article = await scheduled(app)
  await timeComes(app, article.id)
  t.same(await sweep(), [article.id], 'announced at its time')
  await setArticleState(app, article, 'trashed')
  t.same(await sweep(), [], 'trashed: nothing to announce')
  await restoreArticle(app, article)
  t.same(await sweep(), [], 'restored: nothing to announce either')
  t.same(await announcements(app, article.id), [{ type: 'article.published', status: 'published' }], 'one announcement')
  t.same(
    (await events(app, article.id)).slice(-2).map((e) => e.type),
    ['article.trashed', 'article.restored'],
    'then the trip to the trash and back',
  )
})

t.test('published now, then trashed: the sweep has nothing to say about it', async (t) => {
  const { app, sweep } = await setUp(t)
  const article = await createArticle(app, { state: 'published' })
  await setArticleState(app, article, 'trashed')
  t.same(await sweep(), [])
  t.same(
    await announcements(app, article.id),
    [{ type: 'article.published', status: 'published' }],
    'its publish, once',
  )
})
