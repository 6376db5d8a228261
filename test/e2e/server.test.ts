import path from 'node:path'
import t from 'tap'
import { articles as seedArticles, authors as seedAuthors } from '../../src/db/seed-data.js'
import { freshDatabase } from '../support/app.js'
import { SERVER, cleanEnv, getFrom, run, startServer, tempDir, type Running } from '../support/process.js'
import { requires } from '../support/requires.js'

const publishedCount = seedArticles.filter((a) => a.publishedAt !== null).length

/** What a newcomer checks after the first command: ready, docs, OpenAPI, seeded articles. */
async function checkServes(t: Parameters<typeof freshDatabase>[0], server: Running) {
  const ready = await getFrom(server, '/health/ready')
  t.equal(ready.status, 200, 'ready')
  const docs = await getFrom(server, '/docs')
  t.equal(docs.status, 200)
  t.match(docs.type, /text\/html/, '/docs is an HTML page')
  t.match(docs.text, /swagger-ui/i, '/docs is Swagger UI')
  const openapi = await getFrom(server, '/openapi.json')
  t.equal(JSON.parse(openapi.text).openapi, '3.1.0', 'an OpenAPI 3.1 document')
  const list = await getFrom(server, '/api/v1/articles')
  t.equal(list.status, 200)
  return JSON.parse(list.text) as { data: unknown[]; meta: { total: number } }
}

t.test('embedded mode: first start migrates, seeds once and serves; data survives a restart', async (t) => {
  const dir = await tempDir(t)
  const env = cleanEnv({ DATA_DIR: dir })

  const started = Date.now()
  const first = await startServer(env)
  t.ok(Date.now() - started < 60_000, `served within 60 s (${Date.now() - started} ms)`)
  const list = await checkServes(t, first)
  t.equal(list.meta.total, publishedCount, 'seeded published articles are listed')
  t.match(first.stdout(), /seeded sample content/, 'says it seeded')
  t.match(first.stderr(), new RegExp(`Data: embedded PGlite in ${dir}`), 'prints where the data lives')
  t.match(first.stderr(), /Docs: http:\/\/127\.0\.0\.1:\d+\/docs/, 'prints where the docs are')

  const exit = await first.stop('SIGTERM')
  t.equal(exit.code, 0, 'SIGTERM: graceful exit 0')

  const second = await startServer(env)
  const again = await checkServes(t, second)
  t.equal(again.meta.total, publishedCount, 'the data is still there, not seeded twice')
  t.notMatch(second.stdout(), /seeded|applied migrations/, 'no migration or seeding on a restart')
  t.equal((await second.stop('SIGINT')).code, 0, 'SIGINT: graceful exit 0')
})

t.test('a second process on the same embedded data directory is refused clearly', async (t) => {
  const dir = await tempDir(t)
  const env = cleanEnv({ DATA_DIR: dir })
  const first = await startServer(env)
  t.teardown(() => first.stop())
  const second = await run(SERVER[0], [...SERVER[1]], { ...env, PORT: '0' })
  t.equal(second.code, 1)
  t.match(second.stderr, new RegExp(`in use by process ${first.child.pid}`))
  t.equal((await getFrom(first, '/health/ready')).status, 200, 'the first keeps serving')
})

t.test('bad configuration ends with one clear line, not a stack trace', async (t) => {
  const dir = await tempDir(t)
  const cases = [
    [{ PORT: 'abc' }, /^broadsheet: Invalid configuration: PORT must be integer \(got "abc"\)$/],
    [{ LOG_LEVEL: 'chatty' }, /^broadsheet: Invalid configuration: LOG_LEVEL must be one of /],
    [{ DATABASE_URL: 'mysql://localhost/x' }, /^broadsheet: Invalid configuration: DATABASE_URL must be a postgres/],
    [
      {
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere',
        DB_CONNECT_TIMEOUT_MS: '1000',
        DB_STARTUP_TIMEOUT_MS: '1500',
      },
      /^broadsheet: cannot reach the database at DATABASE_URL \(ECONNREFUSED\)/,
    ],
  ] as const
  for (const [vars, message] of cases) {
    const result = await run(SERVER[0], [...SERVER[1]], cleanEnv({ DATA_DIR: dir, ...vars }), 30_000)
    const label = JSON.stringify(vars)
    t.equal(result.code, 1, `${label}: exit 1`)
    const lines = result.stderr.trim().split('\n')
    t.equal(lines.length, 1, `${label}: one line`)
    t.match(lines[0], message, `${label}: names the problem`)
    t.notMatch(result.stderr, /\n\s+at /, `${label}: no stack trace`)
    if ('DB_STARTUP_TIMEOUT_MS' in vars) {
      t.match(
        result.stdout,
        /database not reachable \(ECONNREFUSED\); retrying in/,
        'it retried, with a log line saying so',
      )
    }
  }
})

t.test('`npx prisma db seed` works on the embedded database and is idempotent', async (t) => {
  const dir = await tempDir(t)
  const env = cleanEnv({ DATA_DIR: dir })
  const prisma = [path.join('node_modules', 'prisma', 'build', 'index.js'), 'db', 'seed']
  const first = await run(process.execPath, prisma, env)
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, new RegExp(`inserted ${seedAuthors.length} authors, ${seedArticles.length} articles`))
  const second = await run(process.execPath, prisma, env)
  t.equal(second.code, 0, second.stderr)
  t.match(second.stdout, /inserted 0 authors, 0 articles, 0 comments/)
  t.notMatch(first.stderr + second.stderr, /binaries\.prisma|ENOTFOUND|download/i, 'no engine download attempted')

  const server = await startServer({ ...env, SEED_ON_EMPTY: 'true' })
  const list = await checkServes(t, server)
  t.equal(list.meta.total, publishedCount, 'the server sees the seeded content')
  t.notMatch(server.stdout(), /seeded/, 'and does not seed again')
  await server.stop()
})

t.test('Postgres: two processes started at once on an empty database', { skip: requires('postgres') }, async (t) => {
  const { DATABASE_URL } = await freshDatabase(t)
  const env = cleanEnv({ DATABASE_URL: DATABASE_URL! })
  const servers = await Promise.all([startServer(env), startServer(env)])
  t.teardown(() => Promise.all(servers.map((s) => s.stop())))
  for (const server of servers) {
    const list = await checkServes(t, server)
    t.equal(list.meta.total, publishedCount, 'seeded articles, once')
  }
  const logs = servers.map((s) => s.stdout()).join('\n')
  t.equal(logs.match(/applied migrations/g)?.length, 1, 'exactly one process applied the migrations')
  t.equal(logs.match(/seeded sample content/g)?.length, 1, 'exactly one process seeded')

  const prisma = [path.join('node_modules', 'prisma', 'build', 'index.js'), 'db', 'seed']
  const seed = await run(process.execPath, prisma, env)
  t.equal(seed.code, 0, seed.stderr)
  t.match(seed.stdout, /inserted 0 authors, 0 articles, 0 comments/, '`prisma db seed` on Postgres: idempotent')
})
