import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { isDatabaseUnavailable, isForeignKeyViolation, isInvalidValue, uniqueViolation } from '../db/errors.js'
import { PROBLEM_CONTENT_TYPE, ProblemError, MAX_FIELD_ERRORS, Problems, codeForStatus, problemBody, type FieldError } from '../errors.js'


interface ValidationIssue {
  instancePath: string
  keyword: string
  params: Record<string, unknown>
  message?: string
}

/**
 * The one place errors become responses: catalogue errors, schema validation failures,
 * Fastify's own HTTP errors and the database's constraint errors are mapped to problem+json;
 * anything else is a 500 whose body says nothing about the internals (the log has the details).
 */
export default fp(
  async (app) => {
    app.setErrorHandler(async (error: FastifyError, request, reply) => {
      const problem = toProblem(error)
      if (problem.status === 503) request.log.warn({ err: error }, 'database unavailable')
      else if (problem.status >= 500) request.log.error({ err: error }, 'request failed')
      else request.log.info({ code: problem.code, status: problem.status }, problem.detail)
      return sendProblem(request, reply, problem)
    })

    // One URL per resource: under /api a trailing slash is never a route (not even an empty
    // {idOrSlug}), so `/api/v1/articles/` is a 404 rather than a validation error.
    app.addHook('onRequest', (request, reply, done) => {
      const path = request.url.split('?')[0]!
      if (path.startsWith('/api/') && path.endsWith('/')) return done(Problems.notFound(`No route ${request.method} ${path.slice(0, 200)}.`))
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

/** The answer for a URL no route matches (set by plugins/protection, which rate-limits it). */
export async function notFound(request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(request, reply, Problems.notFound(`No route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}.`))
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: ProblemError) {
  reply.code(problem.status).headers(problem.headers).type(PROBLEM_CONTENT_TYPE)
  return problemBody(problem, request.url.split('?')[0]!)
}

function toProblem(error: FastifyError): ProblemError {
  if (error instanceof ProblemError) return error
  if (error.validation) {
    const part = error.validationContext === 'querystring' ? 'query' : (error.validationContext ?? 'request')
    // At most MAX_FIELD_ERRORS are listed: an error must not be an amplifier (a body with
    // 100,000 bad items would otherwise answer megabytes).
    const all = error.validation
    const shown = all.slice(0, MAX_FIELD_ERRORS).map((issue) => fieldError(part, issue as ValidationIssue))
    return Problems.validation(
      shown,
      all.length > shown.length
        ? `The request is not valid; \`errors\` lists the first ${shown.length} of ${all.length} problems.`
        : undefined,
    )
  }
  if (isDatabaseUnavailable(error)) return Problems.unavailable()
  if (isInvalidValue(error)) return new ProblemError('INVALID_VALUE')
  // Constraint errors a service did not turn into a more specific problem.
  const unique = uniqueViolation(error)
  if (unique === 'slug') return new ProblemError('SLUG_TAKEN', 'That slug is already in use.')
  if (unique) return new ProblemError('CONFLICT')
  if (isForeignKeyViolation(error)) return new ProblemError('REFERENCE_CONFLICT')
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    // Fastify's own client errors (malformed JSON, unsupported media type, body too large...).
    // Their messages describe the request, never the server, so they are safe to show.
    return new ProblemError(codeForStatus(error.statusCode), error.message)
  }
  return Problems.internal()
}

function fieldError(part: string, issue: ValidationIssue): FieldError {
  let path = `/${part}${issue.instancePath}`
  let message = issue.message ?? 'is invalid'
  if (issue.keyword === 'required' && typeof issue.params.missingProperty === 'string') {
    path = `${path}/${issue.params.missingProperty}`
    message = 'is required'
  } else if (issue.keyword === 'additionalProperties' && typeof issue.params.additionalProperty === 'string') {
    path = `${path}/${issue.params.additionalProperty}`
    message = part === 'query' ? 'is not a known query parameter' : 'is not an allowed property'
  } else if (issue.keyword === 'enum' && Array.isArray(issue.params.allowedValues)) {
    message = `must be one of: ${issue.params.allowedValues.join(', ')}`
  }
  return { path, message }
}
