import t from 'tap'
import { articles as seedArticles, authors as seedAuthors, comments as seedComments } from '../../src/db/seed-data.js'
import { seedId, seedLarge, seedSampleContent } from '../../src/db/seed.js'
import { buildTestApp, json, tokenHeaders } from '../support/app.js'

t.test('sample content: realistic, byte-exact, every state present', async (t) => {
  const app = await buildTestApp(t) // a brand-new database seeds itself on first start
  const { prisma } = app.db

  t.equal(await prisma.author.count(), seedAuthors.length)
  t.ok(seedAuthors.length >= 3, 'several authors')
  t.equal(await prisma.article.count(), seedArticles.length)
  t.ok(seedArticles.length >= 12, 'a dozen or more articles')
  t.equal(await prisma.comment.count(), seedComments.length)

  const now = new Date()
  t.ok((await prisma.article.count({ where: { publishedAt: null } })) >= 1, 'drafts')
  t.equal(await prisma.article.count({ where: { publishedAt: { gt: now } } }), 1, 'one scheduled article')
  for (const status of ['pending', 'approved', 'spam', 'rejected'] as const) {
    t.ok((await prisma.comment.count({ where: { status } })) >= 1, `comments ${status}`)
  }
  t.ok((await prisma.comment.count({ where: { parentId: { not: null } } })) >= 1, 'threaded replies')

  for (const article of seedArticles) {
    const row = await prisma.article.findUniqueOrThrow({ where: { id: seedId('article', article.key) } })
    t.equal(row.title, article.title, `title stored byte-exact: ${article.slug}`)
    t.equal(row.body, article.body, `body stored byte-exact: ${article.slug}`)
    const approved = seedComments.filter((c) => c.articleKey === article.key && c.status === 'approved').length
    t.equal(row.commentCount, approved, `commentCount counts approved comments: ${article.slug}`)
  }
  const bodies = seedArticles.map((a) => a.title + a.body).join('\n')
  for (const [what, pattern] of [
    ['typographic quotes', /[“”‘’]/],
    ['dashes', /[–—]/],
    ['non-ASCII names', /[À-ž]/],
    ['right-to-left text', /[\u0590-\u08FF]/],
    ['emoji', /\p{Extended_Pictographic}/u],
  ] as const) {
    t.match(bodies, pattern, `sample text has ${what}`)
  }
})

t.test('each sample article starts its history with one revision, by nobody', async (t) => {
  const app = await buildTestApp(t)
  const editor = await tokenHeaders(app, 'editor')
  for (const article of seedArticles) {
    const res = await app.inject({
      url: `/api/v1/articles/${seedId('article', article.key)}/revisions`,
      headers: editor,
    })
    t.equal(res.statusCode, 200, article.slug)
    const history = json(res)
    t.same(
      history.data.map((r: { number: number; action: string; by: unknown }) => [r.number, r.action, r.by]),
      [[1, 'create', { tokenId: null, name: null }]],
      `${article.slug}: revision 1, create, by nobody`,
    )
  }
})

t.test('seeding again changes nothing, and never overwrites edits', async (t) => {
  const app = await buildTestApp(t)
  const { prisma } = app.db
  const id = seedId('article', seedArticles[0]!.key)
  await prisma.article.update({ where: { id }, data: { title: 'Edited by a person' } })
  const before = await Promise.all([prisma.author.findMany(), prisma.article.findMany(), prisma.comment.findMany()])

  const counts = await seedSampleContent(prisma)
  t.same(counts, { authors: 0, articles: 0, comments: 0 }, 'inserted nothing')
  const after = await Promise.all([prisma.author.findMany(), prisma.article.findMany(), prisma.comment.findMany()])
  t.same(after, before, 'every row is exactly as it was')
  t.equal((await prisma.article.findUniqueOrThrow({ where: { id } })).title, 'Edited by a person')
})

t.test('an existing database is not seeded on start', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  t.equal(await app.db.prisma.article.count(), 0, 'SEED_ON_EMPTY=false leaves a new database empty')
})

t.test('large benchmark mode generates in bulk, idempotently', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const { prisma } = app.db
  const size = { authors: 20, articles: 200, comments: 2000 }
  t.same(await seedLarge(prisma, size), size, 'inserted what was asked')
  t.same(await seedLarge(prisma, size), { authors: 0, articles: 0, comments: 0 }, 'a second run inserts nothing')
  t.equal(await prisma.article.count({ where: { publishedAt: null } }), 20, 'one in ten is a draft')
  const statuses = await prisma.comment.groupBy({ by: ['status'], _count: true })
  t.equal(statuses.length, 4, 'every moderation state occurs')
  const drift = await prisma.$queryRawUnsafe<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM articles a
     WHERE comment_count <> (SELECT count(*) FROM comments c WHERE c.article_id = a.id AND c.status = 'approved')`,
  )
  t.equal(drift[0]?.n, 0, 'commentCount matches the approved comments of every article')
  const orphans = await prisma.$queryRawUnsafe<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM comments c JOIN comments p ON p.id = c.parent_id WHERE p.article_id <> c.article_id`,
  )
  t.equal(orphans[0]?.n, 0, 'replies are on the same article as their parent')
  t.ok((await prisma.comment.count({ where: { parentId: { not: null } } })) > 0, 'some comments are replies')
})
