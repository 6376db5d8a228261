import type { Test } from 'tap'
import t from 'tap'
import { hashSecret } from '../../src/auth.js'
import { buildTestApp, tokenHeaders, type Headers, type TestApp } from '../support/app.js'
import { body, isProblem, jsonPayload, noLeak, state, unchanged, withoutInstance, type Res } from '../support/assert.js'
import { UNKNOWN_UUID, createArticle, createAuthor, createComment } from '../support/factories.js'

/**
 * No side channels: private values (emails, token hashes) are not a query surface, and a
 * probe that hits something private answers exactly like one that hits nothing. Also the
 * list machinery under abuse (pagination, cursors) and SQL-looking or exotic Unicode input.
 */

const FAKE_EMAIL = 'nobody-at-all@example.org'

/**
 * The newsroom the probes aim at, built on an empty database. Its texts have no digits and the
 * unpublished ones share no word with the published ones, so what a search finds says which
 * articles it reached: Thu Hà's published `tram` with two approved comments, a pending and a
 * spam one; João's published article and his draft; Yusuf's draft; Siobhán's published and
 * scheduled articles; Małgorzata's published article.
 */
async function buildNewsroom(app: TestApp) {
  const [thuha, joao, yusuf, siobhan, malgorzata] = [
    await createAuthor(app),
    await createAuthor(app),
    await createAuthor(app),
    await createAuthor(app),
    await createAuthor(app),
  ]
  const tram = await createArticle(app, {
    state: 'published',
    authorId: thuha.id,
    title: 'Riverside tram line opens three years late',
    excerpt: 'Crowds lined the embankment for the first ride.',
    body: 'The first tram left the depot at dawn. Nobody minded the delay.',
  })
  const published = [
    tram,
    await createArticle(app, {
      state: 'published',
      authorId: joao.id,
      title: 'Harbour club wins the derby',
      excerpt: 'Extra time, a header and a pitch invasion.',
      body: 'The stadium shook when the ball went in.',
    }),
    await createArticle(app, {
      state: 'published',
      authorId: siobhan.id,
      title: 'Cinema turns one hundred',
      excerpt: 'The Lumen celebrates its centenary.',
      body: 'Projectionists past and present gathered in the foyer.',
    }),
    await createArticle(app, {
      state: 'published',
      authorId: malgorzata.id,
      title: 'Council budget: where the money goes',
      excerpt: 'Buses, parks and a new library.',
      body: 'The council agreed its spending plan on Thursday night.',
    }),
  ]
  const comments = [
    await createComment(app, tram, { status: 'approved' }),
    await createComment(app, tram, { status: 'approved' }),
    await createComment(app, tram, { status: 'pending' }),
    await createComment(app, tram, { status: 'spam' }),
  ]
  const joaoDraft = await createArticle(app, {
    authorId: joao.id,
    title: 'Marathon organisers weigh a cooler, earlier start',
    excerpt: 'After heatstroke cases, the committee considers moving the starting gun to dawn.',
    body: 'Organisers met on Tuesday to discuss temperatures along the waterfront. Paramedics reported exhaustion among volunteers.',
  })
  const yusufDraft = await createArticle(app, {
    authorId: yusuf.id,
    title: 'Opinion: smart city should not mean watched city',
    excerpt: 'Surveillance creeps in through procurement, not through debate.',
    body: 'Councillors approved facial recognition pilots without consultation. Residents deserve transparency about algorithms.',
  })
  const scheduled = await createArticle(app, {
    state: 'scheduled',
    authorId: siobhan.id,
    title: 'Winter lights: a guide to the festival nights',
    excerpt: 'Lanterns, projections and a floating orchestra.',
    body: 'Illuminated installations return to the riverbank, with fireworks, puppetry and mulled cider.',
  })
  const hiddenArticles = [joaoDraft, yusufDraft, scheduled]
  const authorEmails = [thuha, joao, yusuf, siobhan, malgorzata].map((a) => a.email!)
  const commenterEmails = [...new Set(comments.map((c) => c.authorEmail!))]
  return {
    thuha,
    joao,
    yusuf,
    tram,
    joaoDraft,
    yusufDraft,
    scheduled,
    published,
    hiddenArticles,
    articleCount: published.length + hiddenArticles.length,
    publishedIds: new Set(published.map((a) => a.id)),
    authorEmails,
    commenterEmails,
    privateEmails: [...authorEmails, ...commenterEmails],
    /** Strings from the unpublished articles (but those of `exceptAuthorId`): title, slug, id, start of the body. */
    hiddenStrings: (exceptAuthorId?: string) =>
      hiddenArticles
        .filter((a) => a.authorId !== exceptAuthorId)
        .flatMap((a) => [a.title, a.slug, a.id, a.body.slice(0, 60)]),
  }
}

/** Two answers a client cannot tell apart: status, body (instance aside) and the telling headers. */
function sameAnswer(t: Test, a: Res, b: Res, what: string): void {
  t.equal(a.statusCode, b.statusCode, `${what}: same status (${a.statusCode} vs ${b.statusCode})`)
  t.same(withoutInstance(a), withoutInstance(b), `${what}: same body, instance aside`)
  for (const name of ['content-type', 'cache-control', 'vary', 'www-authenticate', 'etag']) {
    t.equal(a.headers[name], b.headers[name], `${what}: same ${name} header`)
  }
  t.equal(a.headers.link === undefined, b.headers.link === undefined, `${what}: a Link header in both or neither`)
}

async function get(app: TestApp, url: string, headers: Headers = {}): Promise<Res> {
  return app.inject({ method: 'GET', url, headers })
}

const enc = encodeURIComponent

t.test('private fields are never a query surface', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const { thuha, joao, yusuf, tram, authorEmails, commenterEmails, privateEmails } = await buildNewsroom(app)
  const viewer = await tokenHeaders(app, 'viewer')
  const editor = await tokenHeaders(app, 'editor')
  const admin = await tokenHeaders(app, 'admin')

  t.test(
    'authors ?q= with a real author email answers exactly like a fake one (emails are not searched)',
    async (t) => {
      for (const headers of [{}, viewer]) {
        for (const email of authorEmails) {
          const real = await get(app, `/api/v1/authors?q=${enc(email)}`, headers)
          const fake = await get(app, `/api/v1/authors?q=${enc(FAKE_EMAIL)}`, headers)
          t.equal(real.statusCode, 200)
          sameAnswer(t, real, fake, `q=${email}`)
          t.same(body(real).data, [], 'nothing matches an email')
          const local = email.split('@')[0]!
          sameAnswer(
            t,
            await get(app, `/api/v1/authors?q=${enc(`${local}@`)}`, headers),
            await get(app, `/api/v1/authors?q=zz.zz%40`, headers),
            `q=${local}@`,
          )
        }
        sameAnswer(
          t,
          await get(app, '/api/v1/authors?q=example.org', headers),
          await get(app, '/api/v1/authors?q=example.xyz', headers),
          'q=domain',
        )
      }
    },
  )

  t.test('authors: ?email=, ?sort=email, ?include=email are 400s identical for real and fake values', async (t) => {
    const real = authorEmails[0]!
    const probes: [(v: string) => string, string][] = [
      [(v) => `/api/v1/authors?email=${enc(v)}`, '/query/email'],
      [(v) => `/api/v1/authors?sort=email&q=${enc(v)}`, '/query/sort'],
      [(v) => `/api/v1/authors?sort=-email&q=${enc(v)}`, '/query/sort'],
      [(v) => `/api/v1/authors?include=email&q=${enc(v)}`, '/query/include'],
      [(v) => `/api/v1/authors?filter%5Bemail%5D=${enc(v)}`, '/query/filter[email]'],
      [(v) => `/api/v1/authors/${thuha.slug}?email=${enc(v)}`, '/query/email'],
    ]
    for (const [url, path] of probes) {
      for (const headers of [{}, viewer]) {
        const a = await get(app, url(real), headers)
        const b = await get(app, url(FAKE_EMAIL), headers)
        isProblem(t, a, 400, 'VALIDATION_FAILED', path)
        noLeak(t, a, privateEmails)
        sameAnswer(t, a, b, url('…'))
      }
    }
  })

  t.test(
    'articles: author, q and tag filters answer alike for real and fake emails; sorting by emails is 400',
    async (t) => {
      for (const email of authorEmails) {
        for (const param of ['author', 'q', 'tag']) {
          const a = await get(app, `/api/v1/articles?${param}=${enc(email)}`)
          const b = await get(app, `/api/v1/articles?${param}=${enc(FAKE_EMAIL)}`)
          t.equal(a.statusCode, param === 'tag' && email.length > 50 ? 400 : 200)
          sameAnswer(t, a, b, `${param}=${email}`)
        }
      }
      for (const [query, path] of [
        ['sort=authorEmail', '/query/sort'],
        ['sort=author.email', '/query/sort'],
        ['sort=-email', '/query/sort'],
        ['include=author.email', '/query/include'],
        ['email=x', '/query/email'],
        ['authorEmail=x', '/query/authorEmail'],
      ]) {
        const res = await get(app, `/api/v1/articles?${query}`, viewer)
        isProblem(t, res, 400, 'VALIDATION_FAILED', path)
        noLeak(t, res, privateEmails)
      }
    },
  )

  t.test('comment lists never filter, sort or search by authorEmail, public thread or moderation queue', async (t) => {
    const commenter = commenterEmails[0]!
    const probes: [string, Headers, string][] = [
      [`/api/v1/articles/${tram.slug}/comments?authorEmail=%s`, {}, '/query/authorEmail'],
      [`/api/v1/articles/${tram.slug}/comments?q=%s`, {}, '/query/q'],
      ['/api/v1/comments?authorEmail=%s', editor, '/query/authorEmail'],
      ['/api/v1/comments?q=%s', editor, '/query/q'],
      ['/api/v1/comments?email=%s', editor, '/query/email'],
    ]
    for (const [template, headers, path] of probes) {
      const a = await get(app, template.replace('%s', enc(commenter)), headers)
      const b = await get(app, template.replace('%s', enc(FAKE_EMAIL)), headers)
      isProblem(t, a, 400, 'VALIDATION_FAILED', path)
      sameAnswer(t, a, b, template)
    }
    for (const [url, headers] of [
      [`/api/v1/articles/${tram.slug}/comments?sort=authorEmail`, {}],
      ['/api/v1/comments?sort=-authorEmail', editor],
      ['/api/v1/comments?sort=authorName', editor],
    ] as [string, Headers][]) {
      isProblem(t, await get(app, url, headers), 400, 'VALIDATION_FAILED', '/query/sort')
    }
  })

  t.test('GET /authors/{email} is the same 404 for a real and a fake address', async (t) => {
    for (const email of authorEmails) {
      const real = await get(app, `/api/v1/authors/${enc(email)}`)
      const fake = await get(app, `/api/v1/authors/${enc(FAKE_EMAIL)}`)
      isProblem(t, real, 404, 'NOT_FOUND')
      sameAnswer(t, real, fake, email)
      sameAnswer(
        t,
        await get(app, `/api/v1/articles?author=${enc(email)}&include=author`),
        await get(app, `/api/v1/articles?author=${enc(FAKE_EMAIL)}&include=author`),
        `articles by ${email}`,
      )
    }
  })

  t.test(
    'anonymous and viewer reads of authors and articles carry no email, lists and include=author too',
    async (t) => {
      const urls = [
        '/api/v1/authors?limit=100',
        '/api/v1/articles?limit=100&include=author',
        `/api/v1/articles/${tram.slug}?include=author`,
      ]
      for (const a of authorEmails.map((_, i) => i)) {
        const id = body(await get(app, '/api/v1/authors?limit=100')).data[a].id as string
        urls.push(`/api/v1/authors/${id}`)
      }
      for (const headers of [{}, viewer]) {
        for (const url of urls) {
          const res = await get(app, url, headers)
          t.equal(res.statusCode, 200, url)
          t.notOk(/"email"/.test(res.body), `${url}: no email field`)
          noLeak(t, res, privateEmails)
        }
      }
      const drafts = await get(app, `/api/v1/articles?status=draft&include=author&limit=100`, viewer)
      t.equal(drafts.statusCode, 200)
      noLeak(t, drafts, privateEmails)
    },
  )

  t.test('an author token sees its own email and nobody else’s', async (t) => {
    const own = await tokenHeaders(app, 'author', joao.id)
    const list = body(await get(app, '/api/v1/authors?limit=100', own)).data as { id: string; email?: string }[]
    t.same(
      list.filter((a) => 'email' in a).map((a) => [a.id, a.email]),
      [[joao.id, joao.email]],
      'only its own entry carries an email',
    )
    const other = await get(app, `/api/v1/authors/${yusuf.id}`, own)
    t.equal(other.statusCode, 200)
    t.notOk('email' in body(other), 'another author’s email is absent')
    noLeak(t, other, privateEmails)
  })

  t.test('the public comment thread never shows authorEmail, even to an editor or admin token', async (t) => {
    for (const headers of [{}, viewer, editor, admin]) {
      const res = await get(app, `/api/v1/articles/${tram.slug}/comments?limit=100`, headers)
      t.equal(res.statusCode, 200)
      t.notOk(/authorEmail/.test(res.body), 'no authorEmail field')
      noLeak(t, res, privateEmails)
    }
  })

  t.test('token list: filtering by a real or a fake secret hash gives identical answers', async (t) => {
    const probe = await app.services.tokens.create({ name: 'probe', role: 'viewer' })
    const realHash = hashSecret(probe.secret)
    await get(app, '/api/v1/tokens', admin) // settle lastUsedAt of the admin token first
    for (const param of ['secretHash', 'secret_hash', 'hash', 'secret', 'prefix']) {
      const value = param === 'secret' ? probe.secret : param === 'prefix' ? probe.prefix : realHash
      const a = await get(app, `/api/v1/tokens?${param}=${enc(value)}`, admin)
      const b = await get(app, `/api/v1/tokens?${param}=${'0'.repeat(value.length)}`, admin)
      sameAnswer(t, a, b, param)
      t.notOk(a.body.includes(realHash) || a.body.includes(probe.secret), 'neither the hash nor the secret is shown')
    }
  })

  t.test('GET /tokens refuses an unknown query parameter (secretHash) with a 400, like every other list', async (t) => {
    const res = await get(app, `/api/v1/tokens?secretHash=${'a'.repeat(64)}`, admin)
    isProblem(t, res, 400, 'VALIDATION_FAILED', '/query/secretHash')
  })

  t.test(
    'GET /tokens shows no secret or hash; retrying POST /tokens with its key never repeats the secret',
    async (t) => {
      const first = await app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: { ...admin, 'idempotency-key': 'mint-once' },
        ...jsonPayload({ name: 'once', role: 'editor' }),
      })
      t.equal(first.statusCode, 201)
      t.equal(first.headers['cache-control'], 'no-store', 'the secret is not cacheable')
      const secret = body(first).secret as string
      const retry = await app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: { ...admin, 'idempotency-key': 'mint-once' },
        ...jsonPayload({ name: 'once', role: 'editor' }),
      })
      isProblem(t, retry, 409, 'IDEMPOTENCY_KEY_USED')
      t.notOk(retry.body.includes(secret), 'the retry does not repeat the secret')
      const list = await get(app, '/api/v1/tokens', admin)
      t.equal(list.statusCode, 200)
      const hashes = (await app.db.prisma.apiToken.findMany({ select: { secretHash: true } })).map((r) => r.secretHash)
      t.notOk(list.body.includes(secret), 'the list does not show the secret')
      t.same(
        hashes.filter((h) => list.body.includes(h)),
        [],
        'the list shows no stored hash',
      )
      noLeak(t, list)
      const stored = await app.db.prisma.idempotencyKey.findMany({ select: { responseBody: true } })
      t.notOk(
        stored.some((r) => (r.responseBody ?? '').includes(secret)),
        'the secret was not stored for replay',
      )
    },
  )
})

t.test('unknown and forbidden look the same', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const {
    thuha,
    joao,
    yusuf,
    joaoDraft,
    yusufDraft,
    scheduled,
    published,
    hiddenArticles,
    publishedIds,
    hiddenStrings,
  } = await buildNewsroom(app)
  const yusufToken = await tokenHeaders(app, 'author', yusuf.id)
  const editor = await tokenHeaders(app, 'editor')
  const viewer = await tokenHeaders(app, 'viewer')
  const hidden = [joaoDraft, yusufDraft, scheduled]
  const comment = { authorName: 'Probe', authorEmail: 'probe@reader.test', body: 'Is anyone there?' }

  t.test(
    'anonymous: a draft or scheduled article is the same 404 as an unknown one, by id, upper-case id and slug',
    async (t) => {
      for (const a of hidden) {
        for (const [key, unknown] of [
          [a.id, UNKNOWN_UUID],
          [a.id.toUpperCase(), UNKNOWN_UUID.toUpperCase()],
          [a.slug, 'no-such-article-at-all'],
        ]) {
          for (const suffix of ['', '?include=author']) {
            const real = await get(app, `/api/v1/articles/${key}${suffix}`)
            const fake = await get(app, `/api/v1/articles/${unknown}${suffix}`)
            isProblem(t, real, 404, 'NOT_FOUND')
            sameAnswer(t, real, fake, `${a.slug}${suffix}`)
            noLeak(t, real, hiddenStrings())
          }
        }
      }
    },
  )

  t.test('anonymous: a hidden article’s comment thread is the same 404 as an unknown article’s', async (t) => {
    for (const a of hidden) {
      for (const [key, unknown] of [
        [a.id, UNKNOWN_UUID],
        [a.slug, 'no-such-article-at-all'],
      ]) {
        const real = await get(app, `/api/v1/articles/${key}/comments`)
        const fake = await get(app, `/api/v1/articles/${unknown}/comments`)
        isProblem(t, real, 404, 'NOT_FOUND')
        sameAnswer(t, real, fake, `${a.slug} comments`)
      }
    }
  })

  t.test(
    'posting a comment to a draft or scheduled article is the same 404 as to an unknown one, for every caller',
    async (t) => {
      const before = await state(app)
      for (const headers of [{}, viewer, editor, yusufToken]) {
        for (const a of hidden) {
          for (const [key, unknown] of [
            [a.id, UNKNOWN_UUID],
            [a.slug, 'no-such-article-at-all'],
          ]) {
            const real = await app.inject({
              method: 'POST',
              url: `/api/v1/articles/${key}/comments`,
              headers,
              ...jsonPayload(comment),
            })
            const fake = await app.inject({
              method: 'POST',
              url: `/api/v1/articles/${unknown}/comments`,
              headers,
              ...jsonPayload(comment),
            })
            isProblem(t, real, 404, 'NOT_FOUND')
            sameAnswer(t, real, fake, `comment on ${a.slug}`)
          }
        }
      }
      await unchanged(t, app, before)
    },
  )

  t.test(
    'author token: another author’s draft reads and writes like an unknown id (GET, PATCH, DELETE, publish, unpublish)',
    async (t) => {
      const before = await state(app)
      const cases: [string, (id: string) => string, object | undefined][] = [
        ['GET', (id) => `/api/v1/articles/${id}`, undefined],
        ['GET', (id) => `/api/v1/articles/${id}/comments`, undefined],
        ['PATCH', (id) => `/api/v1/articles/${id}`, { title: 'Mine now' }],
        ['DELETE', (id) => `/api/v1/articles/${id}`, undefined],
        ['POST', (id) => `/api/v1/articles/${id}/publish`, {}],
        ['POST', (id) => `/api/v1/articles/${id}/unpublish`, undefined],
      ]
      for (const [method, url, payload] of cases) {
        for (const ifMatch of method === 'PATCH' || method === 'DELETE' ? ['*', '"1-AAAAAAAAAAAAAAAA"'] : [undefined]) {
          const headers = { ...yusufToken, ...(ifMatch ? { 'if-match': ifMatch } : {}) }
          const opts = (id: string) => ({
            method: method as 'GET',
            url: url(id),
            headers,
            ...(payload ? jsonPayload(payload) : {}),
          })
          const real = await app.inject(opts(joaoDraft.id))
          const fake = await app.inject(opts(UNKNOWN_UUID))
          isProblem(t, real, 404, 'NOT_FOUND')
          sameAnswer(t, real, fake, `${method} ${url('{id}')} If-Match ${ifMatch}`)
          noLeak(t, real, hiddenStrings(yusuf.id))
        }
      }
      const bySlug = await get(app, `/api/v1/articles/${joaoDraft.slug}`, yusufToken)
      sameAnswer(t, bySlug, await get(app, '/api/v1/articles/no-such-article-at-all', yusufToken), 'by slug')
      await unchanged(t, app, before)
    },
  )

  t.test('author token: lists, filters and search never reveal another author’s drafts', async (t) => {
    const mine = await get(app, '/api/v1/articles?status=draft&limit=100', yusufToken)
    t.equal(mine.statusCode, 200)
    t.same(
      body(mine).data.map((a: { id: string }) => a.id),
      [yusufDraft.id],
      'its own draft only',
    )
    noLeak(t, mine, hiddenStrings(yusuf.id))
    for (const status of ['draft', 'scheduled']) {
      sameAnswer(
        t,
        await get(app, `/api/v1/articles?status=${status}&author=${joao.slug}`, yusufToken),
        await get(app, `/api/v1/articles?status=${status}&author=${thuha.slug}`, yusufToken),
        `status=${status}: an author with hidden work vs one without`,
      )
    }
    const word = joaoDraft.title.split(/\s+/).find((w) => w.length >= 8 && !/\W/.test(w)) ?? 'Marathon'
    const everything = await get(app, `/api/v1/articles?limit=100&sort=title`, yusufToken)
    noLeak(t, everything, hiddenStrings(yusuf.id))
    const search = await get(app, `/api/v1/articles?q=${enc(word)}&limit=100`, yusufToken)
    t.notOk(
      body(search).data.some((a: { id: string }) => a.id === joaoDraft.id),
      `q=${word} does not find João’s draft`,
    )
  })

  t.test('anonymous search for words found only in unpublished articles answers exactly like nonsense', async (t) => {
    const publishedText = published.map((a) => `${a.title} ${a.excerpt} ${a.body}`.toLowerCase()).join(' ')
    const candidates = [
      ...new Set(
        hiddenArticles
          .flatMap((a) => `${a.title} ${a.excerpt} ${a.body}`.split(/[^\p{L}]+/u))
          .map((w) => w.toLowerCase())
          .filter((w) => w.length >= 7 && !publishedText.includes(w.slice(0, 6))),
      ),
    ].slice(0, 30)
    const nonsense = await get(app, '/api/v1/articles?q=qzxjvwqk')
    let probed = 0
    for (const word of candidates) {
      // Only words that really find hidden articles (and nothing else) for a token that sees them.
      const seen = body(await get(app, `/api/v1/articles?q=${enc(word)}&limit=100`, viewer)).data as { id: string }[]
      if (seen.length === 0 || seen.some((a) => publishedIds.has(a.id))) continue
      probed++
      sameAnswer(t, await get(app, `/api/v1/articles?q=${enc(word)}`), nonsense, `q=${word}`)
    }
    t.ok(probed >= 5, `${probed} draft-only words probed`)
  })

  t.test('the status filter without a token is the same 401 whatever status is asked for', async (t) => {
    const answers = await Promise.all(
      ['draft', 'scheduled', 'published'].map((s) => get(app, `/api/v1/articles?status=${s}`)),
    )
    for (const res of answers) {
      isProblem(t, res, 401, 'UNAUTHORIZED')
      noLeak(t, res, hiddenStrings())
    }
    sameAnswer(t, answers[0]!, answers[1]!, 'draft vs scheduled')
    sameAnswer(t, answers[0]!, answers[2]!, 'draft vs published')
  })
})

t.test('pagination abuse', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const { tram } = await buildNewsroom(app)
  const editor = await tokenHeaders(app, 'editor')
  const lists: [string, Headers][] = [
    ['/api/v1/articles', {}],
    ['/api/v1/authors', {}],
    [`/api/v1/articles/${tram.slug}/comments`, {}],
    ['/api/v1/comments', editor],
  ]

  t.test('limit outside 1..100 or not an integer is a 400 naming /query/limit on every list', async (t) => {
    for (const [url, headers] of lists) {
      for (const limit of [
        '-1',
        '0',
        '101',
        '1e9',
        '2.5',
        'abc',
        '',
        '1,2',
        'NaN',
        '99999999999999999999',
        '1&limit=2',
      ]) {
        const res = await get(app, `${url}?limit=${limit}`, headers)
        isProblem(t, res, 400, 'VALIDATION_FAILED', '/query/limit')
        noLeak(t, res)
      }
    }
  })

  t.test('page 0, negative, huge or not an integer is a 400 naming /query/page', async (t) => {
    for (const [url, headers] of lists) {
      for (const page of ['0', '-1', '1e12', '100001', '2.5', 'abc', '-0.5']) {
        const res = await get(app, `${url}?page=${page}`, headers)
        isProblem(t, res, 400, 'VALIDATION_FAILED', '/query/page')
      }
    }
  })

  t.test('limit or page of Infinity, -Infinity or 1e400 is a 400, not an unbounded query and a 500', async (t) => {
    for (const [url, headers] of lists) {
      for (const param of ['limit', 'page']) {
        for (const value of ['Infinity', '-Infinity', '1e400']) {
          const res = await get(app, `${url}?${param}=${value}`, headers)
          isProblem(t, res, 400, 'VALIDATION_FAILED', `/query/${param}`)
          noLeak(t, res)
        }
      }
    }
  })

  t.test('page and cursor together are a 400, even with a valid cursor', async (t) => {
    for (const [url, headers] of lists) {
      const first = body(await get(app, `${url}?limit=1`, headers))
      t.type(first.meta.nextCursor, 'string', `${url} has a next page`)
      const res = await get(app, `${url}?limit=1&page=2&cursor=${first.meta.nextCursor}`, headers)
      isProblem(t, res, 400, 'VALIDATION_FAILED', '/query/cursor')
    }
  })

  t.test('a tampered, truncated, forged or oversized cursor is a 400 naming /query/cursor', async (t) => {
    for (const [url, headers] of lists) {
      const cursor = body(await get(app, `${url}?limit=1`, headers)).meta.nextCursor as string
      const [payload, signature] = cursor.split('.') as [string, string]
      const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { s: string; v: unknown[] }
      const forged = Buffer.from(JSON.stringify({ s: decoded.s, v: decoded.v.map(() => "' OR 1=1 --") })).toString(
        'base64url',
      )
      const flip = (s: string) => s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A')
      const variants = [
        `${payload}.${flip(signature)}`,
        `${forged}.${signature}`,
        `${forged}`,
        cursor.slice(0, -4),
        cursor.slice(0, Math.floor(cursor.length / 2)),
        payload,
        `${cursor}.extra`,
        `.${signature}`,
        `${payload}.`,
        'a'.repeat(1000),
        'a'.repeat(1001),
        "' OR 1=1 --",
        Buffer.from('{"s":"x","v":[]}').toString('base64url'),
      ]
      for (const variant of variants) {
        const res = await get(app, `${url}?cursor=${enc(variant)}`, headers)
        isProblem(t, res, 400, 'VALIDATION_FAILED', '/query/cursor')
        noLeak(t, res)
      }
    }
  })

  t.test('a cursor made for another sort order is a 400', async (t) => {
    const byTitle = body(await get(app, '/api/v1/articles?limit=1&sort=title')).meta.nextCursor as string
    for (const query of ['limit=1', 'limit=1&sort=-title', 'limit=1&sort=title,createdAt', 'limit=1&q=tram']) {
      const res = await get(app, `/api/v1/articles?${query}&cursor=${byTitle}`)
      isProblem(t, res, 400, 'VALIDATION_FAILED', '/query/cursor')
    }
    const byName = body(await get(app, '/api/v1/authors?limit=1')).meta.nextCursor as string
    isProblem(
      t,
      await get(app, `/api/v1/authors?sort=-name&cursor=${byName}`),
      400,
      'VALIDATION_FAILED',
      '/query/cursor',
    )
  })

  t.test('a cursor from another resource’s list is a 400, not a position in this one', async (t) => {
    const authorsCursor = body(await get(app, '/api/v1/authors?limit=1&sort=createdAt')).meta.nextCursor as string
    const commentsCursor = body(await get(app, '/api/v1/comments?limit=1', editor)).meta.nextCursor as string
    const cases: [string, Headers][] = [
      [`/api/v1/articles?sort=createdAt&cursor=${authorsCursor}`, {}],
      [`/api/v1/comments?cursor=${authorsCursor}`, editor],
      [`/api/v1/articles/${tram.slug}/comments?cursor=${authorsCursor}`, {}],
      [`/api/v1/authors?sort=createdAt&cursor=${commentsCursor}`, {}],
      [`/api/v1/articles?sort=createdAt&cursor=${commentsCursor}`, {}],
    ]
    for (const [url, headers] of cases) {
      const res = await get(app, url, headers)
      isProblem(t, res, 400, 'VALIDATION_FAILED', '/query/cursor')
    }
  })

  t.test('year 0000 in publishedAfter or publishedBefore is a 400 naming the parameter, not a 500', async (t) => {
    for (const param of ['publishedAfter', 'publishedBefore']) {
      const res = await get(app, `/api/v1/articles?${param}=0000-01-01T00:00:00Z`)
      isProblem(t, res, 400, 'VALIDATION_FAILED', `/query/${param}`)
      noLeak(t, res)
    }
  })
})

t.test('SQL-looking and exotic Unicode strings', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const { thuha, tram, articleCount, publishedIds, hiddenStrings } = await buildNewsroom(app)
  const editor = await tokenHeaders(app, 'editor')
  const nasty = [
    "' OR 1=1 --",
    "'; DROP TABLE articles; --",
    "1' UNION SELECT email FROM authors --",
    '%',
    '_',
    '%%',
    '\\',
    "\\'",
    '$1',
    '"',
    ':*',
    '!!',
    '<->',
    '& | !',
    '\u202Etram',
    'tr\u200Dam',
    '\u200B',
    '🚋',
    '👩‍💻',
    'e\u0301',
    'İ',
    'ǅ',
    '\uFEFF',
    'a'.repeat(200),
  ]

  t.test('SQL-looking and Unicode search strings never fail and never return unpublished or extra rows', async (t) => {
    for (const q of nasty) {
      const res = await get(app, `/api/v1/articles?q=${enc(q)}&limit=100`)
      t.equal(res.statusCode, 200, `q=${JSON.stringify(q.slice(0, 20))} is answered`)
      const page = body(res)
      t.ok(
        page.data.every((a: { id: string }) => publishedIds.has(a.id)),
        'published articles only',
      )
      t.ok(page.meta.total <= publishedIds.size, 'no more rows than are published')
      noLeak(t, res, hiddenStrings())
    }
    for (const q of nasty.slice(0, 3))
      t.same(body(await get(app, `/api/v1/articles?q=${enc(q)}`)).meta.total, 0, `${q} matches nothing`)
    t.equal(await app.db.prisma.article.count(), articleCount, 'the articles table is intact')
  })

  t.test('authors ?q= treats %, _, \\ and quotes as literal characters', async (t) => {
    const all = body(await get(app, '/api/v1/authors?limit=100')).data as { name: string }[]
    // (İ is left out: whether it lower-cases to i is a collation question, not a security one.)
    for (const q of [...nasty.filter((q) => q !== 'İ'), 'thu', 'THU']) {
      const res = await get(app, `/api/v1/authors?q=${enc(q)}&limit=100`)
      t.equal(res.statusCode, 200)
      const expected = all.filter((a) => a.name.toLowerCase().includes(q.toLowerCase())).map((a) => a.name)
      t.same(
        body(res).data.map((a: { name: string }) => a.name),
        expected,
        `q=${JSON.stringify(q.slice(0, 20))} matches literally`,
      )
    }
  })

  t.test('SQL-looking and Unicode tag, author and article filters match nothing and fail nothing', async (t) => {
    for (const value of nasty.filter((v) => v.length <= 50)) {
      for (const [url, headers] of [
        [`/api/v1/articles?tag=${enc(value)}`, {}],
        [`/api/v1/articles?author=${enc(value)}`, {}],
        [`/api/v1/articles?author=${enc(value)}&status=draft`, editor],
        [`/api/v1/comments?article=${enc(value)}`, editor],
      ] as [string, Headers][]) {
        const res = await get(app, url, headers)
        t.equal(res.statusCode, 200, url)
        t.same(body(res).data, [], 'nothing matches')
        t.equal(body(res).meta.total, 0)
      }
    }
  })

  t.test('SQL-looking, traversal and Unicode slugs in paths are plain 404s', async (t) => {
    const slugs = [
      "'%20OR%201=1--",
      '%27%20OR%20%271%27%3D%271',
      '..%2F..%2Fetc%2Fpasswd',
      '%F0%9F%9A%8B',
      '%E2%80%AEtram',
      `${tram.slug}'--`,
      tram.slug.toUpperCase(),
      `${tram.slug}%00`.replace('%00', '%20'),
      '%25',
      '_',
    ]
    for (const slug of slugs) {
      for (const url of [`/api/v1/articles/${slug}`, `/api/v1/authors/${slug}`, `/api/v1/articles/${slug}/comments`]) {
        const res = await get(app, url)
        isProblem(t, res, 404, 'NOT_FOUND')
        noLeak(t, res, hiddenStrings())
      }
    }
  })

  t.test('10 000-character query values and path parameters are refused before any query runs', async (t) => {
    const long = 'a'.repeat(10_000)
    for (const [url, path] of [
      [`/api/v1/articles?q=${long}`, '/query/q'],
      [`/api/v1/authors?q=${long}`, '/query/q'],
      [`/api/v1/articles?tag=${long}`, '/query/tag/0'], // tag is repeatable: the first one
      [`/api/v1/articles?author=${long}`, '/query/author'],
      [`/api/v1/articles?sort=${long}`, '/query/sort'],
      [`/api/v1/articles?cursor=${long}`, '/query/cursor'],
    ]) {
      isProblem(t, await get(app, url!), 400, 'VALIDATION_FAILED', path)
    }
    for (const url of [`/api/v1/articles/${long}`, `/api/v1/authors/${long}`, `/api/v1/articles/${long}/comments`]) {
      const res = await get(app, url)
      isProblem(t, res, 404, 'NOT_FOUND')
      noLeak(t, res)
    }
  })

  t.test('SQL-looking and Unicode text is stored byte-exact as exactly one row, tables intact', async (t) => {
    const before = await state(app)
    const title = "Robert'); DROP TABLE articles;-- \u202Eevil\u202C 👩‍💻 e\u0301 %_\\ $1 \u200B"
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/articles',
      headers: editor,
      ...jsonPayload({ title, body: nasty.join('\n'), authorId: thuha.id }),
    })
    t.equal(res.statusCode, 201)
    const created = body(res)
    t.equal(created.title, title, 'the title comes back byte-exact')
    t.match(created.slug, /^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'the generated slug is plain')
    const row = await app.db.prisma.article.findUnique({ where: { id: created.id } })
    t.equal(row?.title, title, 'and is stored byte-exact')
    t.equal(row?.body, nasty.join('\n'))
    const commentRes = await app.inject({
      method: 'POST',
      url: `/api/v1/articles/${tram.slug}/comments`,
      ...jsonPayload({ authorName: "O'Brien\u202E", authorEmail: 'ob@reader.test', body: title }),
    })
    t.equal(commentRes.statusCode, 201)
    t.equal(body(commentRes).body, title)
    const after = await state(app)
    t.equal(after.articles.length, before.articles.length + 1, 'exactly one article more')
    t.equal(after.comments.length, before.comments.length + 1, 'exactly one comment more')
    t.same(after.authors, before.authors, 'authors untouched')
    for (const slug of ["' or 1=1", 'drop table', UNKNOWN_UUID, 'ümlaut', 'a--b', '-a']) {
      const bad = await app.inject({
        method: 'POST',
        url: '/api/v1/articles',
        headers: editor,
        ...jsonPayload({ title: 'x', slug, authorId: thuha.id }),
      })
      isProblem(t, bad, 400, 'VALIDATION_FAILED', '/body/slug')
    }
    t.equal((await state(app)).articles.length, after.articles.length, 'no article for a refused slug')
  })
})
