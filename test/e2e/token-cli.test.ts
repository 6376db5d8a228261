import path from 'node:path'
import t from 'tap'
import { cleanEnv, run, startServer, tempDir } from '../support/process.js'

const TOKEN = [process.execPath, ['--import', 'tsx', path.join('src', 'cli', 'token.ts')]] as const

t.test('`npm run token -- create` prints a working secret once; revoke stops it', async (t) => {
  const dir = await tempDir(t, 'broadsheet-token-')
  const env = cleanEnv({ DATA_DIR: dir })

  // First start seeds the database; stop it so the CLI can open the embedded files.
  const first = await startServer(env)
  await first.stop()

  const created = await run(TOKEN[0], [...TOKEN[1], 'create', '--role', 'editor', '--name', 'frontend'], env)
  t.equal(created.code, 0, created.stderr)
  const secret = /Secret \(shown once, store it now\): (bs_\S+)/.exec(created.stdout)?.[1]
  t.ok(secret, 'prints the secret')
  const id = /\(([0-9a-f-]{36})\)/.exec(created.stdout)?.[1]

  const listed = await run(TOKEN[0], [...TOKEN[1], 'list'], env)
  t.match(listed.stdout, new RegExp(`${id}\\s+editor\\s+${secret!.slice(0, 10)}\\s+frontend`))
  t.notOk(listed.stdout.includes(secret!), 'list never shows the secret')

  const bad = await run(TOKEN[0], [...TOKEN[1], 'create', '--role', 'author', '--name', 'x'], env)
  t.equal(bad.code, 1)
  t.match(bad.stderr, /^token: authorId is required for role author$/m)

  const server = await startServer(env)
  const drafts = await fetch(`${server.url}/api/v1/articles?status=draft`, {
    headers: { authorization: `Bearer ${secret}` },
  })
  t.equal(drafts.status, 200, 'the printed secret authenticates')
  await server.stop()

  const revoked = await run(TOKEN[0], [...TOKEN[1], 'revoke', id!], env)
  t.equal(revoked.code, 0, revoked.stderr)
  const again = await startServer(env)
  const refused = await fetch(`${again.url}/api/v1/articles`, { headers: { authorization: `Bearer ${secret}` } })
  t.equal(refused.status, 401, 'revoked')
  await again.stop()
})
