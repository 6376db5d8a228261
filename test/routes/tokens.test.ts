import t from 'tap'
import { hashSecret } from '../../src/auth.js'
import { buildTestApp, callers, json, tokenHeaders, type Caller } from '../support/app.js'
import { createAuthor } from '../support/factories.js'

const ADMIN_TOKEN = 'env-admin-secret-0123456789abcdef'

t.test('ADMIN_TOKEN becomes an admin token, stored hashed', async (t) => {
  const app = await buildTestApp(t, { ADMIN_TOKEN, SEED_ON_EMPTY: false })
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
  const list = await app.inject({ url: '/api/v1/tokens', headers: admin })
  t.equal(list.statusCode, 200)
  t.match(json(list).data, [{ role: 'admin', name: 'ADMIN_TOKEN (environment)', prefix: '(env)' }])
  t.notMatch(list.body, new RegExp(ADMIN_TOKEN.slice(0, 10)), 'the secret is not listed')
  const rows = await app.db.prisma.apiToken.findMany()
  t.equal(rows[0]?.secretHash, hashSecret(ADMIN_TOKEN), 'stored as a SHA-256 hash')
  t.notOk(JSON.stringify(rows).includes(ADMIN_TOKEN), 'the secret is stored nowhere')
})

t.test('a changed ADMIN_TOKEN replaces the old one', async (t) => {
  const app = await buildTestApp(t, { ADMIN_TOKEN, SEED_ON_EMPTY: false })
  await app.services.tokens.ensureEnvironmentAdmin('another-admin-secret-0123456789')
  const old = await app.inject({ url: '/api/v1/tokens', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  t.equal(old.statusCode, 401, 'the old value no longer works')
  const fresh = await app.inject({
    url: '/api/v1/tokens',
    headers: { authorization: 'Bearer another-admin-secret-0123456789' },
  })
  t.equal(fresh.statusCode, 200)
  t.equal(json(fresh).data.length, 1)
})

t.test('token CRUD: admins only; the secret is shown once', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const own = (await createAuthor(app)).id
  const who = await callers(app, own, (await createAuthor(app)).id)
  const expectations: Record<Caller, number> = {
    anonymous: 401,
    viewer: 403,
    authorOwn: 403,
    authorOther: 403,
    editor: 403,
    admin: 200,
  }
  for (const [caller, status] of Object.entries(expectations) as [Caller, number][]) {
    const before = await app.db.prisma.apiToken.count()
    t.equal(
      (await app.inject({ url: '/api/v1/tokens', headers: who[caller] })).statusCode,
      status,
      `${caller} GET /tokens`,
    )
    const post = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: who[caller],
      payload: { name: 'x', role: 'admin' },
    })
    t.equal(post.statusCode, status === 200 ? 201 : status, `${caller} POST /tokens`)
    if (status !== 200) t.equal(await app.db.prisma.apiToken.count(), before, `${caller}: no token created`)
  }

  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: who.admin,
    payload: { name: 'frontend', role: 'editor' },
  })
  t.equal(created.statusCode, 201)
  const token = json(created)
  t.match(token, { name: 'frontend', role: 'editor', authorId: null, secret: /^bs_[A-Za-z0-9_-]{43}$/ })
  t.equal(token.prefix, token.secret.slice(0, 10))
  t.equal(created.headers['cache-control'], 'no-store')
  const listed = await app.inject({ url: '/api/v1/tokens', headers: who.admin })
  t.notOk(listed.body.includes(token.secret), 'never listed again')
  t.notOk(listed.body.includes(hashSecret(token.secret)), 'nor its hash')

  const followed = await app.inject({ url: created.headers.location as string, headers: who.admin })
  t.equal(followed.statusCode, 200, 'Location leads to the token')
  const { secret, ...withoutSecret } = token
  t.same(json(followed), withoutSecret, 'the same token, without its secret')
  t.ok(secret)
  t.notOk(followed.body.includes(token.secret))
  for (const caller of ['anonymous', 'viewer', 'editor'] as const) {
    const res = await app.inject({ url: created.headers.location as string, headers: who[caller] })
    t.equal(res.statusCode, caller === 'anonymous' ? 401 : 403, `${caller} GET /tokens/{id}`)
  }
  t.equal(
    (await app.inject({ url: '/api/v1/tokens/00000000-0000-4000-8000-000000000000', headers: who.admin })).statusCode,
    404,
  )

  const use = { authorization: `Bearer ${token.secret}` }
  t.equal(
    (await app.inject({ url: '/api/v1/articles?status=draft', headers: use })).statusCode,
    200,
    'the new token works',
  )
  const revoke = await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${token.id}`, headers: who.admin })
  t.equal(revoke.statusCode, 204)
  t.equal(
    (await app.inject({ url: '/api/v1/articles', headers: use })).statusCode,
    401,
    'revoked: refused on the very next request',
  )
  t.equal(
    (await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${token.id}`, headers: who.admin })).statusCode,
    404,
  )
})

t.test('token validation: author tokens need an author, others must not have one', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const admin = await tokenHeaders(app, 'admin')
  const author = (await createAuthor(app)).id
  for (const [payload, path] of [
    [{ name: 'a', role: 'author' }, '/body/authorId'],
    [{ name: 'a', role: 'editor', authorId: author }, '/body/authorId'],
    [{ name: 'a', role: 'author', authorId: '00000000-0000-4000-8000-000000000000' }, '/body/authorId'],
    [{ name: 'a', role: 'owner' }, '/body/role'],
    [{ name: '', role: 'viewer' }, '/body/name'],
    [{ name: 'a', role: 'viewer', secret: 'mine' }, '/body/secret'],
  ] as const) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: admin, payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.ok(
      json(res).errors.some((e: { path: string }) => e.path === path),
      `error at ${path}`,
    )
  }
  const ok = await app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: admin,
    payload: { name: 'a', role: 'author', authorId: author },
  })
  t.match(json(ok), { role: 'author', authorId: author })
})

t.test('bad Authorization headers are 401 everywhere, public routes included', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  for (const header of [
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    'Bearer bs_unknown',
    'Bearer a b',
    'bs_abc',
    `Bearer ${'x'.repeat(600)}`,
  ]) {
    for (const url of ['/api/v1/articles', '/api/v1/tokens']) {
      const res = await app.inject({ url, headers: { authorization: header } })
      t.equal(res.statusCode, 401, `${url} with "${header.slice(0, 20)}"`)
      t.equal(res.headers['www-authenticate'], 'Bearer')
      t.equal(json(res).code, 'UNAUTHORIZED')
    }
  }
  const lower = await tokenHeaders(app, 'viewer')
  const res = await app.inject({
    url: '/api/v1/articles?status=draft',
    headers: { authorization: lower.authorization!.replace('Bearer', 'bearer') },
  })
  t.equal(res.statusCode, 200, 'the scheme is case-insensitive')
})
