import t from 'tap'
import { buildTestApp, json, walk, type TestApp } from '../support/app.js'
import {
  adminHeaders,
  createArticle,
  createAuthor,
  createComment,
  createToken,
  createWebhook,
  restoreArticle,
  setArticleState,
} from '../support/factories.js'

/**
 * The factories (test/support/factories.ts) make real rows: each one is read back through the
 * API, on a database with no sample content, and overrides apply.
 */

const get = async (app: TestApp, url: string, headers: Record<string, string> = {}) => {
  const res = await app.inject({ url, headers })
  return { status: res.statusCode, body: res.statusCode === 200 ? json(res) : undefined }
}

t.test('the database starts empty', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const admin = await adminHeaders(app)
  t.same((await get(app, '/api/v1/articles?limit=1', admin)).body.meta.total, 0, 'no article')
  t.same((await get(app, '/api/v1/authors?limit=1', admin)).body.meta.total, 0, 'no author')
  t.same((await get(app, '/api/v1/comments?limit=1', admin)).body.meta.total, 0, 'no comment')
})

t.test('authors: unique defaults, overrides, read back', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const admin = await adminHeaders(app)
  const a = await createAuthor(app)
  const b = await createAuthor(app, { name: 'Amara Okafor', slug: 'amara', bio: 'Courts.', email: 'amara@example.org' })
  t.not(a.slug, b.slug)
  t.not(a.name, b.name)
  t.match(a.email, /@example\.org$/, 'a default email noLeak recognises')
  t.same((await get(app, `/api/v1/authors/${a.slug}`, admin)).body, a, 'the default author reads back as returned')
  const read = (await get(app, '/api/v1/authors/amara', admin)).body
  t.match(read, { id: b.id, name: 'Amara Okafor', slug: 'amara', bio: 'Courts.', email: 'amara@example.org' })
})

t.test('articles: each state is real, overrides apply', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const admin = await adminHeaders(app)
  const author = await createAuthor(app)

  const draft = await createArticle(app, { authorId: author.id, title: 'A draft', tags: ['transport'] })
  t.match(draft, { status: 'draft', publishedAt: null, title: 'A draft', tags: ['transport'], authorId: author.id })
  t.equal((await get(app, `/api/v1/articles/${draft.slug}`)).status, 404, 'a draft is hidden from the public')
  t.equal((await get(app, `/api/v1/articles/${draft.slug}`, admin)).body.status, 'draft')

  const published = await createArticle(app, { state: 'published' })
  t.equal(published.status, 'published')
  t.not(published.authorId, author.id, 'without authorId, a new author')
  t.same(
    (await get(app, `/api/v1/articles/${published.slug}`)).body,
    published,
    'published: the public reads it as returned',
  )
  t.equal((await get(app, `/api/v1/authors/${published.authorId}`)).status, 200, 'its author exists')

  const backdated = await createArticle(app, { state: 'published', publishedAt: '2020-05-01T08:00:00.000Z' })
  t.equal((await get(app, `/api/v1/articles/${backdated.id}`)).body.publishedAt, '2020-05-01T08:00:00.000Z')

  const scheduled = await createArticle(app, { state: 'scheduled' })
  t.equal(scheduled.status, 'scheduled')
  t.ok(Date.parse(scheduled.publishedAt!) > Date.now(), 'scheduled in the future')
  t.equal((await get(app, `/api/v1/articles/${scheduled.slug}`)).status, 404, 'hidden from the public')
  const at = '2031-02-03T04:05:06.000Z'
  t.equal((await createArticle(app, { state: 'scheduled', publishedAt: at })).publishedAt, at)

  const trashed = await createArticle(app, { state: 'trashed', publishedAt: '2021-01-01T00:00:00.000Z' })
  t.ok(trashed.trashedAt && trashed.purgeAt, 'the trash entry')
  t.equal((await get(app, `/api/v1/articles/${trashed.id}`, admin)).status, 404, 'gone from reads, even for admin')
  const back = await restoreArticle(app, trashed)
  t.match(
    back,
    { id: trashed.id, status: 'published', publishedAt: '2021-01-01T00:00:00.000Z' },
    'trashed from published',
  )
  const trashedDraft = await createArticle(app, { state: 'trashed' })
  t.equal((await restoreArticle(app, trashedDraft)).status, 'draft', 'trashed from draft by default')

  t.equal((await setArticleState(app, published, 'draft')).status, 'draft', 'setArticleState moves it')
  t.equal((await get(app, `/api/v1/articles/${published.slug}`)).status, 404)

  const listed = (await walk(app, '/api/v1/articles?limit=100', admin)).map((a) => a.id)
  t.equal(listed.length, 7, 'every article the test made, and no other')
  for (const a of [draft, published, backdated, scheduled, trashed, trashedDraft]) t.ok(listed.includes(a.id), a.title)
})

t.test('articles by an author token write for its author', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const token = await createToken(app, { role: 'author' })
  t.ok(token.authorId, 'an author token is bound to a new author')
  const own = await createArticle(app, { as: token.headers, state: 'published' })
  t.equal(own.authorId, token.authorId)
  const trashed = await createArticle(app, { as: token.headers, state: 'trashed' })
  t.equal(trashed.authorId, token.authorId)
})

t.test('comments: statuses, threads, overrides', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const admin = await adminHeaders(app)
  const article = await createArticle(app, { state: 'published' })
  const pending = await createComment(app, article)
  t.match(pending, { articleId: article.id, status: 'pending', parentId: null })
  t.match(pending.authorEmail, /@example\.org$/, 'moderator representation, with the email')
  const approved = await createComment(app, article.slug, { status: 'approved', body: 'Well said.', authorName: 'Ana' })
  const reply = await createComment(app, article, { status: 'approved', parent: approved })
  const rejected = await createComment(app, article, { status: 'rejected' })
  const spam = await createComment(app, article, { status: 'spam' })
  t.match(approved, { status: 'approved', body: 'Well said.', authorName: 'Ana' })
  t.equal(reply.parentId, approved.id, 'a reply names its parent')
  for (const c of [pending, approved, reply, rejected, spam]) {
    t.same((await get(app, `/api/v1/comments/${c.id}`, admin)).body, c, `${c.status} reads back as returned`)
  }
  const thread = (await get(app, `/api/v1/articles/${article.slug}/comments`)).body
  t.same(
    thread.data.map((c: { id: string }) => c.id),
    [approved.id, reply.id],
    'the public thread has the approved ones only',
  )
  t.equal((await get(app, `/api/v1/articles/${article.slug}`)).body.commentCount, 2, 'and counts them')
})

t.test('tokens: role, bound author, read back', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const admin = await adminHeaders(app)
  const viewer = await createToken(app)
  t.match(viewer, { role: 'viewer', authorId: null })
  const author = await createAuthor(app)
  const bound = await createToken(app, { role: 'author', author, name: 'the desk' })
  t.match(bound, { role: 'author', authorId: author.id, name: 'the desk' })
  const editor = await createToken(app, { role: 'editor' })
  const { secret: _secret, headers: _headers, ...stored } = editor
  t.same((await get(app, `/api/v1/tokens/${editor.id}`, admin)).body, stored, 'reads back (without the secret)')
  t.equal((await get(app, '/api/v1/comments', editor.headers)).status, 200, 'its headers work: an editor moderates')
  t.equal((await get(app, '/api/v1/comments', viewer.headers)).status, 403, 'a viewer does not')
})

t.test('webhooks: defaults and overrides, read back', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const admin = await adminHeaders(app)
  const all = await createWebhook(app)
  t.match(all, { events: ['*'], active: true, secret: /^whsec_/ })
  const some = await createWebhook(app, {
    url: 'https://hooks.example.com/revalidate',
    events: ['article.published'],
    active: false,
  })
  t.not(all.url, (await createWebhook(app)).url, 'unique default urls')
  const { secret: _secret, ...stored } = some
  t.same((await get(app, `/api/v1/webhooks/${some.id}`, admin)).body, stored, 'reads back (without the secret)')
  t.match(stored, { url: 'https://hooks.example.com/revalidate', events: ['article.published'], active: false })
})
