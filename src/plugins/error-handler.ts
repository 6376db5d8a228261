import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { redactSecrets } from '../auth.js'
import { PROBLEM_CONTENT_TYPE, ProblemError, Problems, problemBody } from '../errors.js'
import { toProblem } from '../services/problems.js'

/**
 * The one place errors become responses: catalogue errors, schema validation failures,
 * Fastify's own HTTP errors and the database's constraint errors are mapped to problem+json;
 * anything else is a 500 whose body says nothing about the internals (the log has the details).
 */
export default fp(
  async (app) => {
    app.setErrorHandler(async (error: FastifyError, request, reply) => {
      const problem = toProblem(error)
      if (problem.status === 503) request.log.warn({ err: error }, 'unavailable (database or media store)')
      else if (problem.status >= 500) request.log.error({ err: error }, 'request failed')
      // A detail may quote the path, and a path may hold a pasted secret.
      else request.log.info({ code: problem.code, status: problem.status }, redactSecrets(problem.detail))
      return sendProblem(request, reply, problem)
    })

    // One URL per resource: under /api a trailing slash is never a route (not even an empty
    // {idOrSlug}), so `/api/v1/articles/` is a 404 rather than a validation error.
    app.addHook('onRequest', (request, reply, done) => {
      const path = request.url.split('?')[0]!
      if (path.startsWith('/api/') && path.endsWith('/')) return done(noRoute(request))
      // Node's own answer to an HTTP/1.1 request without Host is an empty 400; this one says why.
      if (request.raw.httpVersion === '1.1' && !request.headers.host) {
        // Like the other requests Node's parser refuses, the connection is closed after the answer.
        reply.header('connection', 'close')
        return done(new ProblemError('BAD_REQUEST', 'An HTTP/1.1 request must carry a Host header.'))
      }
      done()
    })
  },
  { name: 'error-handler' },
)

/** The 404 of a URL no route matches: its method and path (the first 200 characters), never its query. */
export function noRoute(request: Pick<FastifyRequest, 'method' | 'url'>): ProblemError {
  return Problems.notFound(`No route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}.`)
}

/** The answer for a URL no route matches (set by plugins/protection, which rate-limits it). */
export async function notFound(request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(request, reply, noRoute(request))
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: ProblemError) {
  reply.code(problem.status).headers(problem.headers).type(PROBLEM_CONTENT_TYPE)
  return problemBody(problem, request.url.split('?')[0]!)
}
