import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { ROOT, cleanEnv, run, startServer, tempDir } from '../support/process.js'
import { newestPublished as published } from '../support/seed-facts.js'

/**
 * The typed client in examples/: its types come from the OpenAPI document (npm run openapi),
 * it type-checks strictly on its own, and the example frontend script works against the
 * real server.
 */
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
const EXAMPLE = path.join('examples', 'list-and-comment.ts')
const EDIT = path.join('examples', 'edit-article.ts')
const ADMIN_TOKEN = 'e2e-typed-client-admin-0123456789ab'

t.test('examples/ type-checks strictly: tsc --noEmit -p examples', async (t) => {
  const result = await run(process.execPath, [TSC, '--noEmit', '-p', 'examples'], cleanEnv({}))
  t.equal(result.code, 0, 'tsc exits 0', { output: result.stdout + result.stderr })
})

t.test('the generated types reject a wrong path, a wrong parameter type and a missing field', async (t) => {
  // Inside the repository, so that openapi-fetch resolves from its node_modules.
  await mkdir(path.join(ROOT, 'test-artifacts'), { recursive: true })
  const dir = await tempDir(t, 'typed-client-', path.join(ROOT, 'test-artifacts'))
  await writeFile(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ extends: '../../examples/tsconfig.json', include: ['*.ts'] }),
  )
  await writeFile(
    path.join(dir, 'misuse.ts'),
    [
      "import createClient from 'openapi-fetch'",
      "import type { paths } from '../../examples/broadsheet-api.js'",
      "const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:3000' })",
      "await client.GET('/api/v1/article', {})",
      "await client.GET('/api/v1/articles', { params: { query: { limit: '3' } } })",
      "await client.POST('/api/v1/articles/{idOrSlug}/comments', { params: { path: { idOrSlug: 'x' } }, body: { authorName: 'A', body: 'b' } })",
      "await client.PATCH('/api/v1/articles/{idOrSlug}', { params: { path: { idOrSlug: 'x' } }, body: { title: 'T' } })",
      `await client.PATCH('/api/v1/articles/{idOrSlug}', { params: { path: { idOrSlug: 'x' }, header: { 'If-Match': '"1-aaaaaaaaaaaaaaaa"' } }, body: { title: 'T' } })`,
      '',
    ].join('\n'),
  )
  const result = await run(process.execPath, [TSC, '--noEmit', '-p', dir], cleanEnv({}))
  t.equal(result.code, 2, 'tsc reports errors')
  const errorLines = [
    ...new Set([...result.stdout.matchAll(/misuse\.ts\((\d+),\d+\): error/g)].map((m) => Number(m[1]))),
  ]
  t.same(
    errorLines,
    [4, 5, 6, 7],
    'one error per misuse (line 7: a PATCH without If-Match) and nothing else; line 8 sends it typed',
    {
      output: result.stdout,
    },
  )
  t.match(result.stdout, /"\/api\/v1\/article"/, 'the unknown path is named')
  t.match(result.stdout, /authorEmail/, 'the missing body field is named')
})

t.test(
  'the examples: list the newest articles and post a comment that awaits moderation; edit one with If-Match',
  async (t) => {
    const dir = await tempDir(t, 'broadsheet-typed-client-')
    const server = await startServer(cleanEnv({ DATA_DIR: dir, ADMIN_TOKEN }))
    t.teardown(() => server.stop())

    const result = await run(process.execPath, ['--import', 'tsx', EXAMPLE], cleanEnv({ BROADSHEET_URL: server.url }))
    t.equal(result.code, 0, 'exit 0', { stderr: result.stderr })
    t.equal(result.stderr, '', 'nothing on stderr')

    const lines = result.stdout.trimEnd().split('\n')
    t.equal(
      lines[0],
      `The 3 newest of ${published.length} published articles at ${server.url}:`,
      'a heading with the total',
    )
    const titles = lines.filter((l) => l.startsWith('- ')).map((l) => l.slice(2, l.lastIndexOf(' (')))
    t.same(
      titles,
      published.slice(0, 3).map((a) => a.title),
      'the three newest titles, newest first',
    )

    const newest = published[0]!
    const posted = /^Comment ([0-9a-f-]{36}) on "(.*)": (\w+)$/m.exec(result.stdout)
    t.ok(posted, 'reports the created comment')
    const [, commentId, onTitle, status] = posted ?? []
    t.equal(onTitle, newest.title, 'on the newest article')
    t.equal(status, 'pending', 'which awaits moderation')

    // The comment really exists, pending, on that article: ask the moderation API.
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
    const article = (await (await fetch(`${server.url}/api/v1/articles/${newest.slug}`)).json()) as { id: string }
    const stored = await fetch(`${server.url}/api/v1/comments/${commentId}`, { headers: admin })
    t.equal(stored.status, 200, 'the moderators see it')
    t.match(
      await stored.json(),
      {
        id: commentId,
        articleId: article.id,
        status: 'pending',
        authorName: 'Example Reader',
        authorEmail: 'reader@example.org',
        body: /^Posted by the typed-client example at /,
      },
      'stored as posted, pending',
    )
    const queue = (await (
      await fetch(`${server.url}/api/v1/comments?status=pending&article=${newest.slug}`, { headers: admin })
    ).json()) as {
      data: { id: string }[]
    }
    t.ok(
      queue.data.some((c) => c.id === commentId),
      'in the moderation queue',
    )
    const publicComments = (await (await fetch(`${server.url}/api/v1/articles/${newest.slug}/comments`)).json()) as {
      data: { id: string }[]
    }
    t.notOk(
      publicComments.data.some((c) => c.id === commentId),
      'not public while pending',
    )

    await t.test(
      'the edit example PATCHes with the ETag it read as a typed If-Match header; a stale one is 412',
      async (t) => {
        const slug = published[1]!.slug
        const before = await fetch(`${server.url}/api/v1/articles/${slug}`)
        const staleEtag = before.headers.get('etag')!

        const env = cleanEnv({ BROADSHEET_URL: server.url, BROADSHEET_TOKEN: ADMIN_TOKEN })
        const result = await run(
          process.execPath,
          ['--import', 'tsx', EDIT, slug, 'Edited through the typed client'],
          env,
        )
        t.equal(result.code, 0, 'exit 0', { stderr: result.stderr })
        t.match(result.stdout, /is now "Edited through the typed client" \(ETag "\d+-[\w-]{16}" → "\d+-[\w-]{16}"\)/)
        const after = (await (await fetch(`${server.url}/api/v1/articles/${slug}`)).json()) as { title: string }
        t.equal(after.title, 'Edited through the typed client', 'stored')

        const stale = await fetch(`${server.url}/api/v1/articles/${slug}`, {
          method: 'PATCH',
          headers: {
            authorization: `Bearer ${ADMIN_TOKEN}`,
            'content-type': 'application/json',
            'if-match': staleEtag,
          },
          body: JSON.stringify({ title: 'Stale' }),
        })
        t.equal(stale.status, 412, 'the ETag read before the edit is stale now')
      },
    )

    // Any failure is a non-zero exit with a one-line reason: here the server has gone away.
    await server.stop()
    const down = await run(process.execPath, ['--import', 'tsx', EXAMPLE], cleanEnv({ BROADSHEET_URL: server.url }))
    t.equal(down.code, 1, 'exit 1 when the API cannot be reached')
    t.match(down.stderr, /^list-and-comment: fetch failed\n$/, 'says why')
  },
)
