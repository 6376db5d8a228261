import { createHash } from 'node:crypto'
import type { FastifyContextConfig, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify'
import fp from 'fastify-plugin'
import { Type } from 'typebox'
import { ProblemError } from '../errors.js'
import { problems } from '../schemas/common.js'
import type { StoredResponse } from '../services/idempotency.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * false: the response must not be stored for replay (it carries a secret shown once);
     * a retry of a request that succeeded gets 409 IDEMPOTENCY_KEY_USED instead.
     */
    idempotentReplay?: boolean
    /**
     * Counts the request against a quota (the comment limits), or throws its 429. Run only for
     * a request that will really run: after its Idempotency-Key was looked up and, with a key,
     * inside the key's lock, so a replay or a duplicate of a request in flight (409) never counts.
     */
    quota?: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
  interface FastifyRequest {
    idempotency: { scope: string; key: string; hash: string } | undefined
  }
}

const HEADER = 'idempotency-key'
const KEY_PATTERN = '^[\\x21-\\x7e]{1,255}$'
const NOT_REPLAYABLE = 'x-broadsheet-not-replayable'
/** Where the stored answer keeps the resource version its ETag is made from. */
const VERSION = 'x-broadsheet-version'

/**
 * `Idempotency-Key` on every POST: the same key and body within 24 h replays the first
 * response byte for byte (with `Idempotent-Replayed: true`); the same key with another body
 * is 422; the same key while the first request runs is 409. Keys belong to the caller (the
 * token, or the client address when anonymous), so nobody can replay another's response.
 *
 * The answer is stored in the same transaction as the write: the route's handler runs inside
 * `services.idempotency.run`, which commits the handler's statements and the serialized
 * response together. A crash or a lost connection at any point leaves both or neither, and
 * an error response stores nothing (its transaction is rolled back).
 */
export default fp(
  async (app) => {
    const service = app.services.idempotency
    app.decorateRequest('idempotency', undefined)

    // Document the header and its answers on every POST, where the routes are defined.
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      if (!methods.includes('POST') || !route.schema || route.schema.hide || !route.url.startsWith('/api/')) {
        if (route.config?.quota)
          throw new Error(`${route.url}: config.quota is counted only on documented POST routes under /api/`)
        return
      }
      // No example value: Swagger UI would pre-fill it, and every POST after the first would
      // then reuse one key with another body (422). Leave it empty there, or send a fresh UUID.
      route.schema.headers ??= Type.Object({
        [HEADER]: Type.Optional(
          Type.String({
            pattern: KEY_PATTERN,
            maxLength: 255,
            description:
              'Optional; a fresh value (a UUID) per logical operation makes the POST safe to retry: the same key and ' +
              (route.config?.idempotentReplay === false
                ? 'body within 24 h makes nothing new but is 409 `IDEMPOTENCY_KEY_USED` (the response holds a secret that is ' +
                  'shown only once, so it is never stored for a replay); '
                : 'body within 24 h replays the first response (marked `Idempotent-Replayed: true`); ') +
              'the key with another body is 422; while the first is still running, 409. Keys belong to the caller (token or address).',
          }),
        ),
      })
      const response = (route.schema.response ??= {}) as Record<string, unknown>
      for (const [status, entry] of Object.entries(problems(409, 422))) response[status] ??= entry
      // Only POST routes pay for this: a stored answer is replayed before the route's own
      // preHandlers, and the handler runs inside the key's transaction. The route's quota
      // counts after the lookup without a key, and inside the key's lock with one (withKey).
      const quota = route.config?.quota
      const list = <T>(hooks: T | T[] | undefined): T[] =>
        hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]
      const counted = quota ? [countUnlessKeyed(quota)] : []
      route.preHandler = [lookupKey, ...counted, ...list(route.preHandler)] as typeof route.preHandler
      route.handler = withKey(route.handler as RouteHandlerMethod, quota)
    })

    const lookupKey = async (request: FastifyRequest, reply: FastifyReply) => {
      const key = request.headers[HEADER]
      if (typeof key !== 'string') return
      const scope = request.principal.kind === 'token' ? `token:${request.principal.tokenId}` : `ip:${request.ip}`
      const hash = createHash('sha256')
        .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
        .digest('hex')
      const found = await service.lookup(scope, key, hash)
      if (found.kind === 'replay') return replay(request, reply, found.response)
      request.idempotency = { scope, key, hash }
    }

    type Quota = NonNullable<FastifyContextConfig['quota']>
    const countUnlessKeyed = (quota: Quota) => async (request: FastifyRequest, reply: FastifyReply) => {
      if (!request.idempotency) await quota(request, reply)
    }

    /** The route's handler, run in the key's transaction when the request has a key. */
    const withKey = (handler: RouteHandlerMethod, quota: Quota | undefined): RouteHandlerMethod =>
      async function (this: unknown, request, reply) {
        const claim = request.idempotency
        if (!claim) return handler.call(this as never, request, reply)
        const outcome = await service.run(claim.scope, claim.key, claim.hash, async () => {
          // The key is ours and unanswered: this request really runs, so now it counts.
          await quota?.(request, reply)
          const payload: unknown = await handler.call(this as never, request, reply)
          // Serialized here, by the route's own serializer, so the stored bytes are the bytes sent.
          const body = reply.serialize(payload) as string
          return { result: body, response: stored(reply, body) }
        })
        if (outcome.kind === 'replay') return replay(request, reply, outcome.response)
        return reply.type(JSON_TYPE).send(outcome.result)
      }
  },
  { name: 'idempotency', dependencies: ['services', 'auth', 'swagger', 'http-caching'] },
)

const JSON_TYPE = 'application/json; charset=utf-8'

/** What a response leaves for its replays: status, Location, the version behind its ETag, and the bytes. */
function stored(reply: FastifyReply, body: string): StoredResponse {
  const headers: Record<string, string> = {}
  const location = reply.getHeader('location')
  if (location !== undefined) headers.location = String(location)
  if (reply.routeOptions.config.idempotentReplay === false)
    return { status: reply.statusCode, headers: { [NOT_REPLAYABLE]: '1', ...headers }, body: '' }
  if (reply.resourceVersion !== undefined) headers[VERSION] = String(reply.resourceVersion)
  return { status: reply.statusCode, headers, body }
}

function replay(request: FastifyRequest, reply: FastifyReply, answer: StoredResponse) {
  if (answer.headers[NOT_REPLAYABLE]) {
    const where = answer.headers.location ? ` (${answer.headers.location})` : ''
    throw new ProblemError(
      'IDEMPOTENCY_KEY_USED',
      `The request with this Idempotency-Key already succeeded${where}; its response is shown only once.`,
    )
  }
  request.log.info({ status: answer.status }, 'idempotent replay')
  reply.code(answer.status).header('idempotent-replayed', 'true')
  if (answer.headers.location) reply.header('location', answer.headers.location)
  // The ETag is made again in onSend from the version and the same bytes: the same ETag.
  if (answer.headers[VERSION]) reply.resourceVersion = Number(answer.headers[VERSION])
  // Already serialized: send the stored bytes as they are.
  return reply.type(JSON_TYPE).send(answer.body)
}
