import type { Test } from 'tap'
import t from 'tap'
import {
  buildTestApp,
  commentCount,
  postComment,
  publicCommentIds,
  tokenHeaders,
  type TestApp,
} from '../support/app.js'
import { body, isProblem, jsonPayload, noLeak, state, unchanged, type Res } from '../support/assert.js'
import { createArticle } from '../support/factories.js'

/**
 * Abuse defences: the global and comment rate limits under evasion attempts (forged
 * forwarding headers, id/slug aliases, fresh idempotency keys, bad tokens), the spam rules,
 * and idempotency keys that belong to their caller.
 */

const hotNights = 'why-greyhavens-summer-nights-stopped-cooling-down'
const comment = (n: number | string) => ({
  authorName: 'Reader',
  authorEmail: 'reader@reader.test',
  body: `Comment ${n}`,
})

/** A 429 as the contract describes it: problem+json RATE_LIMITED with Retry-After and RateLimit-*. */
function isRateLimited(t: Test, res: Res, limit: number): void {
  isProblem(t, res, 429, 'RATE_LIMITED')
  t.ok(
    Number(res.headers['retry-after']) > 0,
    `Retry-After is a positive number of seconds (${res.headers['retry-after']})`,
  )
  t.equal(String(res.headers['ratelimit-limit']), String(limit), 'RateLimit-Limit names the limit')
  t.equal(String(res.headers['ratelimit-remaining']), '0', 'RateLimit-Remaining is 0')
  t.ok(Number(res.headers['ratelimit-reset']) > 0, 'RateLimit-Reset is in the future')
  noLeak(t, res)
}

async function commentRows(app: TestApp): Promise<number> {
  return app.db.prisma.comment.count()
}

t.test('global rate limit', async (t) => {
  const LIMIT = 3
  const app = await buildTestApp(t, {
    SEED_ON_EMPTY: false,
    RATE_LIMIT_PER_MINUTE: LIMIT,
    AUTH_FAILURES_PER_MINUTE: LIMIT,
  })
  const tram = await createArticle(app, { state: 'published' })
  const admin = await tokenHeaders(app, 'admin')
  const viewer = await tokenHeaders(app, 'viewer')

  t.test(
    'the request past RATE_LIMIT_PER_MINUTE is 429 with Retry-After and RateLimit-* headers, and no data',
    async (t) => {
      const remoteAddress = '198.51.100.1'
      for (let i = 0; i < LIMIT; i++) {
        const ok = await app.inject({ url: '/api/v1/articles?limit=1', remoteAddress })
        t.equal(ok.statusCode, 200)
        t.equal(String(ok.headers['ratelimit-remaining']), String(LIMIT - i - 1), 'RateLimit-Remaining counts down')
      }
      for (const url of ['/api/v1/articles?limit=1', `/api/v1/articles/${tram.slug}`, '/api/v1/authors']) {
        const res = await app.inject({ url, remoteAddress })
        isRateLimited(t, res, LIMIT)
        t.notOk(/"data"|"slug"|"excerpt"/.test(res.body), 'no content in the 429')
      }
      const before = await state(app)
      isRateLimited(t, await postComment(app, tram.slug, comment('over the global limit'), { remoteAddress }), LIMIT)
      await unchanged(t, app, before, 'a comment over the global limit is not stored')
    },
  )

  t.test(
    'a forged X-Forwarded-For (or Forwarded, X-Real-IP) does not reset the limit when no proxy is trusted',
    async (t) => {
      const remoteAddress = '198.51.100.2'
      for (let i = 0; i < LIMIT; i++)
        t.equal((await app.inject({ url: '/api/v1/authors', remoteAddress })).statusCode, 200)
      for (let i = 0; i < 4; i++) {
        const forged = {
          'x-forwarded-for': `203.0.113.${i + 10}`,
          forwarded: `for=203.0.113.${i + 10}`,
          'x-real-ip': `203.0.113.${i + 10}`,
          'x-client-ip': `203.0.113.${i + 10}`,
        }
        isRateLimited(t, await app.inject({ url: '/api/v1/authors', remoteAddress, headers: forged }), LIMIT)
      }
    },
  )

  t.test('admin tokens are exempt from the global limit; viewer tokens are not', async (t) => {
    for (let i = 0; i < LIMIT * 3; i++) {
      const res = await app.inject({ url: '/api/v1/articles?limit=1', remoteAddress: '198.51.100.3', headers: admin })
      t.equal(res.statusCode, 200, `admin request ${i + 1} is served`)
    }
    const remoteAddress = '198.51.100.4'
    for (let i = 0; i < LIMIT; i++)
      t.equal((await app.inject({ url: '/api/v1/articles?limit=1', remoteAddress, headers: viewer })).statusCode, 200)
    isRateLimited(t, await app.inject({ url: '/api/v1/articles?limit=1', remoteAddress, headers: viewer }), LIMIT)
  })

  t.test('unknown bearer tokens have their own per-address limit, so guessing tokens is throttled', async (t) => {
    const remoteAddress = '198.51.100.5'
    const guess = (i: number) => ({ authorization: `Bearer bs_${String(i % 10).repeat(43)}` })
    for (let i = 0; i < LIMIT; i++) {
      isProblem(
        t,
        await app.inject({ url: '/api/v1/articles?limit=1', remoteAddress, headers: guess(i) }),
        401,
        'UNAUTHORIZED',
      )
    }
    const res = await app.inject({ url: '/api/v1/articles?limit=1', remoteAddress, headers: guess(LIMIT) })
    isRateLimited(t, res, LIMIT)
  })
})

t.test('anonymous comment limits', async (t) => {
  const PER_ARTICLE = 2
  const PER_ADDRESS = 3
  const app = await buildTestApp(t, {
    SEED_ON_EMPTY: false,
    COMMENT_RATE_LIMIT: PER_ADDRESS,
    COMMENT_RATE_LIMIT_PER_ARTICLE: PER_ARTICLE,
    RATE_LIMIT_PER_MINUTE: 1000,
  })
  const [tram, harbour] = [
    await createArticle(app, { state: 'published' }),
    await createArticle(app, { state: 'published' }),
  ]

  t.test('per article: the third comment from one address on one article is 429, and is not stored', async (t) => {
    const remoteAddress = '192.0.2.1'
    const start = await commentRows(app)
    for (let i = 0; i < PER_ARTICLE; i++)
      t.equal((await postComment(app, tram.slug, comment(i), { remoteAddress })).statusCode, 201)
    isRateLimited(t, await postComment(app, tram.slug, comment('too many'), { remoteAddress }), PER_ARTICLE)
    t.equal(await commentRows(app), start + PER_ARTICLE, 'exactly the allowed comments were stored')
  })

  t.test('per address: the budget spans articles', async (t) => {
    const remoteAddress = '192.0.2.2'
    const start = await commentRows(app)
    t.equal((await postComment(app, tram.slug, comment(1), { remoteAddress })).statusCode, 201)
    t.equal((await postComment(app, tram.slug, comment(2), { remoteAddress })).statusCode, 201)
    t.equal((await postComment(app, harbour.slug, comment(3), { remoteAddress })).statusCode, 201)
    isRateLimited(t, await postComment(app, hotNights, comment(4), { remoteAddress }), PER_ADDRESS)
    t.equal(await commentRows(app), start + PER_ADDRESS, 'exactly the allowed comments were stored')
  })

  t.test('alternating id, slug and upper-case id of one article shares one per-article budget', async (t) => {
    const remoteAddress = '192.0.2.3'
    const start = await commentRows(app)
    t.equal((await postComment(app, harbour.slug, comment(1), { remoteAddress })).statusCode, 201)
    t.equal((await postComment(app, harbour.id, comment(2), { remoteAddress })).statusCode, 201)
    isRateLimited(t, await postComment(app, harbour.id.toUpperCase(), comment(3), { remoteAddress }), PER_ARTICLE)
    const res = await postComment(app, harbour.slug.toUpperCase(), comment(4), { remoteAddress })
    t.ok([404, 429].includes(res.statusCode), `an upper-case slug is refused (${res.statusCode})`)
    t.equal(await commentRows(app), start + PER_ARTICLE, 'exactly the allowed comments were stored')
  })

  t.test('a forged X-Forwarded-For does not reset the comment limits when no proxy is trusted', async (t) => {
    const remoteAddress = '192.0.2.4'
    const start = await commentRows(app)
    const forged = (i: number) => ({
      'x-forwarded-for': `203.0.113.${i}`,
      'x-real-ip': `203.0.113.${i}`,
      forwarded: `for=203.0.113.${i}`,
    })
    for (let i = 0; i < PER_ARTICLE; i++)
      t.equal((await postComment(app, tram.slug, comment(i), { remoteAddress, headers: forged(i) })).statusCode, 201)
    for (let i = 10; i < 14; i++)
      isRateLimited(
        t,
        await postComment(app, tram.slug, comment(i), { remoteAddress, headers: forged(i) }),
        PER_ARTICLE,
      )
    t.equal(await commentRows(app), start + PER_ARTICLE)
  })

  t.test('fresh Idempotency-Keys do not reset the comment limit, and replays store nothing new', async (t) => {
    const remoteAddress = '192.0.2.5'
    const start = await commentRows(app)
    const first = await postComment(app, tram.slug, comment('k1'), {
      remoteAddress,
      headers: { 'idempotency-key': 'spam-k1' },
    })
    t.equal(first.statusCode, 201)
    t.equal(
      (await postComment(app, tram.slug, comment('k2'), { remoteAddress, headers: { 'idempotency-key': 'spam-k2' } }))
        .statusCode,
      201,
    )
    for (const key of ['spam-k3', 'spam-k4', 'spam-k5']) {
      isRateLimited(
        t,
        await postComment(app, tram.slug, comment(key), { remoteAddress, headers: { 'idempotency-key': key } }),
        PER_ARTICLE,
      )
    }
    const replay = await postComment(app, tram.slug, comment('k1'), {
      remoteAddress,
      headers: { 'idempotency-key': 'spam-k1' },
    })
    t.equal(replay.statusCode, 201)
    t.equal(replay.headers['idempotent-replayed'], 'true', 'a replay, not a new comment')
    t.equal(body(replay).id, body(first).id)
    t.equal(await commentRows(app), start + PER_ARTICLE, 'exactly the allowed comments were stored')
  })

  t.test(
    'a 429 is not remembered under its Idempotency-Key: the retry after Retry-After is judged afresh',
    async (t) => {
      const remoteAddress = '192.0.2.6'
      for (let i = 0; i < PER_ARTICLE; i++)
        t.equal((await postComment(app, harbour.slug, comment(i), { remoteAddress })).statusCode, 201)
      const refused = await postComment(app, harbour.slug, comment('later'), {
        remoteAddress,
        headers: { 'idempotency-key': 'retry-me' },
      })
      isRateLimited(t, refused, PER_ARTICLE)
      const stored = await app.db.prisma.idempotencyKey.findMany({
        where: { key: 'retry-me' },
        select: { status: true },
      })
      t.same(
        stored.filter((r) => r.status !== null),
        [],
        'no answer is stored for the key (a 429 is not a processed request)',
      )
      const retry = await postComment(app, harbour.slug, comment('later'), {
        remoteAddress,
        headers: { 'idempotency-key': 'retry-me' },
      })
      t.equal(retry.headers['idempotent-replayed'], undefined, 'the retry is not a replay of the old 429')
      isRateLimited(t, retry, PER_ARTICLE)
    },
  )

  t.test('a viewer token is held to the comment limits too; editors are not', async (t) => {
    // Only editors and admins (moderators) are exempt: a read-only or author token is no way
    // around the limits.
    const remoteAddress = '192.0.2.7'
    const viewer = await tokenHeaders(app, 'viewer')
    const editor = await tokenHeaders(app, 'editor')
    const start = await commentRows(app)
    for (let i = 0; i < PER_ARTICLE; i++) {
      const res = await postComment(app, tram.slug, comment(`token ${i}`), { remoteAddress, headers: viewer })
      t.equal(res.statusCode, 201)
      t.equal(body(res).status, 'pending', 'a token’s comment waits for moderation like any other')
    }
    isRateLimited(
      t,
      await postComment(app, tram.slug, comment('viewer over'), { remoteAddress, headers: viewer }),
      PER_ARTICLE,
    )
    isRateLimited(t, await postComment(app, tram.slug, comment('anon over'), { remoteAddress }), PER_ARTICLE)
    for (let i = 0; i < PER_ARTICLE + 1; i++) {
      t.equal(
        (await postComment(app, tram.slug, comment(`editor ${i}`), { remoteAddress, headers: editor })).statusCode,
        201,
        'editors are exempt',
      )
    }
    t.equal(await commentRows(app), start + PER_ARTICLE + PER_ARTICLE + 1)
  })
})

t.test(
  "duplicates of one comment in flight are answered by their key and never spend the reader's comment budget",
  async (t) => {
    // Red team, third pass: ten concurrent POSTs with one Idempotency-Key were answered
    // 201, 409, 409, 429 ×6, 201: each duplicate counted against the limits before its key was
    // looked at, which locked the reader out of the article (and of every article once the
    // per-address budget was spent). Only a request that will really run counts.
    const app = await buildTestApp(t, {
      SEED_ON_EMPTY: false,
      COMMENT_RATE_LIMIT: 2,
      COMMENT_RATE_LIMIT_PER_ARTICLE: 3,
      RATE_LIMIT_PER_MINUTE: 1000,
    })
    const [tram, harbour] = [
      await createArticle(app, { state: 'published' }),
      await createArticle(app, { state: 'published' }),
    ]
    const remoteAddress = '192.0.2.40'
    const start = await commentRows(app)
    const headers = { 'idempotency-key': 'one-comment-ten-retries' }
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => postComment(app, tram.slug, comment('retried'), { remoteAddress, headers })),
    )
    const statuses = answers.map((r) => r.statusCode)
    t.ok(
      statuses.every((s) => s === 201 || s === 409),
      `only 201 (the comment or its replay) and 409 (in flight): ${statuses.join(' ')}`,
    )
    for (const res of answers.filter((r) => r.statusCode === 409)) isProblem(t, res, 409, 'IDEMPOTENCY_KEY_IN_FLIGHT')
    t.equal(
      new Set(answers.filter((r) => r.statusCode === 201).map((r) => body(r).id)).size,
      1,
      'every 201 names the one comment',
    )
    t.equal(await commentRows(app), start + 1, 'one comment stored')
    // One comment counted: the reader still has budget, on this article and on another.
    t.equal(
      (await postComment(app, harbour.slug, comment('next, elsewhere'), { remoteAddress })).statusCode,
      201,
      'the next comment on another article is accepted',
    )
    isRateLimited(t, await postComment(app, tram.slug, comment('over the address budget'), { remoteAddress }), 2)
    t.equal(await commentRows(app), start + 2)
  },
)

t.test('comment limits behind a trusted proxy', async (t) => {
  const PER_ARTICLE = 2
  const app = await buildTestApp(t, {
    SEED_ON_EMPTY: false,
    TRUST_PROXY: '127.0.0.1',
    COMMENT_RATE_LIMIT: 10,
    COMMENT_RATE_LIMIT_PER_ARTICLE: PER_ARTICLE,
    RATE_LIMIT_PER_MINUTE: 1000,
  })
  const [tram, harbour] = [
    await createArticle(app, { state: 'published' }),
    await createArticle(app, { state: 'published' }),
  ]

  t.test('two forwarded client addresses get separate budgets; prepending hops gains nothing', async (t) => {
    const start = await commentRows(app)
    const from = (xff: string) => ({ remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': xff } })
    for (let i = 0; i < PER_ARTICLE; i++)
      t.equal((await postComment(app, tram.slug, comment(`a${i}`), from('203.0.113.1'))).statusCode, 201)
    isRateLimited(t, await postComment(app, tram.slug, comment('a-over'), from('203.0.113.1')), PER_ARTICLE)
    isRateLimited(t, await postComment(app, tram.slug, comment('a-spoof'), from('10.6.6.6, 203.0.113.1')), PER_ARTICLE)
    isRateLimited(
      t,
      await postComment(app, tram.slug, comment('a-spoof2'), from('1.1.1.1, 2.2.2.2, 203.0.113.1')),
      PER_ARTICLE,
    )
    for (let i = 0; i < PER_ARTICLE; i++)
      t.equal(
        (await postComment(app, tram.slug, comment(`b${i}`), from('203.0.113.2'))).statusCode,
        201,
        'another client behind the proxy has its own budget',
      )
    t.equal(await commentRows(app), start + 2 * PER_ARTICLE)
  })

  t.test('X-Forwarded-For from a peer that is not the trusted proxy is ignored', async (t) => {
    const start = await commentRows(app)
    const remoteAddress = '192.0.2.50'
    for (let i = 0; i < PER_ARTICLE; i++)
      t.equal(
        (
          await postComment(app, harbour.slug, comment(i), {
            remoteAddress,
            headers: { 'x-forwarded-for': `203.0.113.${100 + i}` },
          })
        ).statusCode,
        201,
      )
    for (let i = 0; i < 3; i++) {
      isRateLimited(
        t,
        await postComment(app, harbour.slug, comment(`x${i}`), {
          remoteAddress,
          headers: { 'x-forwarded-for': `203.0.113.${200 + i}` },
        }),
        PER_ARTICLE,
      )
    }
    t.equal(await commentRows(app), start + PER_ARTICLE)
  })
})

t.test('spam rules and idempotency ownership', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const [tram, harbour] = [
    await createArticle(app, { state: 'published' }),
    await createArticle(app, { state: 'published' }),
  ]
  const editor = await tokenHeaders(app, 'editor')

  async function stored(id: string) {
    return app.db.prisma.comment.findUnique({ where: { id } })
  }

  t.test('a filled honeypot: 201 "pending" to the poster, stored as spam, never public, not counted', async (t) => {
    const countBefore = await commentCount(app, tram.slug)
    const normal = await postComment(app, tram.slug, comment('human'), { remoteAddress: '192.0.2.80' })
    for (const website of ['http://cheap-pills.example', 'x', '  www.spam.test  ']) {
      const res = await postComment(app, tram.slug, { ...comment('bot'), website }, { remoteAddress: '192.0.2.81' })
      t.equal(res.statusCode, 201)
      const created = body(res)
      t.equal(created.status, 'pending', 'the bot is told "pending"')
      t.same(
        Object.keys(created).sort(),
        Object.keys(body(normal)).sort(),
        'the answer has the same shape as a human’s',
      )
      t.notOk('website' in created, 'the honeypot is not echoed')
      t.equal((await stored(created.id))?.status, 'spam', 'stored as spam')
      t.notOk((await publicCommentIds(app, tram.slug)).includes(created.id), 'never public')
    }
    const blank = await postComment(
      app,
      tram.slug,
      { ...comment('blank honeypot'), website: '   ' },
      { remoteAddress: '192.0.2.82' },
    )
    t.equal((await stored(body(blank).id))?.status, 'pending', 'a blank honeypot is a human')
    t.equal(await commentCount(app, tram.slug), countBefore, 'commentCount unchanged')
  })

  t.test('three or more links in name and body file a comment as spam; two links wait as pending', async (t) => {
    const cases: [object, string][] = [
      [{ ...comment(''), body: 'see http://a.test and https://b.test and www.c.test' }, 'spam'],
      [{ ...comment(''), authorName: 'http://name.test', body: 'HTTPS://B.TEST and WWW.C.TEST' }, 'spam'],
      [{ ...comment(''), body: 'http://a.test http://a.test http://a.test http://a.test' }, 'spam'],
      [{ ...comment(''), body: 'see http://a.test and https://b.test' }, 'pending'],
      [{ ...comment(''), body: 'no links at all, www dot nothing' }, 'pending'],
    ]
    for (const [payload, verdict] of cases) {
      const res = await postComment(app, harbour.slug, payload, { remoteAddress: '192.0.2.83' })
      t.equal(res.statusCode, 201)
      t.equal(body(res).status, 'pending', 'the poster always reads pending')
      t.equal((await stored(body(res).id))?.status, verdict, `stored as ${verdict}`)
      t.notOk((await publicCommentIds(app, harbour.slug)).includes(body(res).id), 'not public before moderation')
    }
  })

  t.test(
    'Idempotency-Keys belong to their caller: another address or token with the same key gets its own answer',
    async (t) => {
      const key = 'shared-key-1'
      const a = await postComment(
        app,
        tram.slug,
        { ...comment('from A'), authorEmail: 'a-private@reader.test' },
        { remoteAddress: '192.0.2.90', headers: { 'idempotency-key': key } },
      )
      t.equal(a.statusCode, 201)
      const b = await postComment(app, tram.slug, comment('from B'), {
        remoteAddress: '192.0.2.91',
        headers: { 'idempotency-key': key },
      })
      t.equal(b.statusCode, 201, 'not a 422 and not A’s replay')
      t.equal(b.headers['idempotent-replayed'], undefined)
      t.not(body(b).id, body(a).id, 'a comment of its own')
      t.notOk(b.body.includes('from A'), 'B never sees A’s comment')
      const sameBodyOtherCaller = await postComment(
        app,
        tram.slug,
        { ...comment('from A'), authorEmail: 'a-private@reader.test' },
        { remoteAddress: '192.0.2.92', headers: { 'idempotency-key': key } },
      )
      t.equal(
        sameBodyOtherCaller.headers['idempotent-replayed'],
        undefined,
        'the same body from someone else is not a replay',
      )
      t.not(body(sameBodyOtherCaller).id, body(a).id)

      const created = await app.inject({
        method: 'POST',
        url: '/api/v1/authors',
        headers: { ...editor, 'idempotency-key': key },
        ...jsonPayload({ name: 'Private Person', email: 'private.person@reader.test' }),
      })
      t.equal(created.statusCode, 201)
      const otherEditor = await tokenHeaders(app, 'editor')
      const other = await app.inject({
        method: 'POST',
        url: '/api/v1/authors',
        headers: { ...otherEditor, 'idempotency-key': key },
        ...jsonPayload({ name: 'Private Person', email: 'private.person@reader.test' }),
      })
      t.equal(
        other.headers['idempotent-replayed'],
        undefined,
        'another token’s identical request is not served from the first token’s record',
      )
      isProblem(t, other, 409, 'EMAIL_TAKEN')
      const anonymous = await app.inject({
        method: 'POST',
        url: '/api/v1/authors',
        headers: { 'idempotency-key': key },
        ...jsonPayload({ name: 'Private Person', email: 'private.person@reader.test' }),
      })
      isProblem(t, anonymous, 401, 'UNAUTHORIZED')
      t.notOk(anonymous.body.includes('private.person'), 'an anonymous caller replays nobody’s answer')
    },
  )
})
