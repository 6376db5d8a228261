import t, { type Test } from 'tap'
import { buildTestApp, json, tokenHeaders, type Headers, type TestApp } from '../support/app.js'
import { createArticle, createAuthor, createComment, createMedia, createWebhook } from '../support/factories.js'
import { deref, type JsonObject } from './json-schema.js'

/**
 * Every request body example in the OpenAPI document is something a user could send as it
 * is: each one is sent to the server (as an admin, on a freshly seeded database: some examples
 * name sample rows, as a newcomer's first requests in Swagger UI would) and must get
 * the first success status its operation documents. An operation that takes a body and has
 * no example fails here, so Swagger UI never pre-fills generator noise. And a body is optional
 * in the document exactly where the server takes a request without one.
 */

type Media = { example?: unknown; examples?: Record<string, { summary?: string; value: unknown }> }
type Operation = {
  operationId: string
  parameters?: unknown[]
  requestBody?: { required?: boolean; content: Record<string, Media> }
  responses: Record<string, unknown>
}
type Document = { paths: Record<string, Record<string, Operation>> }

/** A media type's examples, by name: its named `examples`, or its one `example`; the first is what Swagger UI pre-fills. */
function examplesOf(media: Media | undefined): [string, unknown][] {
  if (media?.examples) return Object.entries(media.examples).map(([name, example]) => [name, example.value])
  return media?.example === undefined ? [] : [['example', media.example]]
}

/** Whether the operation requires If-Match (a shared parameter, by `$ref`, resolved). */
function requiresIfMatch(document: Document, operation: Operation): boolean {
  return (operation.parameters ?? [])
    .map((p) => deref<{ in: string; name: string; required?: boolean }>(document as unknown as JsonObject, p))
    .some((p) => p.in === 'header' && p.name === 'If-Match' && p.required)
}

/** The URL and headers (the admin token, a current If-Match where required) to send an operation's request with. */
async function target(
  t: Test,
  app: TestApp,
  admin: Headers,
  document: Document,
  template: string,
  operation: Operation,
) {
  const values = PATH_VALUES[template]
  t.ok(values, 'this test knows which resource to send it to')
  if (!values) return undefined
  const params = await values(app, admin)
  const url = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]!))
  const headers: Headers = { ...admin }
  if (requiresIfMatch(document, operation)) {
    const current = await app.inject({ url, headers: admin })
    t.equal(current.statusCode, 200, 'GET for the ETag')
    headers['if-match'] = current.headers.etag as string
  }
  return { url, headers }
}

/**
 * The rows the path parameters name, made once per app beside the sample content: two
 * published articles, a draft, an author.
 */
const made = new WeakMap<TestApp, ReturnType<typeof makeRows>>()
async function makeRows(app: TestApp) {
  return {
    harbour: await createArticle(app, { state: 'published' }),
    tram: await createArticle(app, { state: 'published' }),
    draft: await createArticle(app),
    author: await createAuthor(app),
  }
}
function rows(app: TestApp) {
  if (!made.has(app)) made.set(app, makeRows(app))
  return made.get(app)!
}

/** A value for each path parameter, by path template: a resource of the right kind. */
const PATH_VALUES: Record<string, (app: TestApp, admin: Headers) => Promise<Record<string, string>>> = {
  '/api/v1/articles': async () => ({}),
  '/api/v1/authors': async () => ({}),
  '/api/v1/tokens': async () => ({}),
  '/api/v1/articles/{idOrSlug}': async (app) => ({ idOrSlug: (await rows(app)).harbour.slug }),
  '/api/v1/articles/{idOrSlug}/publish': async (app) => ({ idOrSlug: (await rows(app)).draft.id }),
  '/api/v1/articles/{idOrSlug}/preview': async (app) => ({ idOrSlug: (await rows(app)).draft.id }),
  '/api/v1/articles/bulk': async () => ({}),
  '/api/v1/webhooks': async () => ({}),
  '/api/v1/webhooks/{id}': async (app) => ({ id: (await createWebhook(app)).id }),
  '/api/v1/comments/bulk': async () => ({}),
  '/api/v1/articles/{idOrSlug}/comments': async (app) => ({ idOrSlug: (await rows(app)).tram.slug }),
  '/api/v1/authors/{idOrSlug}': async (app) => ({ idOrSlug: (await rows(app)).author.slug }),
  '/api/v1/comments/{id}': async (app) => ({ id: (await createComment(app, (await rows(app)).tram)).id }),
  '/api/v1/media': async () => ({}),
  '/api/v1/media/{id}': async (app) => ({ id: (await createMedia(app)).id }),
}

t.test('every documented request example is accepted with its documented status', async (t) => {
  const app = await buildTestApp(t)
  const admin = await tokenHeaders(app, 'admin')
  const document = app.swagger() as unknown as Document
  let sent = 0
  for (const [template, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!operation.requestBody) continue
      // An upload is multipart/form-data: a file has no example to send (test/routes/media.test.ts uploads them).
      if (!operation.requestBody.content['application/json']) continue
      await t.test(`${method.toUpperCase()} ${template} (${operation.operationId})`, async (t) => {
        const media = operation.requestBody!.content['application/json']
        t.ok(media, 'takes application/json')
        const examples = examplesOf(media)
        t.ok(examples.length > 0, 'has an example')
        const expected = Object.keys(operation.responses)
          .filter((s) => /^2\d\d$/.test(s))
          .sort()[0]
        for (const [name, example] of examples) {
          const to = await target(t, app, admin, document, template, operation)
          if (!to) return
          const res = await app.inject({
            method: method.toUpperCase() as 'POST',
            url: to.url,
            headers: to.headers,
            payload: example as object,
          })
          t.equal(
            String(res.statusCode),
            expected,
            `${name}: documented ${expected} (got ${res.statusCode}: ${res.body.slice(0, 300)})`,
          )
          // Swagger UI pre-fills the first example: Execute as it is must publish now, not schedule.
          if (operation.operationId === 'publishArticle' && name === examples[0]![0]) {
            t.equal(json(res).status, 'published', `${name}, pre-filled in Swagger UI, publishes now`)
          }
        }
        sent++
      })
    }
  }
  t.equal(
    sent,
    14,
    'the fourteen operations with a JSON body: create and update article, publish, preview, bulk articles, create and update author, comment, moderate, bulk comments, token, create and update webhook, update media',
  )
})

t.test('the examples that create things can be sent twice (Swagger UI users click Execute again)', async (t) => {
  const app = await buildTestApp(t)
  const admin = await tokenHeaders(app, 'admin')
  const document = app.swagger() as unknown as Document
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
    const example = examplesOf(operation.requestBody!.content['application/json'])[0]![1] as object
    const { draft, tram } = await rows(app)
    const url = template.replace('{idOrSlug}', operationId === 'createArticlePreview' ? draft.slug : tram.slug)
    const first = await app.inject({ method: 'POST', url, headers: admin, payload: example })
    const second = await app.inject({ method: 'POST', url, headers: admin, payload: example })
    t.same([first.statusCode, second.statusCode], [201, 201], `${operationId}: 201 twice`)
    t.not(json(first).id, json(second).id, `${operationId}: two resources`)
  }
})

t.test('a request body is optional in the document exactly where the server takes a request without one', async (t) => {
  const app = await buildTestApp(t)
  const admin = await tokenHeaders(app, 'admin')
  const document = app.swagger() as unknown as Document
  const optional: string[] = []
  for (const [template, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!operation.requestBody) continue
      await t.test(`${method.toUpperCase()} ${template} (${operation.operationId}) without a body`, async (t) => {
        const to = await target(t, app, admin, document, template, operation)
        if (!to) return
        const res = await app.inject({ method: method.toUpperCase() as 'POST', url: to.url, headers: to.headers })
        if (operation.requestBody!.required === false) {
          optional.push(operation.operationId)
          const expected = Object.keys(operation.responses)
            .filter((s) => /^2\d\d$/.test(s))
            .sort()[0]
          t.equal(
            String(res.statusCode),
            expected,
            `documented as optional: ${expected} without one (got ${res.statusCode}: ${res.body.slice(0, 300)})`,
          )
        } else {
          // Required: refused for the missing body itself, and for nothing else (auth, If-Match and path are right).
          t.equal(
            res.statusCode,
            400,
            `documented as required: 400 without one (got ${res.statusCode}: ${res.body.slice(0, 300)})`,
          )
          t.match(json(res), { code: 'VALIDATION_FAILED', errors: [{ path: '/body' }] }, 'because the body is missing')
        }
      })
    }
  }
  t.same(
    optional.sort(),
    ['createArticlePreview', 'publishArticle'],
    'publish (now) and preview (an hour) take no body',
  )
  t.equal(
    json(await app.inject({ url: `/api/v1/articles/${(await rows(app)).draft.id}`, headers: admin })).status,
    'published',
    'a bare publish published the draft',
  )
})
