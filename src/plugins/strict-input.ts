import fp from 'fastify-plugin'
import { Type } from 'typebox'
import { ProblemError, Problems, type FieldError } from '../errors.js'
import { FORBIDDEN_TEXT } from '../schemas/text.js'

const MAX_DEPTH = 32
/**
 * No schema allows more than 100 items or properties anywhere; past these bounds a body is
 * refused before validation, so refusing it costs one walk, not one error per item.
 */
const MAX_ITEMS = 1000
const MAX_ERRORS = 20

/**
 * Inputs are JSON bodies and text parameters, nothing else, and only real text. Bodies of
 * any other media type are 415 (Fastify's text/plain parser is removed, so no second way
 * in); strings with NUL bytes or lone surrogates are a 400 naming the field, in bodies, query
 * strings and path parameters alike, before any of it can reach the database.
 */
export default fp(
  async (app) => {
    app.removeContentTypeParser('text/plain')

    // JSON bodies are UTF-8 (RFC 8259): another declared charset is a 415, and bytes that are
    // not UTF-8 are a 400, where a plain decode would silently store U+FFFD instead.
    const parseJson = app.getDefaultJsonParser('error', 'error')
    const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1]
      if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
        done(
          new ProblemError(
            'UNSUPPORTED_MEDIA_TYPE',
            `JSON bodies are UTF-8; charset=${charset.slice(0, 40)} is not accepted.`,
          ),
        )
        return
      }
      let text: string
      try {
        text = utf8.decode(body as Buffer)
      } catch {
        done(Problems.validation([{ path: '/body', message: 'is not valid UTF-8' }]))
        return
      }
      // The callback form: `done` receives the outcome; nothing is returned to wait for.
      void parseJson(request, text, done)
    })

    // A route that declares no query parameters accepts none: unknown parameters are a 400
    // everywhere, not only where a list schema happens to say additionalProperties: false.
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith('/api/') && route.schema && !route.schema.querystring) {
        route.schema.querystring = Type.Object({}, { additionalProperties: false })
      }
    })

    app.addHook('preValidation', async (request) => {
      const errors: FieldError[] = []
      scan(request.params, '/params', errors, 0)
      scan(request.query, '/query', errors, 0)
      strictIntegers(request.routeOptions.schema?.querystring, request.query, errors)
      scan(request.body, '/body', errors, 0)
      if (errors.length > 0) throw Problems.validation(errors)
    })
  },
  { name: 'strict-input' },
)

/** Checks a parsed input; stops adding errors after MAX_ERRORS. Strings are kept byte-exact. */
function scan(value: unknown, path: string, errors: FieldError[], depth: number): void {
  if (errors.length >= MAX_ERRORS) return
  if (typeof value === 'string') {
    if (FORBIDDEN_TEXT.test(value))
      errors.push({ path, message: 'must be text without NUL characters or unpaired surrogates' })
    return
  }
  if (value === null || typeof value !== 'object') return
  if (depth > MAX_DEPTH) {
    errors.push({ path, message: 'is nested too deeply' })
    return
  }
  const entries = Object.entries(value)
  if (entries.length > MAX_ITEMS) {
    errors.push({ path, message: `has more than ${MAX_ITEMS} ${Array.isArray(value) ? 'items' : 'properties'}` })
    return
  }
  for (const [key, child] of entries) {
    const pointer = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
    if (FORBIDDEN_TEXT.test(key))
      errors.push({ path: pointer, message: 'property names must be text without NUL characters' })
    scan(child, pointer, errors, depth + 1)
  }
}

/**
 * Query strings are coerced to the types their schema declares, and Ajv's coercion is
 * generous: "Infinity", "1e400", "0x10" or "+5" would become numbers. Integer parameters
 * must be written as plain decimal integers, checked on the raw text before coercion.
 */
function strictIntegers(schema: unknown, query: unknown, errors: FieldError[]): void {
  const properties = (schema as { properties?: Record<string, { type?: string }> } | undefined)?.properties
  if (!properties || !query || typeof query !== 'object') return
  for (const [name, value] of Object.entries(query as Record<string, unknown>)) {
    if (properties[name]?.type !== 'integer') continue
    for (const text of Array.isArray(value) ? value : [value]) {
      if (typeof text === 'string' && !/^-?[0-9]{1,15}$/.test(text)) {
        errors.push({ path: `/query/${name}`, message: 'must be an integer written in decimal digits' })
      }
    }
  }
}
