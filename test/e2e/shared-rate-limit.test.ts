import { randomBytes } from 'node:crypto'
import net from 'node:net'
import t from 'tap'
import { Redis } from 'ioredis'
import pg from 'pg'
import { freshDatabase } from '../support/app.js'
import { cleanEnv, startServer } from '../support/process.js'
import { requires, requiresThat } from '../support/requires.js'

const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379'

async function redisAnswers(): Promise<boolean> {
  const { hostname, port } = new URL(REDIS_URL)
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) })
    socket.setTimeout(1000)
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => (socket.destroy(), resolve(false)))
  })
}

const redisUp = await redisAnswers()
// .ci/run starts Redis, and a skip fails it there.
const skip =
  requires('postgres', 'two processes share one database') ||
  requiresThat(redisUp, `Redis at ${REDIS_URL}`, 'two processes share one rate limit')

t.test('two server processes sharing Postgres and Redis enforce one comment limit', { skip }, async (t) => {
  const prefix = `broadsheet:test:${randomBytes(6).toString('hex')}:`
  t.teardown(async () => {
    const redis = new Redis(REDIS_URL)
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
  })
  const { DATABASE_URL } = await freshDatabase(t)
  const env = cleanEnv({
    DATABASE_URL: DATABASE_URL!,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    COMMENT_RATE_LIMIT: '4',
    COMMENT_RATE_LIMIT_PER_ARTICLE: '100',
  })
  const [a, b] = await Promise.all([startServer(env), startServer(env)])
  t.teardown(() => Promise.all([a.stop(), b.stop()]))

  const slug = JSON.parse(await (await fetch(`${a.url}/api/v1/articles?limit=1`)).text()).data[0].slug as string
  const post = async (server: typeof a, n: number) => {
    const res = await fetch(`${server.url}/api/v1/articles/${slug}/comments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authorName: 'Shared', authorEmail: 'shared@example.org', body: `comment ${n}` }),
    })
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() }
  }
  const results = []
  for (let n = 0; n < 7; n++) results.push(await post(n % 2 === 0 ? a : b, n))
  t.same(
    results.map((r) => r.status),
    [201, 201, 201, 201, 429, 429, 429],
    'the 5th comment is refused, whichever process gets it',
  )
  for (const refused of results.slice(4)) {
    t.ok(Number(refused.retryAfter) > 0, 'Retry-After on 429')
    t.equal(JSON.parse(refused.body).code, 'RATE_LIMITED')
  }
  // What was refused left nothing behind: the database holds the four accepted comments, no more.
  const db = new pg.Client({ connectionString: DATABASE_URL })
  await db.connect()
  t.teardown(() => db.end())
  const stored = await db.query<{ body: string }>(
    `SELECT c.body FROM comments c JOIN articles a ON a.id = c.article_id
     WHERE a.slug = $1 AND c.author_email = 'shared@example.org' ORDER BY c.created_at`,
    [slug],
  )
  t.same(
    stored.rows.map((r) => r.body),
    ['comment 0', 'comment 1', 'comment 2', 'comment 3'],
    'exactly the four accepted comments are stored',
  )
})
