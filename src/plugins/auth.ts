import type { FastifyRequest, preParsingAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { ANONYMOUS, PREVIEW_PREFIX, type Principal, type Role } from '../auth.js'
import type { Config } from '../config.js'
import { Problems } from '../errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers preview tokens (GET of an article); every other route refuses them with 401. */
    preview?: boolean
  }
  interface FastifyRequest {
    principal: Principal
  }
  interface FastifyInstance {
    /**
     * A route's preParsing hook: 401 without a valid token, 403 when its role is not one of
     * `roles`, before the body is even read, let alone validated (and after the rate limit
     * has counted the request).
     */
    requireRole(...roles: Role[]): preParsingAsyncHookHandler
  }
}

const MAX_SECRET_LENGTH = 512

/**
 * Bearer-token authentication. Every request gets a `principal`: anonymous, or the token's
 * role (and author, for author tokens). A malformed, unknown or revoked token is a 401 on
 * every route, public ones included, so a client never mistakes a bad token for anonymity.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    if (config.ADMIN_TOKEN) await app.services.tokens.ensureEnvironmentAdmin(config.ADMIN_TOKEN)
    else if (config.MIGRATE_ON_START && (await app.services.tokens.retireEnvironmentAdmin()) > 0) {
      app.log.warn('ADMIN_TOKEN is no longer set: the admin token made from it has been revoked')
    }

    app.decorateRequest('principal', null as never)
    app.addHook('onRequest', async (request: FastifyRequest) => {
      request.principal = ANONYMOUS
      const header = request.headers.authorization
      if (header === undefined) return
      const match = /^Bearer +(\S+) *$/i.exec(header)
      if (!match || match[1]!.length > MAX_SECRET_LENGTH) {
        await app.countAuthFailure(request)
        throw Problems.unauthorized('The Authorization header must be "Bearer <token>".')
      }
      const secret = match[1]!
      const preview = secret.startsWith(PREVIEW_PREFIX)
      const principal = preview
        ? await app.services.previews.authenticate(secret)
        : await app.services.tokens.authenticate(secret)
      if (!principal) {
        await app.countAuthFailure(request)
        throw Problems.unauthorized(
          preview
            ? 'The preview token is not valid (unknown, expired or revoked).'
            : 'The bearer token is not valid (unknown or revoked).',
        )
      }
      // A preview token opens one read of one article: every other route refuses it.
      if (principal.kind === 'preview' && request.routeOptions.config?.preview !== true) {
        throw Problems.unauthorized(
          'A preview token only reads the article it was made for (GET /api/v1/articles/{idOrSlug}).',
        )
      }
      request.principal = principal
    })

    app.decorate('requireRole', (...roles: Role[]): preParsingAsyncHookHandler => {
      return async (request) => {
        const p = request.principal
        if (p.kind !== 'token') throw Problems.unauthorized()
        if (!roles.includes(p.role)) throw Problems.forbidden()
      }
    })
  },
  { name: 'auth', dependencies: ['services', 'protection'] },
)
