import { randomBytes } from 'node:crypto'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { mkdirSync, writeFileSync } from 'node:fs'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import type { Test } from 'tap'
import {
  deref,
  describeErrors,
  newAjv,
  prepareSchema,
  registerComponents,
  type Ajv,
  type JsonObject,
  type SchemaError,
} from './json-schema.js'

/**
 * The response contract: every response an app built by `buildTestApp` sends must be one its
 * own OpenAPI document (`app.swagger()`) describes — a documented status for that operation, a
 * documented content type, a body that validates against the documented schema (objects are
 * treated as closed: an undocumented field is an error), and the ETag/Link/Location headers
 * it sends documented too. Shared responses and headers (`$ref` to `components/responses` and
 * `components/headers`) are resolved first. Violations are collected while the test runs and reported as one
 * failing assertion when it ends; the operations and statuses seen are written to
 * test-artifacts/contract/ for scripts/contract-coverage.ts.
 */

export interface Exchange {
  method: string
  /** Fastify's route pattern, e.g. `/api/v1/articles/:idOrSlug`. */
  route: string
  url: string
  status: number
  headers: Record<string, unknown>
  /** The bytes sent, as text; undefined for a stream (not inspected). */
  body: string | undefined
  /** Whether the request carried an Authorization header. */
  authorized: boolean
}

export interface Verdict {
  operationId?: string
  problems: string[]
}

/** Headers a client relies on: a 2xx that sends one must document it. */
const DOCUMENTED_HEADERS = ['etag', 'link', 'location']

type Operation = { operationId?: string; security?: JsonObject[]; responses?: Record<string, JsonObject> }
type Validate = ((data: unknown) => boolean) & { errors?: SchemaError[] | null }

/** Checks exchanges against one OpenAPI document. Each schema is compiled once, on first use. */
export class ContractChecker {
  readonly #document: JsonObject
  readonly #ajv: Ajv = newAjv({ strict: false })
  readonly #validators = new Map<string, Validate | string>()

  constructor(document: JsonObject) {
    this.#document = document
    registerComponents(this.#ajv, document, { closed: true })
  }

  check(exchange: Exchange): Verdict {
    const path = exchange.route.replace(/:(\w+)/g, '{$1}')
    const method = exchange.method === 'HEAD' ? 'get' : exchange.method.toLowerCase()
    const paths = (this.#document.paths ?? {}) as Record<string, Record<string, Operation>>
    const operation = paths[path]?.[method]
    if (!operation) return { problems: [`no operation ${method.toUpperCase()} ${path} in the document`] }

    const problems: string[] = []
    const responses = operation.responses ?? {}
    const status = String(exchange.status)
    const key = [status, `${status[0]}XX`, 'default'].find((k) => responses[k])
    const verdict: Verdict = { problems }
    if (operation.operationId) verdict.operationId = operation.operationId
    this.#checkSecurity(operation, exchange, problems)
    if (!key) {
      problems.push(`status ${status} is not documented (documented: ${Object.keys(responses).join(', ')})`)
      return verdict
    }
    const response = deref(this.#document, responses[key])
    this.#checkBody(`${method} ${path} ${key}`, response, exchange, problems)
    if (exchange.status >= 200 && exchange.status < 300) {
      this.#checkHeaders(`${method} ${path} ${key}`, response, exchange, problems)
    }
    return verdict
  }

  #checkSecurity(operation: Operation, exchange: Exchange, problems: string[]) {
    if (exchange.authorized) return
    const requirements = operation.security ?? []
    const needsToken = requirements.length > 0 && requirements.every((r) => Object.keys(r).length > 0)
    if (needsToken && exchange.status < 400) {
      problems.push(`documented as requiring bearerAuth, but answered ${exchange.status} without a token`)
    }
  }

  #checkBody(at: string, response: JsonObject, exchange: Exchange, problems: string[]) {
    if (exchange.body === undefined) return
    const content = response.content as Record<string, { schema?: unknown }> | undefined
    const hasBody = exchange.body.length > 0
    if (!content || Object.keys(content).length === 0) {
      if (hasBody) problems.push(`has a body, but the document describes none for ${exchange.status}`)
      return
    }
    if (exchange.method === 'HEAD') return
    const documented = Object.keys(content)
    if (!hasBody) {
      problems.push(`has no body, but the document describes ${documented.join(', ')}`)
      return
    }
    const contentType = String(exchange.headers['content-type'] ?? '')
    const mediaType = contentType.split(';')[0]!.trim().toLowerCase()
    const [type] = mediaType.split('/')
    const match = [mediaType, `${type}/*`, '*/*'].find((m) => content[m])
    if (!match) {
      const sent = contentType || '(none)'
      problems.push(
        `content-type "${sent}" is not documented for ${exchange.status} (documented: ${documented.join(', ')})`,
      )
      return
    }
    const schema = content[match]!.schema
    if (schema === undefined || !/^application\/(?:[\w.-]+\+)?json$/.test(mediaType)) return
    let data: unknown
    try {
      data = JSON.parse(exchange.body)
    } catch {
      problems.push(`${mediaType} body is not JSON`)
      return
    }
    const validate = this.#validator(`${at} ${match}`, schema)
    if (typeof validate === 'string') {
      problems.push(`the documented schema for ${exchange.status} ${match} does not compile: ${validate}`)
      return
    }
    if (!validate(data)) problems.push(...describeErrors(validate.errors ?? []).map((e) => `body ${e}`))
  }

  #checkHeaders(at: string, response: JsonObject, exchange: Exchange, problems: string[]) {
    const headers = Object.entries((response.headers ?? {}) as Record<string, unknown>)
    const documented = new Map(
      headers.map(([name, header]) => [name.toLowerCase(), deref<{ schema?: unknown }>(this.#document, header)]),
    )
    for (const name of DOCUMENTED_HEADERS) {
      if (exchange.headers[name] !== undefined && !documented.has(name)) {
        problems.push(`sends a ${name} header the document does not describe for ${exchange.status}`)
      }
    }
    for (const [name, header] of documented) {
      const value = exchange.headers[name]
      if (value === undefined || header.schema === undefined) continue
      const validate = this.#validator(`${at} header ${name}`, header.schema)
      if (typeof validate === 'string') {
        // A schema that cannot compile checks nothing: that is the document's fault, reported.
        problems.push(`the documented schema of the ${name} header does not compile: ${validate}`)
      } else if (!validate(String(value))) {
        const errors = describeErrors(validate.errors ?? []).map((e) => e.replace(/^\(root\): /, ''))
        problems.push(`${name} header ${JSON.stringify(value)} ${errors.join('; ')}`)
      }
    }
  }

  /** The compiled schema, or why it does not compile (remembered either way: each is compiled once). */
  #validator(key: string, schema: unknown): Validate | string {
    let validate = this.#validators.get(key)
    if (validate === undefined) {
      try {
        validate = this.#ajv.compile(prepareSchema(schema, { closed: true }) as JsonObject) as Validate
      } catch (error) {
        validate = error instanceof Error ? error.message : String(error)
      }
      this.#validators.set(key, validate)
    }
    return validate
  }
}

// ---------------------------------------------------------------------------------------------
// Per test process: one checker per distinct document, the operations seen, one artifact file.

const checkers = new Map<string, ContractChecker>()
const seen = new Map<string, Set<number>>()
const artifactName = `${process.pid}-${randomBytes(4).toString('hex')}.json`
const artifact = new URL(`../../test-artifacts/contract/${artifactName}`, import.meta.url)

function checkerFor(document: JsonObject): ContractChecker {
  const text = JSON.stringify(document)
  let checker = checkers.get(text)
  if (!checker) checkers.set(text, (checker = new ContractChecker(JSON.parse(text) as JsonObject)))
  return checker
}

function writeCoverage() {
  if (seen.size === 0) return
  const operations = Object.fromEntries(
    [...seen].sort().map(([id, statuses]) => [id, [...statuses].sort((a, b) => a - b)]),
  )
  mkdirSync(new URL('.', artifact), { recursive: true })
  writeFileSync(artifact, `${JSON.stringify({ pid: process.pid, file: process.argv[1], operations }, null, 2)}\n`)
}

interface Violation {
  where: string
  problem: string
  url: string
  count: number
}

/**
 * The response contract for the app `t` is about to build. Call it before anything else
 * registers a teardown on `t`: its check then runs after all of them (teardowns run last-in,
 * first-out), so a failure can never skip closing the app or dropping its database.
 * `instrument(build)` must create its Fastify instance synchronously (buildApp does:
 * `Fastify()` is its first statement), because the hook is added through Fastify's
 * `fastify.initialization` diagnostics channel, before any route exists: a route-level onSend
 * hook runs after every app-level one, so it sees the final status, headers and bytes (after
 * the 304 rewrite, for instance).
 */
export function responseContract(t: Test): {
  instrument<T extends FastifyInstance>(build: () => Promise<T>): Promise<T>
} {
  const violations = new Map<string, Violation>()
  let instance: FastifyInstance | undefined
  let checker: ContractChecker | undefined

  t.teardown(() => {
    writeCoverage()
    if (violations.size === 0) return
    const lines = [...violations.values()].map(
      (v) => `${v.where}: ${v.problem} (e.g. ${v.url}${v.count > 1 ? `; ${v.count} times` : ''})`,
    )
    const message = `OpenAPI contract: ${violations.size} kind(s) of response the document does not describe (in "${t.name}")`
    const parent = t.parent as unknown as { fail?: (message: string, extra: object) => void } | undefined
    if (parent?.fail) parent.fail(message, { violations: lines })
    else throw new Error(`${message}\n${lines.join('\n')}`)
  })

  const onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (request.is404 || request.routeOptions.schema?.hide || !request.routeOptions.url) return payload
    const exchange: Exchange = {
      method: request.method,
      route: request.routeOptions.url,
      url: request.url,
      status: reply.statusCode,
      headers: reply.getHeaders(),
      body:
        typeof payload === 'string'
          ? payload
          : Buffer.isBuffer(payload)
            ? payload.toString()
            : payload == null
              ? ''
              : undefined,
      authorized: request.headers.authorization !== undefined,
    }
    let verdict: Verdict
    try {
      checker ??= checkerFor(instance!.swagger() as unknown as JsonObject)
      verdict = checker.check(exchange)
    } catch (error) {
      verdict = { problems: [`the contract check itself failed: ${(error as Error).message}`] }
    }
    if (verdict.operationId) {
      const statuses = seen.get(verdict.operationId) ?? new Set<number>()
      seen.set(verdict.operationId, statuses.add(exchange.status))
    }
    for (const problem of verdict.problems) {
      const where = `${exchange.method} ${exchange.route} → ${exchange.status}`
      const key = `${where} ${problem}`
      const known = violations.get(key)
      if (known) known.count++
      else violations.set(key, { where, problem, url: exchange.url, count: 1 })
    }
    return payload
  }

  const onInitialization = (message: unknown) => {
    const fastify = (message as { fastify: FastifyInstance }).fastify
    if (instance) return // a nested instance; only the first (the app) is instrumented
    instance = fastify
    fastify.addHook('onRoute', (route: RouteOptions) => {
      const existing = route.onSend ? (Array.isArray(route.onSend) ? route.onSend : [route.onSend]) : []
      route.onSend = [...existing, onSend] as RouteOptions['onSend']
    })
  }

  return {
    async instrument(build) {
      subscribe('fastify.initialization', onInitialization)
      let pending
      try {
        pending = build()
      } finally {
        unsubscribe('fastify.initialization', onInitialization)
      }
      const app = await pending
      if (instance !== app) {
        throw new Error(
          'response contract: build() did not create the app synchronously, so its responses cannot be checked',
        )
      }
      return app
    },
  }
}
