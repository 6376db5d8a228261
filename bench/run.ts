/**
 * `npm run bench [-- --quick] [-- --write]`: Broadsheet against the physical limit of its
 * stack. See bench/README.md for what is measured and how to read it.
 *
 * 1. Prepares three Postgres databases (created and seeded on first use, reused after):
 *    the main one (1k authors, 10k articles, 100k comments) and two for growth (1k and
 *    100k articles).
 * 2. Starts Broadsheet and the baseline (bench/baseline.ts) on the main database, checks that
 *    they answer every benchmarked request with the same status, bytes and ETag, warms both
 *    up, then drives them with autocannon in interleaved rounds (the order alternates every
 *    round), recording req/s, latency, server CPU per request and peak RSS.
 * 3. Measures p99 of both at a fixed rate of 60% of the baseline's maximum.
 * 4. Measures list and by-slug latency at one connection on the 1k and 100k databases.
 * 5. Broadsheet only: times `renderArticleBody` on a generated ~100 KB Markdown body
 *    (bench/markdown-body.ts), and serves the first article sitemap (50,000 URLs) of the 100k
 *    database from a fresh server, timing each request and watching the server's memory; makes
 *    image variants on first request and reads one back from storage under load.
 * 6. Prints the tables and the targets; a full run (or --write) rewrites bench/RESULTS.md,
 *    bench/results.svg and bench/results.json (every sample). `--render` only redraws the first
 *    two from the last results.json.
 *
 * Env: BENCH_DATABASE_URL (a Postgres server URL; default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import autocannon from 'autocannon'
import pg from 'pg'
import { noiseJpeg } from '../test/support/images.js'
import { freePort } from '../test/support/process.js'
import { benchMarkdown, measureRendering } from './markdown-body.js'
import { prepareDatabase, BENCH_COMMENT_EMAIL, type BenchDatabase } from './prepare.js'
import {
  chart,
  comparisonTable,
  extrasTable,
  fixedRateTable,
  growthTable,
  markdown,
  median,
  table,
  verdicts,
  type EndpointResult,
  type GrowthResult,
  type Run,
  type CachedResult,
  cachedTable,
  type Sample,
  type SitemapResult,
  type VariantsResult,
} from './report.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const write = args.includes('--write') || !quick
const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

const plan = quick
  ? {
      rounds: 3,
      seconds: 1,
      warmup: 0.5,
      fixedSeconds: 1.5,
      growthRounds: 3,
      growthSeconds: 0.7,
      renderWarmup: 20,
      renderRuns: 60,
      sitemapRequests: 4,
      variantImages: 4,
    }
  : {
      rounds: 5,
      seconds: 5,
      warmup: 3,
      fixedSeconds: 6,
      growthRounds: 5,
      growthSeconds: 3,
      renderWarmup: 20,
      renderRuns: 100,
      sitemapRequests: 8,
      variantImages: 8,
    }
const CONNECTIONS = 10
const POOL = '10'
/** The full list page and its sparse twin (issue 26: at least 3× smaller, at least 2× the req/s). */
const LIST = 'GET /articles?limit=20&include=author'
const SPARSE_FIELDS = 'slug,title,excerpt,publishedAt'
/** The sitemap row: the first article sitemap of the 100k database holds 50,000 URLs. */
const SITEMAP_PATH = '/sitemaps/articles-1.xml'
/**
 * Structured data links to the frontend, PUBLIC_SITE_URL, which defaults to the server's own
 * address (its port): both servers get the same site, so their answers can be byte-identical.
 */
const SITE_URL = 'https://news.example.com'
const started = Date.now()
const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`)

// ---------------------------------------------------------------------------------------------
// Servers

interface Server {
  name: 'broadsheet' | 'baseline' | 'replay'
  url: string
  pid: number
  stop(): Promise<void>
}

const children = new Set<ChildProcess>()
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')))

async function start(name: Server['name'], db: BenchDatabase, env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort()
  // Broadsheet as `npm start` runs it (compiled); the baseline through tsx (same V8, same code
  // once loaded; only its start-up and memory differ, and its memory is not a target).
  const argv =
    name === 'broadsheet'
      ? startArguments()
      : ['--import', 'tsx', name === 'replay' ? 'bench/replay.ts' : 'bench/baseline.ts']
  const child = spawn(process.execPath, argv, {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      DB_POOL_SIZE: POOL,
      LOG_LEVEL: 'warn',
      // One client address plays every reader: lift the per-address limits (not the checks).
      RATE_LIMIT_PER_MINUTE: '10000000',
      AUTH_FAILURES_PER_MINUTE: '10000000',
      COMMENT_RATE_LIMIT: '10000000',
      COMMENT_RATE_LIMIT_PER_ARTICLE: '10000000',
      REDIS_URL: '',
      ADMIN_TOKEN: '',
      PUBLIC_SITE_URL: SITE_URL,
      // The rows against the baseline measure the uncached paths; the cached rows turn it on.
      READ_CACHE_MB: '0',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  children.add(child)
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 120_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited while starting:\n${stderr}`)
    if (Date.now() > deadline) throw new Error(`${name} did not become ready in 120 s:\n${stderr}`)
    const ready = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    )
    if (ready) break
    await sleep(200)
  }
  return {
    name,
    url,
    pid: child.pid!,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))])
      children.delete(child)
    },
  }
}

/** The node arguments of `npm start` (e.g. its heap limit), so the benchmark runs what users run. */
function startArguments(): string[] {
  const start = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } })
    .scripts.start
  const [command, ...rest] = start.split(/\s+/)
  if (command !== 'node') throw new Error(`npm start is not "node …": ${start}`)
  return rest
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim())

/** User + system CPU time of a process so far, in milliseconds. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS
}

/** Peak resident set size of a process so far (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024
}

/** Resident set size of a process now (VmRSS), in bytes. */
function rss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024
}

/** Resets a process's VmHWM to its current RSS (Linux: `5` to /proc/<pid>/clear_refs); false where not allowed. */
function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------------------------
// Endpoints

/** The autocannon options the benchmark uses (its own typings are looser than its API). */
interface Load {
  path?: string
  method?: string
  headers?: Record<string, string>
  body?: string
  connections?: number
  overallRate?: number
  requests?: {
    setupRequest(request: Load, context: Record<string, unknown>): Load
    onResponse(status: number, body: string, context: Record<string, unknown>, headers?: Record<string, string>): void
  }[]
}

interface Endpoint {
  name: string
  kind: 'read' | 'write'
  /** The endpoint this one is compared with in the report (a sparse page: the full one). */
  compareTo?: string
  /** autocannon options for one run against `server` (writes read fresh versions first). */
  options(server: Server): Promise<Load>
}

function endpoints(db: BenchDatabase, deepCursor: string, patchTargets: string[]): Endpoint[] {
  const get = (name: string, path: string): Endpoint => ({
    name,
    kind: 'read',
    options: async () => ({ path }),
  })
  return [
    get(LIST, '/api/v1/articles?limit=20&include=author'),
    {
      ...get(`GET /articles?limit=20&fields=${SPARSE_FIELDS}`, `/api/v1/articles?limit=20&fields=${SPARSE_FIELDS}`),
      compareTo: LIST,
    },
    get('GET /articles?…&q=harbour', '/api/v1/articles?limit=20&include=author&q=harbour'),
    get('GET /articles?…&cursor=(page 251)', `/api/v1/articles?limit=20&include=author&cursor=${deepCursor}`),
    get('GET /articles/{slug}', '/api/v1/articles/bench-article-1'),
    get('GET /articles/{slug}/comments', '/api/v1/articles/bench-article-1/comments'),
    {
      name: 'POST /articles/{slug}/comments',
      kind: 'write',
      options: async () => ({
        method: 'POST',
        path: '/api/v1/articles/bench-article-2/comments',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          authorName: 'Bench Reader',
          authorEmail: BENCH_COMMENT_EMAIL,
          body: 'A reader comment written by the benchmark, long enough to look like a real one.',
        }),
      }),
    },
    {
      name: 'PATCH /articles/{id} (If-Match)',
      kind: 'write',
      // Each request takes an article no other request is editing and sends the ETag of
      // its last answer (autocannon resets a connection's context after every request, so
      // the ETags live here). More articles than connections: none ever waits.
      options: async (server) => {
        await sleep(300) // PATCHes still in flight from the previous run land first
        // The ETags as this server sends them: If-Match is compared whole (version and hash).
        const etags = await currentEtags(server, db, patchTargets)
        const free = [...patchTargets]
        let edit = 0
        return {
          requests: [
            {
              setupRequest: (request: Load, context: Record<string, unknown>): Load => {
                const id = free.shift()
                if (id === undefined) throw new Error('more PATCHes in flight than articles to edit')
                context.id = id
                return {
                  ...request,
                  method: 'PATCH',
                  path: `/api/v1/articles/${id}`,
                  headers: {
                    'content-type': 'application/json',
                    authorization: `Bearer ${db.editorToken}`,
                    'if-match': etags.get(id)!,
                  },
                  body: JSON.stringify({ title: `Edited by the benchmark, edit ${++edit}` }),
                }
              },
              onResponse: (
                _status: number,
                _body: string,
                context: Record<string, unknown>,
                headers?: Record<string, string>,
              ) => {
                const id = context.id as string
                if (headers?.etag) etags.set(id, headers.etag)
                if (_status === 200) free.push(id) // a refused edit (it is counted) retires its article
              },
            },
          ],
        }
      },
    },
  ]
}

/** One statement on a benchmark database, on a connection of its own (not the servers' pools). */
async function select<Row extends pg.QueryResultRow>(
  db: BenchDatabase,
  text: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    return (await client.query<Row>(text, values)).rows
  } finally {
    await client.end()
  }
}

/** The ETag `server` sends for each article (by id, as the editor), what a PATCH's If-Match must be. */
async function currentEtags(server: Server, db: BenchDatabase, ids: string[]): Promise<Map<string, string>> {
  const etags = new Map<string, string>()
  for (const id of ids) {
    const response = await fetch(`${server.url}/api/v1/articles/${id}`, {
      headers: { authorization: `Bearer ${db.editorToken}` },
    })
    const etag = response.headers.get('etag')
    await response.arrayBuffer()
    if (response.status !== 200 || !etag)
      throw new Error(`${server.name}: GET /api/v1/articles/${id} answered ${response.status} without an ETag`)
    etags.set(id, etag)
  }
  return etags
}

// ---------------------------------------------------------------------------------------------
// Measuring

const failures: string[] = []

async function measure(server: Server, endpoint: Endpoint, seconds: number, extra: Load = {}): Promise<Sample> {
  const options = await endpoint.options(server)
  const cpuBefore = cpuMs(server.pid)
  const { path: requestPath = '/', ...rest } = { ...options, ...extra }
  const result = await autocannon({
    url: server.url + requestPath,
    connections: CONNECTIONS,
    duration: seconds,
    ...rest,
  } as unknown as autocannon.Options)
  const cpu = cpuMs(server.pid) - cpuBefore
  const done = result['2xx']
  const bad = result.non2xx + result.errors + result.timeouts
  if (bad > 0) {
    const how = extra.overallRate
      ? ` at ${extra.overallRate} req/s`
      : extra.connections
        ? ` at ${extra.connections} connection(s)`
        : ''
    failures.push(
      `${server.name} ${endpoint.name}${how}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    )
  }
  return {
    rps: done / (result.duration || seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.average,
    cpuMs: done > 0 ? cpu / done : 0,
    requests: done,
  }
}

// ---------------------------------------------------------------------------------------------
// The read cache

const HOT = [
  { name: 'hot list (GET /articles?limit=20&include=author)', path: '/api/v1/articles?limit=20&include=author' },
  { name: 'hot article (GET /articles/{slug})', path: '/api/v1/articles/bench-article-1' },
  { name: 'hot comments (GET /articles/{slug}/comments)', path: '/api/v1/articles/bench-article-1/comments' },
]
const BENCH_ADMIN_TOKEN = 'bench-admin-token-for-metrics-0123456789'

/** A metric's value from a server's /metrics (the admin token's). */
async function metric(server: Server, name: string): Promise<number> {
  const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } })
  const text = await response.text()
  return Number(new RegExp(`^${name} ([0-9.e+]+)`, 'm').exec(text)?.[1] ?? Number.NaN)
}

/**
 * The read cache (issue 28): the hot list, article and comments from Broadsheet with its cache
 * on (at its default size) against the replay ceiling (bench/replay.ts: the same bytes and
 * headers from a bare Fastify), in interleaved rounds; then a mixed workload (one PATCH of the
 * hot article per 99 reads of the three hot URLs, so every write invalidates all three) with the
 * cache on and off, with the hit rate from /metrics.
 */
async function measureCached(db: BenchDatabase): Promise<CachedResult> {
  const cached = await start('broadsheet', db, { READ_CACHE_MB: '32', ADMIN_TOKEN: BENCH_ADMIN_TOKEN })
  const dir = mkdtempSync(path.join(os.tmpdir(), 'broadsheet-bench-replay-'))
  const servers: Server[] = [cached]
  try {
    const answers = []
    for (const hot of HOT) {
      const response = await fetch(cached.url + hot.path)
      const headers: Record<string, string> = {}
      response.headers.forEach((value, name) => {
        if (!['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'x-request-id'].includes(name))
          headers[name] = value
      })
      answers.push({
        path: hot.path,
        status: response.status,
        headers,
        body: Buffer.from(await response.arrayBuffer()).toString('base64'),
      })
    }
    const file = path.join(dir, 'answers.json')
    writeFileSync(file, JSON.stringify(answers))
    const replay = await start('replay', db, { REPLAY_FILE: file })
    servers.push(replay)
    const endpoint = (hot: (typeof HOT)[number]): Endpoint => ({
      name: hot.name,
      kind: 'read',
      options: async () => ({ path: hot.path }),
    })
    for (const hot of HOT) for (const server of [cached, replay]) await measure(server, endpoint(hot), plan.warmup)
    const hot: CachedResult['hot'] = HOT.map((h) => ({ name: h.name, cached: [], replay: [] }))
    for (let round = 0; round < plan.rounds; round++) {
      for (const [i, h] of HOT.entries()) {
        const order = round % 2 === 0 ? [cached, replay] : [replay, cached]
        for (const server of order) {
          const sample = await measure(server, endpoint(h), plan.seconds)
          ;(server === cached ? hot[i]!.cached : hot[i]!.replay).push(sample)
        }
      }
    }
    log(
      `cached rows: ${hot.map((h) => f2(median(h.cached.map((s) => s.rps)) / median(h.replay.map((s) => s.rps)))).join(' ')} of the replay ceiling`,
    )

    // The mixed workload, with the cache and without.
    // The same admin token: a server started without one revokes the one made from it.
    const uncached = await start('broadsheet', db, { ADMIN_TOKEN: BENCH_ADMIN_TOKEN })
    servers.push(uncached)
    let edit = 0
    const mixed: Endpoint = {
      name: 'mixed: 99 reads of the three hot URLs, 1 PATCH of the hot article',
      kind: 'read',
      options: async () => ({
        requests: Array.from({ length: 100 }, (_, j) => ({
          setupRequest: (request: Load): Load =>
            j === 99
              ? {
                  ...request,
                  method: 'PATCH',
                  path: `/api/v1/articles/bench-article-1`,
                  headers: {
                    'content-type': 'application/json',
                    authorization: `Bearer ${db.editorToken}`,
                    'if-match': '*',
                  },
                  body: JSON.stringify({ title: `Bench article 1, edit ${++edit}` }),
                }
              : { ...request, method: 'GET', path: HOT[j % HOT.length]!.path, headers: {} },
          onResponse: () => {},
        })),
      }),
    }
    await measure(uncached, mixed, plan.warmup)
    await measure(cached, mixed, plan.warmup)
    const hitsBefore = await metric(cached, 'broadsheet_read_cache_hits_total')
    const missesBefore = await metric(cached, 'broadsheet_read_cache_misses_total')
    const mix = { cached: [] as Sample[], uncached: [] as Sample[], hitRate: 0 }
    for (let round = 0; round < plan.rounds; round++) {
      for (const server of round % 2 === 0 ? [cached, uncached] : [uncached, cached])
        (server === cached ? mix.cached : mix.uncached).push(await measure(server, mixed, plan.seconds))
    }
    const hits = (await metric(cached, 'broadsheet_read_cache_hits_total')) - hitsBefore
    const misses = (await metric(cached, 'broadsheet_read_cache_misses_total')) - missesBefore
    mix.hitRate = hits / (hits + misses)
    log(
      `mixed: ${f2(median(mix.cached.map((s) => s.rps)) / median(mix.uncached.map((s) => s.rps)))}× uncached, hit rate ${f2(mix.hitRate)}`,
    )
    return { hot, mixed: mix, peakRss: peakRss(cached.pid) }
  } finally {
    await Promise.all(servers.map((s) => s.stop()))
    rmSync(dir, { recursive: true, force: true })
  }
}
const f2 = (n: number) => n.toFixed(2)

/**
 * Both servers must send the same status, bytes and ETag for every read, and the same shape for
 * writes. The size of each answer's body (Broadsheet's), by endpoint.
 */
async function verify(servers: Server[], list: Endpoint[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>()
  for (const endpoint of list) {
    const answers: { status: number; etag: string | null; link: string | null; text: string }[] = []
    for (const server of servers) {
      const options = await endpoint.options(server)
      const setup = options.requests?.[0]?.setupRequest
      const request = setup ? setup({}, {}) : options
      const response = await fetch(server.url + (request.path ?? '/'), {
        method: request.method ?? 'GET',
        headers: request.headers ?? {},
        ...(request.body === undefined ? {} : { body: request.body }),
      })
      answers.push({
        status: response.status,
        etag: response.headers.get('etag'),
        link: response.headers.get('link'),
        text: await response.text(),
      })
    }
    const [a, b] = answers as [(typeof answers)[0], (typeof answers)[0]]
    const same =
      endpoint.kind === 'read'
        ? a.status === b.status && a.text === b.text && a.etag === b.etag && a.link === b.link
        : a.status === b.status && isDeepStrictEqual(Object.keys(JSON.parse(a.text)), Object.keys(JSON.parse(b.text)))
    if (a.status >= 300 || !same) {
      throw new Error(
        `${endpoint.name}: the two servers disagree (or failed).\n` +
          servers
            .map(
              (s, i) => `${s.name}: ${answers[i]!.status} etag=${answers[i]!.etag}\n${answers[i]!.text.slice(0, 600)}`,
            )
            .join('\n'),
      )
    }
    sizes.set(endpoint.name, Buffer.byteLength(a.text))
    log(`same answer from both: ${endpoint.name} (${a.status}, ${Buffer.byteLength(a.text)} bytes)`)
  }
  return sizes
}

async function deepCursor(server: Server, pages: number): Promise<string> {
  // 250 pages of 20 is 50 pages of 100: the cursor after the 5,000th newest article.
  let cursor: string | null = null
  for (let i = 0; i < pages / 5; i++) {
    const url: string = `${server.url}/api/v1/articles?limit=100${cursor ? `&cursor=${cursor}` : ''}`
    const body = (await (await fetch(url)).json()) as { meta: { nextCursor: string | null } }
    cursor = body.meta.nextCursor
    if (!cursor) throw new Error('not enough published articles for the deep cursor page')
  }
  return cursor!
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  log(
    `${quick ? 'quick' : 'full'} run: ${plan.rounds} rounds of ${plan.seconds} s per endpoint and server, ${CONNECTIONS} connections`,
  )
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' })
  log('built Broadsheet (npm run build)')
  // In this process, before any database is prepared or server runs, so nothing else competes for
  // the CPU (a database just seeded keeps Postgres busy for a while).
  const render = measureRendering(benchMarkdown(), plan.renderWarmup, plan.renderRuns)
  log(
    `rendered a ${(render.markdownBytes / 1024).toFixed(1)} KiB Markdown body ${render.samples.length} times: ` +
      `median ${median(render.samples).toFixed(1)} ms, max ${Math.max(...render.samples).toFixed(1)} ms`,
  )
  const benchDb = await prepareDatabase(serverUrl, 'broadsheet_bench', {
    authors: 1_000,
    articles: 10_000,
    comments: 100_000,
  })
  const small = await prepareDatabase(serverUrl, 'broadsheet_bench_1k', {
    authors: 100,
    articles: 1_000,
    comments: 10_000,
  })
  const large = await prepareDatabase(serverUrl, 'broadsheet_bench_100k', {
    authors: 1_000,
    articles: 100_000,
    comments: 200_000,
  })
  log(
    `databases ready (seeded now: ${
      [benchDb, small, large]
        .filter((d) => d.seededMs > 0)
        .map((d) => `${d.size.articles} articles in ${d.seededMs} ms`)
        .join(', ') || 'none, reused'
    })`,
  )

  const broadsheet = await start('broadsheet', benchDb)
  const baseline = await start('baseline', benchDb)
  const servers = [broadsheet, baseline]
  log(`servers up: broadsheet pid ${broadsheet.pid}, baseline pid ${baseline.pid}`)

  const patchTargets = await publishedIds(benchDb, CONNECTIONS * 3)
  const list = endpoints(benchDb, await deepCursor(broadsheet, 250), patchTargets)
  const sizes = await verify(servers, list)

  for (const endpoint of list) for (const server of servers) await measure(server, endpoint, plan.warmup)
  log('warmed up')

  const results: EndpointResult[] = list.map((e) => ({
    name: e.name,
    kind: e.kind,
    broadsheet: [],
    baseline: [],
    ratios: [],
    ...(sizes.has(e.name) ? { bytes: sizes.get(e.name)! } : {}),
    ...(e.compareTo ? { compareTo: e.compareTo } : {}),
  }))
  for (let round = 0; round < plan.rounds; round++) {
    for (const [i, endpoint] of list.entries()) {
      const order = round % 2 === 0 ? servers : [...servers].reverse()
      const samples = new Map<string, Sample>()
      for (const server of order) samples.set(server.name, await measure(server, endpoint, plan.seconds))
      const b = samples.get('broadsheet')!
      const base = samples.get('baseline')!
      results[i]!.broadsheet.push(b)
      results[i]!.baseline.push(base)
      results[i]!.ratios.push(b.rps / base.rps)
    }
    log(`round ${round + 1}/${plan.rounds}: ${results.map((r) => r.ratios.at(-1)!.toFixed(2)).join(' ')}`)
  }

  for (const [i, endpoint] of list.entries()) {
    const rate = Math.max(1, Math.round(0.6 * median(results[i]!.baseline.map((s) => s.rps))))
    const b = await measure(broadsheet, endpoint, plan.fixedSeconds, { overallRate: rate })
    const base = await measure(baseline, endpoint, plan.fixedSeconds, { overallRate: rate })
    results[i]!.fixedRate = { rate, broadsheet: b, baseline: base }
  }
  log('fixed-rate runs done')
  const memory = { broadsheet: peakRss(broadsheet.pid), baseline: peakRss(baseline.pid) }
  await Promise.all(servers.map((s) => s.stop()))

  const cached = await measureCached(benchDb)
  const growth = await measureGrowth(small, large)
  const sitemap = await measureSitemap(large)
  const variants = await measureVariants(benchDb)
  const run: Run = {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    quick,
    machine: await machine(benchDb),
    versions: versions(),
    settings:
      `autocannon, ${CONNECTIONS} connections, ${plan.rounds} interleaved rounds of ${plan.seconds} s per endpoint and server ` +
      `after a ${plan.warmup} s warm-up; fixed rate ${plan.fixedSeconds} s; growth at 1 connection, ${plan.growthRounds} rounds of ` +
      `${plan.growthSeconds} s; pool ${POOL} connections each; LOG_LEVEL=warn; Broadsheet as npm start runs it (\`${startArguments().join(' ')}\`), the baseline under tsx`,
    endpoints: results,
    growth,
    growthSizes: { small: small.size.articles, large: large.size.articles },
    peakRss: memory,
    render,
    sitemap,
    variants,
    cached,
    seconds: (Date.now() - started) / 1000,
  }
  console.log(
    `\n${table(run)}\n\n${comparisonTable(run)}\n\n${fixedRateTable(run)}\n\n${growthTable(run)}\n\n${extrasTable(run)}\n\n${cachedTable(run)}\n`,
  )
  for (const v of verdicts(run)) console.log(`${v.met ? 'met    ' : 'NOT MET'}  ${v.target}: ${v.measured}`)
  if (write) {
    writeFileSync(path.join(root, 'bench', 'RESULTS.md'), markdown(run))
    writeFileSync(path.join(root, 'bench', 'results.svg'), chart(run))
    writeFileSync(path.join(root, 'bench', 'results.json'), `${JSON.stringify(run, null, 1)}\n`)
    console.log('\nwrote bench/RESULTS.md, bench/results.svg and bench/results.json (every sample)')
  }
  if (failures.length > 0) {
    console.error(`\nSome requests failed, so these numbers are not comparable:\n${failures.join('\n')}`)
    process.exitCode = 1
  }
  log('done')
}

async function measureGrowth(small: BenchDatabase, large: BenchDatabase): Promise<GrowthResult[]> {
  const servers = {
    small: { broadsheet: await start('broadsheet', small), baseline: await start('baseline', small) },
    large: { broadsheet: await start('broadsheet', large), baseline: await start('baseline', large) },
  }
  const all = [servers.small.broadsheet, servers.small.baseline, servers.large.broadsheet, servers.large.baseline]
  const probes: Endpoint[] = [
    {
      name: 'GET /articles?limit=20&include=author',
      kind: 'read',
      options: async () => ({ path: '/api/v1/articles?limit=20&include=author' }),
    },
    { name: 'GET /articles/{slug}', kind: 'read', options: async () => ({ path: '/api/v1/articles/bench-article-1' }) },
  ]
  for (const probe of probes) for (const server of all) await measure(server, probe, plan.warmup, { connections: 1 })
  const means = probes.map(() => new Map<Server, number[]>(all.map((s) => [s, []])))
  for (let round = 0; round < plan.growthRounds; round++) {
    for (const [i, probe] of probes.entries()) {
      const order = round % 2 === 0 ? all : [...all].reverse()
      // One connection, one request at a time: the mean latency is the time per request
      // (autocannon's own latency figures are whole milliseconds, too coarse here).
      for (const server of order)
        means[i]!.get(server)!.push(1000 / (await measure(server, probe, plan.growthSeconds, { connections: 1 })).rps)
    }
  }
  await Promise.all(all.map((s) => s.stop()))
  log('growth runs done')
  const m = (i: number, s: Server) => median(means[i]!.get(s)!)
  return probes.map((probe, i) => ({
    name: probe.name,
    small: { broadsheet: m(i, servers.small.broadsheet), baseline: m(i, servers.small.baseline) },
    large: { broadsheet: m(i, servers.large.broadsheet), baseline: m(i, servers.large.baseline) },
  }))
}

/**
 * The sitemap row: `SITEMAP_PATH` on the 100k database, from a Broadsheet started for it alone
 * (so no earlier load shapes its heap), requested one at a time, each timed from sending the
 * request to its last byte. Memory: VmRSS just before the first request, then the peak while
 * the requests run: the kernel's high-water mark (VmHWM, reset to the current RSS just before
 * through /proc/<pid>/clear_refs) and, as a second reading, VmRSS sampled every 2 ms.
 */
async function measureSitemap(db: BenchDatabase): Promise<SitemapResult> {
  const server = await start('broadsheet', db)
  const base = { path: SITEMAP_PATH, articles: db.size.articles }
  try {
    await sleep(500) // start-up work (the first schedule sweep, pool connections) settles
    const rssBefore = rss(server.pid)
    const reset = resetPeakRss(server.pid)
    let sampled = rssBefore
    const sampler = setInterval(() => {
      sampled = Math.max(sampled, rss(server.pid))
    }, 2)
    const times: number[] = []
    let first: { status: number; text: string } | undefined
    try {
      for (let i = 0; i < plan.sitemapRequests; i++) {
        const began = performance.now()
        const response = await fetch(server.url + SITEMAP_PATH)
        const text = await response.text()
        times.push(performance.now() - began)
        first ??= { status: response.status, text }
        if (response.status !== 200) break
      }
    } finally {
      clearInterval(sampler)
    }
    if (first!.status !== 200) {
      const result = { ...base, status: first!.status }
      log(`sitemap not measured: ${SITEMAP_PATH} answered ${first!.status}`)
      failures.push(`broadsheet ${SITEMAP_PATH}: answered ${first!.status}, not measured`)
      return result
    }
    const hwm = reset ? peakRss(server.pid) : 0
    const rssPeak = Math.max(sampled, hwm, rssBefore)
    const urls = first!.text.match(/<url>/g)?.length ?? 0
    log(
      `sitemap ${SITEMAP_PATH}: ${urls} URLs, ${Buffer.byteLength(first!.text)} bytes, ` +
        `${times.map((t) => t.toFixed(0)).join(' / ')} ms, RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssPeak / 2 ** 20).toFixed(0)} MB ` +
        `(VmHWM ${reset ? `${(hwm / 2 ** 20).toFixed(0)} MB` : 'not reset'}, sampled ${(sampled / 2 ** 20).toFixed(0)} MB)`,
    )
    return {
      ...base,
      urls,
      bytes: Buffer.byteLength(first!.text),
      times,
      rssBefore,
      rssPeak,
      memoryMethod: `extra memory is the server's peak resident set while the ${times.length} requests ran (${
        reset ? 'VmHWM, reset to the current RSS just before through /proc/<pid>/clear_refs, and ' : ''
      }VmRSS sampled every 2 ms, whichever is higher) minus its VmRSS just before the first.`,
    }
  } finally {
    await server.stop()
  }
}

/**
 * The variants row (issue 27): photo-sized JPEGs (2000×1500 noise, ~2.5 MB each) uploaded to a
 * Broadsheet with its own disk store, then each one's `card.webp` requested once, one at a time
 * (the first request renders it from the original, stores and records it), then one of them read
 * back under load like the read rows.
 */
async function measureVariants(db: BenchDatabase): Promise<VariantsResult> {
  const store = mkdtempSync(path.join(os.tmpdir(), 'broadsheet-bench-media-'))
  const server = await start('broadsheet', db, { MEDIA_DIR: store })
  try {
    const headers = { authorization: `Bearer ${db.editorToken}` }
    const ids: string[] = []
    for (let i = 0; i < plan.variantImages; i++) {
      const form = new FormData()
      form.append('file', new Blob([new Uint8Array(await noiseJpeg(2000, 1500, 100 + i))]), 'photo.jpg')
      const response = await fetch(`${server.url}/api/v1/media`, { method: 'POST', headers, body: form })
      if (response.status !== 201) throw new Error(`upload answered ${response.status}: ${await response.text()}`)
      ids.push(((await response.json()) as { id: string }).id)
    }
    const firstTimes: number[] = []
    let cachedBytes = 0
    for (const id of ids) {
      const began = performance.now()
      const response = await fetch(`${server.url}/media/${id}/card.webp`, { headers })
      cachedBytes = (await response.arrayBuffer()).byteLength
      firstTimes.push(performance.now() - began)
      if (response.status !== 200) throw new Error(`card.webp answered ${response.status}`)
    }
    const cached: Endpoint = {
      name: 'GET /media/{id}/card.webp (stored)',
      kind: 'read',
      options: async () => ({ path: `/media/${ids[0]}/card.webp`, headers }),
    }
    await measure(server, cached, plan.warmup)
    const { rps } = await measure(server, cached, plan.seconds * plan.rounds)
    log(
      `variants: first card.webp ${firstTimes.map((t) => t.toFixed(0)).join(' / ')} ms; ` +
        `stored ${rps.toFixed(0)} req/s (${(cachedBytes / 1024).toFixed(1)} KiB)`,
    )
    return { source: `${ids.length} × 2000×1500 JPEG → 800×450 WebP`, firstTimes, cachedRps: rps, cachedBytes }
  } finally {
    await server.stop()
    rmSync(store, { recursive: true, force: true })
  }
}

async function publishedIds(db: BenchDatabase, n: number): Promise<string[]> {
  const rows = await select<{ id: string }>(
    db,
    `SELECT "id" FROM "articles" WHERE "slug" LIKE 'bench-article-%' AND "published_at" IS NOT NULL
     ORDER BY "slug" DESC LIMIT $1`,
    [n],
  )
  return rows.map((r) => r.id)
}

async function machine(db: BenchDatabase): Promise<string> {
  const [{ v }] = (await select<{ v: string }>(db, "SELECT current_setting('server_version') AS v")) as [{ v: string }]
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, PostgreSQL ${v} on the same machine`
}

function versions(): Record<string, string> {
  const version = (name: string) =>
    (JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
      .version
  return {
    Node: process.version,
    fastify: version('fastify'),
    prisma: version('@prisma/client'),
    pg: version('pg'),
    autocannon: version('autocannon'),
  }
}

/** `--render`: rewrites RESULTS.md and the chart from bench/results.json, measuring nothing. */
function render(): void {
  const run = JSON.parse(readFileSync(path.join(root, 'bench', 'results.json'), 'utf8')) as Run
  writeFileSync(path.join(root, 'bench', 'RESULTS.md'), markdown(run))
  writeFileSync(path.join(root, 'bench', 'results.svg'), chart(run))
  console.log(`rendered bench/RESULTS.md and bench/results.svg from bench/results.json (${run.date})`)
}

if (args.includes('--render')) render()
else
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error)
    process.exit(1)
  })
