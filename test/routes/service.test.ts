import t from 'tap'
import { buildTestApp, json } from '../support/app.js'

t.test('service routes', async (t) => {
  const app = await buildTestApp(t)

  t.test('liveness and readiness', async (t) => {
    const live = await app.inject('/health/live')
    t.equal(live.statusCode, 200)
    t.same(json(live), { status: 'ok' })
    const ready = await app.inject('/health/ready')
    t.equal(ready.statusCode, 200)
    t.same(json(ready), { status: 'ok' })
  })

  t.test('OpenAPI 3.1 as JSON and YAML, with named components', async (t) => {
    const res = await app.inject('/openapi.json')
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /application\/json/)
    const doc = json(res)
    t.equal(doc.openapi, '3.1.0')
    t.ok(doc.paths['/api/v1/articles']?.get, 'documents the article list')
    t.ok(doc.components.schemas.Article && doc.components.schemas.Problem, 'named components')
    t.same(
      doc.paths['/api/v1/articles'].get.responses['200'].content['application/json'].schema.anyOf,
      [{ $ref: '#/components/schemas/ArticleList' }, { $ref: '#/components/schemas/ArticleFieldsList' }],
      'a page of articles, or of the fields named in `fields`',
    )
    t.notOk(doc.paths['/openapi.json'], 'the document does not describe itself')

    const yaml = await app.inject('/openapi.yaml')
    t.equal(yaml.statusCode, 200)
    t.match(yaml.headers['content-type'], /yaml/)
    t.match(yaml.body, /^openapi: 3\.1\.0$/m)
  })

  t.test('Swagger UI at /docs, assets served locally', async (t) => {
    const res = await app.inject('/docs')
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /text\/html/)
    t.match(res.body, /swagger-ui/)
    const init = await app.inject('/docs/static/swagger-initializer.js')
    t.equal(init.statusCode, 200)
    const bundle = await app.inject('/docs/static/swagger-ui-bundle.js')
    t.equal(bundle.statusCode, 200)
    t.ok(bundle.body.length > 100_000, 'the UI bundle ships in the package')
  })

  t.test('unknown routes are problem+json 404', async (t) => {
    for (const url of ['/nope', '/api/v1/nothing', '/api/v1/articles/', '/API/v1/articles']) {
      const res = await app.inject(url)
      t.equal(res.statusCode, 404, url)
      t.match(res.headers['content-type'], /^application\/problem\+json/, url)
      t.match(json(res), {
        type: 'urn:broadsheet:problem:not-found',
        title: 'Not found',
        status: 404,
        code: 'NOT_FOUND',
        detail: String,
      })
    }
    const post = await app.inject({ method: 'DELETE', url: '/health/live' })
    t.equal(post.statusCode, 404)
    t.equal(json(post).code, 'NOT_FOUND')
  })

  t.test('every response carries a request id; a sane one is echoed', async (t) => {
    const res = await app.inject({ url: '/health/live', headers: { 'x-request-id': 'abc-123' } })
    t.equal(res.headers['x-request-id'], 'abc-123')
    const odd = await app.inject({ url: '/health/live', headers: { 'x-request-id': '<script>' } })
    t.match(odd.headers['x-request-id'], /^[0-9a-f-]{36}$/)
  })
})

t.test('readiness turns 503 problem+json when the database is gone', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  await app.db.close()
  const res = await app.inject('/health/ready')
  t.equal(res.statusCode, 503)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(json(res), { status: 503, code: 'SERVICE_UNAVAILABLE' })
  t.notMatch(res.body, /at |pglite|prisma|SELECT/i, 'no internals in the body')
})
