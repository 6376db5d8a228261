import pg from 'pg'
import t from 'tap'
import { freshDatabase } from '../support/app.js'
import { cleanEnv, startServer, type Running } from '../support/process.js'
import { eventually, startReceiver } from '../support/receiver.js'
import { requires } from '../support/requires.js'

/**
 * The outbox and its workers across real server processes on one Postgres database: two
 * processes deliver each event once, and a server killed with SIGKILL in a burst of edits
 * loses no committed change's event and invents none for a change that did not commit.
 */
const skip = requires('postgres', 'several processes share one database')
const ADMIN_TOKEN = 'webhook-processes-admin-token-0123456789'

async function query<Row = Record<string, unknown>>(url: string, text: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text)).rows as Row[]
  } finally {
    await client.end()
  }
}

function client(server: () => Running) {
  return async (method: string, path: string, body?: object, headers: Record<string, string> = {}) => {
    const res = await fetch(server().url + path, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined }
  }
}

/** Every event fanned out and every delivery settled. */
async function drained(url: string): Promise<boolean> {
  const [row] = await query<{ open: string }>(
    url,
    `SELECT (SELECT count(*) FROM outbox_events WHERE dispatched_at IS NULL) + (SELECT count(*) FROM deliveries WHERE status = 'pending') AS open`,
  )
  return Number(row!.open) === 0
}

t.test('two server processes on one database', { skip }, async (t) => {
  const { DATABASE_URL } = await freshDatabase(t)
  const env = cleanEnv({
    DATABASE_URL: DATABASE_URL!,
    ADMIN_TOKEN,
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32',
    RATE_LIMIT_PER_MINUTE: '10000000',
    DELIVERY_POLL_MS: '100',
    WEBHOOK_RETRY_BASE_MS: '200',
  })
  const servers = { a: await startServer(env), b: await startServer(env) }
  t.teardown(() => Promise.all([servers.a.stop(), servers.b.stop()]))
  const onA = client(() => servers.a)
  const onB = client(() => servers.b)
  const author = (await onA('GET', '/api/v1/authors?limit=1')).body.data[0].id
  const articles = async (prefix: string) => {
    const ids: string[] = []
    for (let i = 0; i < 10; i++)
      ids.push(
        (await (i % 2 ? onA : onB)('POST', '/api/v1/articles', { title: `${prefix} ${i}`, authorId: author })).body.id,
      )
    return ids
  }

  await t.test('each event is delivered once per subscription', async (t) => {
    const receiver = await startReceiver(t)
    const hook = (await onA('POST', '/api/v1/webhooks', { url: receiver.url(), events: ['*'] })).body
    const ids = await articles('Two workers')
    // 100 edits, half through each process, ten at a time.
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        ids.map((id, i) =>
          ((round + i) % 2 ? onA : onB)(
            'PATCH',
            `/api/v1/articles/${id}`,
            { body: `Round ${round}` },
            { 'if-match': '*' },
          ),
        ),
      )
    }
    await eventually(() => drained(DATABASE_URL!), 30_000, 'every delivery settled')
    const events = receiver.verified(hook.secret)
    const counts = new Map<string, number>()
    for (const e of events) counts.set(e.id, (counts.get(e.id) ?? 0) + 1)
    const [outboxed] = await query<{ n: string }>(
      DATABASE_URL!,
      `SELECT count(*) AS n FROM outbox_events WHERE type LIKE 'article.%'`,
    )
    t.equal(events.length, 110, '110 deliveries (10 creates, 100 edits), every one verified')
    t.equal(counts.size, Number(outboxed!.n), 'one per event in the outbox')
    t.same(
      [...counts.values()].filter((c) => c !== 1),
      [],
      'no event sent twice by the two workers',
    )
    for (const id of ids) {
      const sequences = events.filter((e) => e.data.id === id).map((e) => e.data.sequence)
      t.same(
        sequences,
        Array.from({ length: 11 }, (_, i) => i + 1),
        `article ${id.slice(0, 8)}: 1..11 in order`,
      )
    }
    t.equal(
      (await onA('DELETE', `/api/v1/webhooks/${hook.id}`)).status,
      204,
      'unsubscribed (its receiver goes with this test)',
    )
  })

  await t.test('SIGKILL in a burst of 200 edits: every committed change is delivered, nothing else', async (t) => {
    const receiver = await startReceiver(t)
    const hook = (await onA('POST', '/api/v1/webhooks', { url: receiver.url(), events: ['article.updated'] })).body
    const ids = await articles('Burst')
    // 200 edits through process A, ten at a time; A is killed once 60 have been answered (B,
    // which takes none of them, goes on delivering), then started again.
    let answered = 0
    let failed = 0
    const killed = (async () => {
      await eventually(() => answered >= 60, 60_000, '60 answered edits')
      servers.a.child.kill('SIGKILL')
    })()
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        ids.map(async (id) => {
          try {
            const res = await onA(
              'PATCH',
              `/api/v1/articles/${id}`,
              { body: `Edit ${round} of ${id}` },
              { 'if-match': '*' },
            )
            if (res.status === 200) answered++
            else failed++
          } catch {
            failed++ // the connection died with the server: committed or not, the client cannot tell
          }
        }),
      )
    }
    await killed
    t.ok(failed > 0, `${answered} edits answered, ${failed} lost with the server`)
    servers.a = await startServer(env)
    await eventually(() => drained(DATABASE_URL!), 60_000, 'every delivery settled after the restart')

    // Committed changes: the update revisions in the database (written in the same statement as
    // their events). Delivered: the distinct events the receiver verified.
    const committed = await query<{ article_id: string; number: number }>(
      DATABASE_URL!,
      `SELECT article_id, number FROM article_revisions WHERE action = 'update' AND article_id IN (${ids.map((id) => `'${id}'`).join(',')})`,
    )
    const delivered = new Map(receiver.verified(hook.secret).map((e) => [e.id, e]))
    t.ok(committed.length >= answered, `${committed.length} committed edits (at least the ${answered} answered)`)
    t.equal(
      delivered.size,
      committed.length,
      'every committed change delivered, and no event for one that did not commit',
    )
    for (const id of ids) {
      const mine = [...delivered.values()]
        .filter((e) => e.data.id === id)
        .map((e) => e.data.sequence)
        .sort((x, y) => x - y)
      const revisions = committed.filter((r) => r.article_id === id).length
      // created = 1, then one event per committed edit: 2, 3, … without a gap.
      t.same(
        mine,
        Array.from({ length: revisions }, (_, i) => i + 2),
        `article ${id.slice(0, 8)}: events 2..${revisions + 1}, no gap, no extra`,
      )
    }
  })
})
