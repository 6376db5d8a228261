import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { Socket } from 'node:net'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyRequest } from 'fastify'
import { redactSecrets } from './auth.js'
import type { Config } from './config.js'
import { PROBLEM_CONTENT_TYPE, ProblemError, problemBody, type ProblemCode } from './errors.js'
import authPlugin from './plugins/auth.js'
import databasePlugin from './plugins/database.js'
import deliveriesPlugin from './plugins/deliveries.js'
import errorHandlerPlugin, { noRoute, sendProblem } from './plugins/error-handler.js'
import httpCachingPlugin from './plugins/http-caching.js'
import idempotencyPlugin from './plugins/idempotency.js'
import maintenancePlugin from './plugins/maintenance.js'
import metricsPlugin from './plugins/metrics.js'
import protectionPlugin from './plugins/protection.js'
import readCachePlugin from './plugins/read-cache.js'
import servicesPlugin from './plugins/services.js'
import strictInputPlugin from './plugins/strict-input.js'
import swaggerPlugin from './plugins/swagger.js'
import swaggerUiPlugin from './plugins/swagger-ui.js'
import editorialRoutes from './routes/articles/editorial.js'
import articleRoutes from './routes/articles/index.js'
import revisionRoutes from './routes/articles/revisions.js'
import authorRoutes from './routes/authors/index.js'
import commentRoutes from './routes/comments/index.js'
import feedRoutes from './routes/feeds/index.js'
import healthRoutes from './routes/health/index.js'
import metricsRoutes from './routes/metrics/index.js'
import mediaRoutes, { mediaFileRoutes } from './routes/media/index.js'
import sitemapRoutes from './routes/sitemaps/index.js'
import tagRoutes from './routes/tags/index.js'
import tokenRoutes from './routes/tokens/index.js'
import webhookRoutes from './routes/webhooks/index.js'
import { buildValidatorFactory } from './validation.js'

export interface BuildOptions {
  /** Replaces the JSON logger (tests pass false). Defaults to pino at config.LOG_LEVEL. */
  logger?: boolean
  /** Where the JSON log lines go instead of stdout (tests read what was logged). */
  logStream?: NodeJS.WritableStream
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
            ...(options.logStream ? { stream: options.logStream } : {}),
            redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
            // The request line as logged, with any token secret and any `token` query value
            // (frontends pass preview tokens that way) taken out.
            serializers: {
              req: (request: FastifyRequest) => ({
                method: request.method,
                url: redactSecrets(request.url),
                host: request.host,
                remoteAddress: request.ip,
                remotePort: request.socket?.remotePort,
              }),
            },
          },
    genReqId: (request) => {
      const given = request.headers['x-request-id']
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID()
    },
    requestIdHeader: false,
    // Node's HTTP server with the timeouts as configured. It checks for timed-out requests
    // every second (its default, 30 s, let a stalled body hold a connection for a minute and
    // more), and leaves a missing Host header to the error handler, which says why.
    serverFactory: (handler) => {
      const server = http.createServer(
        {
          requestTimeout: config.REQUEST_TIMEOUT_MS,
          headersTimeout: Math.min(config.REQUEST_TIMEOUT_MS, 60_000),
          connectionsCheckingInterval: 1000,
          requireHostHeader: false,
        },
        handler,
      )
      server.keepAliveTimeout = 72_000
      return server
    },
    clientErrorHandler,
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
          ? noRoute(request)
          : new ProblemError('BAD_REQUEST', 'The request URL is not valid.')
      void reply.send(sendProblem(request, reply, problem) as never)
    },
  }).withTypeProvider<TypeBoxTypeProvider>()

  // Closing stops Node's check for timed-out requests (server.close() clears it), so a client
  // that stalls its request or never reads would hold app.close() for good. Connections still
  // open SHUTDOWN_GRACE_MS after closing began are closed, whatever they are doing.
  app.addHook('preClose', function (done) {
    const timer = setTimeout(() => this.server.closeAllConnections(), config.SHUTDOWN_GRACE_MS).unref()
    this.server.once('close', () => clearTimeout(timer))
    done()
  })

  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id)
    done(null, payload)
  })

  // Registration order reads top to bottom:
  // errors → input rules → OpenAPI → database → services (their housekeeping, the delivery worker) → protection → auth → caching (HTTP, then the read cache) → routes.
  await app.register(errorHandlerPlugin)
  await app.register(strictInputPlugin)
  await app.register(swaggerPlugin, { config })
  await app.register(swaggerUiPlugin)
  await app.register(databasePlugin, { config, ...(options.onQuery ? { onQuery: options.onQuery } : {}) })
  await app.register(servicesPlugin, { config })
  await app.register(maintenancePlugin, { config })
  await app.register(deliveriesPlugin, { config })
  await app.register(protectionPlugin, { config })
  await app.register(authPlugin, { config })
  await app.register(httpCachingPlugin, { config })
  await app.register(readCachePlugin, { config })
  await app.register(metricsPlugin, { config })
  await app.register(idempotencyPlugin)
  await app.register(healthRoutes)
  await app.register(metricsRoutes)
  await app.register(authorRoutes, { prefix: '/api/v1' })
  await app.register(articleRoutes, { prefix: '/api/v1' })
  await app.register(revisionRoutes, { prefix: '/api/v1' })
  await app.register(editorialRoutes, { prefix: '/api/v1' })
  await app.register(commentRoutes, { prefix: '/api/v1' })
  await app.register(tagRoutes, { prefix: '/api/v1' })
  await app.register(tokenRoutes, { prefix: '/api/v1' })
  await app.register(webhookRoutes, { prefix: '/api/v1' })
  await app.register(mediaRoutes, { prefix: '/api/v1', config })
  await app.register(mediaFileRoutes)
  // Public reads for feed readers and search engines, outside /api/v1.
  await app.register(feedRoutes)
  await app.register(sitemapRoutes)

  await app.ready()
  return app
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (malformed framing, headers or
 * a query string over the size limit, a body that stalled past REQUEST_TIMEOUT_MS) are
 * answered with problem+json like every other error, and the connection closed.
 */
function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy()
    return
  }
  const code: ProblemCode =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'REQUEST_HEADER_FIELDS_TOO_LARGE'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'REQUEST_TIMEOUT'
        : 'BAD_REQUEST'
  const problem = new ProblemError(
    code,
    code === 'BAD_REQUEST' ? 'The request is not valid HTTP (framing or header syntax).' : undefined,
  )
  const body = JSON.stringify(problemBody(problem))
  // end() alone is a half-close: the server's sockets allow half-open connections, so one whose
  // client never reads nor closes would stay open for good (slowloris). Destroyed once the
  // answer is flushed, as Node does after a `Connection: close` response, and in any case
  // after a short grace.
  const grace = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref()
  socket.once('close', () => clearTimeout(grace))
  socket.end(
    `HTTP/1.1 ${problem.status} ${http.STATUS_CODES[problem.status]}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  )
}

/** The longest a refused connection's answer may take to flush before its socket is destroyed. */
const CLOSE_GRACE_MS = 2000

/** TRUST_PROXY as Fastify takes it: false, true, a hop count, or a list of proxy addresses. */
function trustProxy(value: string): boolean | number | string[] {
  if (value === 'false') return false
  if (value === 'true') return true
  if (/^\d+$/.test(value)) return Number(value)
  return value.split(',').map((s) => s.trim())
}
