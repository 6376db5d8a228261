import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { InjectOptions } from 'fastify'
import type { Test } from 'tap'
import t from 'tap'
import {
  buildTestApp,
  freshDatabase,
  json,
  onPostgres,
  postComment,
  tokenHeaders,
  type Headers,
  type TestApp,
} from '../support/app.js'
import {
  body,
  errorPaths,
  isProblem,
  jsonPayload,
  noLeak,
  state,
  unchanged,
  withoutInstance,
  type Res,
} from '../support/assert.js'
import { UNKNOWN_UUID, createArticle, createAuthor, createComment } from '../support/factories.js'

/**
 * Hardening: refusals that cannot be turned into amplifiers, a global rate limit that counts
 * what it refuses, hidden comments that cannot be probed, dates and cursors at their limits,
 * generated slugs under concurrency, the text rules (blank, invisible, fullwidth, encodings),
 * the untrusted-text documentation and the retirement of ADMIN_TOKEN. Every refusal is also
 * checked to have written nothing and leaked nothing.
 */

const commentsOf = (idOrSlug: string) => `/api/v1/articles/${idOrSlug}/comments`
const goodComment = { authorName: 'Ana', authorEmail: 'ana@reader.test', body: 'Finally!' }

/**
 * The rows the checks aim at, built on the empty database: Thu Hà's published `tram` (an
 * approved and a spam comment) and scheduled article, João's published `harbour` (approved,
 * rejected) and draft, Yusuf's draft, and two more published articles: `budget` (approved,
 * pending, rejected) and `housing` (pending, spam).
 */
async function buildNewsroom(app: TestApp) {
  const [thuha, joao, yusuf] = [await createAuthor(app), await createAuthor(app), await createAuthor(app)]
  const published = (authorId: string) => createArticle(app, { state: 'published', authorId })
  const articles = {
    tram: await published(thuha.id),
    harbour: await published(joao.id),
    budget: await published(thuha.id),
    housing: await published(yusuf.id),
  }
  for (const [name, statuses] of [
    ['tram', ['approved', 'spam']],
    ['harbour', ['approved', 'rejected']],
    ['budget', ['approved', 'pending', 'rejected']],
    ['housing', ['pending', 'spam']],
  ] as const) {
    for (const status of statuses) await createComment(app, articles[name], { status })
  }
  const joaoDraft = await createArticle(app, { authorId: joao.id })
  const yusufDraft = await createArticle(app, { authorId: yusuf.id })
  const scheduled = await createArticle(app, { state: 'scheduled', authorId: thuha.id })
  return { thuha, joao, articles, ...articles, joaoDraft, yusufDraft, scheduled }
}

/** The response is at most `max` bytes. */
function smallerThan(t: Test, res: Res, max: number): void {
  const size = Buffer.byteLength(res.body)
  t.ok(size < max, `response is ${size} bytes (< ${max})`)
}

/** A timed inject. */
async function timed(app: TestApp, options: InjectOptions): Promise<{ res: Res; ms: number }> {
  const start = performance.now()
  const res = await app.inject(options)
  return { res, ms: performance.now() - start }
}

/** A 429 as the contract describes it (see test/security/abuse.test.ts). */
function isRateLimited(t: Test, res: Res, limit: number): void {
  isProblem(t, res, 429, 'RATE_LIMITED')
  t.ok(
    Number(res.headers['retry-after']) > 0,
    `Retry-After is a positive number of seconds (${res.headers['retry-after']})`,
  )
  t.equal(String(res.headers['ratelimit-limit']), String(limit), 'RateLimit-Limit names the limit')
  t.equal(String(res.headers['ratelimit-remaining']), '0', 'RateLimit-Remaining is 0')
  t.notOk(/"data"|"slug"|"excerpt"/.test(res.body), 'no content in the 429')
  noLeak(t, res)
}

/** The path and query of a `Link: <...>; rel="next"` header. */
function nextLink(res: Res): string | undefined {
  return /^<([^>]+)>;\s*rel="next"$/.exec(String(res.headers.link ?? ''))?.[1]
}

// ---------------------------------------------------------------------------------------------

/** A 43-character base64url secret behind `bs_`, the shape of a token secret. */
const ADMIN_SECRET = `bs_${Buffer.from('hardening-test-admin-token-secret!').toString('base64url').padEnd(43, 'A').slice(0, 43)}`

/**
 * One database for the whole file, on disk (PGlite) or a fresh Postgres database, because the
 * app is restarted on it: first with ADMIN_TOKEN (and generous limits) for most checks, then
 * without ADMIN_TOKEN and with a global limit of 5 for the rate-limit checks. Two app
 * builds instead of four keep the file fast.
 */
async function sharedDatabase(t: Test): Promise<{ DATABASE_URL?: string; DATA_DIR: string }> {
  if (onPostgres) {
    const { DATABASE_URL, DATA_DIR } = await freshDatabase(t)
    return { DATABASE_URL: DATABASE_URL!, DATA_DIR }
  }
  const dir = await mkdtemp(join(tmpdir(), 'broadsheet-hardening-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return { DATA_DIR: dir }
}

t.test('hardening', async (t) => {
  const database = await sharedDatabase(t)
  const app = await buildTestApp(t, { ...database, ADMIN_TOKEN: ADMIN_SECRET, SEED_ON_EMPTY: false })
  const { thuha, joao, articles, tram, harbour, budget, joaoDraft, yusufDraft, scheduled } = await buildNewsroom(app)
  const adminAuth = { authorization: `Bearer ${ADMIN_SECRET}` }
  const editor = await tokenHeaders(app, 'editor')
  const joaoToken = await tokenHeaders(app, 'author', joao.id)
  const jsonType = { 'content-type': 'application/json' }

  t.test('amplification is bounded', async (t) => {
    const hundredThousandTags = JSON.stringify({
      title: 'Amplifier',
      authorId: thuha.id,
      tags: Array.from({ length: 100_000 }, () => 'X'),
    })

    t.test(
      'an anonymous POST /articles with 100,000 tags is 401 before its body is read, with a small answer',
      async (t) => {
        const before = await state(app)
        const { res, ms } = await timed(app, {
          method: 'POST',
          url: '/api/v1/articles',
          headers: jsonType,
          payload: hundredThousandTags,
        })
        isProblem(t, res, 401, 'UNAUTHORIZED')
        t.equal(body(res)?.errors, undefined, 'no per-field errors: the body was never validated')
        smallerThan(t, res, 2048)
        t.ok(ms < 1500, `answered in ${ms.toFixed(0)} ms`)
        noLeak(t, res)
        await unchanged(t, app, before)
      },
    )

    t.test('an editor’s POST /articles with 100,000 tags is one 400 error at /body/tags, small and fast', async (t) => {
      const before = await state(app)
      const { res, ms } = await timed(app, {
        method: 'POST',
        url: '/api/v1/articles',
        headers: { ...editor, ...jsonType },
        payload: hundredThousandTags,
      })
      const problem = isProblem(t, res, 400, 'VALIDATION_FAILED', '/body/tags')
      t.ok(
        Array.isArray(problem?.errors) && problem.errors.length <= 20,
        `at most 20 errors (${problem?.errors?.length})`,
      )
      t.same(
        problem?.errors,
        [{ path: '/body/tags', message: 'has more than 1000 items' }],
        'exactly one error: too many items',
      )
      smallerThan(t, res, 10 * 1024)
      t.ok(ms < 1500, `answered in ${ms.toFixed(0)} ms (< 1500)`)
      noLeak(t, res)
      await unchanged(t, app, before)
    })

    t.test('an author token’s article with 100,000 tags is refused the same way', async (t) => {
      const before = await state(app)
      const payload = JSON.stringify({ title: 'Amplifier', tags: Array.from({ length: 100_000 }, () => 'X') })
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/articles',
        headers: { ...joaoToken, ...jsonType },
        payload,
      })
      const problem = isProblem(t, res, 400, 'VALIDATION_FAILED', '/body/tags')
      t.equal(problem?.errors?.length, 1, 'one error')
      smallerThan(t, res, 10 * 1024)
      await unchanged(t, app, before)
    })

    t.test('500 invalid tags: exactly 20 errors, and the detail says how many there were', async (t) => {
      const before = await state(app)
      const tags = Array.from({ length: 500 }, (_, i) => `TAG${i}`)
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/articles',
        headers: editor,
        ...jsonPayload({ title: 'Many tags', authorId: thuha.id, tags }),
      })
      const problem = isProblem(t, res, 400, 'VALIDATION_FAILED')
      t.equal(problem?.errors?.length, 20, 'exactly 20 errors listed')
      t.ok(
        errorPaths(res).every((p) => p.startsWith('/body/tags')),
        'all at /body/tags',
      )
      const total = Number(/first 20 of (\d+)/.exec(String(problem?.detail))?.[1])
      t.match(String(problem?.detail), /first 20 of \d+/, `detail: ${problem?.detail}`)
      t.ok(total >= 500, `the total counts every problem (${total})`)
      smallerThan(t, res, 10 * 1024)
      noLeak(t, res)
      await unchanged(t, app, before)
    })

    t.test('a comment with 50,000 unknown properties is 413 or 400, with a small answer', async (t) => {
      const before = await state(app)
      const extra = Array.from({ length: 50_000 }, (_, i) => `"p${i}":1`).join(',')
      const payload = `{"authorName":"A","authorEmail":"a@reader.test","body":"x",${extra}}`
      t.ok(Buffer.byteLength(payload) > 64 * 1024, 'the body is over 64 KiB')
      const res = await app.inject({ method: 'POST', url: commentsOf(tram.slug), headers: jsonType, payload })
      t.ok([400, 413].includes(res.statusCode), `refused (${res.statusCode})`)
      if (res.statusCode === 413) isProblem(t, res, 413, 'PAYLOAD_TOO_LARGE')
      else {
        isProblem(t, res, 400, 'VALIDATION_FAILED')
        t.ok(errorPaths(res).length <= 20, 'at most 20 errors')
      }
      smallerThan(t, res, 10 * 1024)
      noLeak(t, res)
      await unchanged(t, app, before)
    })

    t.test('a comment with 900 unknown properties (under 64 KiB) is 400 with at most 20 errors', async (t) => {
      const before = await state(app)
      const extra = Array.from({ length: 900 }, (_, i) => `"p${i}":1`).join(',')
      const payload = `{"authorName":"A","authorEmail":"a@reader.test","body":"x",${extra}}`
      t.ok(Buffer.byteLength(payload) < 64 * 1024, 'the body is under 64 KiB')
      const res = await app.inject({ method: 'POST', url: commentsOf(tram.slug), headers: jsonType, payload })
      const problem = isProblem(t, res, 400, 'VALIDATION_FAILED', '/body/p0')
      const paths = errorPaths(res)
      t.ok(paths.length >= 1 && paths.length <= 20, `1..20 errors (${paths.length})`)
      t.ok(
        paths.every((p) => /^\/body\/p\d+$/.test(p)),
        'each names an unknown property',
      )
      t.match(String(problem?.detail), /first 20 of 900/, `detail: ${problem?.detail}`)
      smallerThan(t, res, 10 * 1024)
      noLeak(t, res)
      await unchanged(t, app, before)
    })

    t.test(
      'a comment body over 64 KiB is 413 although BODY_LIMIT_BYTES is 1 MiB; articles may be larger',
      async (t) => {
        t.equal(app.initialConfig.bodyLimit, 1024 * 1024, 'BODY_LIMIT_BYTES is at its 1 MiB default')
        const before = await state(app)
        for (const size of [64 * 1024 + 1, 70_000, 500_000]) {
          const payload = JSON.stringify({ ...goodComment, body: 'b'.repeat(size) })
          const res = await app.inject({ method: 'POST', url: commentsOf(tram.slug), headers: jsonType, payload })
          isProblem(t, res, 413, 'PAYLOAD_TOO_LARGE')
          smallerThan(t, res, 2048)
          noLeak(t, res)
        }
        await unchanged(t, app, before)
        const big = await app.inject({
          method: 'POST',
          url: '/api/v1/articles',
          headers: editor,
          ...jsonPayload({ title: 'Long read', authorId: thuha.id, body: 'w'.repeat(100_000) }),
        })
        t.equal(big.statusCode, 201, 'a 100 KB article body is accepted: the 64 KiB cap is the comment routes’')
        const after = await state(app)
        t.equal(after.articles.length, before.articles.length + 1, 'exactly one article stored')
        t.equal(after.comments.length, before.comments.length, 'no comment stored')
      },
    )

    t.test('/health/live stays fast while a big refusal runs', async (t) => {
      const before = await state(app)
      const big = app.inject({
        method: 'POST',
        url: '/api/v1/articles',
        headers: { ...editor, ...jsonType },
        payload: hundredThousandTags,
      })
      const live = await timed(app, { url: '/health/live' })
      t.equal(live.res.statusCode, 200)
      t.ok(live.ms < 1000, `/health/live answered in ${live.ms.toFixed(0)} ms`)
      isProblem(t, await big, 400, 'VALIDATION_FAILED', '/body/tags')
      await unchanged(t, app, before)
    })
  })

  t.test('hidden comments cannot be detected through replies', async (t) => {
    const reply = (parentId: string) => ({ ...goodComment, body: 'A reply', parentId })

    for (const [name, status] of [
      ['budget', 'pending'],
      ['housing', 'pending'],
      ['tram', 'spam'],
      ['housing', 'spam'],
      ['budget', 'rejected'],
      ['harbour', 'rejected'],
    ] as const) {
      const target = articles[name]
      t.test(`a reply to a ${status} comment of ${name} is the same 400 as a reply to an unknown id`, async (t) => {
        const hidden = await app.db.prisma.comment.findFirst({ where: { articleId: target.id, status } })
        t.ok(hidden, `there is a ${status} comment on ${name}`)
        if (!hidden) return
        const before = await state(app)
        const res = await postComment(app, target.slug, reply(hidden.id), { remoteAddress: '192.0.2.200' })
        isProblem(t, res, 400, 'VALIDATION_FAILED', '/body/parentId')
        const unknown = await postComment(app, target.slug, reply(UNKNOWN_UUID), { remoteAddress: '192.0.2.200' })
        isProblem(t, unknown, 400, 'VALIDATION_FAILED', '/body/parentId')
        t.same(withoutInstance(res), withoutInstance(unknown), 'identical to the reply to an unknown id')
        t.same(Object.keys(res.headers).sort(), Object.keys(unknown.headers).sort(), 'the same headers')
        noLeak(t, res, [hidden.body.slice(0, 40), hidden.id])
        await unchanged(t, app, before)
      })
    }

    t.test('a reply to an approved comment of another article is the same 400', async (t) => {
      const other = (await app.db.prisma.comment.findFirst({ where: { articleId: harbour.id, status: 'approved' } }))!
      const before = await state(app)
      const res = await postComment(app, tram.slug, reply(other.id), { remoteAddress: '192.0.2.201' })
      isProblem(t, res, 400, 'VALIDATION_FAILED', '/body/parentId')
      const unknown = await postComment(app, tram.slug, reply(UNKNOWN_UUID), { remoteAddress: '192.0.2.201' })
      t.same(withoutInstance(res), withoutInstance(unknown), 'identical to the reply to an unknown id')
      noLeak(t, res)
      await unchanged(t, app, before)
    })

    t.test('a reply to an approved comment of the same article is 201, and only it is stored', async (t) => {
      const parent = (await app.db.prisma.comment.findFirst({ where: { articleId: budget.id, status: 'approved' } }))!
      const before = await state(app)
      const res = await postComment(app, budget.slug, reply(parent.id), { remoteAddress: '192.0.2.202' })
      t.equal(res.statusCode, 201, `created (${res.body.slice(0, 200)})`)
      t.equal(body(res)?.parentId, parent.id, 'replies to the parent')
      t.equal(body(res)?.status, 'pending')
      noLeak(t, res)
      const after = await state(app)
      t.equal(after.comments.length, before.comments.length + 1, 'one comment stored')
      t.same(
        after.articles.map((a) => a.commentCount),
        before.articles.map((a) => a.commentCount),
        'no commentCount changed (pending)',
      )
    })
  })

  t.test('publish dates at the end of year 9999', async (t) => {
    t.test(
      '9999-12-31T23:59:59-23:59 (a moment in the year 10000) is 400 at /body/publishAt, article unchanged',
      async (t) => {
        const before = await state(app)
        for (const publishAt of [
          '9999-12-31T23:59:59-23:59',
          '9999-12-31T23:59:59.999-00:01',
          '10000-01-01T00:00:00Z',
        ]) {
          const res = await app.inject({
            method: 'POST',
            url: `/api/v1/articles/${joaoDraft.id}/publish`,
            headers: editor,
            ...jsonPayload({ publishAt }),
          })
          isProblem(t, res, 400, 'VALIDATION_FAILED', '/body/publishAt')
          noLeak(t, res)
        }
        await unchanged(t, app, before)
        const row = await app.db.prisma.article.findUnique({ where: { id: joaoDraft.id } })
        t.equal(row?.publishedAt, null, 'still a draft')
      },
    )

    t.test('9999-12-31T23:59:59Z is 200 and stored exactly', async (t) => {
      const before = await state(app)
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/articles/${joaoDraft.id}/publish`,
        headers: editor,
        ...jsonPayload({ publishAt: '9999-12-31T23:59:59Z' }),
      })
      t.equal(res.statusCode, 200, res.body.slice(0, 200))
      t.equal(body(res)?.publishedAt, '9999-12-31T23:59:59.000Z', 'publishedAt exactly')
      t.equal(body(res)?.status, 'scheduled')
      noLeak(t, res)
      const after = await state(app)
      const row = after.articles.find((a) => a.id === joaoDraft.id)
      t.equal(row?.publishedAt?.toISOString(), '9999-12-31T23:59:59.000Z', 'stored exactly')
      t.same(
        after.articles.filter((a) => a.id !== joaoDraft.id),
        before.articles.filter((a) => a.id !== joaoDraft.id),
        'no other article changed',
      )
      t.equal(after.comments.length, before.comments.length)
    })

    t.test('the scheduled list with that article, its nextCursor and its Link are 200', async (t) => {
      const before = await state(app)
      const first = await app.inject({ url: '/api/v1/articles?status=scheduled&limit=1', headers: editor })
      t.equal(first.statusCode, 200, first.body.slice(0, 200))
      const page = json(first)
      t.ok(page.meta.total >= 2, `at least two scheduled articles (${page.meta.total})`)
      t.equal(page.data[0]?.id, joaoDraft.id, 'the year-9999 article comes first')
      const cursor = page.meta.nextCursor
      t.type(cursor, 'string', 'there is a next cursor')
      const second = await app.inject({
        url: `/api/v1/articles?status=scheduled&limit=1&cursor=${encodeURIComponent(cursor)}`,
        headers: editor,
      })
      t.equal(second.statusCode, 200, `the cursor is accepted (${second.body.slice(0, 200)})`)
      t.equal(json(second).data[0]?.id, scheduled.id, 'the next page is the other scheduled article')
      const link = nextLink(first)
      t.ok(link, `a Link header (${first.headers.link})`)
      const viaLink = await app.inject({ url: link!, headers: editor })
      t.equal(viaLink.statusCode, 200, `the Link URL is accepted (${viaLink.body.slice(0, 200)})`)
      t.same(json(viaLink).data, json(second).data, 'and reads the same page')
      await unchanged(t, app, before)
    })
  })

  t.test('cursors for long, escape-heavy titles are accepted', async (t) => {
    const cases: [string, string, string][] = [
      ['300 CJK characters', '漢字'.repeat(150), 'probe-cjk'],
      ['300 quotes and backslashes', '"\\'.repeat(150), 'probe-escapes'],
    ]
    for (const [name, title, tag] of cases) {
      t.test(`a title of ${name}, sort=title: nextCursor and Link are 200`, async (t) => {
        t.equal([...title].length, 300)
        const before = await state(app)
        const made = []
        for (const [t2, headline] of [
          [tag, title],
          [tag, 'm companion'],
        ] as const) {
          const res = await app.inject({
            method: 'POST',
            url: '/api/v1/articles',
            headers: editor,
            ...jsonPayload({ title: headline, authorId: thuha.id, tags: [t2] }),
          })
          t.equal(res.statusCode, 201, res.body.slice(0, 200))
          made.push(json(res).id as string)
        }
        t.equal((await state(app)).articles.length, before.articles.length + 2, 'two articles stored')
        let probedOurs = false
        for (const sort of ['title', '-title']) {
          const url = `/api/v1/articles?sort=${sort}&limit=1&tag=${tag}`
          const first = await app.inject({ url, headers: editor })
          t.equal(first.statusCode, 200, `${url} (${first.body.slice(0, 200)})`)
          const page = json(first)
          if (page.data[0]?.title === title) probedOurs = true
          const cursor = page.meta.nextCursor
          t.type(cursor, 'string', 'a next cursor')
          const second = await app.inject({ url: `${url}&cursor=${encodeURIComponent(cursor)}`, headers: editor })
          t.equal(second.statusCode, 200, `the cursor is accepted (${second.body.slice(0, 200)})`)
          t.equal(json(second).data.length, 1)
          t.not(json(second).data[0]?.id, page.data[0]?.id, 'the next page is the other article')
          const link = nextLink(first)
          t.ok(link, 'a Link header')
          const viaLink = await app.inject({ url: link!, headers: editor })
          t.equal(viaLink.statusCode, 200, `the Link URL is accepted (${viaLink.body.slice(0, 200)})`)
          t.same(json(viaLink).data, json(second).data, 'and reads the same page')
        }
        t.ok(probedOurs, 'one of the cursors was made from the long title')
        const stored = await app.db.prisma.article.findUnique({ where: { id: made[0]! } })
        t.equal(stored?.title, title, 'the title is stored as sent')
      })
    }
  })

  t.test('generated slugs under concurrency', async (t) => {
    t.test('30 concurrent editor creates of one title: 30 × 201, slugs base, base-2 ... base-30', async (t) => {
      const before = await state(app)
      const results = await Promise.all(
        Array.from({ length: 30 }, () =>
          app.inject({
            method: 'POST',
            url: '/api/v1/articles',
            headers: editor,
            ...jsonPayload({ title: 'Concurrent Slug Probe', authorId: thuha.id }),
          }),
        ),
      )
      t.same(
        results.map((r) => r.statusCode),
        Array(30).fill(201),
        `all created (${results.find((r) => r.statusCode !== 201)?.body.slice(0, 200) ?? ''})`,
      )
      const slugs = results.map((r) => body(r)?.slug as string)
      t.equal(new Set(slugs).size, 30, 'distinct slugs')
      const expected = [
        'concurrent-slug-probe',
        ...Array.from({ length: 29 }, (_, i) => `concurrent-slug-probe-${i + 2}`),
      ]
      t.same([...slugs].sort(), [...expected].sort(), 'base, base-2, ..., base-30')
      const after = await state(app)
      t.equal(after.articles.length, before.articles.length + 30, 'exactly 30 articles stored')
      t.equal(after.authors.length, before.authors.length, 'no author written')
    })

    t.test('20 concurrent author creates of one name: 20 × 201, distinct slugs', async (t) => {
      const before = await state(app)
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          app.inject({
            method: 'POST',
            url: '/api/v1/authors',
            headers: editor,
            ...jsonPayload({ name: 'Concurrent Name Probe' }),
          }),
        ),
      )
      t.same(
        results.map((r) => r.statusCode),
        Array(20).fill(201),
        `all created (${results.find((r) => r.statusCode !== 201)?.body.slice(0, 200) ?? ''})`,
      )
      const slugs = results.map((r) => body(r)?.slug as string)
      t.equal(new Set(slugs).size, 20, 'distinct slugs')
      const expected = [
        'concurrent-name-probe',
        ...Array.from({ length: 19 }, (_, i) => `concurrent-name-probe-${i + 2}`),
      ]
      t.same([...slugs].sort(), [...expected].sort(), 'base, base-2, ..., base-20')
      const after = await state(app)
      t.equal(after.authors.length, before.authors.length + 20, 'exactly 20 authors stored')
      t.equal(after.articles.length, before.articles.length, 'no article written')
    })
  })

  t.test('text rules', async (t) => {
    const createArticle = (payload: object, headers: Headers = editor) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/articles',
        headers,
        ...jsonPayload({ authorId: thuha.id, ...payload }),
      })

    for (const [name, tag] of [
      ['fullwidth ｔｒａｍ', 'ｔｒａｍ'],
      ['the Hangul filler U+3164', '\u3164'],
      ['halfwidth Hangul filler U+FFA0', '\uFFA0'],
    ] as const) {
      t.test(`a tag made of ${name} is 400 at /body/tags/0`, async (t) => {
        const before = await state(app)
        const res = await createArticle({ title: 'Tagged', tags: [tag] })
        isProblem(t, res, 400, 'VALIDATION_FAILED', '/body/tags/0')
        noLeak(t, res)
        const res2 = await app.inject({
          method: 'PATCH',
          url: `/api/v1/articles/${yusufDraft.id}`,
          headers: { ...editor, 'if-match': '*' },
          ...jsonPayload({ tags: [tag, 'tram'] }),
        })
        isProblem(t, res2, 400, 'VALIDATION_FAILED', '/body/tags/0')
        await unchanged(t, app, before)
      })
    }

    const blanks: [string, string][] = [
      ['zero-width characters', '\u200b\u200c\u200d\u2060'],
      ['Hangul fillers', '\u3164\u3164'],
      ['the braille blank', '\u2800\u2800'],
      ['NBSP and ideographic spaces', '\u00a0\u3000\u00a0'],
    ]
    for (const [name, text] of blanks) {
      t.test(`a comment body or author name of only ${name} is 400 naming the field`, async (t) => {
        const before = await state(app)
        const res = await postComment(app, tram.slug, { ...goodComment, body: text }, { remoteAddress: '192.0.2.210' })
        isProblem(t, res, 400, 'VALIDATION_FAILED', '/body/body')
        noLeak(t, res)
        const res2 = await postComment(
          app,
          tram.slug,
          { ...goodComment, authorName: text },
          { remoteAddress: '192.0.2.210' },
        )
        isProblem(t, res2, 400, 'VALIDATION_FAILED', '/body/authorName')
        t.same(errorPaths(res2), ['/body/authorName'], 'only the name is named')
        noLeak(t, res2)
        await unchanged(t, app, before)
      })
    }

    t.test('an article title of only zero-width characters is 400 at /body/title', async (t) => {
      const before = await state(app)
      for (const title of ['\u200b\u200c\u200d\u2060', '\u2800', '\u3164 \u3000']) {
        const res = await createArticle({ title })
        isProblem(t, res, 400, 'VALIDATION_FAILED', '/body/title')
        noLeak(t, res)
      }
      await unchanged(t, app, before)
    })

    t.test('a body of invalid UTF-8 bytes is 400 naming /body, nothing written', async (t) => {
      const before = await state(app)
      const comment = Buffer.concat([
        Buffer.from('{"authorName":"A'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('","authorEmail":"a@example.org","body":"x"}'),
      ])
      const res = await app.inject({ method: 'POST', url: commentsOf(tram.slug), headers: jsonType, payload: comment })
      const problem = isProblem(t, res, 400, 'VALIDATION_FAILED', '/body')
      t.same(errorPaths(res), ['/body'])
      t.notOk(JSON.stringify(problem).includes('\ufffd'), 'no replacement character echoed')
      noLeak(t, res)
      const articleBytes = Buffer.concat([
        Buffer.from(`{"authorId":"${thuha.id}","title":"Caf`),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}'),
      ])
      const res2 = await app.inject({
        method: 'POST',
        url: '/api/v1/articles',
        headers: { ...editor, ...jsonType },
        payload: articleBytes,
      })
      isProblem(t, res2, 400, 'VALIDATION_FAILED', '/body')
      noLeak(t, res2)
      await unchanged(t, app, before)
    })

    t.test('charset=iso-8859-1 is 415, nothing written', async (t) => {
      const before = await state(app)
      const latin1 = { 'content-type': 'application/json; charset=iso-8859-1' }
      const res = await app.inject({
        method: 'POST',
        url: commentsOf(tram.slug),
        headers: latin1,
        payload: JSON.stringify(goodComment),
      })
      isProblem(t, res, 415, 'UNSUPPORTED_MEDIA_TYPE')
      noLeak(t, res)
      const res2 = await app.inject({
        method: 'POST',
        url: '/api/v1/articles',
        headers: { ...editor, ...latin1 },
        payload: JSON.stringify({ title: 'Latin', authorId: thuha.id }),
      })
      isProblem(t, res2, 415, 'UNSUPPORTED_MEDIA_TYPE')
      noLeak(t, res2)
      await unchanged(t, app, before)
    })

    t.test('charset=utf-8 (any case, quoted) is accepted', async (t) => {
      const before = await state(app)
      for (const type of ['application/json; charset=utf-8', 'application/json; charset="UTF-8"']) {
        const res = await app.inject({
          method: 'POST',
          url: commentsOf(tram.slug),
          headers: { 'content-type': type },
          remoteAddress: '192.0.2.211',
          payload: JSON.stringify({ ...goodComment, body: `Sent as ${type}` }),
        })
        t.equal(res.statusCode, 201, `${type}: ${res.body.slice(0, 200)}`)
        noLeak(t, res)
      }
      const after = await state(app)
      t.equal(after.comments.length, before.comments.length + 2, 'exactly two comments stored')
      t.same(
        after.articles.map((a) => a.id),
        before.articles.map((a) => a.id),
        'no article written',
      )
    })

    // The API contract says text is stored and returned byte-exact, so it is not normalised:
    // a decomposed "e" + U+0301 stays decomposed (the contract wins over NFC; README, Security).
    t.test('a decomposed e\\u0301 in a title is stored and returned byte-exact, not normalised', async (t) => {
      const before = await state(app)
      const res = await createArticle({ title: 'Cafe\u0301 culture', excerpt: 'Cre\u0300me' })
      t.equal(res.statusCode, 201, res.body.slice(0, 200))
      const created = json(res)
      t.equal(created.title, 'Cafe\u0301 culture', 'returned as sent')
      t.equal(created.excerpt, 'Cre\u0300me', 'the excerpt too')
      const row = await app.db.prisma.article.findUnique({ where: { id: created.id } })
      t.equal(row?.title, 'Cafe\u0301 culture', 'stored as sent')
      const read = await app.inject({ url: `/api/v1/articles/${created.id}`, headers: editor })
      t.equal(json(read).title, 'Cafe\u0301 culture', 'read back as sent')
      t.equal((await state(app)).articles.length, before.articles.length + 1, 'one article stored')
    })
  })

  t.test('untrusted text is documented in /openapi.json', async (t) => {
    const res = await app.inject('/openapi.json')
    t.equal(res.statusCode, 200)
    const schemas = json(res).components?.schemas ?? {}

    t.test('CreateArticle body, title and excerpt say "Untrusted"', async (t) => {
      for (const field of ['body', 'title', 'excerpt']) {
        t.match(String(schemas.CreateArticle?.properties?.[field]?.description), /Untrusted/, `CreateArticle.${field}`)
        t.match(String(schemas.UpdateArticle?.properties?.[field]?.description), /Untrusted/, `UpdateArticle.${field}`)
      }
      noLeak(t, res)
    })

    t.test('CreateComment body and authorName say "Untrusted"', async (t) => {
      for (const field of ['body', 'authorName']) {
        t.match(String(schemas.CreateComment?.properties?.[field]?.description), /Untrusted/, `CreateComment.${field}`)
      }
      t.notMatch(
        String(schemas.CreateComment?.properties?.authorEmail?.description),
        /Untrusted/,
        'not every field says so blindly',
      )
    })
  })

  t.test('ADMIN_TOKEN works while it is set', async (t) => {
    t.match(ADMIN_SECRET, /^bs_[A-Za-z0-9_-]{43}$/)
    const before = await state(app)
    const res = await app.inject({ url: '/api/v1/tokens', headers: adminAuth })
    t.equal(res.statusCode, 200, `the environment token works (${res.body.slice(0, 200)})`)
    t.notOk(res.body.includes(ADMIN_SECRET), 'the secret is not listed')
    noLeak(t, res)
    t.equal(await app.db.prisma.apiToken.count({ where: { fromEnvironment: true } }), 1, 'one from_environment row')
    await unchanged(t, app, before)
  })

  t.test('restarted on the same database without ADMIN_TOKEN, RATE_LIMIT_PER_MINUTE 5', async (t) => {
    await app.close()
    const LIMIT = 5
    const second = await buildTestApp(t, { ...database, RATE_LIMIT_PER_MINUTE: LIMIT })

    t.test('the ADMIN_TOKEN secret is 401 and no from_environment token row remains', async (t) => {
      const articles = await second.db.prisma.article.count()
      t.ok(articles > 14, `the second app sees the first one's database (${articles} articles)`)
      const before = await state(second)
      const res = await second.inject({ url: '/api/v1/tokens', headers: adminAuth, remoteAddress: '203.0.113.30' })
      isProblem(t, res, 401, 'UNAUTHORIZED')
      noLeak(t, res)
      t.same(
        await second.db.prisma.apiToken.findMany({ where: { fromEnvironment: true } }),
        [],
        'no from_environment token row remains',
      )
      t.same(
        before.tokens.filter((row) => row.fromEnvironment),
        [],
        'gone before the first request',
      )
      await unchanged(t, second, before)
    })

    t.test('the global rate limit counts refused requests', async (t) => {
      async function refusedThenLimited(
        t: Test,
        remoteAddress: string,
        refuse: () => Promise<Res>,
        status: number,
        code: string,
      ) {
        const before = await state(second)
        for (let i = 0; i < LIMIT; i++) {
          const res = await refuse()
          isProblem(t, res, status, code)
          t.equal(String(res.headers['ratelimit-remaining']), String(LIMIT - i - 1), `refusal ${i + 1} is counted`)
        }
        isRateLimited(t, await second.inject({ url: '/api/v1/articles?limit=1', remoteAddress }), LIMIT)
        isRateLimited(t, await postComment(second, tram.slug, goodComment, { remoteAddress }), LIMIT)
        await unchanged(t, second, before, 'nothing was written, not even the valid comment')
      }

      t.test('5 requests refused by validation use up the budget: the 6th, a valid one, is 429', (t) =>
        refusedThenLimited(
          t,
          '203.0.113.31',
          () => second.inject({ url: '/api/v1/articles?limit=500', remoteAddress: '203.0.113.31' }),
          400,
          'VALIDATION_FAILED',
        ),
      )

      t.test('5 requests to unknown routes use up the budget: the 6th is 429', (t) =>
        refusedThenLimited(
          t,
          '203.0.113.32',
          () => second.inject({ url: '/api/v1/no-such-route', remoteAddress: '203.0.113.32' }),
          404,
          'NOT_FOUND',
        ),
      )

      t.test('5 anonymous 401s on a protected route use up the budget: the 6th is 429', (t) =>
        refusedThenLimited(
          t,
          '203.0.113.33',
          () =>
            second.inject({
              method: 'POST',
              url: '/api/v1/articles',
              remoteAddress: '203.0.113.33',
              ...jsonPayload({ title: 'x', authorId: thuha.id }),
            }),
          401,
          'UNAUTHORIZED',
        ),
      )

      t.test('a mix of 400, 404 and 401 shares one budget', async (t) => {
        const remoteAddress = '203.0.113.34'
        const before = await state(second)
        const refusals: [() => Promise<Res>, number][] = [
          [() => second.inject({ url: '/api/v1/articles?limit=0', remoteAddress }), 400],
          [() => second.inject({ url: '/nowhere', remoteAddress }), 404],
          [() => second.inject({ url: '/api/v1/comments', remoteAddress }), 401],
          [
            () =>
              second.inject({
                method: 'POST',
                url: commentsOf(tram.slug),
                remoteAddress,
                ...jsonPayload({ ...goodComment, status: 'approved' }),
              }),
            400,
          ],
          [() => second.inject({ method: 'DELETE', url: `/api/v1/articles/${tram.id}`, remoteAddress }), 401],
        ]
        for (const [send, status] of refusals) t.equal((await send()).statusCode, status)
        isRateLimited(t, await second.inject({ url: `/api/v1/articles/${tram.slug}`, remoteAddress }), LIMIT)
        await unchanged(t, second, before)
      })

      t.test('another address still has its own budget (the 429s above are the limit, not a broken app)', async (t) => {
        const before = await state(second)
        const res = await second.inject({ url: '/api/v1/articles?limit=1', remoteAddress: '203.0.113.35' })
        t.equal(res.statusCode, 200)
        t.equal(String(res.headers['ratelimit-remaining']), String(LIMIT - 1))
        await unchanged(t, second, before)
      })
    })
  })
})
