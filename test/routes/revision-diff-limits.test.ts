import http from 'node:http'
import type net from 'node:net'
import t from 'tap'
import { buildTestApp, json, tokenHeaders, type Headers, type TestApp } from '../support/app.js'
import { isProblem } from '../support/assert.js'
import { createAuthor } from '../support/factories.js'

/**
 * A body diff is bounded work: two huge, unrelated bodies cannot hold the server. The line
 * diff is computed in slices with a time limit, its answer lists at most DIFF_MAX_LINES lines
 * (changes with a little context; `truncated` when cut) with the true totals in `summary`,
 * and one token has at most DIFF_CONCURRENT_PER_TOKEN diffs in flight per process (429 past
 * that). Measured over real HTTP on one shared event loop, while /health/live is polled.
 */

const LINES = 250_000
/** `LINES` one-character lines cycling through `letters`: 499,999 characters, under the body's maxLength. */
const hugeBody = (letters: string) => Array.from({ length: LINES }, (_, i) => letters[i % letters.length]).join('\n')
/** Two bodies without a single line in common: no search can do better than "all removed, all added". */
const BEFORE = hugeBody('abcdefghijklm')
const AFTER = hugeBody('nopqrstuvwxyz')
/** BEFORE's lines in reverse order: the same lines, so the search runs, until its time or edit limit. */
const MOVED = BEFORE.split('\n').reverse().join('\n')
const MB = 1024 * 1024

interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
  bytes: number
}

/** One GET over a new TCP connection. */
function get(port: number, path: string, headers: Headers = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const buffer = Buffer.concat(chunks)
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: buffer.toString('utf8'),
          bytes: buffer.length,
        })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
  })
}

/**
 * Polls /health/live every `everyMs` until `stop()`. A poll's latency counts from when it was
 * due, not from when its timer managed to fire: a blocked event loop delays both.
 */
function pollLiveness(port: number, everyMs = 20) {
  const latencies: number[] = []
  let running = true
  const done = (async () => {
    while (running) {
      const due = performance.now() + everyMs
      await new Promise((resolve) => setTimeout(resolve, everyMs))
      const res = await get(port, '/health/live')
      if (res.status !== 200) throw new Error(`/health/live answered ${res.status}`)
      latencies.push(performance.now() - due)
    }
  })()
  return {
    async stop() {
      running = false
      await done
      return { polls: latencies.length, max: Math.max(...latencies) }
    },
  }
}

async function patch(app: TestApp, headers: Headers, id: string, payload: object) {
  const etag = (await app.inject({ url: `/api/v1/articles/${id}`, headers })).headers.etag as string
  const res = await app.inject({
    method: 'PATCH',
    url: `/api/v1/articles/${id}`,
    headers: { ...headers, 'if-match': etag },
    payload,
  })
  if (res.statusCode !== 200) throw new Error(`PATCH ${id}: ${res.statusCode} ${res.body.slice(0, 500)}`)
}

/** An article of the author's own, created and then given each body in turn: revisions 1, then 2, 3, … */
async function articleWith(app: TestApp, headers: Headers, ...bodies: string[]) {
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/articles',
    headers,
    payload: { title: 'A long read', body: 'Draft.' },
  })
  if (created.statusCode !== 201) throw new Error(`POST: ${created.statusCode} ${created.body}`)
  const id = json(created).id as string
  for (const body of bodies) await patch(app, headers, id, { body })
  return id
}

async function listening(app: TestApp) {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as net.AddressInfo).port
}

interface Line {
  kind: 'unchanged' | 'added' | 'removed'
  text: string
  fromLine: number | null
  toLine: number | null
}
const bodyChange = (answer: { body: string }) => json(answer).changes.find((c: { field: string }) => c.field === 'body')

// One app for the whole file, listening on 127.0.0.1: building it (migrations) is the slow
// part, and the huge bodies are written once.
t.test('revision diffs are bounded work', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const port = await listening(app)
  const { id: authorId } = await createAuthor(app)
  const author = await tokenHeaders(app, 'author', authorId)
  const sameAuthor = await tokenHeaders(app, 'author', authorId)
  const editor = await tokenHeaders(app, 'editor')
  const id = await articleWith(app, author, BEFORE, AFTER, MOVED)
  const unrelated = `/api/v1/articles/${id}/revisions/3/diff?against=2`
  const moved = `/api/v1/articles/${id}/revisions/4/diff?against=2`
  // Warm up what a first request pays once (the response contract compiles its validators).
  t.equal((await get(port, `/api/v1/articles/${id}/revisions/2/diff?against=1`, author)).status, 200)
  t.equal(
    (
      await get(port, `/api/v1/articles/${id}/revisions/2/diff?against=1`, {
        ...author,
        accept: 'application/json-patch+json',
      })
    ).status,
    200,
  )
  t.equal((await get(port, '/health/live')).status, 200)

  t.test(
    'four concurrent diffs of huge bodies (unrelated, and the same lines moved): bounded answers, and the server stays live',
    async (t) => {
      const poll = pollLiveness(port)
      const started = performance.now()
      // Two tokens, two diffs each: the most each may have in flight, so all four compute.
      const answers = await Promise.all([
        get(port, unrelated, author),
        get(port, moved, author),
        get(port, unrelated, sameAuthor),
        get(port, moved, sameAuthor),
      ])
      const patches = await Promise.all(
        [author, sameAuthor].map((headers) =>
          get(port, unrelated, { ...headers, accept: 'application/json-patch+json' }),
        ),
      )
      const elapsed = performance.now() - started
      const live = await poll.stop()
      t.comment(
        `diffs took ${Math.round(elapsed)} ms; /health/live: ${live.polls} polls, max ${Math.round(live.max)} ms; answers ${answers.map((a) => a.bytes).join(', ')} bytes`,
      )

      t.ok(live.polls >= 5, `/health/live was polled while the diffs ran (${live.polls} times)`)
      t.ok(live.max < 200, `/health/live answered within 200 ms throughout (max ${Math.round(live.max)} ms)`)
      for (const answer of answers) {
        t.equal(answer.status, 200)
        t.ok(answer.bytes < 2 * MB, `the answer is bounded (${answer.bytes} bytes)`)
      }
      for (const [answer, after] of [
        [answers[0]!, AFTER],
        [answers[1]!, MOVED],
      ] as const) {
        const body = bodyChange(answer)
        t.equal(body.before, BEFORE, 'before: the whole old body')
        t.equal(body.after, after, 'after: the whole new body')
        t.same(body.summary, { added: LINES, removed: LINES, unchanged: 0 }, 'summary: the true totals')
        t.equal(body.truncated, true, 'the line list is cut')
        t.equal(body.lines.length, 2000, 'at DIFF_MAX_LINES (default 2000) lines')
        t.same(
          body.lines.slice(0, 2),
          [
            { kind: 'removed', text: 'a', fromLine: 1, toLine: null },
            { kind: 'removed', text: 'b', fromLine: 2, toLine: null },
          ],
          'in order from the first line',
        )
      }
      t.equal(answers[2]!.body, answers[0]!.body, 'the same answer for the other token')
      t.equal(answers[3]!.body, answers[1]!.body, 'the same answer for the other token')

      for (const answer of patches) {
        t.equal(answer.status, 200)
        t.match(answer.headers['content-type'], /^application\/json-patch\+json/)
        t.ok(answer.bytes < 2 * MB, `the JSON Patch is bounded (${answer.bytes} bytes)`)
        t.same(json(answer), [{ op: 'replace', path: '/body', value: AFTER }], 'one replace of the body')
      }
    },
  )

  t.test('one token has at most DIFF_CONCURRENT_PER_TOKEN (default 2) diffs in flight; the rest are 429', async (t) => {
    const poll = pollLiveness(port)
    // The diff whose search runs (about a second): the first two are still running when the others arrive.
    const [mine, other] = await Promise.all([
      Promise.all([1, 2, 3, 4].map(() => get(port, moved, author))),
      get(port, moved, editor),
    ])
    const live = await poll.stop()
    t.same(mine.map((a) => a.status).sort(), [200, 200, 429, 429], 'two diffs run, two are refused')
    for (const refused of mine.filter((a) => a.status === 429)) {
      isProblem(t, { statusCode: refused.status, headers: refused.headers, body: refused.body }, 429, 'RATE_LIMITED')
      t.match(refused.headers['retry-after'], /^[0-9]+$/, 'with Retry-After')
    }
    t.equal(other.status, 200, 'another token is not held back')
    t.comment(`/health/live meanwhile: ${live.polls} polls, max ${Math.round(live.max)} ms`)
    t.equal((await get(port, unrelated, author)).status, 200, 'once they are done, the token diffs again')
  })

  t.test('a long diff lists its changes with context, capped at DIFF_MAX_LINES with the true totals', async (t) => {
    const numbered = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`)
    const old = numbered(3000)
    // Line 10 rewritten, a line added after line 2000: 3,002 lines of diff, over the cap of 2000.
    const edited = [...old.slice(0, 9), 'line 10, rewritten', ...old.slice(10, 2000), 'a new line', ...old.slice(2000)]
    const long = await articleWith(app, author, old.join('\n'), edited.join('\n'))
    const res = await app.inject({ url: `/api/v1/articles/${long}/revisions/3/diff?against=2`, headers: author })
    t.equal(res.statusCode, 200)
    const body = bodyChange(res)
    t.same(body.summary, { added: 2, removed: 1, unchanged: 2999 })
    t.equal(body.truncated, false, 'every change is listed')
    const u = (n: number, m = n): Line => ({ kind: 'unchanged', text: `line ${n}`, fromLine: n, toLine: m })
    t.same(
      body.lines,
      [
        u(7),
        u(8),
        u(9),
        { kind: 'removed', text: 'line 10', fromLine: 10, toLine: null },
        { kind: 'added', text: 'line 10, rewritten', fromLine: null, toLine: 10 },
        u(11),
        u(12),
        u(13),
        u(1998),
        u(1999),
        u(2000),
        { kind: 'added', text: 'a new line', fromLine: null, toLine: 2001 },
        u(2001, 2002),
        u(2002, 2003),
        u(2003, 2004),
      ],
      'three unchanged lines around each change; the stretches between are left out',
    )

    // Lines 11 to 2010 of 3000 rewritten: more changed lines than the cap.
    const rewritten = old.map((line, i) => (i >= 10 && i < 2010 ? `${line}, rewritten` : line))
    const cutId = await articleWith(app, author, old.join('\n'), rewritten.join('\n'))
    const cut = bodyChange(
      await app.inject({ url: `/api/v1/articles/${cutId}/revisions/3/diff?against=2`, headers: author }),
    )
    t.same(cut.summary, { added: 2000, removed: 2000, unchanged: 1000 }, 'the true totals')
    t.equal(cut.truncated, true)
    t.equal(cut.lines.length, 2000, 'cut at the cap')
    t.same(
      cut.lines.slice(0, 4),
      [u(8), u(9), u(10), { kind: 'removed', text: 'line 11', fromLine: 11, toLine: null }],
      'context first',
    )
    t.same(
      cut.lines.at(-1),
      { kind: 'removed', text: 'line 2007', fromLine: 2007, toLine: null },
      'then the changes, up to the cap',
    )

    // Within the cap, every line is listed, unchanged ones included, as always.
    const short = await articleWith(app, author, 'one\ntwo\nthree', 'one\n2\nthree')
    const small = bodyChange(await app.inject({ url: `/api/v1/articles/${short}/revisions/3/diff`, headers: author }))
    t.same(small.lines, [
      { kind: 'unchanged', text: 'one', fromLine: 1, toLine: 1 },
      { kind: 'removed', text: 'two', fromLine: 2, toLine: null },
      { kind: 'added', text: '2', fromLine: null, toLine: 2 },
      { kind: 'unchanged', text: 'three', fromLine: 3, toLine: 3 },
    ])
    t.same(small.summary, { added: 1, removed: 1, unchanged: 2 })
    t.equal(small.truncated, false)
  })
})
