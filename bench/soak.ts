/**
 * `npm run soak -- [--seconds 60] [--concurrency 8] [--url http://host:port --token <admin secret>] [--chaos]`
 *
 * Mixed reads and writes against a running Broadsheet for a set time, then proof that nothing
 * acknowledged was lost: every comment that got a 201 exists, every article's stored title
 * is its last acknowledged edit, and versions (from ETags) only ever grew. Without --url it
 * starts its own server on a fresh embedded database (or on DATABASE_URL when set). With
 * --chaos and DATABASE_URL, it also kills the server's database connections every 2 s
 * (pg_terminate_backend), so the proof holds under faults too.
 * Not part of `npm test`: it is a long-running check, and its report goes to stdout.
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '8' },
    url: { type: 'string' },
    token: { type: 'string' },
    chaos: { type: 'boolean', default: false },
  },
})
const seconds = Number(values.seconds)
const concurrency = Number(values.concurrency)

interface Api {
  status: number
  etag: string | null
  body: any
  ms: number
}

async function main() {
  const { url, token, stop } = values.url
    ? { url: values.url, token: values.token ?? '', stop: async () => {} }
    : await ownServer()
  const auth = { authorization: `Bearer ${token}` }
  const statuses = new Map<string, number>()
  const latencies: number[] = []
  const call = async (
    method: string,
    p: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Api> => {
    const started = performance.now()
    try {
      const res = await fetch(url + p, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      })
      const text = await res.text()
      const ms = performance.now() - started
      latencies.push(ms)
      const key = `${method} ${res.status}`
      statuses.set(key, (statuses.get(key) ?? 0) + 1)
      return { status: res.status, etag: res.headers.get('etag'), body: text ? JSON.parse(text) : undefined, ms }
    } catch (error) {
      const key = `${method} network-error`
      statuses.set(key, (statuses.get(key) ?? 0) + 1)
      return { status: 0, etag: null, body: undefined, ms: performance.now() - started }
    }
  }

  const authors = (await call('GET', '/api/v1/authors?limit=5')).body?.data ?? []
  if (authors.length === 0) throw new Error('no authors: is the database seeded?')
  const published = (await call('GET', '/api/v1/articles?limit=20&count=false')).body.data as { slug: string }[]

  const comments: string[] = []
  const articles = new Map<string, { title: string; versions: number[] }>()
  const versionOf = (etag: string | null) => Number(/^"(\d+)-/.exec(etag ?? '')?.[1] ?? Number.NaN)
  const stopAt = Date.now() + seconds * 1000

  const worker = async (n: number) => {
    const created = await call(
      'POST',
      '/api/v1/articles',
      { title: `Soak ${n} ${randomUUID()}`, authorId: authors[n % authors.length].id },
      { ...auth, 'idempotency-key': randomUUID() },
    )
    if (created.status !== 201) throw new Error(`could not create an article: ${created.status}`)
    const mine = created.body.id as string
    let etag = created.etag
    articles.set(mine, { title: created.body.title, versions: [versionOf(etag)] })
    for (let i = 0; Date.now() < stopAt; i++) {
      const dice = i % 10
      if (dice < 5) {
        await call(
          'GET',
          dice % 2
            ? `/api/v1/articles/${published[i % published.length]!.slug}?include=author`
            : '/api/v1/articles?include=author&limit=20',
        )
      } else if (dice < 7) {
        // A frontend that retries with the same Idempotency-Key until it gets an answer.
        const key = randomUUID()
        const body = { authorName: `Soak ${n}`, authorEmail: 'soak@example.org', body: `comment ${n}/${i}` }
        for (let attempt = 0; attempt < 5; attempt++) {
          const res = await call('POST', `/api/v1/articles/${published[i % published.length]!.slug}/comments`, body, {
            'idempotency-key': key,
          })
          if (res.status === 201) {
            comments.push(res.body.id)
            break
          }
          if (res.status !== 0 && res.status !== 503 && res.status !== 409) break
          await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)))
        }
      } else {
        const title = `Soak ${n} edit ${i}`
        const res = await call('PATCH', `/api/v1/articles/${mine}`, { title }, { ...auth, 'if-match': etag ?? '*' })
        if (res.status === 200) {
          etag = res.etag
          const record = articles.get(mine)!
          record.title = title
          record.versions.push(versionOf(etag))
        } else if (res.status === 412) {
          const current = await call('GET', `/api/v1/articles/${mine}`, undefined, auth)
          etag = current.etag
        }
      }
    }
  }
  let kills = 0
  const chaos = async () => {
    if (!values.chaos) return
    if (!process.env.DATABASE_URL) throw new Error('--chaos needs DATABASE_URL (the database the server uses)')
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL })
    await admin.connect()
    try {
      while (Date.now() < stopAt) {
        await new Promise((resolve) => setTimeout(resolve, 2000))
        await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'broadsheet' AND pid <> pg_backend_pid()`,
        )
        kills++
      }
    } finally {
      await admin.end()
    }
  }
  const started = Date.now()
  await Promise.all([chaos(), ...Array.from({ length: concurrency }, (_, n) => worker(n))])
  const elapsed = (Date.now() - started) / 1000

  // Verification: everything acknowledged is there, and versions only grew.
  const problems: string[] = []
  for (const id of comments) {
    const res = await call('GET', `/api/v1/comments/${id}`, undefined, auth)
    if (res.status !== 200) problems.push(`comment ${id}: ${res.status}`)
  }
  for (const [id, record] of articles) {
    const res = await call('GET', `/api/v1/articles/${id}`, undefined, auth)
    if (res.status !== 200) problems.push(`article ${id}: ${res.status}`)
    else if (res.body.title !== record.title)
      problems.push(`article ${id}: stored "${res.body.title}", acknowledged "${record.title}"`)
    const grew = record.versions.every((v, i) => i === 0 || v > record.versions[i - 1]!)
    if (!grew) problems.push(`article ${id}: versions did not only grow: ${record.versions.join(',')}`)
    if (versionOf(res.etag) < record.versions[record.versions.length - 1]!)
      problems.push(`article ${id}: stored version went back`)
  }
  await stop()

  latencies.sort((a, b) => a - b)
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1)
  const edits = [...articles.values()].reduce((n, r) => n + r.versions.length - 1, 0)
  console.log(`
## Soak report (${new Date().toISOString()})

- ${seconds} s, ${concurrency} workers against ${values.url ?? 'a fresh local server'}${values.chaos ? `, database connections killed ${kills} times` : ''}; ${latencies.length} requests (${(latencies.length / elapsed).toFixed(0)}/s)
- latency p50 ${pct(50)} ms, p99 ${pct(99)} ms
- acknowledged: ${comments.length} comments, ${articles.size} articles, ${edits} edits
- statuses: ${[...statuses]
    .sort()
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')}
- verification: ${problems.length === 0 ? 'every acknowledged write is stored; versions only grew' : `${problems.length} PROBLEMS`}
${problems
  .slice(0, 20)
  .map((p) => `  - ${p}`)
  .join('\n')}`)
  const unexpected = [...statuses.keys()].filter((k) => /\s5\d\d$/.test(k) && !k.endsWith(' 503'))
  if (problems.length > 0 || unexpected.length > 0) {
    console.error(
      `soak failed: ${problems.length} lost or inconsistent writes, unexpected statuses: ${unexpected.join(', ') || 'none'}`,
    )
    process.exitCode = 1
  }
}

async function ownServer() {
  const dir = await mkdtemp(path.join(tmpdir(), 'broadsheet-soak-'))
  const token = `soak-admin-${randomUUID()}`
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    // One client address plays many readers here: lift the per-address limits.
    env: {
      ...process.env,
      PORT: '0',
      DATA_DIR: dir,
      ADMIN_TOKEN: token,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000',
      COMMENT_RATE_LIMIT: '1000000',
      COMMENT_RATE_LIMIT_PER_ARTICLE: '1000000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const deadline = Date.now() + 60_000
  let url: string | undefined
  while (!url) {
    url = /API:\s+(http:\/\/[^/\s]+)\/api\/v1/.exec(stderr)?.[1]
    if (!url && (child.exitCode !== null || Date.now() > deadline)) throw new Error(`server did not start:\n${stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    token,
    stop: async () => {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
      await rm(dir, { recursive: true, force: true })
    },
  }
}

main().catch((error: unknown) => {
  console.error(`soak: ${(error as Error).message}`)
  process.exitCode = 1
})
