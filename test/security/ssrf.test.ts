import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Test } from 'tap'
import t from 'tap'
import { requiresThat } from '../support/requires.js'
import {
  OutboundFailed,
  OutboundRefused,
  checkUrlShape,
  parseAllowList,
  resolveTarget,
  send,
  type OutboundOptions,
  type RefusalReason,
} from '../../src/net/outbound.js'

/**
 * The outbound sender against real sockets on this machine only: private targets are refused
 * before any byte is sent (the local servers count what reaches them), allow-listed ones are
 * reached at the address that was checked, redirects are handed back, and slow or endless
 * answers are cut off. No test resolves a name other than `localhost` (from /etc/hosts).
 */

interface Seen {
  method: string | undefined
  url: string | undefined
  headers: IncomingHttpHeaders
  body: string
}

interface Local {
  port: number
  seen: Seen[]
  /** Resolves when the server sees a connection close. */
  connectionClosed: Promise<void>
  url: (path?: string) => string
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void

const answer: Handler = (req, res) => {
  res.writeHead(201, { 'content-type': 'text/plain' }).end(`got ${req.method} ${req.url}`)
}

/** A server on `host` that records every request (its body read in full before `handler` runs). */
async function serve(t: Test, host: string, handler: Handler = answer, port = 0): Promise<Local> {
  const seen: Seen[] = []
  const server = http.createServer((req, res) => {
    const hit: Seen = { method: req.method, url: req.url, headers: req.headers, body: '' }
    seen.push(hit)
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (hit.body += chunk))
    req.on('end', () => handler(req, res))
  })
  const connectionClosed = new Promise<void>((resolve) =>
    server.on('connection', (socket) => socket.on('close', () => resolve())),
  )
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  t.teardown(() => {
    server.closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const bound = (server.address() as { port: number }).port
  const authority = host.includes(':') ? `[${host}]:${bound}` : `${host}:${bound}`
  return { port: bound, seen, connectionClosed, url: (path = '/') => `http://${authority}${path}` }
}

/** Why IPv6 cases are skipped, or false when ::1 can be bound. */
const noIPv6 = await new Promise<string | false>((resolve) => {
  const probe = http.createServer()
  probe.once('error', (error: NodeJS.ErrnoException) =>
    resolve(requiresThat(false, `IPv6 loopback (::1 cannot be bound here: ${error.code})`)),
  )
  probe.listen(0, '::1', () => probe.close(() => resolve(false)))
})

const NOTHING = parseAllowList('')
const LOOPBACK_V4 = parseAllowList('127.0.0.1/32')
const options = (allow = LOOPBACK_V4, extra: Partial<OutboundOptions> = {}): OutboundOptions => ({
  allow,
  timeoutMs: 5_000,
  maxResponseBytes: 64 * 1024,
  ...extra,
})

async function caught(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => undefined,
    (error: unknown) => error,
  )
}

/** `work` rejects with OutboundRefused for `reason`, and its message gives away nothing of the target. */
async function isRefused(t: Test, work: Promise<unknown>, reason: RefusalReason, what: string): Promise<void> {
  const error = await caught(work)
  if (!(error instanceof OutboundRefused)) {
    t.fail(`${what}: refused`, { found: error })
    return
  }
  t.equal(error.reason, reason, `${what}: refused (${reason})`)
  t.notMatch(
    error.message,
    /\d+\.\d+\.\d+\.\d+|::|example|passwd|localhost/,
    `${what}: the message names no address or host`,
  )
  // Only the allow list cures an address refusal, and the message says so; nothing cures the others.
  if (reason === 'blocked-address')
    t.match(error.message, /WEBHOOK_ALLOW_PRIVATE_NETWORKS/, `${what}: names the setting that allows it`)
  else t.notMatch(error.message, /WEBHOOK_ALLOW_PRIVATE_NETWORKS/, `${what}: names no setting`)
}

t.test(
  'private, local and reserved targets are refused without an allow list; nothing reaches the servers',
  async (t) => {
    const v4 = await serve(t, '127.0.0.1')
    const v6 = noIPv6 ? undefined : await serve(t, '::1')
    const port = v4.port
    const targets = [
      v4.url('/hook'),
      'http://10.0.0.1/',
      'http://172.16.0.1/',
      'http://192.168.1.1/',
      'http://169.254.169.254/latest/meta-data',
      `http://[::1]:${v6?.port ?? port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://localhost:${port}/`,
      `http://0.0.0.0:${port}/`,
      `http://[::]:${port}/`,
      `http://2130706433:${port}/`,
      `http://0x7f.1:${port}/`,
      'http://100.100.100.200/',
      'http://100.64.0.1/',
      'http://[fd00:ec2::254]/',
      'http://[fe80::1]/',
      'http://224.0.0.1/',
      'http://255.255.255.255/',
      'http://192.0.2.1/',
      'http://[2001:db8::1]/',
      `http://[::127.0.0.1]:${port}/`,
      'http://[2002:7f00:1::]/',
      'http://[64:ff9b::a9fe:a9fe]/',
      'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/',
    ]
    for (const target of targets) {
      t.type(checkUrlShape(target), URL, `${target}: the shape is fine`)
      await isRefused(t, resolveTarget(target, NOTHING), 'blocked-address', `resolveTarget ${target}`)
      await isRefused(
        t,
        send({ url: target, method: 'POST', headers: {}, body: '{}' }, options(NOTHING)),
        'blocked-address',
        `send ${target}`,
      )
    }
    t.equal(v4.seen.length, 0, 'the IPv4 loopback server saw no request')
    t.equal(v6?.seen.length ?? 0, 0, 'the IPv6 loopback server saw no request')
  },
)

t.test(
  'an allow-listed prefix that embeds IPv4 (NAT64, 6to4, Teredo) still refuses a private IPv4 inside it',
  async (t) => {
    const cases: [string, string, string][] = [
      ['64:ff9b::/96', '64:ff9b::a9fe:a9fe', '64:ff9b::808:808'],
      ['2002::/16', '2002:a9fe:a9fe::1', '2002:808:808::1'],
      ['2001::/32', '2001:0:4136:e378::80ff:fffe', '2001:0:4136:e378::f7f7:f7f7'],
    ]
    for (const [prefix, hidingPrivate, hidingPublic] of cases) {
      const allow = parseAllowList(prefix)
      await isRefused(
        t,
        resolveTarget(`http://[${hidingPrivate}]/`, allow),
        'blocked-address',
        `${hidingPrivate} with ${prefix} allowed`,
      )
      const target = await resolveTarget(`http://[${hidingPublic}]/`, allow)
      t.equal(target.address, hidingPublic, `${hidingPublic} (a public IPv4 inside) is allowed with ${prefix}`)
    }
  },
)

t.test('URLs of the wrong shape are refused before any lookup', async (t) => {
  const cases: [string, RefusalReason][] = [
    ['ftp://example.com/file', 'scheme'],
    ['file:///etc/passwd', 'scheme'],
    ['javascript:alert(1)', 'scheme'],
    ['data:text/plain,hello', 'scheme'],
    ['http://user:pass@example.com/', 'credentials'],
    ['http://user@example.com/', 'credentials'],
    ['http://example.com/hook#section', 'fragment'],
    ['http://example.com/hook#', 'fragment'],
    ['not a url', 'invalid-url'],
    ['', 'invalid-url'],
    ['http://', 'invalid-url'],
    ['/relative/path', 'invalid-url'],
  ]
  for (const [url, reason] of cases) {
    await isRefused(
      t,
      Promise.resolve().then(() => checkUrlShape(url)),
      reason,
      `checkUrlShape ${JSON.stringify(url)}`,
    )
    await isRefused(t, resolveTarget(url, LOOPBACK_V4), reason, `resolveTarget ${JSON.stringify(url)}`)
    await isRefused(t, send({ url, method: 'GET', headers: {} }, options()), reason, `send ${JSON.stringify(url)}`)
  }
})

t.test('an allow-listed IPv4 target is reached, also written as an IPv4-mapped literal', async (t) => {
  const v4 = await serve(t, '127.0.0.1')
  const res = await send(
    {
      url: v4.url('/hooks/a?x=1'),
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': 'v1,abc' },
      body: '{"n":1}',
    },
    options(),
  )
  t.equal(res.status, 201, 'the status is the server’s')
  t.equal(res.body, 'got POST /hooks/a?x=1', 'the body is the server’s')
  t.equal(res.headers['content-type'], 'text/plain', 'the headers are the server’s')
  t.equal(res.truncated, false, 'a small body is whole')
  t.equal(res.address, '127.0.0.1', 'the address it went to')
  t.ok(res.latencyMs > 0 && res.latencyMs < 5_000, `latency is measured (${res.latencyMs.toFixed(1)} ms)`)
  t.equal(v4.seen.length, 1, 'the server saw one request')
  t.match(v4.seen[0], { method: 'POST', url: '/hooks/a?x=1', body: '{"n":1}' }, 'with the method, path and body sent')
  t.match(
    v4.seen[0]?.headers,
    { host: `127.0.0.1:${v4.port}`, 'x-signature': 'v1,abc', 'content-type': 'application/json' },
    'and the headers',
  )

  const mapped = await send({ url: `http://[::ffff:127.0.0.1]:${v4.port}/m`, method: 'PURGE', headers: {} }, options())
  t.equal(mapped.status, 201, 'an IPv4-mapped literal is judged as its IPv4, so 127.0.0.1/32 allows it')
  t.match(v4.seen[1], { method: 'PURGE', url: '/m' }, 'and the server saw the PURGE')
})

t.test('[::1] is reached only when ::1 is allow-listed', { skip: noIPv6 }, async (t) => {
  const v6 = await serve(t, '::1')
  await isRefused(
    t,
    send({ url: v6.url(), method: 'GET', headers: {} }, options()),
    'blocked-address',
    '[::1] with only 127.0.0.1/32 allowed',
  )
  t.equal(v6.seen.length, 0, 'the IPv6 server saw nothing')
  const res6 = await send({ url: v6.url('/six'), method: 'GET', headers: {} }, options(parseAllowList('::1/128')))
  t.equal(res6.status, 201, '::1/128 allows [::1]')
  t.equal(res6.address, '::1', 'it went to ::1')
  t.match(
    v6.seen[0],
    { method: 'GET', url: '/six', headers: { host: `[::1]:${v6.port}` } },
    'the IPv6 server saw it with a bracketed Host',
  )
})

t.test('a redirect is handed back, never followed', async (t) => {
  const elsewhere = await serve(t, '127.0.0.1')
  const redirector = await serve(t, '127.0.0.1', (_req, res) =>
    res.writeHead(302, { location: elsewhere.url('/admin') }).end(),
  )
  const res = await send({ url: redirector.url('/hook'), method: 'POST', headers: {}, body: 'x' }, options())
  t.equal(res.status, 302, 'the 302 is the answer')
  t.equal(res.headers.location, elsewhere.url('/admin'), 'with its Location')
  t.equal(redirector.seen.length, 1, 'the redirecting server saw the request')
  t.equal(elsewhere.seen.length, 0, 'the redirect target saw nothing')
})

t.test('a server that never answers costs timeoutMs, then OutboundFailed', async (t) => {
  const silent = await serve(t, '127.0.0.1', () => {})
  const started = performance.now()
  const error = await caught(
    send({ url: silent.url(), method: 'POST', headers: {}, body: 'x' }, options(LOOPBACK_V4, { timeoutMs: 300 })),
  )
  const elapsed = performance.now() - started
  t.type(error, OutboundFailed, 'it fails as OutboundFailed')
  t.equal((error as Error).message, 'timed out after 300 ms', 'with a short reason')
  t.ok(elapsed >= 295 && elapsed < 1_000, `after the timeout, not much later (${elapsed.toFixed(0)} ms)`)
  t.equal(silent.seen.length, 1, 'the request did reach the server')
  await silent.connectionClosed
  t.pass('and the server saw the connection closed')
})

t.test('a closed port fails as "connection refused"', async (t) => {
  const gone = await serve(t, '127.0.0.1')
  const probe = http.createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()))
  const port = (probe.address() as { port: number }).port
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  const error = await caught(send({ url: `http://127.0.0.1:${port}/`, method: 'GET', headers: {} }, options()))
  t.type(error, OutboundFailed, 'it fails as OutboundFailed')
  t.equal((error as Error).message, 'connection refused', 'with a short reason')
  t.equal(gone.seen.length, 0)
})

t.test('the body read stops at maxResponseBytes', async (t) => {
  const chunk = Buffer.alloc(64 * 1024, 'x')
  const endless = await serve(t, '127.0.0.1', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    const pump = () => {
      while (!res.writableEnded && !res.destroyed && res.write(chunk));
    }
    res.on('drain', pump)
    pump()
  })
  const started = performance.now()
  const res = await send(
    { url: endless.url(), method: 'GET', headers: {} },
    options(LOOPBACK_V4, { maxResponseBytes: 100_000, timeoutMs: 10_000 }),
  )
  const elapsed = performance.now() - started
  t.equal(res.status, 200)
  t.equal(res.body.length, 100_000, 'the body is exactly maxResponseBytes long')
  t.equal(res.truncated, true, 'and marked truncated')
  t.ok(elapsed < 2_000, `it returns at once, long before the timeout (${elapsed.toFixed(0)} ms)`)
  await endless.connectionClosed
  t.pass('the endless server saw the connection closed')

  const exact = await serve(t, '127.0.0.1', (_req, res) => res.end('y'.repeat(1_000)))
  const whole = await send(
    { url: exact.url(), method: 'GET', headers: {} },
    options(LOOPBACK_V4, { maxResponseBytes: 1_000 }),
  )
  t.equal(whole.body.length, 1_000, 'a body of exactly maxResponseBytes is read whole')
  t.equal(whole.truncated, false, 'and is not truncated')
})

t.test('a host name is resolved once and the request goes to the vetted address', async (t) => {
  const v4 = await serve(t, '127.0.0.1')
  // localhost may resolve to ::1 first elsewhere: the same port on ::1 catches that.
  const v6 = noIPv6 ? undefined : await serve(t, '::1', answer, v4.port).catch(() => undefined)
  const allow = parseAllowList('127.0.0.1/32, ::1/128')
  const url = `http://localhost:${v4.port}/vetted`
  const target = await resolveTarget(url, allow)
  t.ok(
    target.address === '127.0.0.1' || target.address === '::1',
    `localhost is a loopback address (${target.address})`,
  )
  t.equal(target.family, target.address === '::1' ? 6 : 4, 'with its family')
  t.equal(target.url.hostname, 'localhost', 'the URL keeps its host name')
  const reached = target.address === '::1' ? v6 : v4
  t.test(
    'send goes there',
    {
      skip: requiresThat(
        reached !== undefined,
        'IPv6 loopback',
        'localhost resolves to ::1 first, and its port could not be bound there',
      ),
    },
    async (t) => {
      const res = await send({ url, method: 'GET', headers: {} }, options(allow))
      t.equal(res.status, 201, 'the request was answered')
      t.equal(res.address, target.address, 'at the vetted address')
      t.match(
        reached?.seen,
        [{ url: '/vetted', headers: { host: `localhost:${v4.port}` } }],
        'that server saw it, with the original Host',
      )
    },
  )
})

t.test('parseAllowList refuses garbage and names the entry', async (t) => {
  for (const bad of ['10.0.0.0/99', 'nope', '127.0.0.1/32, nope', '10.1/16', '::1/129', '300.1.1.1', '10.0.0.0/']) {
    const entry = bad.split(',').at(-1)!.trim()
    t.throws(
      () => parseAllowList(bad),
      { message: new RegExp(`"${entry.replace(/[./]/g, '\\$&')}"`) },
      `${JSON.stringify(bad)} is refused, naming ${entry}`,
    )
  }
  const allow = parseAllowList(' 127.0.0.0/8 ,::1/128,10.1.2.3 ')
  t.equal((await resolveTarget('http://127.9.9.9/', allow)).address, '127.9.9.9', 'a CIDR covers its range')
  t.equal((await resolveTarget('http://10.1.2.3/', allow)).address, '10.1.2.3', 'a single IP covers itself')
  await isRefused(t, resolveTarget('http://10.1.2.4/', allow), 'blocked-address', 'and nothing next to it')
  t.equal((await resolveTarget('http://[::1]/', allow)).family, 6, 'IPv6 entries work')
})
