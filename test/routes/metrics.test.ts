import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { buildTestApp, json, onPostgres, tokenHeaders, type Headers, type TestApp } from '../support/app.js'
import { isProblem } from '../support/assert.js'
import { startReceiver } from '../support/receiver.js'
import { thuha } from '../support/seed-facts.js'

/** The samples of a Prometheus text exposition: each line's name, labels and value. */
function samples(text: string) {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
      if (!m) throw new Error(`not a sample line: ${line}`)
      const labels = Object.fromEntries(
        [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
      )
      return { name: m[1]!, labels, value: Number(m[3]) }
    })
}

/** The value of the one sample called `name` with (at least) these labels; undefined when there is none. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples(text).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length} samples`)
  return found[0]?.value
}

async function scrape(t: Test, app: TestApp, headers: Headers): Promise<string> {
  const res = await app.inject({ url: '/metrics', headers })
  t.equal(res.statusCode, 200, `scraped (${res.statusCode})`)
  return res.body
}

t.test('GET /metrics: admin only, Prometheus text, request durations by route template', async (t) => {
  const app = await buildTestApp(t)
  isProblem(t, await app.inject('/metrics'), 401, 'UNAUTHORIZED')
  isProblem(
    t,
    await app.inject({ url: '/metrics', headers: await tokenHeaders(app, 'author', thuha.id) }),
    403,
    'FORBIDDEN',
  )

  for (let i = 0; i < 3; i++) t.equal((await app.inject('/api/v1/tags')).statusCode, 200)
  t.equal((await app.inject('/api/v1/articles/no-such-article')).statusCode, 404)
  t.equal((await app.inject('/no-such-path/at-all')).statusCode, 404)

  const admin = await tokenHeaders(app, 'admin')
  const res = await app.inject({ url: '/metrics', headers: admin })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8')
  t.equal(res.headers['cache-control'], 'no-store', 'never stored by a cache')
  const text = res.body

  t.match(text, /^# TYPE broadsheet_http_request_duration_seconds histogram$/m)
  const count = (labels: Record<string, string>) =>
    value(text, 'broadsheet_http_request_duration_seconds_count', labels)
  t.equal(count({ method: 'GET', route: '/api/v1/tags', status: '200' }), 3, 'three reads of the tags')
  t.equal(
    value(text, 'broadsheet_http_request_duration_seconds_bucket', { route: '/api/v1/tags', le: '+Inf' }),
    3,
    'each in the histogram',
  )
  t.ok(value(text, 'broadsheet_http_request_duration_seconds_sum', { route: '/api/v1/tags' })! > 0, 'took some time')
  t.equal(count({ route: '/api/v1/articles/:idOrSlug', status: '404' }), 1, 'a matched route: its template')
  t.equal(count({ route: 'unmatched', status: '404' }), 1, 'no route: "unmatched"')
  t.equal(count({ route: '/metrics', status: '401' }), 1, 'the refused scrapes count too')
  t.equal(count({ route: '/metrics', status: '403' }), 1)
  t.notMatch(text, /no-such/, 'never the URL asked for')

  t.ok(value(text, 'broadsheet_process_resident_memory_bytes')! > 0, 'process metrics')
  t.match(text, /^# TYPE broadsheet_nodejs_eventloop_lag_p99_seconds gauge$/m)
  t.match(text, /^# TYPE broadsheet_nodejs_gc_duration_seconds histogram$/m)

  // The database pool: Postgres has one, the embedded database none.
  t.equal(typeof app.db.poolStats === 'function', onPostgres)
  if (onPostgres) {
    const [total, idle, waiting] = ['total', 'idle', 'waiting'].map((state) =>
      value(text, 'broadsheet_db_pool_connections', { state }),
    )
    t.ok(total! >= 1 && total! <= 4, `open connections, DB_POOL_SIZE at most (${total})`)
    t.ok(Number.isInteger(idle) && idle! <= total!, `idle ones among them (${idle})`)
    // Whatever else is under way may wait a moment: a count, not a fixed value.
    t.ok(Number.isInteger(waiting) && waiting! >= 0, `statements waiting (${waiting})`)
  } else t.notMatch(text, /broadsheet_db_pool_connections/)

  // The read cache's own counts, as it reports them (the scrape is never cached: they did not move).
  const stats = app.readCache.stats()
  t.ok(stats.stores + stats.hits + stats.misses > 0, 'the cache saw the reads')
  for (const key of ['hits', 'misses', 'stores', 'evictions', 'invalidations', 'flushes'] as const) {
    t.match(text, new RegExp(`^# TYPE broadsheet_read_cache_${key}_total counter$`, 'm'))
    t.equal(value(text, `broadsheet_read_cache_${key}_total`), stats[key], key)
  }
  t.equal(value(text, 'broadsheet_read_cache_entries'), stats.entries)
  t.equal(value(text, 'broadsheet_read_cache_bytes'), stats.bytes)
  t.equal(value(text, 'broadsheet_read_cache_connected'), stats.connected ? 1 : 0)
})

t.test('GET /metrics: the outbox lag, and each delivery attempt by kind and outcome', async (t) => {
  const receiver = await startReceiver(t)
  const app = await buildTestApp(t, { WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32', READ_CACHE_MB: 0 })
  const admin = await tokenHeaders(app, 'admin')
  const { deliveries } = app.services
  while ((await deliveries.dispatch()) > 0);

  let text = await scrape(t, app, admin)
  t.equal(value(text, 'broadsheet_outbox_pending_events'), 0)
  t.equal(value(text, 'broadsheet_outbox_lag_seconds'), 0, 'nothing waits')
  t.equal(
    value(text, 'broadsheet_http_request_duration_seconds_count', { route: '/api/v1/tags' }),
    undefined,
    "this app's registry: none of the other app's requests",
  )
  t.notMatch(text, /broadsheet_read_cache_/, 'no read cache metrics while it is off')

  // No worker runs (buildTestApp): a new event waits until fanned out by hand.
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/articles',
    headers: admin,
    payload: { title: 'Waiting in the outbox', authorId: thuha.id },
  })
  t.equal(created.statusCode, 201)
  await sleep(100)
  text = await scrape(t, app, admin)
  t.equal(value(text, 'broadsheet_outbox_pending_events'), 1)
  t.ok(value(text, 'broadsheet_outbox_lag_seconds')! >= 0.09, 'the oldest waited since it was written')
  t.equal(await deliveries.dispatch(), 1)
  text = await scrape(t, app, admin)
  t.equal(value(text, 'broadsheet_outbox_pending_events'), 0)
  t.equal(value(text, 'broadsheet_outbox_lag_seconds'), 0)

  const hook = await app.inject({
    method: 'POST',
    url: '/api/v1/webhooks',
    headers: admin,
    payload: { url: receiver.url(), events: ['author.updated'] },
  })
  t.equal(hook.statusCode, 201)
  const ping = () => app.inject({ method: 'POST', url: `/api/v1/webhooks/${json(hook).id}/ping`, headers: admin })
  const outcomes = (body: string) =>
    Object.fromEntries(
      samples(body)
        .filter((s) => s.name === 'broadsheet_webhook_deliveries_total')
        .map((s) => [`${s.labels.kind} ${s.labels.outcome}`, s.value]),
    )
  const none = {
    'webhook delivered': 0,
    'webhook retry': 0,
    'webhook failed': 0,
    'cdn delivered': 0,
    'cdn retry': 0,
    'cdn failed': 0,
  }
  t.same(outcomes(text), none, 'every series from zero')

  t.equal((await ping()).statusCode, 202)
  t.equal(await deliveries.deliverDue(), 1)
  t.equal(receiver.received.length, 1)
  t.same(outcomes(await scrape(t, app, admin)), { ...none, 'webhook delivered': 1 })

  receiver.respondWith(() => ({ status: 503 }))
  t.equal((await ping()).statusCode, 202)
  t.equal(await deliveries.deliverDue(), 1)
  t.equal(receiver.received.length, 2)
  t.same(
    outcomes(await scrape(t, app, admin)),
    { ...none, 'webhook delivered': 1, 'webhook retry': 1 },
    'a failed attempt tried again later',
  )
  t.match(text, /^# TYPE broadsheet_webhook_deliveries_total counter$/m)
})
