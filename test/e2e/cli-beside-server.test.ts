import { readFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { cleanEnv, getFrom, run, startServer, tempDir } from '../support/process.js'

/**
 * The embedded database serves one process. Beside a running server, each command README.md
 * tells people to run against it (the seed as `npx prisma db seed`, the token CLI, the
 * migrations CLI) exits non-zero with a sentence saying what to do instead, never a stack
 * trace, and leaves the server and its lock alone.
 */
const TSX = (file: string) => [process.execPath, ['--import', 'tsx', file]] as const
const TOKEN = TSX(path.join('src', 'cli', 'token.ts'))
const MIGRATE = TSX(path.join('src', 'cli', 'migrate.ts'))

/** Lines of a Node stack trace ("    at fn (file:line:col)"). */
const STACK_LINE = /^\s+at /m

t.test('the seed and the CLIs beside a running embedded server: one sentence, no stack trace', async (t) => {
  const dir = await tempDir(t, 'broadsheet-cli-beside-')
  const env = cleanEnv({ DATA_DIR: dir })
  const server = await startServer(env)
  t.teardown(() => server.stop())
  const pid = server.child.pid!
  const inUse = `the embedded database in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by process ${pid} \\(a running server\\?\\)`

  const seed = await run('npx', ['prisma', 'db', 'seed'], env)
  t.not(seed.code, 0, 'npx prisma db seed exits non-zero')
  t.match(
    seed.stderr,
    new RegExp(
      `^seed: ${inUse}, and only one process can open it: stop the server and run the seed again, ` +
        'or set DATABASE_URL to seed a Postgres database instead\\.$',
      'm',
    ),
    'the seed says what to do',
  )
  t.notMatch(seed.stderr, STACK_LINE, 'no stack trace from the seed')
  t.notMatch(seed.stdout, STACK_LINE)

  const token = await run(TOKEN[0], [...TOKEN[1], 'list'], env)
  t.equal(token.code, 1, 'the token CLI exits 1')
  t.match(token.stderr, new RegExp(`^token: ${inUse};`, 'm'))
  t.match(token.stderr, /manage tokens over its API/, 'and points to the API')
  t.match(token.stderr, /Or stop the server and run this command again\.$/m)
  t.notMatch(token.stderr, STACK_LINE, 'no stack trace from the token CLI')

  const migrate = await run(MIGRATE[0], [...MIGRATE[1]], env)
  t.equal(migrate.code, 1, 'the migrations CLI exits 1')
  t.match(
    migrate.stderr,
    new RegExp(
      `^db:migrate: ${inUse}, and only one process can open it: stop the server and run this again, ` +
        'or restart the server instead, which applies pending migrations when it starts \\(MIGRATE_ON_START\\)\\.$',
      'm',
    ),
    'db:migrate says what to do',
  )
  t.notMatch(migrate.stderr, STACK_LINE, 'no stack trace from the migrations CLI')

  t.equal((await getFrom(server, '/health/ready')).status, 200, 'the server keeps serving')
  t.equal((await readFile(path.join(dir, 'broadsheet.pid'), 'utf8')).trim(), String(pid), 'and keeps its lock')

  // What the sentence says works: with the server stopped, the seed runs (and changes nothing).
  t.equal((await server.stop()).code, 0)
  const again = await run('npx', ['prisma', 'db', 'seed'], env)
  t.equal(again.code, 0, again.stderr)
  t.match(again.stdout, /Seeded embedded database in .*: inserted 0 authors, 0 articles, 0 comments/)
})
