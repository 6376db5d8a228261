import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
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
  }
  interface FastifyRequest {
    idempotency: { scope: string; key: string } | undefined
  }
}

const HEADER = 'idempotency-key'
const KEY_PATTERN = '^[\\x21-\\x7e]{1,255}$'
/** Headers worth replaying; the rest (dates, request ids, caching) belong to the new response. */
const REPLAYED_HEADERS = ['content-type', 'location', 'etag']

/**
 * `Idempotency-Key` on every POST: the same key and body within 24 h replays the first
 * response byte for byte (with `Idempotent-Replayed: true`); the same key with another body
 * is 422; the same key while the first request runs is 409. Keys belong to the caller (the
 * token, or the client address when anonymous), so nobody can replay another's response.
 * Only successful responses are remembered: any error releases the key for a retry.
 */
export default fp(
  async (app) => {
    const service = app.services.idempotency
    app.decorateRequest('idempotency', undefined)

    // Document the header and its answers on every POST, where the routes are defined.
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      if (!methods.includes('POST') || !route.schema || route.schema.hide || !route.url.startsWith('/api/')) return
      route.schema.headers ??= Type.Object({
        [HEADER]: Type.Optional(
          Type.String({
            pattern: KEY_PATTERN,
            description:
              'Makes the POST safe to retry: the same key and body within 24 h replays the first response ' +
              '(marked Idempotent-Replayed: true); another body with the key is 422; while the first runs, 409.',
            examples: ['7f1b7e3c-4b8e-4a8f-9d52-0c7a1f0e5a11'],
          }),
        ),
      })
      const response = (route.schema.response ??= {}) as Record<string, unknown>
      for (const [status, entry] of Object.entries(problems(409, 422))) response[status] ??= entry
      // Only POST routes pay for the hooks: the claim runs before the route's own preHandlers
      // (a refusal after it releases the key in onSend), the record after every other onSend
      // (so the stored headers include the ETag).
      const list = <T>(hooks: T | T[] | undefined): T[] => (hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks])
      route.preHandler = [claimKey, ...list(route.preHandler)] as typeof route.preHandler
      route.onSend = [...list(route.onSend), recordResponse] as typeof route.onSend
    })

    const claimKey = async (request: FastifyRequest, reply: FastifyReply) => {
      const key = request.headers[HEADER]
      if (request.method !== 'POST' || typeof key !== 'string') return
      const scope = request.principal.kind === 'token' ? `token:${request.principal.tokenId}` : `ip:${request.ip}`
      const hash = createHash('sha256')
        .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
        .digest('hex')
      const claim = await service.claim(scope, key, hash)
      switch (claim.kind) {
        case 'claimed':
          request.idempotency = { scope, key }
          return
        case 'mismatch':
          throw new ProblemError(422, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency key reused', 'This Idempotency-Key was used with a different request body.')
        case 'in-flight':
          throw new ProblemError(409, 'IDEMPOTENCY_KEY_IN_FLIGHT', 'Request in progress', 'A request with this Idempotency-Key is still being processed; retry shortly.', undefined, { 'retry-after': '1' })
        case 'replay':
          return replay(request, reply, claim.response)
      }
    }

    const recordResponse = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const claim = request.idempotency
      if (!claim) return payload
      request.idempotency = undefined
      try {
        // Only successes are remembered. An error response wrote nothing, so a retry with the
        // same key simply runs again (after a 429's Retry-After, or once the database is back).
        if (reply.statusCode >= 400 || (typeof payload !== 'string' && payload !== null && payload !== undefined)) {
          await service.release(claim.scope, claim.key)
          return payload
        }
        const headers: Record<string, string> = {}
        for (const name of REPLAYED_HEADERS) {
          const value = reply.getHeader(name)
          if (value !== undefined) headers[name] = String(value)
        }
        const storeBody = reply.routeOptions.config.idempotentReplay !== false
        await service.complete(claim.scope, claim.key, {
          status: reply.statusCode,
          headers: storeBody ? headers : { 'x-broadsheet-not-replayable': '1', ...(headers.location ? { location: headers.location } : {}) },
          body: storeBody ? (payload ?? '') : '',
        })
      } catch (error) {
        request.log.error({ err: error }, 'could not record the idempotent response')
        await service.release(claim.scope, claim.key).catch(() => {})
      }
      return payload
    }

    // Expired keys are pruned at start and then hourly, by whichever process gets there.
    const prune = () =>
      service.pruneExpired().then(
        (count) => count > 0 && app.log.info({ count }, 'pruned expired idempotency keys'),
        (error: unknown) => app.log.warn({ err: error }, 'could not prune idempotency keys'),
      )
    app.addHook('onReady', async () => {
      void prune()
    })
    const timer = setInterval(prune, 60 * 60 * 1000).unref()
    app.addHook('onClose', async () => clearInterval(timer))
  },
  { name: 'idempotency', dependencies: ['services', 'auth', 'swagger'] },
)

function replay(request: FastifyRequest, reply: FastifyReply, stored: StoredResponse) {
  if (stored.headers['x-broadsheet-not-replayable']) {
    const where = stored.headers.location ? ` (${stored.headers.location})` : ''
    throw new ProblemError(409, 'IDEMPOTENCY_KEY_USED', 'Already done', `The request with this Idempotency-Key already succeeded${where}; its response is shown only once.`)
  }
  request.log.info({ status: stored.status }, 'idempotent replay')
  reply.code(stored.status).header('idempotent-replayed', 'true')
  for (const [name, value] of Object.entries(stored.headers)) reply.header(name, value)
  // Already serialized: send the stored bytes as they are.
  return reply.serializer((body: unknown) => body as string).send(stored.body)
}
