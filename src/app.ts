import { randomUUID } from 'node:crypto'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify from 'fastify'
import type { Config } from './config.js'
import { ProblemError, Problems } from './errors.js'
import authPlugin from './plugins/auth.js'
import databasePlugin from './plugins/database.js'
import errorHandlerPlugin, { sendProblem as problemBody } from './plugins/error-handler.js'
import httpCachingPlugin from './plugins/http-caching.js'
import idempotencyPlugin from './plugins/idempotency.js'
import protectionPlugin from './plugins/protection.js'
import servicesPlugin from './plugins/services.js'
import strictInputPlugin from './plugins/strict-input.js'
import swaggerPlugin from './plugins/swagger.js'
import articleRoutes from './routes/articles/index.js'
import authorRoutes from './routes/authors/index.js'
import commentRoutes from './routes/comments/index.js'
import healthRoutes from './routes/health/index.js'
import tokenRoutes from './routes/tokens/index.js'
import { buildValidatorFactory } from './validation.js'

export interface BuildOptions {
  /** Replaces the JSON logger (tests pass false). Defaults to pino at config.LOG_LEVEL. */
  logger?: boolean
  /** Sees every SQL statement the app sends (tests count statements per request). */
  onQuery?: (sql: string) => void
}

/**
 * Builds a ready Broadsheet app and never listens: the server and the tests call this same
 * function, so their Fastify options cannot drift apart.
 */
export async function buildApp(config: Config, options: BuildOptions = {}) {
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : {
            level: config.LOG_LEVEL,
            redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
          },
    genReqId: (request) => {
      const given = request.headers['x-request-id']
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID()
    },
    requestIdHeader: false,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    // Fastify accepts a hop count here too; its types only leave the number out.
    trustProxy: trustProxy(config.TRUST_PROXY) as boolean | string | string[],
    bodyLimit: config.BODY_LIMIT_BYTES,
    // Start-up may wait for the database (DB_STARTUP_TIMEOUT_MS) and then migrate and seed.
    pluginTimeout: config.DB_STARTUP_TIMEOUT_MS + 120_000,
    schemaController: { compilersFactory: { buildValidator: buildValidatorFactory() } },
    // A trailing slash or a different case is a different (unknown) route: one URL per resource.
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true, maxParamLength: config.MAX_PARAM_LENGTH },
    return503OnClosing: true,
    // Errors raised by the router before any hook runs (a malformed URL, an over-long path
    // parameter) are problem+json like every other error.
    frameworkErrors: (error, request, reply) => {
      const problem =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? Problems.notFound(`No route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}.`)
          : new ProblemError('BAD_REQUEST', 'The request URL is not valid.')
      void reply.send(problemBody(request, reply, problem) as never)
    },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id)
    done(null, payload)
  })

  // Registration order reads top to bottom:
  // errors → input rules → OpenAPI → database → services → protection → auth → caching → routes.
  await app.register(errorHandlerPlugin)
  await app.register(strictInputPlugin)
  await app.register(swaggerPlugin)
  await app.register(databasePlugin, { config, ...(options.onQuery ? { onQuery: options.onQuery } : {}) })
  await app.register(servicesPlugin)
  await app.register(protectionPlugin, { config })
  await app.register(authPlugin, { config })
  await app.register(httpCachingPlugin)
  await app.register(idempotencyPlugin)
  await app.register(healthRoutes)
  await app.register(authorRoutes, { prefix: '/api/v1' })
  await app.register(articleRoutes, { prefix: '/api/v1' })
  await app.register(commentRoutes, { prefix: '/api/v1' })
  await app.register(tokenRoutes, { prefix: '/api/v1' })

  await app.ready()
  return app
}

/** TRUST_PROXY as Fastify takes it: false, true, a hop count, or a list of proxy addresses. */
function trustProxy(value: string): boolean | number | string[] {
  if (value === 'false') return false
  if (value === 'true') return true
  if (/^\d+$/.test(value)) return Number(value)
  return value.split(',').map((s) => s.trim())
}
