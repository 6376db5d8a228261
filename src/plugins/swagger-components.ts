import { STATUS_CODES } from 'node:http'
import { RESPONSE_HEADERS } from '../schemas/headers.js'
import { operationsOf, type Schema } from './swagger-operations.js'

/**
 * The response headers many operations send, as `components/headers`: component name, the
 * header's name on the wire, its schema (headers.ts). A response header with that name and
 * description becomes a `$ref` to a component holding exactly what it said.
 */
const HEADER_COMPONENTS: [name: string, wire: string, source: { description: string }][] = [
  ['X-Request-Id', 'X-Request-Id', RESPONSE_HEADERS.requestId],
  ['Access-Control-Allow-Origin', 'Access-Control-Allow-Origin', RESPONSE_HEADERS.allowOrigin],
  ['RateLimit-Limit', 'RateLimit-Limit', RESPONSE_HEADERS.rateLimitLimit],
  ['RateLimit-Remaining', 'RateLimit-Remaining', RESPONSE_HEADERS.rateLimitRemaining],
  ['RateLimit-Reset', 'RateLimit-Reset', RESPONSE_HEADERS.rateLimitReset],
  ['Retry-After', 'Retry-After', RESPONSE_HEADERS.retryAfter],
  ['WWW-Authenticate', 'WWW-Authenticate', RESPONSE_HEADERS.wwwAuthenticate],
  ['Vary', 'Vary', RESPONSE_HEADERS.vary],
  ['Vary-Accept', 'Vary', RESPONSE_HEADERS.varyAccept],
  ['Cache-Control', 'Cache-Control', RESPONSE_HEADERS.cacheControl],
  ['ETag', 'ETag', RESPONSE_HEADERS.strongEtag],
  ['ETag-Weak', 'ETag', RESPONSE_HEADERS.weakEtag],
  ['Link', 'Link', RESPONSE_HEADERS.linkNext],
  ['Surrogate-Key', 'Surrogate-Key', RESPONSE_HEADERS.surrogateKey],
  ['Cache-Tag', 'Cache-Tag', RESPONSE_HEADERS.cacheTag],
  ['X-Robots-Tag', 'X-Robots-Tag', RESPONSE_HEADERS.robotsTag],
  ['Idempotent-Replayed', 'Idempotent-Replayed', RESPONSE_HEADERS.idempotentReplayed],
]

/** The name of the `components/parameters` entry a parameter shared by many operations becomes. */
function parameterComponent(parameter: Schema): string | undefined {
  const name = String(parameter.name)
  if (parameter.in === 'query' && ['limit', 'page', 'cursor', 'count'].includes(name)) return name
  if (parameter.in === 'path' && ['idOrSlug', 'id'].includes(name)) return name
  if (parameter.in === 'header' && name === 'If-None-Match') return name
  if (parameter.in === 'header' && name === 'If-Match') return parameter.required ? 'If-Match' : 'If-Match-Optional'
  // Every POST under /api takes it; those whose answer holds a secret say they never replay it.
  if (parameter.in === 'header' && name === 'Idempotency-Key') {
    return String(parameter.description).includes('IDEMPOTENCY_KEY_USED') ? 'Idempotency-Key-Unreplayed' : name
  }
  return undefined
}

/** JSON with sorted keys: equal for equal values, whatever order their keys were written in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  const entries = Object.entries(value).filter(([, v]) => v !== undefined)
  return `{${entries
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
    .join(',')}}`
}

/**
 * Names the values put into one components section: the same name for the same value, a
 * numbered one when a different value already has it.
 */
class Section {
  readonly entries = new Map<string, unknown>()
  readonly #names = new Map<string, string>()

  ref(kind: string, name: string, value: unknown): { $ref: string } {
    const key = canonical(value)
    let taken = this.#names.get(key)
    if (!taken) {
      taken = name
      for (let n = 2; this.entries.has(taken); n++) taken = `${name}${n}`
      this.entries.set(taken, value)
      this.#names.set(key, taken)
    }
    return { $ref: `#/components/${kind}/${taken}` }
  }

  /** The entries by name, sorted. */
  sorted(): Record<string, unknown> {
    return Object.fromEntries([...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  }
}

/**
 * What many operations repeat, said once: the shared response headers (`components/headers`),
 * every problem+json response (`components/responses`, one per status and set of headers) and
 * the paging, path and conditional-request parameters (`components/parameters`), referenced by
 * `$ref`. The document states exactly what it stated inline (test/contract checks every response
 * against it) in about a fifth of the bytes, which Swagger UI loads and draws in half the time.
 */
export function sharedComponents<T extends { paths?: unknown; components?: unknown }>(document: T): T {
  const headers = new Section()
  const responses = new Section()
  const parameters = new Section()
  const shared = new Map(HEADER_COMPONENTS.map(([name, wire, source]) => [`${wire}\n${source.description}`, name]))
  for (const operation of operationsOf(document)) {
    const entries = Object.entries((operation.responses ?? {}) as Record<string, Schema>)
    for (const [, response] of entries) {
      const sent = response.headers as Record<string, Schema> | undefined
      for (const [wire, header] of Object.entries(sent ?? {})) {
        const name = shared.get(`${wire}\n${String(header.description)}`)
        if (name) sent![wire] = headers.ref('headers', name, header)
      }
    }
    for (const [status, response] of entries) {
      const content = Object.keys((response.content ?? {}) as Schema)
      if (content.length !== 1 || content[0] !== 'application/problem+json') continue
      const refs = new Set(
        Object.values((response.headers ?? {}) as Record<string, Schema>).map((h) => String(h.$ref).split('/').pop()),
      )
      const variant =
        (refs.has('RateLimit-Limit') ? '' : 'Unmetered') +
        (refs.has('Vary-Accept') ? 'Negotiated' : '') +
        (refs.has('X-Robots-Tag') ? 'Preview' : '') +
        (refs.has('Cache-Control') ? 'Read' : '')
      const reason = (STATUS_CODES[Number(status)] ?? `Status${status}`).replace(/[^A-Za-z0-9]/g, '')
      ;(operation.responses as Schema)[status] = responses.ref('responses', reason + variant, response)
    }
    if (Array.isArray(operation.parameters)) {
      operation.parameters = (operation.parameters as Schema[]).map((parameter) => {
        const name = parameterComponent(parameter)
        return name ? parameters.ref('parameters', name, parameter) : parameter
      })
    }
  }
  const components = (document.components ?? {}) as Schema
  if (responses.entries.size) components.responses = responses.sorted()
  if (parameters.entries.size) components.parameters = parameters.sorted()
  if (headers.entries.size) components.headers = headers.sorted()
  return { ...document, components }
}
