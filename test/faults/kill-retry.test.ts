import { randomBytes, randomInt } from 'node:crypto'
import pg from 'pg'
import t from 'tap'
import { freshDatabase } from '../support/app.js'
import { cleanEnv, startServer, type Running } from '../support/process.js'
import { requires } from '../support/requires.js'

/**
 * SIGKILL at random moments while anonymous clients POST comments with Idempotency-Keys.
 * Every request left unanswered by a kill is retried (same key, same bytes) against the
 * restarted server until it is answered; afterwards every answered key is sent once more.
 * The database must then hold exactly one comment per key, a retry of a write that had
 * committed before the kill must be its replay, and every replay must be the original bytes.
 */

const CLIENTS = 6
const KILLS = 6
/** Random moment of each kill, after the server took over. */
const KILL_AFTER_MS: [number, number] = [150, 900]
/** Hard caps: keys started, attempts per key, and the load phase's length. */
const MAX_KEYS = 2000
const MAX_ATTEMPTS_PER_KEY = 25
const LOAD_DEADLINE_MS = 30_000
/** A cold start of the server (tsx, Prisma, every route's schema) takes several seconds on a busy machine. */
const START_TIMEOUT_MS = 60_000
const REQUEST_TIMEOUT_MS = 10_000
/** Connections of this test's own pool, told apart from the server's in pg_stat_activity. */
const OWN_APP_NAME = 'kill-retry-test'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Answer {
  status: number
  body: string
  etag: string | null
  location: string | null
  contentType: string | null
  replayed: string | null
  code: string | undefined
  retryAfter: string | null
  /** Server generation that answered. */
  gen: number
}

interface KeyRecord {
  key: string
  body: string
  payload: string
  /** Attempts that got no answer: a network error, a reset, a timeout, or a 503. */
  unanswered: number
  failures: string[]
  inFlight409: number
  /** Comment rows with this body just before the attempt that got the first answer, when known (see settle). */
  rowsBefore: number | undefined
  /** The first answer that arrived (the one the client keeps). */
  first: Answer | undefined
  /** The re-send after the load: must replay `first`. */
  resend: Answer | { error: string } | undefined
}

t.test(
  'SIGKILL at random moments: each Idempotency-Key leaves one row, and every retry gets the original answer',
  { skip: requires('postgres') },
  async (t) => {
    const startedAt = Date.now()
    const { DATABASE_URL } = await freshDatabase(t)
    const dbName = new URL(DATABASE_URL!).pathname.slice(1)
    // Each server generation tags its Postgres connections (application_name in the URL, which
    // pg prefers over the pool's own), so the test can wait for exactly the killed one's to go.
    const tag = (gen: number) => `kill-retry-gen-${gen}`
    const env = (gen: number) =>
      cleanEnv({
        DATABASE_URL: `${DATABASE_URL!}?application_name=${tag(gen)}`,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
        DB_POOL_SIZE: '8',
        RATE_LIMIT_PER_MINUTE: '10000000',
        COMMENT_RATE_LIMIT: '10000000',
        COMMENT_RATE_LIMIT_PER_ARTICLE: '10000000',
        AUTH_FAILURES_PER_MINUTE: '10000000',
      })

    // Every server started is killed at the end, whatever happened.
    const servers: Running[] = []
    t.teardown(async () => {
      await Promise.all(
        servers.filter((s) => s.child.exitCode === null && s.child.signalCode === null).map((s) => s.stop('SIGKILL')),
      )
    })
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4, application_name: OWN_APP_NAME })
    pool.on('error', () => {}) // the database is dropped WITH (FORCE) in teardown
    t.teardown(() => pool.end().catch(() => {}))

    const start = async (gen: number) => {
      const server = await startServer(env(gen), START_TIMEOUT_MS)
      servers.push(server)
      return server
    }

    // The first start migrates and seeds.
    let server = await start(0)
    let current: { gen: number; url: string } | undefined = { gen: 0, url: server.url }
    const list = await fetch(`${server.url}/api/v1/articles?limit=1`, {
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
    t.equal(list.status, 200, 'the seeded database lists articles')
    const slug = ((await list.json()) as { data: { slug: string; status?: string }[] }).data[0]!.slug
    t.ok(slug, `published seed article ${slug}`)
    const path = `/api/v1/articles/${slug}/comments`

    let loadDeadline = Date.now() + START_TIMEOUT_MS + LOAD_DEADLINE_MS // set again when the load starts
    let loadOver = false
    let fatal: Error | undefined
    let kills = 0
    let attempts = 0
    const failureReasons = new Map<string, number>()
    const keys: KeyRecord[] = []

    /** The current server if its generation is past `afterGen` (or the last one, once the load is over). */
    const waitForServer = async (afterGen: number) => {
      for (;;) {
        if (fatal) throw fatal
        if (current && (current.gen > afterGen || loadOver)) return current
        if (Date.now() > loadDeadline + 20_000) throw new Error(`no server after generation ${afterGen}`)
        await sleep(20)
      }
    }

    const countRows = async (body: string) =>
      Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM comments WHERE body = $1', [body])).rows[0]!.n)

    const connectionsOf = async (gen: number) =>
      Number(
        (
          await pool.query<{ n: string }>(
            'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
            [dbName, tag(gen)],
          )
        ).rows[0]!.n,
      )
    /** Waits until no connection of killed generation `gen` is left: every transaction it had open is now committed or rolled back. */
    const drained = async (gen: number) => {
      const until = Date.now() + 15_000
      for (;;) {
        const n = await connectionsOf(gen)
        if (n === 0) return
        if (Date.now() > until) throw new Error(`${n} connections of killed generation ${gen} still open after 15 s`)
        await sleep(25)
      }
    }

    const post = async (url: string, record: KeyRecord, gen: number): Promise<Answer | { error: string }> => {
      attempts++
      try {
        const res = await fetch(url + path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': record.key },
          body: record.payload,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        })
        const body = await res.text()
        let code: string | undefined
        if (res.status >= 400) {
          try {
            code = (JSON.parse(body) as { code?: string }).code
          } catch {
            // not JSON: no code to report
          }
        }
        return {
          status: res.status,
          body,
          etag: res.headers.get('etag'),
          location: res.headers.get('location'),
          contentType: res.headers.get('content-type'),
          replayed: res.headers.get('idempotent-replayed'),
          code,
          retryAfter: res.headers.get('retry-after'),
          gen,
        }
      } catch (error) {
        const e = error as { name?: string; cause?: { code?: string; message?: string } }
        return { error: e.cause?.code ?? e.name ?? String(error) }
      }
    }

    /**
     * Sends the key until it is answered. After an unanswered attempt against generation g the
     * next goes to a server past g: by then g was killed and all its connections are gone
     * (`drained`), so the rows counted just before are what had committed before the kill.
     */
    const settle = async (record: KeyRecord) => {
      let afterGen = -1
      let failedGen: number | undefined
      for (let attempt = 0; attempt < MAX_ATTEMPTS_PER_KEY; attempt++) {
        const target = await waitForServer(afterGen)
        const rowsBefore = failedGen !== undefined && target.gen > failedGen ? await countRows(record.body) : undefined
        const res = await post(target.url, record, target.gen)
        if ('error' in res || res.status === 503) {
          const reason = 'error' in res ? res.error : '503'
          record.unanswered++
          record.failures.push(`gen ${target.gen}: ${reason}`)
          failureReasons.set(reason, (failureReasons.get(reason) ?? 0) + 1)
          failedGen = target.gen
          // Wait for the next server; once the load is over there is none, so pause and retry this one.
          afterGen = target.gen
          if (loadOver) await sleep(200)
          continue
        }
        if (res.status === 409 && res.code === 'IDEMPOTENCY_KEY_IN_FLIGHT') {
          record.inFlight409++
          await sleep(Number(res.retryAfter ?? '1') * 1000)
          afterGen = target.gen - 1 // the same server is fine
          continue
        }
        record.first = res
        record.rowsBefore = rowsBefore
        return
      }
    }

    const client = async () => {
      while (!loadOver && !fatal && keys.length < MAX_KEYS && Date.now() < loadDeadline) {
        const key = `${randomBytes(9).toString('base64url')}-${keys.length}`
        const body = `kill-retry ${key}`
        const record: KeyRecord = {
          key,
          body,
          payload: JSON.stringify({ authorName: 'Kill Retry', authorEmail: 'kill-retry@example.org', body }),
          unanswered: 0,
          failures: [],
          inFlight409: 0,
          rowsBefore: undefined,
          first: undefined,
          resend: undefined,
        }
        keys.push(record)
        await settle(record)
      }
    }

    /**
     * A cold start takes seconds (several times the whole load phase on a busy machine), so
     * generations 1 to KILLS-1 are started before the load and each takes over the moment the
     * one before it is killed: the time between a kill and its replacement serving is only the
     * wait for the killed one's connections to close. The last kill is followed by a real cold
     * restart, so the final retries also reach a process started after the crash.
     */
    const warm = Array.from({ length: KILLS - 1 }, (_, i) => start(i + 1))
    let cold: Promise<Running> | undefined
    // On a failure, every start still under way is waited for (each is bounded by START_TIMEOUT_MS),
    // so that teardown finds and kills every server process.
    const startsSettled = () => Promise.allSettled([...warm, ...(cold ? [cold] : [])])
    const connectionsAtKill: number[] = []
    const killer = async () => {
      try {
        for (let gen = 1; gen <= KILLS && Date.now() < loadDeadline; gen++) {
          await sleep(randomInt(KILL_AFTER_MS[0], KILL_AFTER_MS[1]))
          connectionsAtKill.push(await connectionsOf(gen - 1))
          const exit = await server.stop('SIGKILL')
          if (exit.signal !== 'SIGKILL')
            throw new Error(`server exited with ${exit.code}/${exit.signal} before its kill`)
          kills++
          current = undefined
          const next = gen < KILLS ? warm[gen - 1]! : (cold = start(gen))
          await drained(gen - 1)
          server = await next
          current = { gen, url: server.url }
        }
        // The last server takes some new keys too before the load ends.
        await sleep(randomInt(KILL_AFTER_MS[0], KILL_AFTER_MS[1]))
      } catch (error) {
        fatal = error as Error
        await startsSettled()
        throw error
      } finally {
        loadOver = true
      }
    }

    const warmStarted = Date.now()
    const warmed = await startsSettled()
    for (const result of warmed) if (result.status === 'rejected') throw result.reason
    const warmMs = Date.now() - warmStarted
    const loadStarted = Date.now()
    loadDeadline = loadStarted + LOAD_DEADLINE_MS
    await Promise.all([killer(), ...Array.from({ length: CLIENTS }, client)])
    const loadMs = Date.now() - loadStarted

    // Every answered key once more, against the last server: it must replay the first answer.
    const resendStarted = Date.now()
    const answered = keys.filter((k) => k.first !== undefined)
    let next = 0
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < answered.length) {
          const record = answered[next++]!
          record.resend = await post(current!.url, record, current!.gen)
        }
      }),
    )

    const resendMs = Date.now() - resendStarted

    // What the database holds.
    const grouped = await pool.query<{ body: string; n: string }>(
      `SELECT body, count(*) AS n FROM comments WHERE body LIKE 'kill-retry %' GROUP BY body`,
    )
    const rowsByBody = new Map(grouped.rows.map((r) => [r.body, Number(r.n)]))
    const idRows = await pool.query<{ id: string; body: string }>(
      `SELECT id, body FROM comments WHERE body LIKE 'kill-retry %'`,
    )
    const idsByBody = new Map<string, string[]>()
    for (const row of idRows.rows) idsByBody.set(row.body, [...(idsByBody.get(row.body) ?? []), row.id])
    const totalRows = [...rowsByBody.values()].reduce((a, b) => a + b, 0)

    const show = (record: KeyRecord) =>
      JSON.stringify({
        key: record.key,
        rows: rowsByBody.get(record.body) ?? 0,
        rowIds: idsByBody.get(record.body) ?? [],
        unanswered: record.failures,
        inFlight409: record.inFlight409,
        rowsBefore: record.rowsBefore,
        first: record.first,
        resend: record.resend,
      })
    const problems = (label: string, bad: KeyRecord[]) =>
      t.same(
        bad.map((r) => r.key),
        [],
        `${label}${bad.length ? `: ${bad.length} keys, e.g.\n${bad.slice(0, 3).map(show).join('\n')}` : ''}`,
      )

    const retried = keys.filter((k) => k.unanswered > 0)
    const checkedRetries = retried.filter((k) => k.rowsBefore !== undefined)
    const replaysAfterKill = retried.filter((k) => k.first?.replayed === 'true')
    const knownBodies = new Set(keys.map((k) => k.body))

    t.comment(
      `keys ${keys.length}, kills ${kills}, rows ${totalRows}, attempts ${attempts}, ` +
        `unanswered-then-retried ${retried.length}, of which replays ${replaysAfterKill.length} ` +
        `(committed before the kill, checked against the database: ${checkedRetries.filter((k) => k.rowsBefore! > 0).length} of ${checkedRetries.length}), ` +
        `409 in flight ${keys.reduce((n, k) => n + k.inFlight409, 0)}, ` +
        `unanswered attempts ${JSON.stringify(Object.fromEntries(failureReasons))}, warm-up of ${KILLS - 1} servers ${warmMs} ms, load ${loadMs} ms, re-send ${resendMs} ms, total ${Date.now() - startedAt} ms`,
    )

    t.equal(fatal, undefined, 'the killer loop ran to the end')
    t.ok(kills > 0, `${kills} kills`)
    t.ok(
      connectionsAtKill.every((n) => n > 0),
      `every killed server had Postgres connections open (${connectionsAtKill.join(', ')}): the wait for them to close meant something`,
    )
    t.ok(retried.length > 0, `${retried.length} keys were left unanswered by a kill and retried`)

    problems(
      'every key ended with a 201',
      keys.filter((k) => k.first?.status !== 201),
    )
    problems(
      'exactly one comment row for every key',
      keys.filter((k) => rowsByBody.get(k.body) !== 1),
    )
    problems(
      'no row for a key that never got a 201',
      keys.filter((k) => k.first?.status !== 201 && rowsByBody.has(k.body)),
    )
    t.same(
      [...rowsByBody.keys()].filter((b) => !knownBodies.has(b)),
      [],
      'no row for a body no key sent',
    )
    problems(
      'every 201 names the stored row',
      keys.filter((k) => {
        if (k.first?.status !== 201) return false
        const ids = idsByBody.get(k.body) ?? []
        return ids.length !== 1 || (JSON.parse(k.first.body) as { id?: string }).id !== ids[0]
      }),
    )
    problems(
      'a key answered on its first attempt was not a replay',
      keys.filter((k) => k.unanswered === 0 && k.first !== undefined && k.first.replayed !== null),
    )
    problems(
      'a retry of a write that had committed before the kill is its replay',
      checkedRetries.filter((k) => k.rowsBefore! > 0 && k.first?.replayed !== 'true'),
    )
    problems(
      'a retry of a write that had not committed runs it (no replay of nothing)',
      checkedRetries.filter((k) => k.rowsBefore === 0 && k.first?.replayed === 'true'),
    )
    problems(
      "every re-send replays the first answer byte for byte (201, same body and Location, no ETag on the poster's copy, idempotent-replayed: true)",
      answered.filter((k) => {
        const again = k.resend
        const first = k.first!
        return (
          !again ||
          'error' in again ||
          again.status !== 201 ||
          again.status !== first.status ||
          again.body !== first.body ||
          again.etag !== first.etag ||
          again.etag !== null ||
          again.location !== first.location ||
          again.contentType !== first.contentType ||
          again.replayed !== 'true'
        )
      }),
    )
  },
)
