import t, { type Test } from 'tap'
import { buildTestApp, json, type Headers, type TestApp } from '../support/app.js'
import { isProblem, withoutInstance, type Res } from '../support/assert.js'
import {
  createArticle,
  createComment,
  createToken,
  restoreArticle,
  setArticleState,
  type ArticleState,
  UNKNOWN_UUID,
} from '../support/factories.js'
import type { Article } from '../../src/schemas/article.js'
import type { Comment } from '../../src/schemas/comment.js'

/**
 * States the sample content never has, built with the factories: a published article with an
 * approved thread (a comment and a reply) and a pending comment is unpublished, scheduled or
 * trashed. From then on, for anonymous callers, everything under it is the same 404 as an
 * unknown article (the article, every page and order of its comment thread, posting) and it is
 * absent from lists, totals, search, tag filters and the tag index, although its approved
 * comments still exist. Staff still see an unpublished or scheduled article with its thread and
 * count (not a trashed one: the trash is out of every read but its own), and when it comes
 * back, so do its comments. Each check is made before the move too, so none can pass by
 * looking at nothing.
 */

const UNKNOWN_SLUG = 'no-such-article-at-all'
const anonymous: Headers = {}

/** A published article with its own search word and tag, an approved comment, an approved reply to it, and a pending comment. */
async function storyWithThread(app: TestApp, label: string) {
  const word = `kestrel${label}`
  const tag = `only-${label}`
  const article = await createArticle(app, {
    state: 'published',
    title: `The ${label} story`,
    body: `A story about a ${word}.`,
    tags: ['shared', tag],
  })
  const root = await createComment(app, article, { status: 'approved' })
  const reply = await createComment(app, article, { status: 'approved', parent: root })
  const pending = await createComment(app, article)
  return { article, word, tag, root, reply, pending }
}
type Story = Awaited<ReturnType<typeof storyWithThread>>

/** Two answers a client cannot tell apart: status, body (instance aside) and the telling headers. */
function sameAnswer(t: Test, real: Res, unknown: Res, what: string): void {
  t.equal(real.statusCode, unknown.statusCode, `${what}: same status as an unknown article (${real.statusCode})`)
  t.same(withoutInstance(real), withoutInstance(unknown), `${what}: same body as an unknown article`)
  for (const name of ['content-type', 'cache-control', 'vary', 'etag', 'link']) {
    t.equal(real.headers[name], unknown.headers[name], `${what}: same ${name} header as an unknown article`)
  }
}

const get = (app: TestApp, url: string, headers: Headers = anonymous) => app.inject({ method: 'GET', url, headers })

/** What a caller sees of the article list under `query`: the ids and the total. */
async function listed(app: TestApp, query: string, headers: Headers = anonymous) {
  const res = await get(app, `/api/v1/articles?limit=100${query}`, headers)
  if (res.statusCode !== 200) throw new Error(`articles${query}: ${res.statusCode} ${res.body}`)
  const body = json<{ data: Article[]; meta: { total: number } }>(res)
  return { ids: body.data.map((a) => a.id), total: body.meta.total }
}

/** The tag index as `{ tag: count }` (always the public view, whoever asks). */
async function tagIndex(app: TestApp, headers: Headers = anonymous): Promise<Record<string, number>> {
  const res = await get(app, '/api/v1/tags?limit=100', headers)
  if (res.statusCode !== 200) throw new Error(`tags: ${res.statusCode} ${res.body}`)
  return Object.fromEntries(json<{ data: { tag: string; count: number }[] }>(res).data.map((g) => [g.tag, g.count]))
}

/** The comment thread of an article as a caller reads it: ids in order, with each one's parent. */
async function thread(app: TestApp, key: string, headers: Headers = anonymous, query = '') {
  const res = await get(app, `/api/v1/articles/${key}/comments?limit=100${query}`, headers)
  if (res.statusCode !== 200) throw new Error(`comments of ${key}: ${res.statusCode} ${res.body}`)
  return json<{ data: Comment[] }>(res).data.map((c) => ({ id: c.id, parentId: c.parentId }))
}

const expectedThread = (s: Story) => [
  { id: s.root.id, parentId: null },
  { id: s.reply.id, parentId: s.root.id },
]

/** Everything an anonymous caller can read under or about the article, each the same 404 as an unknown one or absent. */
async function hiddenFromAnonymous(t: Test, app: TestApp, s: Story, control: Story, cursor: string) {
  const { id, slug } = s.article
  for (const [key, unknown] of [
    [id, UNKNOWN_UUID],
    [slug, UNKNOWN_SLUG],
  ] as const) {
    const article = await get(app, `/api/v1/articles/${key}`)
    isProblem(t, article, 404, 'NOT_FOUND')
    sameAnswer(t, article, await get(app, `/api/v1/articles/${unknown}`), `GET ${key}`)
    // The thread, on every page and in every order, even though approved comments exist.
    for (const query of [
      '',
      '?limit=1',
      '?limit=1&page=2',
      '?sort=-createdAt',
      '?count=false',
      `?limit=1&cursor=${cursor}`,
    ]) {
      const comments = await get(app, `/api/v1/articles/${key}/comments${query}`)
      isProblem(t, comments, 404, 'NOT_FOUND')
      sameAnswer(
        t,
        comments,
        await get(app, `/api/v1/articles/${unknown}/comments${query}`),
        `comments of ${key}${query}`,
      )
    }
    const post = (to: string) =>
      app.inject({
        method: 'POST',
        url: `/api/v1/articles/${to}/comments`,
        payload: { authorName: 'Probe', authorEmail: 'probe@example.org', body: 'Anyone there?' },
      })
    sameAnswer(t, await post(key), await post(unknown), `POST a comment to ${key}`)
  }
  t.same(await listed(app, ''), { ids: [control.article.id], total: 1 }, 'not in the list, nor its total')
  t.same(await listed(app, `&q=${s.word}`), { ids: [], total: 0 }, 'not found by search')
  t.same(await listed(app, `&tag=${s.tag}`), { ids: [], total: 0 }, 'not found by its tag')
  t.same(await listed(app, '&tag=shared'), { ids: [control.article.id], total: 1 }, 'nor by a tag it shares')
  t.same(await listed(app, `&author=${s.article.authorId}`), { ids: [], total: 0 }, "nor on its author's list")
  t.same(await tagIndex(app), { shared: 1, [control.tag]: 1 }, 'the tag index does not count it')
}

/** What anonymous callers see of a published story: the same reads, all showing it. */
async function visibleToAnonymous(t: Test, app: TestApp, s: Story, control: Story, what: string) {
  const read = await get(app, `/api/v1/articles/${s.article.slug}`)
  t.equal(read.statusCode, 200, `${what}: the article reads`)
  t.equal(json<Article>(read).commentCount, 2, `${what}: its commentCount counts the approved comment and reply`)
  t.same(await thread(app, s.article.slug), expectedThread(s), `${what}: its approved thread, the pending one not`)
  t.same(await thread(app, s.article.id), expectedThread(s), `${what}: by id too`)
  const all = await listed(app, '')
  t.same(
    { ids: all.ids.sort(), total: all.total },
    { ids: [control.article.id, s.article.id].sort(), total: 2 },
    `${what}: listed, and counted in the total`,
  )
  t.same(await listed(app, `&q=${s.word}`), { ids: [s.article.id], total: 1 }, `${what}: found by search`)
  t.same(await listed(app, `&tag=${s.tag}`), { ids: [s.article.id], total: 1 }, `${what}: found by its tag`)
  t.same(
    await listed(app, `&author=${s.article.authorId}`),
    { ids: [s.article.id], total: 1 },
    `${what}: on its author's list`,
  )
  t.same(await tagIndex(app), { shared: 2, [control.tag]: 1, [s.tag]: 1 }, `${what}: counted in the tag index`)
}

/** Moves a published article into `state` (a scheduled one goes live in a week). */
async function move(
  app: TestApp,
  s: Story,
  state: 'unpublished' | 'scheduled' | 'trashed' | 'trashed while scheduled',
) {
  const steps: Record<typeof state, Exclude<ArticleState, 'published'>[]> = {
    unpublished: ['draft'],
    scheduled: ['scheduled'],
    trashed: ['trashed'],
    'trashed while scheduled': ['scheduled', 'trashed'],
  }
  for (const step of steps[state]) await setArticleState(app, s.article, step)
}

/** Builds the scene: a control story that stays published, and the story that moves. */
async function scene(t: Test) {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const editor = (await createToken(app, { role: 'editor' })).headers
  const control = await storyWithThread(app, 'control')
  const subject = await storyWithThread(app, 'subject')
  await visibleToAnonymous(t, app, subject, control, 'before the move')
  // A cursor into the second page of its thread, taken while it was public.
  const page = json<{ meta: { nextCursor: string } }>(
    await get(app, `/api/v1/articles/${subject.article.id}/comments?limit=1`),
  )
  t.ok(page.meta.nextCursor, 'its thread has a second page')
  return { app, editor, control, subject, cursor: encodeURIComponent(page.meta.nextCursor) }
}

for (const state of ['unpublished', 'scheduled'] as const) {
  t.test(`an article with approved comments, ${state}`, async (t) => {
    const { app, editor, control, subject, cursor } = await scene(t)
    await move(app, subject, state)

    t.test('anonymous: the same 404 as an unknown article everywhere, absent from every list and count', (t) =>
      hiddenFromAnonymous(t, app, subject, control, cursor),
    )

    t.test('staff: the article with its thread and count, in lists and search', async (t) => {
      const read = await get(app, `/api/v1/articles/${subject.article.id}`, editor)
      t.equal(read.statusCode, 200)
      t.match(json<Article>(read), { status: state === 'unpublished' ? 'draft' : 'scheduled', commentCount: 2 })
      t.same(await thread(app, subject.article.slug, editor), expectedThread(subject), 'its approved thread')
      t.same((await listed(app, '', editor)).total, 2, 'in the list and its total')
      t.same((await listed(app, `&q=${subject.word}`, editor)).ids, [subject.article.id], 'found by search')
      t.same((await listed(app, `&tag=${subject.tag}`, editor)).ids, [subject.article.id], 'found by its tag')
      t.same(
        await tagIndex(app, editor),
        { shared: 1, [control.tag]: 1 },
        'the tag index is the public view, whoever asks',
      )
    })

    t.test('moderation while it is hidden counts, and shows once it is back', async (t) => {
      const approved = await app.inject({
        method: 'PATCH',
        url: `/api/v1/comments/${subject.pending.id}`,
        headers: { ...editor, 'if-match': '*' },
        payload: { status: 'approved' },
      })
      t.equal(approved.statusCode, 200, 'a pending comment of a hidden article can be approved')
      const comments = await get(app, `/api/v1/articles/${subject.article.id}/comments`)
      isProblem(t, comments, 404, 'NOT_FOUND')
      t.equal(json<Article>(await get(app, `/api/v1/articles/${subject.article.id}`, editor)).commentCount, 3)

      await setArticleState(app, subject.article, 'published')
      const read = await get(app, `/api/v1/articles/${subject.article.slug}`)
      t.equal(read.statusCode, 200, 'published again: public again')
      t.equal(json<Article>(read).commentCount, 3, 'with the count moderation left')
      t.same(
        (await thread(app, subject.article.slug)).map((c) => c.id),
        [subject.root.id, subject.reply.id, subject.pending.id],
        'and the whole approved thread',
      )
      t.same(await tagIndex(app), { shared: 2, [control.tag]: 1, [subject.tag]: 1 }, 'counted in the tag index again')
    })
  })
}

for (const state of ['trashed', 'trashed while scheduled'] as const) {
  t.test(`an article with approved comments, ${state}`, async (t) => {
    const { app, editor, control, subject, cursor } = await scene(t)
    await move(app, subject, state)

    t.test('anonymous: the same 404 as an unknown article everywhere, absent from every list and count', (t) =>
      hiddenFromAnonymous(t, app, subject, control, cursor),
    )

    t.test('staff: out of every read but the trash, its comments out of the moderation queue', async (t) => {
      isProblem(t, await get(app, `/api/v1/articles/${subject.article.id}`, editor), 404, 'NOT_FOUND')
      isProblem(t, await get(app, `/api/v1/articles/${subject.article.id}/comments`, editor), 404, 'NOT_FOUND')
      t.same(await listed(app, '', editor), { ids: [control.article.id], total: 1 }, 'not in the list, nor its total')
      t.same(await listed(app, `&q=${subject.word}`, editor), { ids: [], total: 0 }, 'not found by search')
      t.same(await listed(app, '&status=draft', editor), { ids: [], total: 0 }, 'nor among drafts')
      t.same(await listed(app, '&status=scheduled', editor), { ids: [], total: 0 }, 'nor among scheduled ones')
      const queue = await get(app, `/api/v1/comments?article=${subject.article.id}`, editor)
      t.equal(queue.statusCode, 200)
      t.same(json(queue).data, [], 'none of its comments is in the moderation queue')
      const moderate = await app.inject({
        method: 'PATCH',
        url: `/api/v1/comments/${subject.pending.id}`,
        headers: { ...editor, 'if-match': '*' },
        payload: { status: 'approved' },
      })
      isProblem(t, moderate, 404, 'NOT_FOUND')
      const trash = json<{ data: { id: string }[] }>(await get(app, '/api/v1/trash', editor))
      t.same(
        trash.data.map((a) => a.id),
        [subject.article.id],
        'it is in the trash',
      )
    })

    t.test('restored: back with its comments and count, as it was', async (t) => {
      const restored = await restoreArticle(app, subject.article)
      t.equal(restored.status, state === 'trashed' ? 'published' : 'scheduled')
      t.equal(restored.commentCount, 2)
      if (state === 'trashed') await visibleToAnonymous(t, app, subject, control, 'restored')
      else {
        isProblem(t, await get(app, `/api/v1/articles/${subject.article.id}/comments`), 404, 'NOT_FOUND')
        t.same(await thread(app, subject.article.id, editor), expectedThread(subject), 'staff see its thread again')
      }
    })
  })
}
