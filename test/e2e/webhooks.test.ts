import sharp from 'sharp'
import t from 'tap'
import { buildTestApp, json, tokenHeaders, type Headers, type TestApp } from '../support/app.js'
import { DELIVERED_EVENT_TYPES, EVENT_TYPES } from '../../src/schemas/events.js'
import { isProblem, state, unchanged } from '../support/assert.js'
import { DOCUMENTED_EVENT_TYPES, deliveryProblems, validatedEventTypes } from '../support/events.js'
import { multipartUpload } from '../support/factories.js'
import { eventually, startReceiver } from '../support/receiver.js'
import { thuha, tram } from '../support/seed-facts.js'

/**
 * Signed webhooks from the transactional outbox, end to end: the app on a real database, a real
 * HTTP receiver on this machine that verifies every delivery with the `standardwebhooks`
 * package and holds it to the OpenAPI document's `webhooks` (test/support/events.ts), the
 * delivery worker running in the app as it does in the server.
 */

/** The delivery worker runs in the app, as in the server; receivers are on this machine. */
const WORKER = { RUN_BACKGROUND_JOBS: true, DELIVERY_POLL_MS: 100 }
const LOCAL = { ...WORKER, WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32' }

async function subscribe(app: TestApp, admin: Headers, url: string, events: string[] = ['*']) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/webhooks',
    headers: admin,
    payload: { url, events, description: 'test receiver' },
  })
  if (res.statusCode !== 201) throw new Error(`subscribe: ${res.statusCode} ${res.body}`)
  return json(res) as { id: string; secret: string }
}

async function edit(app: TestApp, headers: Headers, id: string, payload: object) {
  const etag = (await app.inject({ url: `/api/v1/articles/${id}`, headers })).headers.etag as string
  const res = await app.inject({
    method: 'PATCH',
    url: `/api/v1/articles/${id}`,
    headers: { ...headers, 'if-match': etag },
    payload,
  })
  if (res.statusCode !== 200) throw new Error(`edit: ${res.statusCode} ${res.body}`)
}

const post = (app: TestApp, headers: Headers, url: string, payload?: object) =>
  app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) })

t.test('publish, edit, trash, restore, schedule: the right events, in order, each signed', async (t) => {
  const receiver = await startReceiver(t)
  const app = await buildTestApp(t, LOCAL)
  const admin = await tokenHeaders(app, 'admin')
  const hook = await subscribe(app, admin, receiver.url())

  const created = await post(app, admin, '/api/v1/articles', {
    title: 'Signed and delivered',
    authorId: thuha.id,
    tags: ['transport'],
  })
  const id = json(created).id as string
  await post(app, admin, `/api/v1/articles/${id}/publish`)
  await edit(app, admin, id, { body: 'Edited once.' })
  await app.inject({ method: 'DELETE', url: `/api/v1/articles/${id}`, headers: admin })
  await post(app, admin, `/api/v1/articles/${id}/restore`)
  await post(app, admin, `/api/v1/articles/${id}/unpublish`)
  const goLiveAt = Date.now() + 2500
  const scheduled = await post(app, admin, `/api/v1/articles/${id}/publish`, {
    publishAt: new Date(goLiveAt).toISOString(),
  })
  t.equal(json(scheduled).status, 'scheduled')

  await eventually(() => receiver.received.length >= 8, 20_000, 'eight deliveries')
  // Wait past the go-live for a second announcement that must not come.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const events = receiver.verified(hook.secret)
  t.equal(events.length, 8, 'eight events, every one verified by standardwebhooks')
  t.same(
    events.map((e) => [e.type, e.data.sequence]),
    [
      ['article.created', 1],
      ['article.published', 2],
      ['article.updated', 3],
      ['article.trashed', 4],
      ['article.restored', 5],
      ['article.unpublished', 6],
      ['article.updated', 7],
      ['article.published', 8],
    ],
    'one event per change, in per-article order (a publish is published, not also updated)',
  )
  t.ok(events.every((e) => e.data.id === id && typeof e.timestamp === 'string'))
  t.equal(new Set(events.map((e) => e.id)).size, 8, 'each with its own webhook-id')
  const goLive = events[7]!
  t.ok(
    goLive.at >= goLiveAt,
    `the scheduled go-live is announced at its time, not before (${goLive.at - goLiveAt} ms after)`,
  )
  t.ok(goLive.at - goLiveAt < 1500, `and promptly (${goLive.at - goLiveAt} ms after; the sweep is woken for it)`)
  t.same(goLive.data.status, 'published')
  t.same(events[6]!.data.status, 'scheduled', 'scheduling is an update; the go-live is the publication')
  t.same(events[2]!.data.previous, {
    slug: json(created).slug,
    status: 'published',
    authorId: thuha.id,
    tags: ['transport'],
    trashed: false,
    coverImageId: null,
  })
  const headers = receiver.received[0]!.headers
  t.match(headers['webhook-signature'], /^v1,[A-Za-z0-9+/=]+$/, 'Standard Webhooks signature header')
  t.match(headers['webhook-timestamp'], /^\d{10}$/)
  t.equal(headers['content-type'], 'application/json')
  const body = JSON.parse(receiver.received[0]!.body)
  t.same(Object.keys(body), ['type', 'timestamp', 'data'], 'body { type, timestamp, data }')
  t.notMatch(
    receiver.received.map((r) => r.body).join('\n'),
    /@|bs_[A-Za-z0-9_-]{43}/,
    'no email or token in any payload',
  )

  // The delivery log says how each went.
  const log = json(await app.inject({ url: `/api/v1/webhooks/${hook.id}/deliveries?limit=100`, headers: admin }))
  t.equal(log.meta.total, 8)
  t.ok(
    log.data.every(
      (d: { status: string; attempts: number; responseStatus: number; latencyMs: number }) =>
        d.status === 'delivered' && d.attempts === 1 && d.responseStatus === 200 && d.latencyMs >= 0,
    ),
  )

  // Other kinds of change: comments, authors, destruction.
  const comment = await post(app, {}, `/api/v1/articles/${tram.slug}/comments`, {
    authorName: 'Ana',
    authorEmail: 'ana@example.test',
    body: 'Nice.',
  })
  const commentId = json(comment).id as string
  const cetag = (await app.inject({ url: `/api/v1/comments/${commentId}`, headers: admin })).headers.etag as string
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/comments/${commentId}`,
    headers: { ...admin, 'if-match': cetag },
    payload: { status: 'approved' },
  })
  const aetag = (await app.inject({ url: `/api/v1/authors/${thuha.id}`, headers: admin })).headers.etag as string
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/authors/${thuha.id}`,
    headers: { ...admin, 'if-match': aetag },
    payload: { bio: 'New bio.' },
  })
  await app.inject({ method: 'DELETE', url: `/api/v1/articles/${id}?permanent=true`, headers: admin })
  await eventually(() => receiver.received.length >= 11, 10_000, 'three more deliveries')
  // Different articles (and authors) are independent: their events may arrive in any order.
  const order = ['comment.approved', 'author.updated', 'article.deleted']
  const more = receiver
    .verified(hook.secret)
    .slice(8)
    .sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type))
  t.same(
    more.map((e) => e.type),
    order,
  )
  t.same([more[0]!.data.id, more[0]!.data.articleId, more[0]!.data.status], [commentId, tram.id, 'approved'])
  t.notOk('authorEmail' in more[0]!.data || 'authorName' in more[0]!.data, 'no commenter details')
  t.notOk('email' in more[1]!.data, 'no author email')
  t.same([more[2]!.data.id, more[2]!.data.status, more[2]!.data.sequence], [id, 'deleted', 9])
})

t.test('a subscription gets the event types it asked for; a ping only its own', async (t) => {
  const receiver = await startReceiver(t)
  const other = await startReceiver(t)
  const app = await buildTestApp(t, LOCAL)
  const admin = await tokenHeaders(app, 'admin')
  const hook = await subscribe(app, admin, receiver.url(), ['article.published'])
  await subscribe(app, admin, other.url(), ['author.updated'])
  const id = json(await post(app, admin, '/api/v1/articles', { title: 'Only the publication', authorId: thuha.id })).id
  await post(app, admin, `/api/v1/articles/${id}/publish`)
  await eventually(() => receiver.received.length >= 1)
  const ping = await post(app, admin, `/api/v1/webhooks/${hook.id}/ping`)
  t.equal(ping.statusCode, 202)
  await eventually(() => receiver.received.length >= 2)
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.same(
    receiver.verified(hook.secret).map((e) => e.type),
    ['article.published', 'webhook.ping'],
  )
  t.equal(other.received.length, 0, 'the other subscription wanted none of these')
  const list = await app.inject({ url: '/api/v1/webhooks?limit=1', headers: admin })
  t.equal(list.statusCode, 200)
  t.same(
    json(list).data.map((w: { id: string }) => w.id),
    [hook.id],
    'oldest first, paged',
  )
  t.equal(json(list).meta.total, 2)
  t.match(list.headers.link, /rel="next"/)
  t.notOk(list.body.includes('whsec_'), 'no secret in the list')
})

t.test('receiver down for a while, then up: every event arrives (duplicates share the webhook-id)', async (t) => {
  const receiver = await startReceiver(t)
  const app = await buildTestApp(t, { ...LOCAL, WEBHOOK_RETRY_BASE_MS: 100, WEBHOOK_RETRY_MAX_DELAY_MS: 400 })
  const admin = await tokenHeaders(app, 'admin')
  const hook = await subscribe(app, admin, receiver.url())
  await receiver.close()
  const ids: string[] = []
  for (let i = 0; i < 3; i++) {
    const id = json(await post(app, admin, '/api/v1/articles', { title: `While down ${i}`, authorId: thuha.id })).id
    await post(app, admin, `/api/v1/articles/${id}/publish`)
    ids.push(id)
  }
  await eventually(
    async () => {
      const log = json(await app.inject({ url: `/api/v1/webhooks/${hook.id}/deliveries?limit=100`, headers: admin }))
      return log.data.some((d: { attempts: number }) => d.attempts >= 2)
    },
    10_000,
    'retries while the receiver is down',
  )
  const failing = json(
    await app.inject({ url: `/api/v1/webhooks/${hook.id}/deliveries?status=pending&limit=100`, headers: admin }),
  )
  const tried = failing.data.filter((d: { attempts: number }) => d.attempts > 0)
  // (One may be in flight at this moment: attempted, its outcome not yet recorded.)
  t.same(
    [...new Set(tried.map((d: { error: string | null }) => d.error).filter((e: string | null) => e !== null))],
    ['connection refused'],
    'the log says why',
  )
  t.ok(
    failing.data
      .filter((d: { eventType: string }) => d.eventType === 'article.published')
      .every((d: { attempts: number }) => d.attempts === 0),
    "an article's later event waits behind its earlier one (per-article order)",
  )
  await receiver.listen()
  await eventually(() => new Set(receiver.verified(hook.secret).map((e) => e.id)).size >= 6, 15_000, 'all six events')
  const events = receiver.verified(hook.secret)
  for (const id of ids) {
    const mine = [...new Map(events.filter((e) => e.data.id === id).map((e) => [e.id, e])).values()]
    t.same(
      mine.map((e) => [e.type, e.data.sequence]),
      [
        ['article.created', 1],
        ['article.published', 2],
      ],
      `article ${id}: both events, in order`,
    )
  }
  const byId = new Map<string, string>()
  for (const e of events) {
    const seen = byId.get(e.id)
    if (seen !== undefined) t.equal(seen, JSON.stringify(e.data), 'a duplicate carries the same webhook-id and data')
    byId.set(e.id, JSON.stringify(e.data))
  }
  await eventually(
    async () =>
      json(await app.inject({ url: `/api/v1/webhooks/${hook.id}/deliveries?status=delivered`, headers: admin })).meta
        .total === 6,
  )
})

t.test(
  'receiver answering 500 forever: backoff in the log, disabled after the configured run; redeliver works',
  async (t) => {
    const receiver = await startReceiver(t)
    receiver.respondWith(() => ({ status: 500, body: 'receiver broken' }))
    const app = await buildTestApp(t, {
      ...LOCAL,
      WEBHOOK_RETRY_BASE_MS: 200,
      WEBHOOK_RETRY_MAX_DELAY_MS: 5000,
      WEBHOOK_DISABLE_AFTER_FAILURES: 4,
    })
    const admin = await tokenHeaders(app, 'admin')
    const hook = await subscribe(app, admin, receiver.url(), ['article.created'])
    const started = Date.now()
    await post(app, admin, '/api/v1/articles', { title: 'Never accepted', authorId: thuha.id })
    await eventually(
      async () => !json(await app.inject({ url: `/api/v1/webhooks/${hook.id}`, headers: admin })).active,
      15_000,
      'disabled',
    )
    const disabled = json(await app.inject({ url: `/api/v1/webhooks/${hook.id}`, headers: admin }))
    t.equal(disabled.consecutiveFailures, 4)
    t.match(disabled.disabledReason, /4 failed attempts in a row \(last: answered 500\)/)
    t.equal(receiver.received.length, 4, 'four attempts, then nothing more')
    const gaps = receiver.received.slice(1).map((r, i) => r.at - receiver.received[i]!.at)
    // Delays of 100–200, 200–400 and 400–800 ms (half of each random): the last gap is always longer than the first.
    t.ok(gaps[2]! > gaps[0]!, `the gaps grow: ${gaps.join(', ')} ms`)
    t.ok(gaps[0]! >= 100, 'the first retry waits (100–200 ms with jitter)')
    const [delivery] = json(await app.inject({ url: `/api/v1/webhooks/${hook.id}/deliveries`, headers: admin })).data
    t.same(
      [delivery.status, delivery.attempts, delivery.responseStatus, delivery.responseBody],
      ['pending', 4, 500, 'receiver broken'],
    )
    t.ok(
      Date.parse(delivery.nextAttemptAt) > Date.now(),
      'the next attempt is in the future: backoff, visible in the log',
    )
    t.ok(Date.now() - started < 15_000)
    await new Promise((resolve) => setTimeout(resolve, 800))
    t.equal(receiver.received.length, 4, 'a disabled subscription is sent nothing')

    isProblem(
      t,
      await post(app, admin, `/api/v1/webhooks/${hook.id}/deliveries/${delivery.id}/redeliver`),
      409,
      'CONFLICT',
    )
    t.equal(
      await app.db.prisma.delivery.count({ where: { subscriptionId: hook.id } }),
      1,
      'no second copy of a pending delivery',
    )

    // Fixed: enable it again; its waiting delivery goes out, and a redelivery sends the event once more.
    receiver.respondWith(() => ({ status: 204 }))
    const etag = (await app.inject({ url: `/api/v1/webhooks/${hook.id}`, headers: admin })).headers.etag as string
    const enabled = await app.inject({
      method: 'PATCH',
      url: `/api/v1/webhooks/${hook.id}`,
      headers: { ...admin, 'if-match': etag },
      payload: { active: true },
    })
    t.same([json(enabled).active, json(enabled).consecutiveFailures, json(enabled).disabledReason], [true, 0, null])
    await eventually(
      async () =>
        json(await app.inject({ url: `/api/v1/webhooks/${hook.id}/deliveries?status=delivered`, headers: admin })).meta
          .total === 1,
      15_000,
    )
    const redeliver = await post(app, admin, `/api/v1/webhooks/${hook.id}/deliveries/${delivery.id}/redeliver`)
    t.equal(redeliver.statusCode, 202)
    await eventually(
      async () =>
        json(await app.inject({ url: `/api/v1/webhooks/${hook.id}/deliveries?status=delivered`, headers: admin })).meta
          .total === 2,
      15_000,
    )
    const ids = receiver.received.map((r) => r.headers['webhook-id'])
    t.equal(new Set(ids).size, 1, 'every attempt and the redelivery carry the same webhook-id')
    isProblem(
      t,
      await post(app, admin, `/api/v1/webhooks/${hook.id}/deliveries/${hook.id}/redeliver`),
      404,
      'NOT_FOUND',
    )

    // Unsubscribed: nothing more is sent, and its log goes with it.
    const stale = await app.inject({
      method: 'DELETE',
      url: `/api/v1/webhooks/${hook.id}`,
      headers: { ...admin, 'if-match': etag },
    })
    isProblem(t, stale, 412, 'PRECONDITION_FAILED')
    t.equal(
      (await app.inject({ method: 'DELETE', url: `/api/v1/webhooks/${hook.id}`, headers: admin })).statusCode,
      204,
    )
    const sent = receiver.received.length
    await post(app, admin, '/api/v1/articles', { title: 'After unsubscribing', authorId: thuha.id })
    await new Promise((resolve) => setTimeout(resolve, 500))
    t.equal(receiver.received.length, sent, 'nothing sent after DELETE')
    t.equal(await app.db.prisma.delivery.count({ where: { subscriptionId: hook.id } }), 0)
    isProblem(t, await app.inject({ url: `/api/v1/webhooks/${hook.id}`, headers: admin }), 404, 'NOT_FOUND')
  },
)

t.test('secret rotation: both signatures during the overlap', async (t) => {
  const receiver = await startReceiver(t)
  const app = await buildTestApp(t, LOCAL)
  const admin = await tokenHeaders(app, 'admin')
  const hook = await subscribe(app, admin, receiver.url(), ['article.created'])
  const rotated = await post(app, admin, `/api/v1/webhooks/${hook.id}/rotate-secret`)
  t.equal(rotated.statusCode, 200)
  t.equal(rotated.headers['cache-control'], 'no-store')
  const { secret, previousSecretUntil } = json(rotated)
  t.not(secret, hook.secret)
  t.ok(Date.parse(previousSecretUntil) > Date.now() + 23 * 3_600_000, 'the old secret signs for a day')
  await post(app, admin, '/api/v1/articles', { title: 'Rotated', authorId: thuha.id })
  await eventually(() => receiver.received.length === 1)
  t.equal(String(receiver.received[0]!.headers['webhook-signature']).split(' ').length, 2, 'two signatures')
  t.equal(receiver.verified(secret).length, 1, 'verified with the new secret')
  t.equal(receiver.verified(hook.secret).length, 1, 'and with the old one')
  t.equal(
    JSON.stringify(json(await app.inject({ url: `/api/v1/webhooks/${hook.id}`, headers: admin }))).includes('whsec_'),
    false,
    'never shown again',
  )
})

/** The refusal of a private, local or reserved address, at subscription (400) and in the delivery log. */
const BLOCKED =
  "the URL's host is a private, local or reserved address; to allow it, list its network (a CIDR) in the server's " +
  'WEBHOOK_ALLOW_PRIVATE_NETWORKS setting'

t.test('SSRF: private and loopback targets are refused at subscription and at delivery', async (t) => {
  const receiver = await startReceiver(t)
  const app = await buildTestApp(t, WORKER)
  const admin = await tokenHeaders(app, 'admin')
  const before = await state(app)
  const port = receiver.port
  for (const url of [
    `http://127.0.0.1:${port}/hook`,
    'http://10.0.0.1/hook',
    'http://169.254.169.254/latest/meta-data/',
    `http://[::1]:${port}/hook`,
    `http://[::ffff:127.0.0.1]:${port}/hook`,
    `http://localhost:${port}/hook`,
    'http://0.0.0.0/hook',
    'ftp://hooks.example.com/x',
    'http://user:secret@hooks.example.com/x',
  ]) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: admin,
      payload: { url, events: ['*'] },
    })
    isProblem(t, res, 400, 'VALIDATION_FAILED', '/body/url')
    // An address refusal names the setting that would allow it; a malformed URL does not.
    const [error] = (json(res) as { errors: { message: string }[] }).errors
    if (url.startsWith('http://') && !url.includes('@'))
      t.equal(error?.message, BLOCKED, `${url}: names WEBHOOK_ALLOW_PRIVATE_NETWORKS`)
    else t.notMatch(error?.message, /WEBHOOK_ALLOW_PRIVATE_NETWORKS/, `${url}: no setting cures it`)
  }
  const webhooks = await app.db.prisma.webhookSubscription.count()
  t.equal(webhooks, 0, 'no subscription stored')
  await unchanged(t, app, before)

  // A subscription whose host resolves to loopback by the time it is delivered to (here: its
  // row written as if DNS had changed since): refused before connecting, the reason logged.
  const sub = await app.db.prisma.webhookSubscription.create({
    data: {
      url: `http://localhost:${port}/hook`,
      events: ['*'],
      secret: 'whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=',
    },
  })
  await post(app, admin, '/api/v1/articles', { title: 'Not to loopback', authorId: thuha.id })
  await eventually(
    async () => (await app.db.prisma.delivery.findFirst({ where: { subscriptionId: sub.id } }))?.error != null,
    10_000,
  )
  const refused = await app.db.prisma.delivery.findFirst({ where: { subscriptionId: sub.id } })
  t.equal(refused?.error, BLOCKED, 'the delivery log names the setting too')
  t.equal(receiver.received.length, 0, 'nothing reached the receiver')
})

t.test('redirects are never followed (a redirect to loopback reaches nothing)', async (t) => {
  const target = await startReceiver(t)
  const redirector = await startReceiver(t, { host: '127.0.0.2' })
  redirector.respondWith(() => ({ status: 302, headers: { location: target.url() } }))
  const app = await buildTestApp(t, {
    ...WORKER,
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.2/32',
    WEBHOOK_RETRY_BASE_MS: 60_000,
  })
  const admin = await tokenHeaders(app, 'admin')
  const hook = await subscribe(app, admin, redirector.url(), ['article.created'])
  await post(app, admin, '/api/v1/articles', { title: 'Redirected', authorId: thuha.id })
  await eventually(() => redirector.received.length === 1)
  await eventually(
    async () =>
      json(await app.inject({ url: `/api/v1/webhooks/${hook.id}/deliveries`, headers: admin })).data[0]
        ?.responseStatus === 302,
  )
  const [delivery] = json(await app.inject({ url: `/api/v1/webhooks/${hook.id}/deliveries`, headers: admin })).data
  t.same(
    [delivery.status, delivery.error],
    ['pending', 'redirect not followed (302)'],
    'a failed attempt, retried later',
  )
  t.equal(target.received.length, 0, 'the loopback target got nothing')
})

t.test('webhook routes are for admins', async (t) => {
  const app = await buildTestApp(t)
  const editor = await tokenHeaders(app, 'editor')
  for (const [method, url] of [
    ['GET', '/api/v1/webhooks'],
    ['POST', '/api/v1/webhooks'],
    ['GET', '/api/v1/purges'],
  ] as const) {
    isProblem(
      t,
      await app.inject({
        method,
        url,
        headers: editor,
        ...(method === 'POST' ? { payload: { url: 'https://example.com', events: ['*'] } } : {}),
      }),
      403,
      'FORBIDDEN',
    )
    isProblem(t, await app.inject({ method, url }), 401, 'UNAUTHORIZED')
  }
})

t.test('every event type a receiver can get arrives exactly as the OpenAPI document describes it', async (t) => {
  const receiver = await startReceiver(t)
  const app = await buildTestApp(t, LOCAL)
  const admin = await tokenHeaders(app, 'admin')
  const hook = await subscribe(app, admin, receiver.url())
  const patch = async (url: string, payload: object) => {
    const etag = (await app.inject({ url, headers: admin })).headers.etag as string
    const res = await app.inject({ method: 'PATCH', url, headers: { ...admin, 'if-match': etag }, payload })
    if (res.statusCode !== 200) throw new Error(`PATCH ${url}: ${res.statusCode} ${res.body}`)
  }

  // Articles: every change of one article's life.
  const id = json(await post(app, admin, '/api/v1/articles', { title: 'Every event', authorId: thuha.id, tags: ['x'] }))
    .id as string
  await post(app, admin, `/api/v1/articles/${id}/publish`)
  await edit(app, admin, id, { title: 'Every event, edited', body: 'A body the events never carry.' })
  await app.inject({ method: 'DELETE', url: `/api/v1/articles/${id}`, headers: admin })
  await post(app, admin, `/api/v1/articles/${id}/restore`)
  await post(app, admin, `/api/v1/articles/${id}/unpublish`)
  await app.inject({ method: 'DELETE', url: `/api/v1/articles/${id}?permanent=true`, headers: admin })
  // Authors.
  const author = json(await post(app, admin, '/api/v1/authors', { name: 'Event Author', email: 'event@example.test' }))
  await patch(`/api/v1/authors/${author.id}`, { name: 'Event Author, renamed', slug: 'event-author-renamed' })
  await app.inject({ method: 'DELETE', url: `/api/v1/authors/${author.id}`, headers: admin })
  // Comments: approved, its text edited, withdrawn, deleted.
  const comment = json(
    await post(app, {}, `/api/v1/articles/${tram.slug}/comments`, {
      authorName: 'Ana',
      authorEmail: 'ana@example.test',
      body: 'First.',
    }),
  ).id as string
  await patch(`/api/v1/comments/${comment}`, { status: 'approved' })
  await patch(`/api/v1/comments/${comment}`, { body: 'First, corrected.' })
  await patch(`/api/v1/comments/${comment}`, { status: 'spam' })
  await app.inject({ method: 'DELETE', url: `/api/v1/comments/${comment}`, headers: admin })
  // Media: an image's text changed, then the image deleted.
  const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } })
    .png()
    .toBuffer()
  const upload = await multipartUpload(png, { alt: 'A grey square' })
  const media = json(
    await app.inject({
      method: 'POST',
      url: '/api/v1/media',
      headers: { ...admin, ...upload.headers },
      payload: upload.payload,
    }),
  ).id as string
  await patch(`/api/v1/media/${media}`, { caption: 'Grey, still' })
  await app.inject({ method: 'DELETE', url: `/api/v1/media/${media}`, headers: admin })
  await post(app, admin, `/api/v1/webhooks/${hook.id}/ping`)

  const typeOf = (body: string) => (JSON.parse(body) as { type: string }).type
  await eventually(
    () => new Set(receiver.received.map((r) => typeOf(r.body))).size >= DELIVERED_EVENT_TYPES.length,
    20_000,
    'one delivery of every event type',
  )
  t.same(
    [...DOCUMENTED_EVENT_TYPES].sort(),
    [...DELIVERED_EVENT_TYPES].sort(),
    'the document has a webhooks entry for every event type src/schemas/events.ts names',
  )
  t.equal(EVENT_TYPES.length, 16, 'the 16 change events of the README, and webhook.ping')
  const events = receiver.verified(hook.secret)
  t.same(
    [...new Set(events.map((e) => e.type))].sort(),
    [...DELIVERED_EVENT_TYPES].sort(),
    'every event type was delivered and verified',
  )
  t.same(
    receiver.received.flatMap((r) => r.problems),
    [],
    'every delivery is exactly as documented: body and Standard Webhooks headers',
  )
  t.same([...validatedEventTypes].sort(), [...DELIVERED_EVENT_TYPES].sort(), 'each one validated against its schema')

  // The check can fail: the same delivery with a title or a body in its data is not as documented.
  const updated = receiver.received.find((r) => typeOf(r.body) === 'article.updated')!
  for (const extra of ['title', 'body']) {
    const tampered = JSON.parse(updated.body) as { data: Record<string, unknown> }
    tampered.data[extra] = 'Every event, edited'
    t.match(
      deliveryProblems(JSON.stringify(tampered), updated.headers),
      [new RegExp(`^article\\.updated: body /data: unexpected property "${extra}"$`)],
      `an article event carrying "${extra}" fails`,
    )
  }
  t.match(
    deliveryProblems(updated.body, { ...updated.headers, 'webhook-signature': 'v2,abc' }),
    [/header webhook-signature/],
    'so does a signature header not as documented',
  )
})
