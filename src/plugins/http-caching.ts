import { createHash } from 'node:crypto'
import fp from 'fastify-plugin'
import { ANONYMOUS } from '../auth.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** strong: single resources (needs `setVersion`); weak: lists. */
    etag?: 'strong' | 'weak'
  }
  interface FastifyReply {
    /** The stored version of the resource being sent, for its strong ETag. */
    resourceVersion: number | undefined
  }
}

/**
 * ETags and conditional requests. A single resource's strong ETag is `"<version>-<hash>"`:
 * the hash is of the exact bytes sent, so If-None-Match never returns 304 for a changed
 * representation (a new comment count, an embedded author, a scheduled article going live);
 * the version is the row's, so If-Match on a write is checked against the stored version in
 * the same UPDATE, atomically. Lists get a weak ETag of their body.
 */
export default fp(
  async (app) => {
    app.decorateReply('resourceVersion', undefined)

    // Document what this plugin sends, where the routes are defined: the ETag on every
    // successful response with a body, and Link on lists.
    app.addHook('onRoute', (route) => {
      const kind = route.config?.etag
      const response = route.schema?.response as Record<string, Record<string, unknown>> | undefined
      if (!kind || !response) return
      for (const [status, entry] of Object.entries(response)) {
        if (!/^2\d\d$/.test(status) || status === '204') continue
        const headers = { ...(entry.headers as Record<string, unknown> | undefined), ETag: kind === 'strong' ? STRONG_ETAG : WEAK_ETAG }
        if (kind === 'weak') Object.assign(headers, { Link: LINK_NEXT })
        response[status] = { ...entry, headers }
      }
    })

    app.addHook('onSend', async (request, reply, payload) => {
      const kind = reply.routeOptions.config.etag
      // Decided by the route that answered, never by the URL's spelling: `/%61pi/v1/tokens`
      // and the absolute form `http://host/api/v1/tokens` reach the same route, and must
      // carry the same private caching headers. Unmatched URLs (404s) go by their path.
      if ((request.routeOptions.url ?? new URL(request.url, 'http://x').pathname).startsWith('/api/')) {
        reply.header('vary', 'Authorization')
        if (request.method === 'GET') {
          // principal is unset when the request was refused before authentication ran.
          const anonymous = (request.principal ?? ANONYMOUS).kind === 'anonymous'
          reply.header('cache-control', anonymous ? 'public, max-age=0, must-revalidate' : 'private, no-cache')
        }
      }
      if (!kind || typeof payload !== 'string' || reply.statusCode < 200 || reply.statusCode >= 300) return payload
      const hash = createHash('sha256').update(payload).digest('base64url').slice(0, 16)
      let etag: string
      if (kind === 'strong') {
        if (reply.resourceVersion === undefined) return payload
        etag = `"${reply.resourceVersion}-${hash}"`
      } else {
        etag = `W/"${hash}"`
      }
      reply.header('etag', etag)
      if ((request.method === 'GET' || request.method === 'HEAD') && noneMatch(request.headers['if-none-match'], etag)) {
        reply.code(304).removeHeader('content-type')
        return ''
      }
      return payload
    })
  },
  { name: 'http-caching', dependencies: ['auth'] },
)

const STRONG_ETAG = {
  type: 'string',
  pattern: '^"\\d+-[\\w-]{16}"$',
  description: 'Strong ETag of this version: If-Match for the next PATCH or DELETE, If-None-Match to revalidate (304).',
}
const WEAK_ETAG = {
  type: 'string',
  pattern: '^W/"[\\w-]{16}"$',
  description: 'Weak ETag of this page: send it as If-None-Match to revalidate (304).',
}
const LINK_NEXT = {
  type: 'string',
  pattern: '^<[^>]+>; rel="next"$',
  description: '`<url>; rel="next"` when there is a next page, in the paging mode used (page or cursor).',
}

/** If-None-Match uses weak comparison (RFC 9110 §13.1.2). */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false
  if (header.trim() === '*') return true
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '')
  return header.split(',').some((tag) => opaque(tag) === opaque(etag))
}
