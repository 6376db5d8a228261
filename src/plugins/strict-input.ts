import fp from 'fastify-plugin'
import { Problems, type FieldError } from '../errors.js'

/** NUL (Postgres text cannot hold it) and UTF-16 surrogates without their pair (not Unicode text). */
const FORBIDDEN = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const MAX_DEPTH = 32

/**
 * Inputs are JSON bodies and text parameters, nothing else, and only real text. Bodies of
 * any other media type are 415 (Fastify's text/plain parser is removed, so no second way
 * in); strings with NUL bytes or lone surrogates are a 400 naming the field, in bodies, query
 * strings and path parameters alike, before any of it can reach the database.
 */
export default fp(
  async (app) => {
    app.removeContentTypeParser('text/plain')

    app.addHook('preValidation', async (request) => {
      const errors: FieldError[] = []
      scan(request.params, '/params', errors, 0)
      scan(request.query, '/query', errors, 0)
      scan(request.body, '/body', errors, 0)
      if (errors.length > 0) throw Problems.validation(errors)
    })
  },
  { name: 'strict-input' },
)

function scan(value: unknown, path: string, errors: FieldError[], depth: number): void {
  if (errors.length >= 20) return
  if (typeof value === 'string') {
    if (FORBIDDEN.test(value)) errors.push({ path, message: 'must be text without NUL characters or unpaired surrogates' })
    return
  }
  if (value === null || typeof value !== 'object') return
  if (depth > MAX_DEPTH) {
    errors.push({ path, message: 'is nested too deeply' })
    return
  }
  for (const [key, child] of Object.entries(value)) {
    const pointer = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
    if (FORBIDDEN.test(key)) errors.push({ path: pointer, message: 'property names must be text without NUL characters' })
    scan(child, pointer, errors, depth + 1)
  }
}
