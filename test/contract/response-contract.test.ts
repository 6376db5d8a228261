import t from 'tap'
import { ContractChecker, type Exchange } from './response-contract.js'

/**
 * The checker buildTestApp runs on every response, proven on a small hand-written document,
 * with a shared response and a shared header referenced by `$ref` as the app's document has them.
 */
const problem = {
  description: 'Not found',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
}
const document = {
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  paths: {
    '/things/{id}': {
      get: {
        operationId: 'getThing',
        responses: {
          200: {
            description: 'The thing',
            headers: { ETag: { $ref: '#/components/headers/ETag' } },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
          304: { description: 'Not modified' },
          404: { $ref: '#/components/responses/NotFound' },
        },
      },
      delete: {
        operationId: 'deleteThing',
        security: [{ bearerAuth: [] }],
        responses: { 204: { description: 'Deleted' }, 401: problem },
      },
    },
  },
  components: {
    responses: { NotFound: problem },
    headers: { ETag: { schema: { type: 'string', pattern: '^"\\d+-\\w+"$' } } },
    schemas: {
      Thing: {
        type: 'object',
        required: ['id', 'count', 'owner'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          count: { type: 'integer' },
          owner: { anyOf: [{ $ref: '#/components/schemas/Owner' }, { type: 'null' }] },
        },
      },
      Owner: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
      Problem: {
        type: 'object',
        required: ['status'],
        properties: { status: { type: 'integer' }, detail: { type: 'string' } },
      },
    },
  },
}

const id = '0b6b3c1e-8a51-4d9b-9d8e-1f2a3b4c5d6e'
const thing = { id, count: 2, owner: { name: 'Ana' } }
const json = { 'content-type': 'application/json; charset=utf-8' }
const ok: Exchange = {
  method: 'GET',
  route: '/things/:id',
  url: `/things/${id}`,
  status: 200,
  headers: { ...json, etag: '"3-abc"' },
  body: JSON.stringify(thing),
  authorized: false,
}
const checker = new ContractChecker(document)
const check = (change: Partial<Exchange>) => checker.check({ ...ok, ...change })

t.test('a response the document describes passes, and names its operation', async (t) => {
  t.same(check({}), { operationId: 'getThing', problems: [] })
  t.same(check({ body: JSON.stringify({ ...thing, owner: null }) }).problems, [], 'nullable reference')
  t.same(check({ status: 304, headers: {}, body: '' }).problems, [], '304 without a body')
  t.same(check({ method: 'HEAD', body: '' }).problems, [], 'HEAD is checked as GET, without a body')
  const notFound = { status: 404, detail: 'No such thing.' }
  const problemJson = { 'content-type': 'application/problem+json; charset=utf-8' }
  t.same(check({ status: 404, headers: problemJson, body: JSON.stringify(notFound) }).problems, [], 'problem+json')
  const deleted = check({ method: 'DELETE', status: 204, headers: {}, body: '', authorized: true })
  t.same(deleted, { operationId: 'deleteThing', problems: [] }, '204 without a body')
})

t.test('an undocumented status fails', async (t) => {
  t.match(check({ status: 409 }).problems, [/^status 409 is not documented \(documented: 200, 304, 404\)$/])
})

t.test('an extra, a missing or a mistyped field fails', async (t) => {
  const body = (value: unknown) => check({ body: JSON.stringify(value) }).problems
  t.match(body({ ...thing, secret: 'x' }), [/unexpected property "secret"/], 'extra (objects are closed)')
  t.match(
    body({ ...thing, owner: { name: 'Ana', email: 'a@b.c' } }),
    [/\/owner: unexpected property "email"/],
    'extra, in a component',
  )
  t.match(body({ id, owner: null }), [/missing property "count"/], 'missing')
  t.match(body({ ...thing, count: '2' }), [/\/count: must be integer/], 'mistyped')
  t.match(body({ ...thing, id: 'nope' }), [/\/id: must match format "uuid"/], 'format')
  t.match(check({ body: '{"id":' }).problems, [/not JSON/])
})

t.test('content types and bodies must be the documented ones', async (t) => {
  t.match(check({ status: 404, body: JSON.stringify({ status: 404 }) }).problems, [
    /content-type "application\/json; charset=utf-8" is not documented for 404 \(documented: application\/problem\+json\)/,
  ])
  const withBody = check({ method: 'DELETE', status: 204, headers: json, body: '{}', authorized: true })
  t.match(withBody.problems, [/has a body, but the document describes none/])
  t.match(check({ body: '' }).problems, [/has no body, but the document describes application\/json/])
})

t.test('headers a client relies on must be documented, and match', async (t) => {
  t.match(check({ headers: { ...json, etag: 'W/"abc"' } }).problems, [/etag header "W\/\\"abc\\"" must match pattern/])
  const link = '</things?page=2>; rel="next"'
  t.match(check({ headers: { ...json, etag: '"3-abc"', link } }).problems, [
    /sends a link header the document does not describe for 200/,
  ])
})

t.test('security and routes must be the documented ones', async (t) => {
  const anonymous = check({ method: 'DELETE', status: 204, headers: {}, body: '' })
  t.match(anonymous.problems, [/requiring bearerAuth, but answered 204 without a token/])
  t.match(check({ method: 'PUT' }), { problems: [/no operation PUT \/things\/\{id\} in the document/] })
  t.notOk(check({ method: 'PUT' }).operationId)
})

t.test('a documented schema that does not compile is reported, with the reason, never skipped', async (t) => {
  // The same document, with a pattern no regular expression engine accepts in the ETag header
  // and in the body's `id`: the checker must say so on the response that needed them.
  const broken = structuredClone(document)
  broken.components.headers.ETag.schema.pattern = '^("unclosed$'
  const brokenChecker = new ContractChecker(broken)
  t.match(brokenChecker.check(ok).problems, [
    /^the documented schema of the etag header does not compile: Invalid regular expression: .*Unterminated group/,
  ])
  t.same(
    brokenChecker.check({ ...ok, headers: json }).problems,
    [],
    'only a response that sends the header needs its schema',
  )
  const brokenBody = structuredClone(document)
  ;(brokenBody.components.schemas.Thing.properties.id as Record<string, unknown>).pattern = '(['
  t.match(new ContractChecker(brokenBody).check(ok).problems, [
    /^the documented schema for 200 application\/json does not compile: Invalid regular expression/,
  ])
})
