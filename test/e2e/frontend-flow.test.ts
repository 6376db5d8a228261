import t from 'tap'
import { cleanEnv, startServer, tempDir } from '../support/process.js'

const ADMIN_TOKEN = 'e2e-admin-secret-0123456789abcdef'

/** What a frontend does, over real HTTP against the real server process. */
t.test('frontend flow: author → draft → publish → list → read → comment → approve → schedule', async (t) => {
  const dir = await tempDir(t, 'broadsheet-flow-')
  const server = await startServer(cleanEnv({ DATA_DIR: dir, ADMIN_TOKEN, SEED_ON_EMPTY: 'false' }))
  t.teardown(() => server.stop())

  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(server.url + url, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined }
  }

  const token = await call(
    'POST',
    '/api/v1/tokens',
    { name: 'newsroom', role: 'editor' },
    { authorization: `Bearer ${ADMIN_TOKEN}` },
  )
  t.equal(token.status, 201)
  const editor = { authorization: `Bearer ${token.body.secret}` }

  const author = await call(
    'POST',
    '/api/v1/authors',
    { name: 'Zoë Ðorđević', email: 'zoe@example.org', bio: 'City desk.' },
    editor,
  )
  t.equal(author.status, 201)
  t.equal(author.body.slug, 'zoe-dordevic')

  const draft = await call(
    'POST',
    '/api/v1/articles',
    {
      title: 'Minsk: a tale of 2 rallies',
      body: '“Two” rallies — one city.',
      tags: ['politics'],
      authorId: author.body.id,
    },
    editor,
  )
  t.equal(draft.status, 201)
  t.match(draft.body, { slug: 'minsk-a-tale-of-2-rallies', status: 'draft' })
  t.same((await call('GET', '/api/v1/articles')).body.data, [], 'a draft is invisible to the public')

  const published = await call('POST', `/api/v1/articles/${draft.body.id}/publish`, undefined, editor)
  t.equal(published.body.status, 'published')

  const list = await call('GET', '/api/v1/articles?include=author')
  t.equal(list.status, 200)
  t.match(list.body.data, [
    { slug: 'minsk-a-tale-of-2-rallies', author: { id: author.body.id, slug: 'zoe-dordevic', name: 'Zoë Ðorđević' } },
  ])
  t.notOk(JSON.stringify(list.body).includes('zoe@example.org'), 'no author email in public responses')

  const read = await call('GET', '/api/v1/articles/minsk-a-tale-of-2-rallies')
  t.equal(read.status, 200)
  t.equal(read.body.body, '“Two” rallies — one city.', 'byte-exact over HTTP')
  t.equal(read.body.commentCount, 0)
  t.ok(read.headers.get('etag'))

  const comment = await call('POST', '/api/v1/articles/minsk-a-tale-of-2-rallies/comments', {
    authorName: 'Reader',
    authorEmail: 'reader@example.net',
    body: 'Great piece!',
  })
  t.equal(comment.status, 201)
  t.equal(comment.body.status, 'pending')
  t.notOk('authorEmail' in comment.body, 'the public representation has no email')
  t.same((await call('GET', '/api/v1/articles/minsk-a-tale-of-2-rallies/comments')).body.data, [], 'pending: invisible')

  const queue = await call('GET', '/api/v1/comments?status=pending', undefined, editor)
  t.match(queue.body.data, [{ id: comment.body.id, authorEmail: 'reader@example.net' }])
  const forModeration = await call('GET', `/api/v1/comments/${comment.body.id}`, undefined, editor)
  const approved = await call(
    'PATCH',
    `/api/v1/comments/${comment.body.id}`,
    { status: 'approved' },
    { ...editor, 'if-match': forModeration.headers.get('etag')! },
  )
  t.equal(approved.status, 200)
  const visible = await call('GET', '/api/v1/articles/minsk-a-tale-of-2-rallies/comments')
  t.match(visible.body.data, [{ id: comment.body.id, body: 'Great piece!', status: 'approved' }])
  t.equal(
    (await call('GET', '/api/v1/articles/minsk-a-tale-of-2-rallies')).body.commentCount,
    1,
    'commentCount incremented',
  )

  const later = await call('POST', '/api/v1/articles', { title: 'Embargoed', authorId: author.body.id }, editor)
  const at = new Date(Date.now() + 3000).toISOString()
  const scheduled = await call('POST', `/api/v1/articles/${later.body.id}/publish`, { publishAt: at }, editor)
  t.match(scheduled.body, { status: 'scheduled', publishedAt: at })
  t.equal((await call('GET', '/api/v1/articles/embargoed')).status, 404, 'not before its time')
  let appeared = false
  for (let i = 0; i < 50 && !appeared; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    appeared = (await call('GET', '/api/v1/articles/embargoed')).status === 200
  }
  t.ok(appeared, 'appears by itself once publishAt has passed')
  t.ok(Date.now() >= Date.parse(at), 'and not before')
  const slugs = (await call('GET', '/api/v1/articles')).body.data.map((a: { slug: string }) => a.slug)
  t.same(slugs, ['embargoed', 'minsk-a-tale-of-2-rallies'], 'newest first')
})
