import t from 'tap'
import { buildTestApp, json, postComment, snapshot, tokenHeaders, type Headers, type TestApp } from '../support/app.js'
import { isProblem } from '../support/assert.js'
import { createArticle, createAuthor } from '../support/factories.js'

/**
 * If-Match compares the whole strong ETag (RFC 9110 §13.1.1): the version *and* the hash of
 * the current representation. A forged hash, a weak tag or a tag from another representation
 * is a 412 and writes nothing; item writes take an id or a slug, like item reads.
 */

/** Replaces the 16-character hash of a strong ETag, keeping its version. */
const forge = (etag: string) => etag.replace(/-[\w-]{16}"$/, '-zzzzzzzzzzzzzzzz"')

async function read(app: TestApp, url: string, headers: Headers = {}) {
  const res = await app.inject({ url, headers })
  if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode}`)
  return { etag: res.headers.etag as string, body: json(res) }
}

t.test('articles: the hash half must match; slugs work on every write', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const editor = await tokenHeaders(app, 'editor')
  const harbour = await createArticle(app, { state: 'published' })
  const url = `/api/v1/articles/${harbour.slug}`
  const { etag } = await read(app, url, editor)
  t.match(etag, /^"\d+-[\w-]{16}"$/)
  const patch = (ifMatch: string, title: string) =>
    app.inject({ method: 'PATCH', url, headers: { ...editor, 'if-match': ifMatch }, payload: { title } })

  const before = await snapshot(app)
  for (const [label, tag] of [
    ['forged hash, current version', forge(etag)],
    ['weak form of the current tag', `W/${etag}`],
    ['unquoted', etag.slice(1, -1)],
    ['another version, real hash', etag.replace(/^"\d+/, '"999')],
  ] as const) {
    await t.test(
      label,
      async (t) => void isProblem(t, await patch(tag, `Forged: ${label}`), 412, 'PRECONDITION_FAILED'),
    )
  }
  isProblem(
    t,
    await app.inject({ method: 'DELETE', url, headers: { ...editor, 'if-match': forge(etag) } }),
    412,
    'PRECONDITION_FAILED',
  )
  t.same(await snapshot(app), before, 'no refused write changed anything')

  // A list of tags matches when one of them is the current one.
  const ok = await patch(`"1-aaaaaaaaaaaaaaaa", ${etag}`, 'Harbour, edited by slug')
  t.equal(ok.statusCode, 200, 'PATCH by slug with a list holding the current tag')
  t.equal(json(ok).title, 'Harbour, edited by slug')
  t.not(ok.headers.etag, etag)
  const again = await read(app, url, editor)
  t.equal(again.etag, ok.headers.etag, 'the PATCH response ETag is the one GET sends')
  isProblem(t, await patch(etag, 'Stale'), 412, 'PRECONDITION_FAILED')

  // A new approved comment changes the representation (commentCount) without a new version:
  // the tag read before it no longer names what GET sends.
  const posted = await postComment(app, harbour.slug, {
    authorName: 'Reader',
    authorEmail: 'reader@example.org',
    body: 'Well said.',
  })
  t.equal(posted.statusCode, 201)
  const commentId = json(posted).id as string
  const moderator = await read(app, `/api/v1/comments/${commentId}`, editor)
  const approve = await app.inject({
    method: 'PATCH',
    url: `/api/v1/comments/${commentId}`,
    headers: { ...editor, 'if-match': moderator.etag },
    payload: { status: 'approved' },
  })
  t.equal(approve.statusCode, 200)
  const counted = await read(app, url, editor)
  t.equal(counted.body.commentCount, again.body.commentCount + 1)
  t.equal(counted.etag.split('-')[0], again.etag.split('-')[0], 'same version')
  t.not(counted.etag, again.etag, 'another representation, another tag')
  isProblem(t, await patch(again.etag, 'Before the comment'), 412, 'PRECONDITION_FAILED')

  for (const action of ['unpublish', 'publish']) {
    const res = await app.inject({ method: 'POST', url: `${url}/${action}`, headers: editor })
    t.equal(res.statusCode, 200, `POST …/${action} by slug`)
  }
  const latest = await read(app, url, editor)
  const gone = await app.inject({ method: 'DELETE', url, headers: { ...editor, 'if-match': latest.etag } })
  t.equal(gone.statusCode, 204, 'DELETE by slug with the current tag')
  t.equal((await app.inject(url)).statusCode, 404)
})

t.test('authors: the caller’s view or the public view of the current version', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const editor = await tokenHeaders(app, 'editor')
  const yusuf = await createAuthor(app)
  const url = `/api/v1/authors/${yusuf.slug}`
  const anonymous = await read(app, url)
  const own = await read(app, url, editor)
  t.notOk('email' in anonymous.body, 'the public view has no email')
  t.ok('email' in own.body, 'the editor’s view has it')
  t.not(anonymous.etag, own.etag, 'two representations, two tags')

  const before = await snapshot(app)
  isProblem(
    t,
    await app.inject({
      method: 'PATCH',
      url,
      headers: { ...editor, 'if-match': forge(own.etag) },
      payload: { bio: 'Forged' },
    }),
    412,
    'PRECONDITION_FAILED',
  )
  t.same(await snapshot(app), before)
  const res = await app.inject({
    method: 'PATCH',
    url,
    headers: { ...editor, 'if-match': anonymous.etag },
    payload: { bio: 'Read in public, edited by slug.' },
  })
  t.equal(res.statusCode, 200, 'the public tag of the current version is accepted')
  t.equal(json(res).bio, 'Read in public, edited by slug.')
})

t.test('comments: the moderator representation, whole tag', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const editor = await tokenHeaders(app, 'editor')
  const harbour = await createArticle(app, { state: 'published' })
  const posted = await postComment(app, harbour.slug, {
    authorName: 'Reader',
    authorEmail: 'reader@example.org',
    body: 'First!',
  })
  const id = json(posted).id as string
  t.equal(posted.headers.etag, undefined, 'the poster’s public copy has no ETag')
  const { etag } = await read(app, `/api/v1/comments/${id}`, editor)
  const before = await snapshot(app)
  const forged = await app.inject({
    method: 'PATCH',
    url: `/api/v1/comments/${id}`,
    headers: { ...editor, 'if-match': forge(etag) },
    payload: { status: 'approved' },
  })
  isProblem(t, forged, 412, 'PRECONDITION_FAILED')
  t.same(await snapshot(app), before)
  const ok = await app.inject({
    method: 'PATCH',
    url: `/api/v1/comments/${id}`,
    headers: { ...editor, 'if-match': etag },
    payload: { status: 'approved' },
  })
  t.equal(ok.statusCode, 200)
})
