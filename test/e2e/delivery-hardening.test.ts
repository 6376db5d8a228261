import { gzipSync } from 'node:zlib'
import t from 'tap'
import { buildTestApp, json, tokenHeaders, type Headers, type TestApp } from '../support/app.js'
import { isProblem } from '../support/assert.js'
import { eventually, startReceiver, startScriptedReceiver } from '../support/receiver.js'
import { harbour, tram } from '../support/seed-facts.js'

/**
 * The delivery worker against receivers that misbehave: one that never answers holds one
 * sending slot (and no receiver more than half of them), not the worker; concurrent
 * redeliveries of one event queue it once; whatever a receiver answers (NUL bytes, gzip, bytes
 * that are not UTF-8) is recorded, so a failing delivery backs off instead of repeating at
 * every lease end.
 */

const LOCAL = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32' }
/** The worker as in the server, polling often. */
const WORKER = { ...LOCAL, RUN_BACKGROUND_JOBS: true, DELIVERY_POLL_MS: 100 }

async function subscribe(app: TestApp, admin: Headers, url: string) {
  // Pings go to their one subscription whatever it asked for; no article event goes here.
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/webhooks',
    headers: admin,
    payload: { url, events: ['author.deleted'] },
  })
  if (res.statusCode !== 201) throw new Error(`subscribe: ${res.statusCode} ${res.body}`)
  return json(res) as { id: string; secret: string }
}

async function ping(app: TestApp, admin: Headers, hookId: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: `/api/v1/webhooks/${hookId}/ping`, headers: admin })
  if (res.statusCode !== 202) throw new Error(`ping: ${res.statusCode} ${res.body}`)
  return json(res).deliveryId as string
}

async function deliveries(app: TestApp, admin: Headers, hookId: string) {
  return json(await app.inject({ url: `/api/v1/webhooks/${hookId}/deliveries?limit=100`, headers: admin })).data as {
    id: string
    status: string
    attempts: number
    nextAttemptAt: string | null
    responseStatus: number | null
    responseBody: string | null
    error: string | null
  }[]
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits for `receiver` to get a request, at most `withinMs`; how long it took. */
async function arrival(
  receiver: { received: unknown[] },
  count: number,
  withinMs: number,
  what: string,
): Promise<number> {
  const started = Date.now()
  await eventually(() => receiver.received.length >= count, withinMs, what)
  return Date.now() - started
}

t.test(
  'a receiver that never answers holds its slots, not the worker; no receiver gets more than half of them',
  async (t) => {
    const dead = await startScriptedReceiver(t, () => {}) // reads the request, never answers
    const fast = await startReceiver(t)
    // Four slots: at most two for one receiver. An attempt may take 10 s.
    const app = await buildTestApp(t, { ...WORKER, WEBHOOK_TIMEOUT_MS: 10_000, WEBHOOK_CONCURRENCY: 4 })
    // The attempts the dead receiver holds end at once when it closes, so closing the app does not wait 10 s.
    t.teardown(dead.close)
    const admin = await tokenHeaders(app, 'admin')
    const slow = await subscribe(app, admin, dead.url())
    const quick = await subscribe(app, admin, fast.url())

    await ping(app, admin, slow.id)
    await arrival(dead, 1, 5_000, 'the dead receiver reached')
    await sleep(1_000)
    await ping(app, admin, quick.id)
    const first = await arrival(fast, 1, 2_000, 'the other receiver served while the dead one holds its attempt')
    t.pass(`the fast receiver got its ping ${first} ms after it was sent, beside an attempt waiting for 10 s`)

    // Five more pings to the dead receiver: it gets two slots in all, never the four.
    for (let i = 0; i < 5; i++) await ping(app, admin, slow.id)
    await arrival(dead, 2, 5_000, 'a second attempt at the dead receiver')
    await sleep(500)
    t.equal(dead.received.length, 2, 'two attempts in flight at the dead receiver (its cap), however many are due')
    const log = await deliveries(app, admin, slow.id)
    t.same(log.map((d) => d.attempts).sort(), [0, 0, 0, 0, 1, 1], 'the others wait, unclaimed')
    await ping(app, admin, quick.id)
    const second = await arrival(fast, 2, 2_000, 'the other receiver served while the dead one is at its cap')
    t.pass(`and the next ping ${second} ms after it was sent`)
  },
)

t.test('a CDN that never answers holds at most half the slots too', async (t) => {
  const deadCdn = await startScriptedReceiver(t, () => {})
  const fast = await startReceiver(t)
  const app = await buildTestApp(t, {
    ...WORKER,
    WEBHOOK_TIMEOUT_MS: 10_000,
    WEBHOOK_CONCURRENCY: 4,
    CDN_PURGE: `varnish:${deadCdn.url('/')}`,
  })
  t.teardown(deadCdn.close)
  const admin = await tokenHeaders(app, 'admin')
  const quick = await subscribe(app, admin, fast.url())
  // Each edit of a live article is a purge; each waits for the one before to be claimed, so
  // without a cap each would become a request of its own, taking a slot each.
  for (const [i, article] of [tram, harbour, tram, harbour].entries()) {
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/v1/articles/${article.id}`,
      headers: { ...admin, 'if-match': '*' },
      payload: { body: `Edit ${i}.` },
    })
    t.equal(res.statusCode, 200)
    if (i < 2) await arrival(deadCdn, i + 1, 5_000, `purge request ${i + 1}`)
    else await sleep(500)
  }
  t.equal(deadCdn.received.length, 2, 'two purge requests in flight at the CDN (its cap)')
  await ping(app, admin, quick.id)
  const took = await arrival(fast, 1, 2_000, 'the webhook served while the CDN holds its requests')
  t.pass(`the webhook got its ping ${took} ms after it was sent`)
})

t.test('an answer drip-fed or without end holds its slot for at most WEBHOOK_TIMEOUT_MS', async (t) => {
  const drip = await startScriptedReceiver(t, (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    const timer = setInterval(() => res.write('.'), 50)
    res.on('close', () => clearInterval(timer))
  })
  const endless = await startScriptedReceiver(t, (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    const pump = () => {
      while (!res.destroyed && res.write('x'.repeat(16 * 1024)));
    }
    res.on('drain', pump)
    pump()
  })
  const app = await buildTestApp(t, { ...LOCAL, WEBHOOK_TIMEOUT_MS: 800, WEBHOOK_RETRY_BASE_MS: 60_000 })
  const admin = await tokenHeaders(app, 'admin')
  const dripping = await subscribe(app, admin, drip.url())
  const flooding = await subscribe(app, admin, endless.url())
  await ping(app, admin, dripping.id)
  await ping(app, admin, flooding.id)
  const started = Date.now()
  t.equal(await app.services.deliveries.deliverDue(), 2)
  const took = Date.now() - started
  t.ok(
    took < 5_000,
    `both attempts over within the timeout and the recording (${took} ms), not whenever the receivers stop`,
  )
  const [dripped] = await deliveries(app, admin, dripping.id)
  t.same(
    [dripped!.status, dripped!.attempts, dripped!.error],
    ['pending', 1, 'timed out after 800 ms'],
    'the drip-feed is cut at the deadline, body read included',
  )
  const [flooded] = await deliveries(app, admin, flooding.id)
  t.same(
    [flooded!.status, flooded!.responseStatus, flooded!.responseBody],
    ['delivered', 200, 'x'.repeat(1024)],
    'the endless answer is read up to its bound; the log keeps 1 KB',
  )
})

t.test('concurrent redeliveries of one event: one is queued, the others are 409', async (t) => {
  const receiver = await startReceiver(t)
  // Enough connections for the eight requests to run at once on Postgres; the worker is this test.
  const app = await buildTestApp(t, { ...LOCAL, DB_POOL_SIZE: 10 })
  const admin = await tokenHeaders(app, 'admin')
  const hook = await subscribe(app, admin, receiver.url())
  const deliveryId = await ping(app, admin, hook.id)
  t.equal(await app.services.deliveries.deliverDue(), 1)
  t.equal(receiver.received.length, 1)
  for (let round = 1; round <= 4; round++) {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        app.inject({
          method: 'POST',
          url: `/api/v1/webhooks/${hook.id}/deliveries/${deliveryId}/redeliver`,
          headers: admin,
        }),
      ),
    )
    const statuses = answers.map((res) => res.statusCode)
    t.same(
      [statuses.filter((s) => s === 202).length, statuses.filter((s) => s === 409).length],
      [1, 7],
      `round ${round}: one 202, seven 409 (${statuses.join(' ')})`,
    )
    for (const res of answers) if (res.statusCode === 409) isProblem(t, res, 409, 'CONFLICT')
    t.equal(await app.services.deliveries.deliverDue(), 1, `round ${round}: one copy was queued`)
    t.equal(receiver.received.length, 1 + round, `round ${round}: the receiver got it once`)
  }
  t.equal(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size, 1, 'every copy with the same webhook-id')
  t.same(
    (await deliveries(app, admin, hook.id)).map((d) => d.status),
    Array(5).fill('delivered'),
  )
})

t.test('whatever a receiver answers is recorded: a failure backs off and is counted', async (t) => {
  const answers: Record<string, { status: number; headers?: Record<string, string>; body: Buffer }> = {
    '/nul-ok': { status: 200, body: Buffer.from('ok\0tail') },
    '/nul-error': { status: 500, body: Buffer.from('broken\0\0\0 and more') },
    '/gzip': {
      status: 500,
      headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' },
      body: gzipSync('{"error":"broken"}'),
    },
    '/latin1': { status: 500, body: Buffer.from('Erreur: caf\xe9 cr\xe8me br\xfbl\xe9e', 'latin1') },
    '/binary': { status: 500, body: Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256)) },
    '/purge': { status: 200, body: Buffer.from('purged\0') },
  }
  const receiver = await startScriptedReceiver(t, (request, res) => {
    const answer = answers[request.url]!
    res.writeHead(answer.status, answer.headers ?? {}).end(answer.body)
  })
  const app = await buildTestApp(t, {
    ...LOCAL,
    WEBHOOK_RETRY_BASE_MS: 60_000,
    CDN_PURGE: `varnish:${receiver.url('/purge')}`,
  })
  const admin = await tokenHeaders(app, 'admin')
  const hooks = new Map<string, string>()
  for (const path of ['/nul-ok', '/nul-error', '/gzip', '/latin1', '/binary']) {
    const hook = await subscribe(app, admin, receiver.url(path))
    hooks.set(path, hook.id)
    await ping(app, admin, hook.id)
  }
  // An edit of a live article: a purge, whose answer holds a NUL too.
  await app.inject({
    method: 'PATCH',
    url: `/api/v1/articles/${tram.id}`,
    headers: { ...admin, 'if-match': '*' },
    payload: { body: 'Edited.' },
  })
  await app.services.deliveries.dispatch()
  const started = Date.now()
  t.equal(await app.services.deliveries.deliverDue(), 6, 'five webhook deliveries and a purge, each attempted once')

  const [ok] = await deliveries(app, admin, hooks.get('/nul-ok')!)
  t.same(
    [ok!.status, ok!.attempts, ok!.responseStatus, ok!.responseBody],
    ['delivered', 1, 200, '[binary response, 7 bytes]'],
    'a 200 with a NUL in it is delivered',
  )
  const expected: Record<string, string> = {
    '/nul-error': `[binary response, ${answers['/nul-error']!.body.length} bytes]`,
    '/gzip': `[gzip-encoded response, ${answers['/gzip']!.body.length} bytes]`,
    '/latin1': 'Erreur: caf\uFFFD cr\uFFFDme br\uFFFDl\uFFFDe',
    '/binary': '[binary response, 300 bytes]',
  }
  for (const [path, body] of Object.entries(expected)) {
    const [failed] = await deliveries(app, admin, hooks.get(path)!)
    t.same(
      [failed!.status, failed!.attempts, failed!.responseStatus, failed!.responseBody, failed!.error],
      ['pending', 1, 500, body, 'answered 500'],
      `${path}: a failed attempt, recorded`,
    )
    t.ok(
      Date.parse(failed!.nextAttemptAt!) > started + 20_000,
      `${path}: retried after the backoff, not at the lease end`,
    )
    const hook = json(await app.inject({ url: `/api/v1/webhooks/${hooks.get(path)}`, headers: admin }))
    t.equal(hook.consecutiveFailures, 1, `${path}: the failure counts`)
  }
  const [purge] = json(await app.inject({ url: '/api/v1/purges', headers: admin })).data
  t.same(
    [purge.status, purge.responseStatus, purge.responseBody],
    ['delivered', 200, '[binary response, 7 bytes]'],
    'a purge answer is recorded the same way',
  )

  t.equal(await app.services.deliveries.deliverDue(), 0, 'nothing is due again: every outcome was recorded')
})

t.test('an attempt the log refuses is recorded without the answer, with its backoff', async (t) => {
  const receiver = await startReceiver(t)
  receiver.respondWith(() => ({ status: 500, body: 'poison' }))
  const app = await buildTestApp(t, { ...LOCAL, WEBHOOK_RETRY_BASE_MS: 60_000 })
  const admin = await tokenHeaders(app, 'admin')
  const hook = await subscribe(app, admin, receiver.url())
  await ping(app, admin, hook.id)
  // The database refuses, for a moment, any statement that carries this answer (as Postgres
  // refuses a NUL); the worker reads `db.query` at each statement.
  const warnings: string[] = []
  const query = app.db.query
  app.db.query = (statement) =>
    statement.values.some((value) => typeof value === 'string' && value.includes('poison'))
      ? Promise.reject(new Error('invalid byte sequence for encoding "UTF8": 0x00'))
      : query(statement)
  const warn = app.log.warn
  app.log.warn = ((_details: object, message: string) => void warnings.push(message)) as typeof warn
  const started = Date.now()
  try {
    t.equal(await app.services.deliveries.deliverDue(), 1)
  } finally {
    app.db.query = query
    app.log.warn = warn
  }
  const [delivery] = await deliveries(app, admin, hook.id)
  t.same(
    [delivery!.status, delivery!.attempts, delivery!.responseStatus, delivery!.responseBody, delivery!.error],
    ['pending', 1, 500, '[the answer could not be logged]', 'answered 500'],
    'the outcome is recorded without the answer',
  )
  t.ok(Date.parse(delivery!.nextAttemptAt!) > started + 20_000, 'with its backoff')
  t.equal(
    json(await app.inject({ url: `/api/v1/webhooks/${hook.id}`, headers: admin })).consecutiveFailures,
    1,
    'and the failure counted',
  )
  t.equal(warnings.length, 1, 'the refusal is logged')
})
