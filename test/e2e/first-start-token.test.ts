import net from 'node:net'
import path from 'node:path'
import t from 'tap'
import { SERVER, cleanEnv, run, startServer, tempDir, until, type Running } from '../support/process.js'

const TOKEN_CLI = [process.execPath, ['--import', 'tsx', path.join('src', 'cli', 'token.ts')]] as const
const SECRET = /bs_[A-Za-z0-9_-]{43}/g

/** Until the whole banner is on stderr (one write, but a pipe may deliver it in parts). */
const banner = (server: Running) =>
  until(async () => /Data: /.test(server.stderr()) && server.stderr().endsWith('\n\n'), 10_000)

async function bannerSecret(server: Running): Promise<string | undefined> {
  await banner(server)
  return server.stderr().match(SECRET)?.[0]
}

const tokens = (server: Running, secret?: string) =>
  fetch(`${server.url}/api/v1/tokens`, secret ? { headers: { authorization: `Bearer ${secret}` } } : {})

t.test('the first start of an embedded database that serves prints an admin token once, on stderr only', async (t) => {
  const dir = await tempDir(t, 'broadsheet-first-token-')
  const env = cleanEnv({ DATA_DIR: dir })

  // A first start that migrates and seeds but cannot listen (a busy port) shows nothing and
  // uses nothing up: the next start is still the first that serves.
  const busy = net.createServer()
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  const failed = await run(SERVER[0], [...SERVER[1]], {
    ...env,
    PORT: String((busy.address() as net.AddressInfo).port),
  })
  busy.close()
  t.equal(failed.code, 1, 'a busy port: exit 1')
  t.match(failed.stdout, /seeded sample content/, 'after migrating and seeding')
  t.notMatch(failed.stderr + failed.stdout, /bs_|admin token/, 'and no token shown or made')

  const first = await startServer(env)
  t.teardown(() => first.stop())
  const secret = await bannerSecret(first)
  t.ok(secret, 'the banner shows a secret')
  t.match(first.stderr(), /shown only this once/, 'and says it is shown once')
  t.match(first.stderr(), /POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/tokens/, 'and how to make more')
  t.equal(first.stderr().match(SECRET)?.length, 1, 'exactly once')

  t.equal((await tokens(first)).status, 401, 'the token list needs a token')
  const listed = await tokens(first, secret)
  t.equal(listed.status, 200, 'the printed secret is an admin token (GET /api/v1/tokens)')
  const { data } = (await listed.json()) as { data: { id: string; name: string; role: string; prefix: string }[] }
  t.match(data, [{ name: 'first-start admin', role: 'admin', prefix: secret!.slice(0, 10) }], 'the only token')
  t.equal(data.length, 1)

  t.notOk(first.stdout().includes(secret!), 'the JSON logs (stdout) never carry the secret')
  t.match(first.stdout(), /"msg":"first start: made an admin token/, 'they say a token was made')

  // While the server holds the embedded database, the token CLI points to the API instead.
  const cli = await run(TOKEN_CLI[0], [...TOKEN_CLI[1], 'create', '--role', 'editor', '--name', 'frontend'], env)
  t.equal(cli.code, 1, 'the CLI cannot open the database beside the server')
  t.match(cli.stderr, new RegExp(`in use by process ${first.child.pid}`))
  t.match(
    cli.stderr,
    /curl -X POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/tokens -H "authorization: Bearer \$TOKEN"/,
    'names the API',
  )
  t.match(cli.stderr, /ADMIN_TOKEN/, 'and ADMIN_TOKEN')

  // The secret still works through the API the CLI pointed to.
  const made = await fetch(`${first.url}/api/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'frontend', role: 'editor' }),
  })
  t.equal(made.status, 201, 'POST /api/v1/tokens with the first-start token')
  const editor = ((await made.json()) as { id: string }).id
  t.equal((await first.stop()).code, 0)

  const second = await startServer(env)
  t.teardown(() => second.stop())
  await banner(second)
  t.notMatch(second.stderr(), /bs_|admin token/, 'a restart prints no token')
  t.notMatch(second.stdout(), /first start/, 'nor logs one')
  t.equal((await tokens(second, secret)).status, 200, 'the first token still works')

  // Not even once every token is gone: the first start is over for this database.
  const auth = { authorization: `Bearer ${secret}` }
  for (const id of [editor, data[0]!.id]) {
    t.equal(
      (await fetch(`${second.url}/api/v1/tokens/${id}`, { method: 'DELETE', headers: auth })).status,
      204,
      'revoked',
    )
  }
  t.equal((await second.stop()).code, 0)

  const third = await startServer(env)
  t.teardown(() => third.stop())
  await banner(third)
  t.notMatch(third.stderr(), /bs_|admin token/, 'no token left at all, and still none printed')
})

t.test('with ADMIN_TOKEN on the first start, no token is made or printed', async (t) => {
  const dir = await tempDir(t, 'broadsheet-first-token-env-')
  const ADMIN_TOKEN = 'first-start-test-admin-token-0123456789'
  const server = await startServer(cleanEnv({ DATA_DIR: dir, ADMIN_TOKEN, SEED_ON_EMPTY: 'false' }))
  t.teardown(() => server.stop())
  await banner(server)
  t.notMatch(server.stderr(), /bs_|admin token/, 'nothing printed')
  const listed = await tokens(server, ADMIN_TOKEN)
  t.equal(listed.status, 200)
  const { data } = (await listed.json()) as { data: { name: string }[] }
  t.same(
    data.map((token) => token.name),
    ['ADMIN_TOKEN (environment)'],
    'only the environment token',
  )
})
