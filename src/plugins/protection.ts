import cors from '@fastify/cors'
import helmet from 'helmet'
import rateLimit from '@fastify/rate-limit'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import { corsOrigins, type Config } from '../config.js'
import { ProblemError } from '../errors.js'
import { isStaff } from '../services/access.js'
import type { ArticleService } from '../services/articles.js'
import { notFound } from './error-handler.js'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The comment limits (per client address, and per address and article), as a route's
     * `config.quota`: counted only for a request that will really run (plugins/idempotency).
     */
    commentQuota(request: FastifyRequest, reply: FastifyReply): Promise<void>
    /**
     * The upload limit (MEDIA_UPLOADS_PER_HOUR per token; admin tokens exempt, as from every
     * limit: each upload is decoded and re-encoded), as a route's `config.quota`.
     */
    uploadQuota(request: FastifyRequest, reply: FastifyReply): Promise<void>
    /** Counts a request with a bad bearer token; throws 429 once the address has too many. */
    countAuthFailure(request: FastifyRequest): Promise<void>
  }
}

const TEN_MINUTES = 10 * 60 * 1000

type Limiter = (
  request: FastifyRequest,
) => Promise<{ isAllowed: true } | { isAllowed: false; isExceeded: boolean; max: number; ttlInSeconds: number }>

/**
 * One key per published article whichever way a path names it (id, upper-case id or slug), for
 * the per-article comment limit; a path naming no published article is its own key. The article
 * service says which article a path names; the answer is remembered for a minute (at most
 * 10,000 of them), so a slug renamed meanwhile only keeps its old answer for that minute.
 */
function articleKeys(articles: Pick<ArticleService, 'visibleId'>): (idOrSlug: string) => Promise<string> {
  const known = new Map<string, { key: string; until: number }>()
  return async (idOrSlug) => {
    const name = idOrSlug.toLowerCase()
    const now = Date.now()
    let entry = known.get(name)
    if (!entry || entry.until < now) {
      const id = await articles.visibleId({ kind: 'anonymous' }, name).catch(() => undefined)
      if (known.size >= 10_000) known.clear()
      entry = { key: id ?? name, until: now + 60_000 }
      known.set(name, entry)
    }
    return entry.key
  }
}

/** Headers a browser frontend needs to read from our responses. */
export const EXPOSED_HEADERS = [
  'ETag',
  'Link',
  'Location',
  'Retry-After',
  'Idempotent-Replayed',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'X-Request-Id',
]

/**
 * Abuse protection in one place: security headers, CORS from an allowlist, a generous global
 * rate limit and tight limits on anonymous comments. Limits are keyed on the client address
 * as Fastify derives it under TRUST_PROXY, so a forged X-Forwarded-For changes nothing unless
 * the proxy sending it is trusted. With REDIS_URL every process shares the same counters.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    // Security headers (helmet). Built once: @fastify/helmet rebuilt helmet's middleware, CSP
    // parsing included, on every request, a measurable share of a small response's cost.
    const securityHeaders = helmet({
      // JSON needs no scripts, styles or frames; Swagger UI sets its own policy on /docs.
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    })
    app.addHook('onRequest', (request, reply, done) =>
      securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)),
    )

    const { origins } = corsOrigins(config)
    if (origins.length > 0) {
      // A function, not the list itself: with a list, @fastify/cors answers every preflight 204
      // (an unlisted origin only lacks the grant); deciding here makes an unlisted origin's
      // OPTIONS fall through to routing like any request (401, 404 or 405), as on Postgres.
      const list = origins === '*' ? [] : origins
      const listed = (origin: string) => list.some((o) => (typeof o === 'string' ? o === origin : o.test(origin)))
      await app.register(cors, {
        origin: origins === '*' ? '*' : (origin, callback) => callback(null, origin !== undefined && listed(origin)),
        methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
        allowedHeaders: [
          'Authorization',
          'Content-Type',
          'If-Match',
          'If-None-Match',
          'Idempotency-Key',
          'X-Request-Id',
        ],
        exposedHeaders: EXPOSED_HEADERS,
        credentials: false,
        maxAge: 600,
      })
    }

    let redis: Redis | undefined
    if (config.REDIS_URL) {
      redis = new Redis(config.REDIS_URL, {
        connectTimeout: 2000,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        keyPrefix: config.REDIS_KEY_PREFIX,
      })
      redis.on('error', (error) => app.log.warn({ err: error }, 'redis error (rate limits fail open)'))
      app.addHook('onClose', async () => {
        redis?.disconnect()
      })
    }

    const tooMany = (_request: FastifyRequest, context: { after: string; max: number }) =>
      new ProblemError('RATE_LIMITED', `Rate limit of ${context.max} exceeded; retry in ${context.after}.`)

    /** Checks limiters in turn; the first one exceeded answers 429 with its headers. */
    const enforce = async (request: FastifyRequest, reply: FastifyReply | undefined, limiters: Limiter[]) => {
      for (const limiter of limiters) {
        const result = await limiter(request)
        if (result.isAllowed || !result.isExceeded) continue
        const headers = {
          'ratelimit-limit': String(result.max),
          'ratelimit-remaining': '0',
          'ratelimit-reset': String(result.ttlInSeconds),
          'retry-after': String(result.ttlInSeconds),
        }
        reply?.headers(headers)
        const problem = tooMany(request, { max: result.max, after: `${result.ttlInSeconds} seconds` })
        throw reply ? problem : new ProblemError(problem.code, problem.detail, undefined, headers)
      }
    }

    await app.register(rateLimit, {
      global: true,
      // Every request is counted, those that validation, a role check or the router refuse
      // included: as each route's onRequest hook, after authentication (an app-wide onRequest
      // hook), so admin tokens can be exempt. Fastify's request.ip honours TRUST_PROXY.
      hook: 'onRequest',
      max: config.RATE_LIMIT_PER_MINUTE,
      timeWindow: 60_000,
      keyGenerator: (request) => request.ip,
      // Admin tokens and health probes are never limited.
      allowList: (request) =>
        (request.principal?.kind === 'token' && request.principal.role === 'admin') ||
        (request.routeOptions.url ?? '').startsWith('/health/'),
      enableDraftSpec: true,
      // A Redis outage must not take the API down with it: fail open, and say so in the log.
      skipOnError: true,
      errorResponseBuilder: tooMany,
      ...(redis ? { redis, nameSpace: 'global:' } : {}),
    })

    // URLs no route matches count against the same budget: probing for routes is not free.
    app.setNotFoundHandler({ preHandler: app.rateLimit() }, notFound)

    // The route-level limiters of @fastify/rate-limit do not run after the global one, so the
    // comment limits are checked here, both of them, with the same store (Redis when shared).
    const perAddress = app.createRateLimit({
      max: config.COMMENT_RATE_LIMIT,
      timeWindow: TEN_MINUTES,
      keyGenerator: (request) => `comments:${request.ip}`,
    })
    const articleKey = articleKeys(app.services.articles)
    const perArticle = app.createRateLimit({
      max: config.COMMENT_RATE_LIMIT_PER_ARTICLE,
      timeWindow: TEN_MINUTES,
      // By article id, so alternating between an article's id and slug gains nothing.
      keyGenerator: async (request) => {
        const { idOrSlug } = request.params as { idOrSlug: string }
        return `comments:${request.ip}:${await articleKey(idOrSlug)}`
      },
    })
    app.decorate('commentQuota', async (request: FastifyRequest, reply: FastifyReply) => {
      // Editors and admins moderate and may reply freely; every other caller is limited.
      if (isStaff(request.principal)) return
      await enforce(request, reply, [perArticle, perAddress])
    })

    const uploads = app.createRateLimit({
      max: config.MEDIA_UPLOADS_PER_HOUR,
      timeWindow: 60 * 60 * 1000,
      keyGenerator: (request) =>
        `uploads:${request.principal.kind === 'token' ? request.principal.tokenId : request.ip}`,
    })
    app.decorate('uploadQuota', (request: FastifyRequest, reply: FastifyReply) => enforce(request, reply, [uploads]))

    // Token guessing: each bad token costs a lookup, so bad tokens are limited per address.
    const authFailures = app.createRateLimit({
      max: config.AUTH_FAILURES_PER_MINUTE,
      timeWindow: 60_000,
      keyGenerator: (request) => `auth-failures:${request.ip}`,
    })
    app.decorate('countAuthFailure', (request: FastifyRequest) => enforce(request, undefined, [authFailures]))
  },
  { name: 'protection', dependencies: ['services'] },
)
