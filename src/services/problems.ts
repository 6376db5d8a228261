import { isDatabaseUnavailable, isForeignKeyViolation, isInvalidValue, uniqueViolation } from '../db/errors.js'
import { MAX_FIELD_ERRORS, ProblemError, Problems, codeForStatus, type FieldError } from '../errors.js'

/**
 * Any error as the problem a client receives: catalogue errors as they are, schema validation
 * failures, the database's constraint and availability errors, Fastify's own HTTP errors; any
 * other error is a 500 that says nothing about the internals. The error handler answers with
 * it, and a bulk request records it per item.
 */

interface ValidationIssue {
  instancePath: string
  keyword: string
  params: Record<string, unknown>
  message?: string
}

type AnyError = Error & { validation?: unknown[]; validationContext?: string; statusCode?: number }

export function toProblem(error: AnyError): ProblemError {
  if (error instanceof ProblemError) return error
  if (error.validation) {
    const part = error.validationContext === 'querystring' ? 'query' : (error.validationContext ?? 'request')
    // At most MAX_FIELD_ERRORS are listed: an error must not be an amplifier (a body with
    // 100,000 bad items would otherwise answer megabytes).
    const all = error.validation as ValidationIssue[]
    const shown = all.slice(0, MAX_FIELD_ERRORS).map((issue) => fieldError(part, issue))
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
