import t from 'tap'
import { buildTestApp, json, postComment, tokenHeaders, type Headers, type TestApp } from '../support/app.js'
import { harbour, joaoDraft, tram, yusuf } from '../support/seed-facts.js'

/**
 * Every request body example in the OpenAPI document is something a user could send as it
 * is: each one is sent to the server (as an admin, on a freshly seeded database) and must get
 * the first success status its operation documents. An operation that takes a body and has
 * no example fails here, so Swagger UI never pre-fills generator noise.
 */

type Operation = {
  operationId: string
  parameters?: { in: string; name: string; required?: boolean }[]
  requestBody?: { content: Record<string, { example?: unknown }> }
  responses: Record<string, unknown>
}

/** A value for each path parameter, by path template: a seeded resource of the right kind. */
const PATH_VALUES: Record<string, (app: TestApp, admin: Headers) => Promise<Record<string, string>>> = {
  '/api/v1/articles': async () => ({}),
  '/api/v1/authors': async () => ({}),
  '/api/v1/tokens': async () => ({}),
  '/api/v1/articles/{idOrSlug}': async () => ({ idOrSlug: harbour.slug }),
  '/api/v1/articles/{idOrSlug}/publish': async () => ({ idOrSlug: joaoDraft.id }),
  '/api/v1/articles/{idOrSlug}/preview': async () => ({ idOrSlug: joaoDraft.id }),
  '/api/v1/articles/bulk': async () => ({}),
  '/api/v1/webhooks': async () => ({}),
  '/api/v1/webhooks/{id}': async (app) => {
    const created = await app.services.webhooks.create({ url: 'https://hooks.example.com/broadsheet', events: ['*'] })
    return { id: created.resource.id }
  },
  '/api/v1/comments/bulk': async () => ({}),
  '/api/v1/articles/{idOrSlug}/comments': async () => ({ idOrSlug: tram.slug }),
  '/api/v1/authors/{idOrSlug}': async () => ({ idOrSlug: yusuf.slug }),
  '/api/v1/comments/{id}': async (app) => {
    const posted = await postComment(app, tram.slug, { authorName: 'Queue', authorEmail: 'queue@example.org', body: 'To moderate.' })
    if (posted.statusCode !== 201) throw new Error(`setup comment: ${posted.statusCode}`)
    return { id: json(posted).id }
  },
}

t.test('every documented request example is accepted with its documented status', async (t) => {
  const app = await buildTestApp(t)
  const admin = await tokenHeaders(app, 'admin')
  const document = app.swagger() as unknown as { paths: Record<string, Record<string, Operation>> }
  let sent = 0
  for (const [template, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!operation.requestBody) continue
      await t.test(`${method.toUpperCase()} ${template} (${operation.operationId})`, async (t) => {
        const media = operation.requestBody!.content['application/json']
        t.ok(media, 'takes application/json')
        t.not(media?.example, undefined, 'has an example')
        if (media?.example === undefined) return
        const values = PATH_VALUES[template]
        t.ok(values, 'this test knows which resource to send it to')
        if (!values) return
        const params = await values(app, admin)
        const url = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]!))
        const headers: Headers = { ...admin }
        if (operation.parameters?.some((p) => p.in === 'header' && p.name === 'If-Match' && p.required)) {
          const current = await app.inject({ url, headers: admin })
          t.equal(current.statusCode, 200, 'GET for the ETag')
          headers['if-match'] = current.headers.etag as string
        }
        const expected = Object.keys(operation.responses).filter((s) => /^2\d\d$/.test(s)).sort()[0]
        const res = await app.inject({ method: method.toUpperCase() as 'POST', url, headers, payload: media.example as object })
        t.equal(String(res.statusCode), expected, `documented ${expected} (got ${res.statusCode}: ${res.body.slice(0, 300)})`)
        sent++
      })
    }
  }
  t.equal(
    sent,
    13,
    'the thirteen operations with a body: create and update article, publish, preview, bulk articles, create and update author, comment, moderate, bulk comments, token, create and update webhook',
  )
})

t.test('the examples that create things can be sent twice (Swagger UI users click Execute again)', async (t) => {
  const app = await buildTestApp(t)
  const admin = await tokenHeaders(app, 'admin')
  const document = app.swagger() as unknown as { paths: Record<string, Record<string, Operation>> }
  for (const [template, operationId] of [
    ['/api/v1/articles', 'createArticle'],
    ['/api/v1/authors', 'createAuthor'],
    ['/api/v1/tokens', 'createToken'],
    ['/api/v1/articles/{idOrSlug}/comments', 'createComment'],
    ['/api/v1/articles/{idOrSlug}/preview', 'createArticlePreview'],
    ['/api/v1/webhooks', 'createWebhook'],
  ] as const) {
    const operation = document.paths[template]!.post!
    t.equal(operation.operationId, operationId)
    const example = operation.requestBody!.content['application/json']!.example as object
    const url = template.replace('{idOrSlug}', operationId === 'createArticlePreview' ? joaoDraft.slug : tram.slug)
    const first = await app.inject({ method: 'POST', url, headers: admin, payload: example })
    const second = await app.inject({ method: 'POST', url, headers: admin, payload: example })
    t.same([first.statusCode, second.statusCode], [201, 201], `${operationId}: 201 twice`)
    t.not(json(first).id, json(second).id, `${operationId}: two resources`)
  }
})
