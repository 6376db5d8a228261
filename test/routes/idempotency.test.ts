import pg from 'pg'
import t from 'tap'
import { articles as seedArticles } from '../../src/db/seed-data.js'
import { deref, type JsonObject } from '../contract/json-schema.js'
import { buildTestApp, json, tokenHeaders } from '../support/app.js'
import { requires } from '../support/requires.js'

const slug = seedArticles.find((a) => a.publishedAt !== null)!.slug
const url = `/api/v1/articles/${slug}/comments`
const payload = {
  authorName: 'Retry Reader',
  authorEmail: 'retry@example.org',
  body: 'Posted once, whatever the network does.',
}

t.test('the same key fired 10 times at once creates one comment', async (t) => {
  const app = await buildTestApp(t)
  const results = await Promise.all(
    Array.from({ length: 10 }, () =>
      app.inject({ method: 'POST', url, payload, headers: { 'idempotency-key': 'burst-1' } }),
    ),
  )
  const rows = await app.db.prisma.comment.count({ where: { body: payload.body } })
  t.equal(rows, 1, 'exactly one row')
  const created = results.filter((r) => r.statusCode === 201)
  t.ok(created.length >= 1, 'at least one 201')
  t.ok(
    results.every(
      (r) => r.statusCode === 201 || (r.statusCode === 409 && json(r).code === 'IDEMPOTENCY_KEY_IN_FLIGHT'),
    ),
    'the rest are replays or 409 in flight',
  )
  const ids = new Set(created.map((r) => json(r).id))
  t.equal(ids.size, 1, 'every 201 names the same comment')
})

t.test('a replay is the first response byte for byte, marked as a replay', async (t) => {
  const app = await buildTestApp(t)
  const first = await app.inject({ method: 'POST', url, payload, headers: { 'idempotency-key': 'k-replay' } })
  t.equal(first.statusCode, 201)
  t.notOk(first.headers['idempotent-replayed'])
  await new Promise((resolve) => setTimeout(resolve, 20))
  const again = await app.inject({ method: 'POST', url, payload, headers: { 'idempotency-key': 'k-replay' } })
  t.equal(again.statusCode, 201)
  t.equal(again.body, first.body, 'same bytes')
  t.equal(again.headers.etag, first.headers.etag)
  t.equal(again.headers['content-type'], first.headers['content-type'])
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.equal(await app.db.prisma.comment.count({ where: { body: payload.body } }), 1)

  const other = await app.inject({
    method: 'POST',
    url,
    payload: { ...payload, body: 'Something else' },
    headers: { 'idempotency-key': 'k-replay' },
  })
  t.equal(other.statusCode, 422)
  t.equal(json(other).code, 'IDEMPOTENCY_KEY_REUSED')
  t.equal(await app.db.prisma.comment.count({ where: { body: 'Something else' } }), 0, 'nothing written')

  const fresh = await app.inject({ method: 'POST', url, payload, headers: { 'idempotency-key': 'k-other' } })
  t.equal(fresh.statusCode, 201)
  t.not(json(fresh).id, json(first).id, 'another key is another request')
  const none = await app.inject({ method: 'POST', url, payload })
  t.not(json(none).id, json(first).id, 'and no key means no deduplication')
})

t.test('keys belong to their caller', async (t) => {
  const app = await buildTestApp(t)
  const [a, b] = [await tokenHeaders(app, 'editor'), await tokenHeaders(app, 'editor')]
  const authorId = (await app.db.prisma.author.findFirstOrThrow()).id
  const body = { title: 'Shared key', authorId }
  const one = await app.inject({
    method: 'POST',
    url: '/api/v1/articles',
    payload: body,
    headers: { ...a, 'idempotency-key': 'same' },
  })
  const two = await app.inject({
    method: 'POST',
    url: '/api/v1/articles',
    payload: body,
    headers: { ...b, 'idempotency-key': 'same' },
  })
  t.equal(one.statusCode, 201)
  t.equal(two.statusCode, 201)
  t.not(json(one).id, json(two).id, "another token's key never replays someone else's response")
  t.notOk(two.headers['idempotent-replayed'])
})

t.test('requests that fail validation are not remembered', async (t) => {
  const app = await buildTestApp(t)
  const bad = await app.inject({
    method: 'POST',
    url,
    payload: { ...payload, authorEmail: 'nope' },
    headers: { 'idempotency-key': 'fix-me' },
  })
  t.equal(bad.statusCode, 400)
  const good = await app.inject({ method: 'POST', url, payload, headers: { 'idempotency-key': 'fix-me' } })
  t.equal(good.statusCode, 201, 'the corrected request runs')
  for (const key of ['', 'has space', 'x'.repeat(256), 'tab\there']) {
    const res = await app.inject({ method: 'POST', url, payload, headers: { 'idempotency-key': key } })
    t.equal(res.statusCode, 400, `key ${JSON.stringify(key.slice(0, 20))} is invalid`)
  }
})

t.test(
  'a key in flight is 409, and free again at once when its request dies',
  { skip: requires('postgres', 'a second connection holds the key; PGlite has one, where a second request waits') },
  async (t) => {
    const app = await buildTestApp(t)
    // A request in flight holds its key's lock for its transaction; a second connection plays it.
    const running = new pg.Client({ connectionString: app.db.location })
    await running.connect()
    await running.query('BEGIN')
    await running.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', ['ip:127.0.0.1\nbusy'])
    const busy = await app.inject({ method: 'POST', url, payload, headers: { 'idempotency-key': 'busy' } })
    t.equal(busy.statusCode, 409)
    t.equal(json(busy).code, 'IDEMPOTENCY_KEY_IN_FLIGHT')
    t.equal(busy.headers['retry-after'], '1')
    t.equal(await app.db.prisma.comment.count({ where: { body: payload.body } }), 0, 'nothing written meanwhile')
    // The request dies without committing: its connection goes, and the lock with it.
    await running.end()
    const takeover = await app.inject({ method: 'POST', url, payload, headers: { 'idempotency-key': 'busy' } })
    t.equal(takeover.statusCode, 201, 'a key whose request died is free again at once')
  },
)

t.test('expired keys are new again, and pruned', async (t) => {
  const app = await buildTestApp(t)
  const { idempotency } = app.services
  const takeover = await app.inject({ method: 'POST', url, payload, headers: { 'idempotency-key': 'busy' } })
  t.equal(takeover.statusCode, 201, 'a key is taken by its first request')
  const replay = await app.inject({ method: 'POST', url, payload, headers: { 'idempotency-key': 'busy' } })
  t.equal(json(replay).id, json(takeover).id, 'and replayed while it lasts')

  await app.db.prisma.idempotencyKey.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } })
  const afterExpiry = await app.inject({ method: 'POST', url, payload, headers: { 'idempotency-key': 'busy' } })
  t.equal(afterExpiry.statusCode, 201)
  t.not(json(afterExpiry).id, json(takeover).id, 'after 24 h the key is new again')
  await app.db.prisma.idempotencyKey.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } })
  t.ok((await idempotency.pruneExpired()) >= 1, 'expired keys are pruned')
  t.equal(await app.db.prisma.idempotencyKey.count(), 0)
})

t.test('token creation: deduplicated, but the secret is never stored or shown twice', async (t) => {
  const app = await buildTestApp(t)
  const admin = await tokenHeaders(app, 'admin')
  const body = { name: 'ci', role: 'viewer' }
  const first = await app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    payload: body,
    headers: { ...admin, 'idempotency-key': 'tok' },
  })
  t.equal(first.statusCode, 201)
  const again = await app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    payload: body,
    headers: { ...admin, 'idempotency-key': 'tok' },
  })
  t.equal(again.statusCode, 409)
  t.equal(json(again).code, 'IDEMPOTENCY_KEY_USED')
  t.notOk(again.body.includes(json(first).secret), 'no secret in the retry')
  t.equal(await app.db.prisma.apiToken.count({ where: { name: 'ci' } }), 1, 'one token')
  const stored = await app.db.prisma.idempotencyKey.findMany()
  t.notOk(JSON.stringify(stored).includes(json(first).secret), 'the secret is not stored with the key')

  // The document says so on every POST whose answer holds a secret, and only there.
  const doc = json(await app.inject('/openapi.json'))
  // Parameters shared by many operations are `$ref`s to components/parameters: read through them.
  const keyHelp = (path: string) =>
    (doc.paths[path].post.parameters as unknown[])
      .map((p) => deref<{ in: string; name: string; description: string }>(doc as JsonObject, p))
      .find((p) => p.in === 'header' && p.name === 'Idempotency-Key')!.description
  for (const path of ['/api/v1/tokens', '/api/v1/webhooks', '/api/v1/articles/{idOrSlug}/preview']) {
    t.match(keyHelp(path), /409 `IDEMPOTENCY_KEY_USED`/, `${path}: a retry is 409, not a replay`)
    t.notMatch(keyHelp(path), /replays the first response/, `${path}: no replay promised`)
  }
  t.match(keyHelp('/api/v1/articles'), /replays the first response/, 'other POSTs replay')
})
