import net from 'node:net'
import type { Test } from 'tap'
import t from 'tap'
import { CATALOGUE, PROBLEM_CONTENT_TYPE, type ProblemCode } from '../../src/errors.js'
import { buildTestApp, json, tokenHeaders, type Headers, type TestApp } from '../support/app.js'
import { isProblem, noLeak, state, unchanged, type Res } from '../support/assert.js'
import { createArticle, createAuthor, createComment } from '../support/factories.js'

/**
 * The HTTP layer under the routes, over a real socket: what Node's parser refuses (oversized
 * request lines and headers, ambiguous framing, a body that stalls) is answered problem+json
 * and the connection closed, and a request without Host is a problem+json saying so; and the
 * caching headers of a response depend on the route that answered and on the caller, never on
 * how the URL was spelled.
 */

// ---------------------------------------------------------------------------------------------
// Raw HTTP/1.1 over node:net, to 127.0.0.1 only

interface RawResponse extends Res {
  /** `HTTP/1.1 431 Request Header Fields Too Large`, or '' when nothing came back. */
  statusLine: string
  /** Whether the server closed the connection (FIN or reset) within the wait. */
  closed: boolean
  /** Milliseconds from the first byte written to the complete response. */
  ms: number
  raw: string
}

interface SendOptions {
  /** Give up on a response after this long (the result then has statusCode 0). */
  timeoutMs?: number
  /** After a complete response, how long to wait for the server to close the connection. */
  closeWaitMs?: number
}

/** Sockets still open when a test ends are destroyed in its teardown. */
function rawClient(t: Test, port: number) {
  const open = new Set<net.Socket>()
  t.teardown(() => {
    for (const socket of open) socket.destroy()
  })

  return function send(
    request: string | Buffer,
    { timeoutMs = 5000, closeWaitMs = 1000 }: SendOptions = {},
  ): Promise<RawResponse> {
    return new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port })
      open.add(socket)
      let data = Buffer.alloc(0)
      let started = 0
      let parsed: Omit<RawResponse, 'closed'> | undefined
      let closeTimer: NodeJS.Timeout | undefined
      let done = false

      const finish = (closed: boolean) => {
        if (done) return
        done = true
        clearTimeout(overall)
        clearTimeout(closeTimer)
        socket.destroy()
        open.delete(socket)
        const raw = data.toString('latin1')
        resolve({
          ...(parsed ?? { statusLine: '', statusCode: 0, headers: {}, body: '', ms: Date.now() - started, raw }),
          closed,
        })
      }
      const overall = setTimeout(() => finish(false), timeoutMs)

      socket.on('connect', () => {
        started = Date.now()
        socket.write(request)
      })
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk])
        if (!parsed) {
          parsed = parseResponse(data, started)
          if (parsed) closeTimer = setTimeout(() => finish(false), closeWaitMs)
        }
      })
      // A reset after the answer (the server closing with our bytes unread) is still a close.
      socket.on('error', () => finish(true))
      socket.on('end', () => finish(true))
      socket.on('close', () => finish(true))
    })
  }
}

/** The first complete response in `data` (Content-Length or chunked), or undefined. */
function parseResponse(data: Buffer, started: number): Omit<RawResponse, 'closed'> | undefined {
  const end = data.indexOf('\r\n\r\n')
  if (end < 0) return undefined
  const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
  }
  const rest = data.subarray(end + 4)
  let bodyBytes: Buffer
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts: Buffer[] = []
    let at = 0
    for (;;) {
      const lineEnd = rest.indexOf('\r\n', at)
      if (lineEnd < 0) return undefined
      const size = parseInt(rest.subarray(at, lineEnd).toString('latin1'), 16)
      if (size === 0) break
      if (rest.length < lineEnd + 2 + size + 2) return undefined
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size))
      at = lineEnd + 2 + size + 2
    }
    bodyBytes = Buffer.concat(parts)
  } else {
    const length = Number(headers['content-length'] ?? 0)
    if (rest.length < length) return undefined
    bodyBytes = rest.subarray(0, length)
  }
  return {
    statusLine: statusLine!,
    statusCode: Number(statusLine!.split(' ')[1]),
    headers,
    body: bodyBytes.toString('utf8'),
    ms: Date.now() - started,
    raw: data.toString('latin1'),
  }
}

/** A request head: request line, headers (in order), blank line. */
function head(requestLine: string, headers: [string, string][]): string {
  return `${requestLine}\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`
}

/**
 * What the answer from Node's HTTP layer must be: `status` with the catalogue's problem+json
 * body and nothing else in it (no route ran, so no `instance`), and the connection closed.
 */
function isWireProblem(t: Test, res: RawResponse, status: number, code: ProblemCode): any {
  const parsed = isProblem(t, res, status, code)
  t.equal(
    res.headers['content-type'],
    PROBLEM_CONTENT_TYPE,
    'content-type is exactly application/problem+json; charset=utf-8',
  )
  t.same(
    Object.keys(parsed ?? {}).sort(),
    ['code', 'detail', 'status', 'title', 'type'],
    'body has exactly type, title, status, detail, code',
  )
  t.equal(parsed?.type, `urn:broadsheet:problem:${code.toLowerCase().replaceAll('_', '-')}`, 'type is the code’s URN')
  t.equal(parsed?.title, CATALOGUE[code].title, 'title from the catalogue')
  t.equal(typeof parsed?.detail, 'string', 'a detail')
  t.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body), 'Content-Length is the body’s length')
  t.match(res.headers.connection ?? '', /close/i, 'Connection: close')
  t.ok(res.closed, 'the server closed the connection')
  noLeak(t, res)
  return parsed
}

/**
 * The rows the requests name, built on the empty database: Thu Hà's published article with an
 * approved comment, two drafts and a scheduled article (what an anonymous caller must never
 * see: `hiddenStrings`).
 */
async function buildNewsroom(app: TestApp) {
  const thuha = await createAuthor(app)
  const tram = await createArticle(app, { state: 'published', authorId: thuha.id })
  const tram1 = (await createComment(app, tram, { status: 'approved' })).id
  const hidden = [
    await createArticle(app, { authorId: thuha.id }),
    await createArticle(app),
    await createArticle(app, { state: 'scheduled' }),
  ]
  const hiddenStrings = () => hidden.flatMap((a) => [a.title, a.slug, a.id, a.body.slice(0, 60)])
  return { thuha, tram, tram1, hiddenStrings }
}
const newAuthor = JSON.stringify({ name: 'Wire Author' })

/** The headers a shared cache acts on. */
function cacheHeaders(res: { statusCode: number; headers: Record<string, unknown> }) {
  return { status: res.statusCode, 'cache-control': res.headers['cache-control'], vary: res.headers.vary }
}

/** Asserts the private, per-caller caching headers of an authenticated read. */
function isPrivate(t: Test, res: { headers: Record<string, unknown> }, what: string): void {
  t.match(
    String(res.headers['cache-control'] ?? ''),
    /\bprivate\b/,
    `${what}: cache-control is private (${res.headers['cache-control']})`,
  )
  t.notMatch(String(res.headers['cache-control'] ?? ''), /\bpublic\b/, `${what}: cache-control is not public`)
  t.match(
    String(res.headers.vary ?? ''),
    /\bAuthorization\b/i,
    `${what}: vary names Authorization (${res.headers.vary})`,
  )
}

/** The ids in a list response's `data`. */
const ids = (res: { body: string }) => json(res).data.map((x: { id: string }) => x.id)

// One app, listening on 127.0.0.1, for the whole file: building it (migrations) is the slow
// part. REQUEST_TIMEOUT_MS is the smallest the config allows, for the stalled body.
t.test('the HTTP layer', async (t) => {
  const REQUEST_TIMEOUT_MS = 2000
  const app = await buildTestApp(t, { REQUEST_TIMEOUT_MS, SEED_ON_EMPTY: false })
  const { tram, tram1, thuha, hiddenStrings } = await buildNewsroom(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as net.AddressInfo).port
  const host = `127.0.0.1:${port}`
  const admin = await tokenHeaders(app, 'admin')
  const viewer = await tokenHeaders(app, 'viewer')
  const editorToken = await app.services.tokens.create({ name: 'to be read', role: 'editor' })

  // -------------------------------------------------------------------------------------------
  // A. Node's HTTP layer

  t.test('requests Node’s HTTP parser refuses are problem+json, and the connection is closed', async (t) => {
    const send = rawClient(t, port)
    /** An admin POST creating an author, with the framing headers given. */
    const post = (framing: [string, string][]) =>
      head('POST /api/v1/authors HTTP/1.1', [
        ['Host', host],
        ['Authorization', admin.authorization!],
        ['Content-Type', 'application/json'],
        ...framing,
      ])

    t.test(
      'a control: well-formed raw requests are served (so the refusals below are the framing’s doing)',
      async (t) => {
        const get = await send(
          head(`GET /api/v1/articles/${tram.slug} HTTP/1.1`, [
            ['Host', host],
            ['Connection', 'close'],
          ]),
        )
        t.equal(get.statusCode, 200, get.statusLine)
        t.equal(json(get).slug, tram.slug)
        // The same POST framing the refusals below break, well formed: it does write.
        const before = await app.db.prisma.author.count()
        const created = await send(
          post([
            ['Content-Length', String(Buffer.byteLength(newAuthor))],
            ['Connection', 'close'],
          ]) + newAuthor,
        )
        t.equal(created.statusCode, 201, created.statusLine)
        t.equal(await app.db.prisma.author.count(), before + 1, 'the well-formed POST created an author')
        t.equal(json(created).name, 'Wire Author')
      },
    )

    t.test('a 100,000-character query string is 431 REQUEST_HEADER_FIELDS_TOO_LARGE', async (t) => {
      const before = await state(app)
      const res = await send(head(`GET /api/v1/articles?q=${'a'.repeat(100_000)} HTTP/1.1`, [['Host', host]]))
      isWireProblem(t, res, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE')
      t.match(res.statusLine, /^HTTP\/1\.1 431 /, res.statusLine)
      await unchanged(t, app, before)
    })

    t.test(
      'a 20 KB header is 431 REQUEST_HEADER_FIELDS_TOO_LARGE, and the POST it belongs to writes nothing',
      async (t) => {
        const before = await state(app)
        const res = await send(
          post([
            ['X-Padding', 'p'.repeat(20 * 1024)],
            ['Content-Length', String(Buffer.byteLength(newAuthor))],
          ]) + newAuthor,
        )
        isWireProblem(t, res, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE')
        await unchanged(t, app, before)
      },
    )

    t.test('Transfer-Encoding: chunked together with Content-Length on a POST is 400 BAD_REQUEST', async (t) => {
      const before = await state(app)
      const chunked = `${Buffer.byteLength(newAuthor).toString(16)}\r\n${newAuthor}\r\n0\r\n\r\n`
      const res = await send(
        post([
          ['Content-Length', String(Buffer.byteLength(chunked))],
          ['Transfer-Encoding', 'chunked'],
        ]) + chunked,
      )
      isWireProblem(t, res, 400, 'BAD_REQUEST')
      await unchanged(t, app, before, 'no author created by the smuggling attempt')
    })

    t.test('a bad chunk size is 400 BAD_REQUEST', async (t) => {
      const before = await state(app)
      const res = await send(post([['Transfer-Encoding', 'chunked']]) + `zz\r\n${newAuthor}\r\n0\r\n\r\n`)
      isWireProblem(t, res, 400, 'BAD_REQUEST')
      await unchanged(t, app, before)
    })

    t.test('two different Content-Length headers are 400 BAD_REQUEST', async (t) => {
      const before = await state(app)
      const length = Buffer.byteLength(newAuthor)
      const res = await send(
        post([
          ['Content-Length', String(length)],
          ['Content-Length', String(length + 5)],
        ]) +
          newAuthor +
          '{"x":',
      )
      isWireProblem(t, res, 400, 'BAD_REQUEST')
      await unchanged(t, app, before)
    })

    t.test(
      'headers cannot carry text Postgres refuses: a NUL in a header is 400, a non-ASCII Idempotency-Key is 400',
      async (t) => {
        // Bodies, query strings and path parameters are scanned for NUL and lone surrogates
        // (plugins/strict-input); headers are latin1 bytes, so they cannot hold a lone surrogate,
        // and Node's parser refuses a NUL. The one header that is stored, Idempotency-Key, is
        // printable ASCII by its schema.
        const before = await state(app)
        const length = String(Buffer.byteLength(newAuthor))
        const nul = await send(
          Buffer.concat([
            Buffer.from(
              post([
                ['Content-Length', length],
                ['Idempotency-Key', 'a'],
              ]).replace('Idempotency-Key: a', 'Idempotency-Key: a\u0000b'),
              'latin1',
            ),
            Buffer.from(newAuthor),
          ]),
        )
        isWireProblem(t, nul, 400, 'BAD_REQUEST')
        const latin1 = await send(
          Buffer.concat([
            Buffer.from(
              post([
                ['Content-Length', length],
                ['Idempotency-Key', 'cl\u00e9'],
                ['Connection', 'close'],
              ]),
              'latin1',
            ),
            Buffer.from(newAuthor),
          ]),
        )
        isProblem(t, latin1, 400, 'VALIDATION_FAILED')
        await unchanged(t, app, before, 'nothing written, no key stored')
      },
    )

    t.test('an HTTP/1.1 request without Host is 400 BAD_REQUEST problem+json saying why', async (t) => {
      // Node is told not to refuse it (requireHostHeader: false) so that the app's onRequest
      // hook can: the answer is an ordinary Fastify reply (with `instance`) that closes the
      // connection, like the rest of this group.
      const before = await state(app)
      const get = await send(head('GET /api/v1/articles HTTP/1.1', []), { closeWaitMs: 300 })
      const parsed = isProblem(t, get, 400, 'BAD_REQUEST')
      t.equal(
        get.headers['content-type'],
        PROBLEM_CONTENT_TYPE,
        'content-type is exactly application/problem+json; charset=utf-8',
      )
      t.equal(parsed?.type, 'urn:broadsheet:problem:bad-request', 'type is the code’s URN')
      t.equal(parsed?.title, CATALOGUE.BAD_REQUEST.title, 'title from the catalogue')
      t.match(parsed?.detail, /\bHost\b/, `the detail names the Host header (${parsed?.detail})`)
      t.ok(get.closed, `the server closed the connection (Connection: ${get.headers.connection})`)
      noLeak(t, get, hiddenStrings())

      // The same for a write, which must not happen.
      const write = await send(
        head('POST /api/v1/authors HTTP/1.1', [
          ['Authorization', admin.authorization!],
          ['Content-Type', 'application/json'],
          ['Content-Length', String(Buffer.byteLength(newAuthor))],
        ]) + newAuthor,
        { closeWaitMs: 300 },
      )
      t.match(
        isProblem(t, write, 400, 'BAD_REQUEST')?.detail,
        /\bHost\b/,
        'the write’s refusal names the Host header too',
      )
      t.equal(write.headers['content-type'], PROBLEM_CONTENT_TYPE)
      await unchanged(t, app, before, 'no author created without a Host header')
    })

    t.test(
      'a POST whose body stalls is 408 REQUEST_TIMEOUT after REQUEST_TIMEOUT_MS, not half a minute, and writes nothing',
      async (t) => {
        const before = await state(app)
        // Headers and 5 of the 50 bytes announced, then nothing (the socket stays open).
        const res = await send(post([['Content-Length', '50']]) + '{"nam', { timeoutMs: REQUEST_TIMEOUT_MS + 8000 })
        isWireProblem(t, res, 408, 'REQUEST_TIMEOUT')
        t.ok(res.ms >= REQUEST_TIMEOUT_MS - 250, `not before REQUEST_TIMEOUT_MS (${res.ms} ms)`)
        t.ok(res.ms <= REQUEST_TIMEOUT_MS + 2500, `within REQUEST_TIMEOUT_MS + 2.5 s (${res.ms} ms)`)
        await unchanged(t, app, before, 'the stalled request wrote nothing')
      },
    )
  })

  // -------------------------------------------------------------------------------------------
  // B. Caching headers follow the route and the caller, not the URL's spelling

  t.test('caching headers are decided by the matched route and the caller, not the URL spelling', async (t) => {
    t.test('GET /%61pi/v1/tokens (admin) has exactly the private headers of /api/v1/tokens', async (t) => {
      const before = await state(app)
      const plain = await app.inject({ url: '/api/v1/tokens', headers: admin })
      const encoded = await app.inject({ url: '/%61pi/v1/tokens', headers: admin })
      t.equal(plain.statusCode, 200)
      t.equal(encoded.statusCode, 200, `the encoded spelling reaches the route (${encoded.body.slice(0, 100)})`)
      isPrivate(t, plain, '/api/v1/tokens')
      isPrivate(t, encoded, '/%61pi/v1/tokens')
      t.same(cacheHeaders(encoded), cacheHeaders(plain), 'same status, cache-control and vary')
      t.same(ids(encoded), ids(plain), 'the same tokens')
      noLeak(t, encoded)
      await unchanged(t, app, before)
    })

    t.test('the absolute-form request target has the headers of the origin form', async (t) => {
      // What the server does with `GET http://127.0.0.1:<port>/api/v1/tokens`: Fastify's router
      // (find-my-way) strips the scheme and authority of an absolute-form target, so it reaches
      // GET /api/v1/tokens, and the caching plugin goes by the matched route: the same 200 with
      // the same private headers (not a 404, and not the public headers of an unknown URL).
      const send = rawClient(t, port)
      const headers: [string, string][] = [
        ['Host', host],
        ['Authorization', admin.authorization!],
        ['Connection', 'close'],
      ]
      const plain = await send(head('GET /api/v1/tokens HTTP/1.1', headers))
      const absolute = await send(head(`GET http://${host}/api/v1/tokens HTTP/1.1`, headers))
      t.equal(plain.statusCode, 200, plain.statusLine)
      t.equal(absolute.statusCode, 200, `absolute form: ${absolute.statusLine} ${absolute.body.slice(0, 100)}`)
      isPrivate(t, plain, 'origin form')
      isPrivate(t, absolute, 'absolute form')
      t.same(cacheHeaders(absolute), cacheHeaders(plain), 'same status, cache-control and vary')
      t.same(ids(absolute), ids(plain), 'the same tokens')
      noLeak(t, absolute)
    })

    t.test('a viewer’s draft list spelled with percent-encoding is private like the plain one', async (t) => {
      const plain = await app.inject({ url: '/api/v1/articles?status=draft', headers: viewer })
      t.equal(plain.statusCode, 200)
      t.ok(json(plain).data.length > 0, 'the viewer sees drafts')
      isPrivate(t, plain, 'plain spelling')
      for (const url of [
        '/api/v1/%61rticles?status=draft',
        '/%61pi/v1/articles?status=draft',
        '/api/v1/%61%72%74%69%63%6C%65%73?status=draft',
      ]) {
        const encoded = await app.inject({ url, headers: viewer })
        t.equal(encoded.statusCode, 200, `${url}: 200`)
        isPrivate(t, encoded, url)
        t.same(cacheHeaders(encoded), cacheHeaders(plain), `${url}: same status, cache-control and vary`)
        t.same(ids(encoded), ids(plain), `${url}: the same drafts`)
      }
      // An anonymous caller under the encoded spelling: public headers, and no draft.
      const anonymous = await app.inject('/api/v1/%61rticles?status=draft')
      t.match(
        String(anonymous.headers['cache-control'] ?? ''),
        /\bpublic\b/,
        `anonymous: ${anonymous.headers['cache-control']}`,
      )
      t.match(String(anonymous.headers.vary ?? ''), /\bAuthorization\b/, 'anonymous: vary names Authorization')
      noLeak(t, anonymous, hiddenStrings())
    })

    t.test('feeds and sitemaps, outside /api: the same caching rules, whatever the spelling', async (t) => {
      const send = rawClient(t, port)
      for (const [url, spelled] of [
        ['/feeds/articles.rss', '/%66eeds/articles.rss'],
        ['/feeds/articles.json', '/feeds/%61rticles.json'],
        [`/feeds/authors/${thuha.slug}.atom`, `/feeds/%61uthors/${thuha.slug}.atom`],
        ['/sitemap.xml', '/%73itemap.xml'],
        ['/sitemaps/news.xml', '/sitemaps/%6Eews.xml'],
      ] as const) {
        for (const [who, headers] of [
          ['anonymous', {}],
          ['admin', admin],
        ] as [string, Headers][]) {
          const plain = await app.inject({ url, headers })
          t.equal(plain.statusCode, 200, `${who} GET ${url}: 200`)
          t.match(String(plain.headers.vary ?? ''), /\bAuthorization\b/, `${who} GET ${url}: vary names Authorization`)
          const cacheControl = String(plain.headers['cache-control'] ?? '')
          t.match(cacheControl, who === 'admin' ? /\bprivate\b/ : /\bpublic\b/, `${who} GET ${url}: ${cacheControl}`)
          const encoded = await app.inject({ url: spelled, headers })
          t.same(cacheHeaders(encoded), cacheHeaders(plain), `${who} GET ${spelled}: the headers of ${url}`)
          t.equal(encoded.body, plain.body, `${who} GET ${spelled}: the same answer`)
          if (who === 'anonymous') noLeak(t, encoded, hiddenStrings())
        }
      }
      const noHost = await send(head('GET /feeds/articles.rss HTTP/1.1', []), { closeWaitMs: 300 })
      t.match(isProblem(t, noHost, 400, 'BAD_REQUEST')?.detail, /\bHost\b/, 'without Host: 400, like the API')
    })

    t.test(
      'every GET route: an encoded spelling gets the status, cache-control and vary of the plain one',
      async (t) => {
        const before = await state(app)
        const routes = [
          '/api/v1/articles',
          `/api/v1/articles/${tram.slug}`,
          `/api/v1/articles/${tram.slug}/comments`,
          '/api/v1/authors',
          `/api/v1/authors/${thuha.slug}`,
          '/api/v1/comments',
          `/api/v1/comments/${tram1}`,
          '/api/v1/tokens',
          `/api/v1/tokens/${editorToken.id}`,
        ]
        const staffOnly = new Set([
          '/api/v1/comments',
          `/api/v1/comments/${tram1}`,
          '/api/v1/tokens',
          `/api/v1/tokens/${editorToken.id}`,
        ])
        /** `/%61pi/v1/...`, and the resource name's first letter encoded: `/api/v1/%61rticles/...`. */
        const spellings = (url: string) => {
          const [resource, ...rest] = url.slice('/api/v1/'.length).split('/')
          const tail = rest.map((s) => `/${s}`).join('')
          return [
            `/%61pi/v1/${resource}${tail}`,
            `/api/v1/%${resource!.charCodeAt(0).toString(16)}${resource!.slice(1)}${tail}`,
          ]
        }
        for (const url of routes) {
          // Anonymous callers on staff-only routes are refused (401): those refusals are compared too.
          for (const [who, headers] of [
            ['anonymous', {}],
            ['admin', admin],
          ] as [string, Headers][]) {
            const plain = await app.inject({ url, headers })
            const expected = staffOnly.has(url) && who === 'anonymous' ? 401 : 200
            t.equal(plain.statusCode, expected, `${who} GET ${url}: ${expected}`)
            t.match(
              String(plain.headers.vary ?? ''),
              /\bAuthorization\b/,
              `${who} GET ${url}: vary names Authorization`,
            )
            const cacheControl = String(plain.headers['cache-control'] ?? '')
            if (who === 'admin') t.match(cacheControl, /\bprivate\b/, `${who} GET ${url}: ${cacheControl}`)
            else if (expected === 200) t.match(cacheControl, /\bpublic\b/, `${who} GET ${url}: ${cacheControl}`)
            else
              t.not(
                plain.headers['cache-control'],
                undefined,
                `${who} GET ${url}: a cache-control to compare (${cacheControl})`,
              )
            for (const spelled of spellings(url)) {
              const encoded = await app.inject({ url: spelled, headers })
              t.same(
                cacheHeaders(encoded),
                cacheHeaders(plain),
                `${who} GET ${spelled}: same status, cache-control and vary as ${url}`,
              )
              if (who === 'anonymous') noLeak(t, encoded, hiddenStrings())
            }
          }
        }
        await unchanged(t, app, before)
      },
    )
  })
})

t.test(
  'connections the HTTP layer refuses are closed by the server, whether or not the client reads (slowloris)',
  async (t) => {
    // Red team, third pass: the 408 (and 400/431) answers half-closed the socket; 300 clients
    // that never read kept their connections open for good after their 408.
    const REQUEST_TIMEOUT_MS = 1000
    const app = await buildTestApp(t, { REQUEST_TIMEOUT_MS, SEED_ON_EMPTY: false })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const port = (app.server.address() as net.AddressInfo).port
    const clients: net.Socket[] = []
    t.teardown(() => clients.forEach((socket) => socket.destroy()))
    const post = 'POST /api/v1/authors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
    /** What each kind of client sends and then leaves unread: a stalled body (408), a 20 KB header (431), bad framing (400). */
    const openings = [
      `${post}Content-Length: 50\r\n\r\n{"nam`,
      `${post}X-Filler: ${'a'.repeat(20_000)}\r\n\r\n`,
      `${post}Content-Length: 5\r\nContent-Length: 6\r\n\r\n`,
    ]
    const open = () => new Promise<number>((resolve) => app.server.getConnections((_error, count) => resolve(count)))
    let accepted = 0
    app.server.on('connection', () => accepted++)
    for (let i = 0; i < 300; i++) {
      const socket = net.connect(port, '127.0.0.1')
      socket.on('error', () => {})
      // Never read: the answer stays unread in the client's buffers, and the client never closes.
      socket.pause()
      socket.write(openings[i % openings.length]!)
      clients.push(socket)
    }
    const started = Date.now()
    while (accepted < 300 && Date.now() - started < 5000) await new Promise((resolve) => setTimeout(resolve, 20))
    t.equal(accepted, 300, 'the server accepted all 300 connections')
    let count = await open()
    while (count > 0 && Date.now() - started < REQUEST_TIMEOUT_MS + 5000) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      count = await open()
    }
    t.equal(
      count,
      0,
      `every refused connection closed by the server within REQUEST_TIMEOUT_MS + 5 s (${Date.now() - started} ms; ${count} open)`,
    )
  },
)

t.test('closing the app closes connections that stall or never read, within SHUTDOWN_GRACE_MS', async (t) => {
  // server.close() stops Node's check for timed-out requests: a stalled upload or a client
  // that never reads used to hold app.close() (and a SIGTERM'd server) for good.
  const SHUTDOWN_GRACE_MS = 1500
  const app = await buildTestApp(t, { REQUEST_TIMEOUT_MS: 1000, SHUTDOWN_GRACE_MS, SEED_ON_EMPTY: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as net.AddressInfo).port
  const clients: net.Socket[] = []
  t.teardown(() => clients.forEach((socket) => socket.destroy()))
  const client = (text: string, read: boolean) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => {})
    if (!read) socket.pause()
    socket.write(text)
    clients.push(socket)
  }
  client('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n', true) // answered, then idle (keep-alive)
  client(
    'POST /api/v1/authors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"na',
    false,
  ) // a stalled body
  client('GET /health/live HTTP/1.1\r\nHost: x\r\n', false) // stalled headers
  await new Promise((resolve) => setTimeout(resolve, 300))
  const started = Date.now()
  const closed = await Promise.race([
    app.close().then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), SHUTDOWN_GRACE_MS + 3000)),
  ])
  t.ok(closed, `app.close() finished (${Date.now() - started} ms)`)
  t.ok(Date.now() - started < SHUTDOWN_GRACE_MS + 1500, 'within SHUTDOWN_GRACE_MS and a little')
})
