import { hash } from 'node:crypto'
import type { FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import type { TSchema } from 'typebox'
import { ANONYMOUS } from '../auth.js'
import type { Config } from '../config.js'
import { Problems } from '../errors.js'
import type { Versioned } from '../services/common.js'

/** The current representation(s) of a write's target, all of one version. */
type Current = Versioned<unknown> | Versioned<unknown>[]

declare module 'fastify' {
  interface FastifyContextConfig {
    /** strong: single resources (needs `setVersion`); weak: lists. */
    etag?: 'strong' | 'weak'
    /** The route evaluates If-Match (`reply.requireIfMatch` / `reply.ifMatch`); the document declares the header. */
    ifMatch?: 'required' | 'optional'
    /** The route tags its public reads with surrogate keys (`reply.surrogateKeys`); the document declares them. */
    surrogateKeys?: boolean
    /**
     * The GET route (path template) whose representation If-Match names, when it is not this
     * route's own path: a revision restore writes the article, so it takes the article's ETag.
     */
    ifMatchOf?: string
    /** A request header the answer depends on besides Authorization (content negotiation); sent in `Vary`. */
    vary?: 'Accept'
  }
  interface FastifyReply {
    /** The stored version of the resource being sent, for its strong ETag. */
    resourceVersion: number | undefined
    /**
     * What a public read depends on (`keys` in services/common.ts): sent as `Surrogate-Key`
     * and `Cache-Tag` so a CDN can purge exactly the responses a change makes stale.
     */
    surrogateKeys: string[] | undefined
    /** A public read that may be cached only until this moment (a list before a scheduled go-live). */
    freshUntil: Date | undefined
    /** The answer is one the read cache stored (plugins/read-cache.ts), headers and ETag included: onSend leaves it as it is. */
    fromReadCache: boolean
    /**
     * Evaluates If-Match for a write (RFC 9110 §13.1.1): the version the write must find, `'*'`
     * (any), or undefined without the header (428 instead when `required`). Each listed tag
     * is compared strongly with the ETag of the current representation (what GET on the same
     * path sends, made by `current`; several when the caller may hold more than one, e.g. an
     * author's public and private views): version *and* hash. No tag matches: 412.
     */
    ifMatch(current: () => Promise<Current>): Promise<number | '*' | undefined>
    /** `ifMatch` where the header is required (PATCH): 428 without it. */
    requireIfMatch(current: () => Promise<Current>): Promise<number | '*'>
  }
}

/**
 * ETags and conditional requests. A single resource's strong ETag is `"<version>-<hash>"`:
 * the hash is of the exact bytes sent, so If-None-Match never returns 304 for a changed
 * representation (a new comment count, an embedded author, a scheduled article going live);
 * the version is the row's. If-Match on a write must equal the ETag of the current
 * representation, hash included (`reply.ifMatch`); the version it names is then checked
 * again in the write's own statement, atomically. Lists get a weak ETag of their body.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    app.decorateReply('resourceVersion', undefined)
    app.decorateReply('surrogateKeys', undefined)
    app.decorateReply('freshUntil', undefined)
    app.decorateReply('fromReadCache', false)
    /** Public reads: browsers revalidate every time (ETag), shared caches keep them for s-maxage. */
    const stale = `stale-while-revalidate=${config.CACHE_STALE_WHILE_REVALIDATE}, stale-if-error=${config.CACHE_STALE_IF_ERROR}`
    const shared = (maxAge: number) => `public, max-age=0, s-maxage=${maxAge}, ${stale}`
    const sharedDefault = shared(config.CACHE_S_MAXAGE)

    // The 200 response schema of each GET route, by path template: what a write's If-Match is
    // compared against is the representation GET on the same path sends.
    const getSchemas = new Map<string, TSchema>()
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      const ok = (route.schema?.response as Record<string, TSchema> | undefined)?.[200]
      if (methods.includes('GET') && ok) getSchemas.set(route.url, ok)
    })

    async function ifMatch(
      reply: FastifyReply,
      header: string,
      current: () => Promise<Current>,
    ): Promise<number | '*'> {
      if (header.trim() === '*') return '*'
      // Only strong tags in the form this API issues can match; a weak one never does (§8.8.3.2).
      const tags = header
        .split(',')
        .map((tag) => tag.trim())
        .filter((tag) => STRONG_TAG.test(tag))
      if (tags.length === 0)
        throw Problems.preconditionFailed('If-Match must be an ETag this API sent (a strong one, unmodified).')
      const url = reply.routeOptions.config.ifMatchOf ?? reply.request.routeOptions.url ?? ''
      const schema = getSchemas.get(url)
      if (!schema) throw new Error(`If-Match on ${url}: no GET route on this path to compare with`)
      const representations = [await current()].flat()
      const matches = representations.some(({ resource, version }) =>
        tags.includes(
          strongTag(
            version,
            reply.serializeInput(resource as Record<string, unknown>, schema as Record<string, unknown>),
          ),
        ),
      )
      if (!matches) throw Problems.preconditionFailed()
      return representations[0]!.version
    }
    // The route's config declares what the document says; a handler that reads If-Match
    // without declaring it (or the other way round) fails its first request in the tests.
    const declared = (reply: FastifyReply, as: 'required' | 'optional') => {
      if (reply.routeOptions.config.ifMatch !== as)
        throw new Error(`${reply.routeOptions.url ?? ''}: config.ifMatch must be '${as}'`)
    }
    app.decorateReply('ifMatch', function (this: FastifyReply, current: () => Promise<Current>) {
      declared(this, 'optional')
      const header = this.request.headers['if-match']
      return header === undefined ? Promise.resolve(undefined) : ifMatch(this, header, current)
    })
    app.decorateReply('requireIfMatch', function (this: FastifyReply, current: () => Promise<Current>) {
      declared(this, 'required')
      const header = this.request.headers['if-match']
      return header === undefined ? Promise.reject(Problems.preconditionRequired()) : ifMatch(this, header, current)
    })

    app.addHook('onSend', async (request, reply, payload) => {
      if (reply.fromReadCache) return payload
      const route = request.routeOptions // a getter that builds a new object: read once
      const etagKind = route.config.etag
      // Decided by the route that answered, never by the URL's spelling: `/%61pi/v1/tokens`
      // and the absolute form `http://host/api/v1/tokens` reach the same route, and must
      // carry the same private caching headers. Unmatched URLs (404s) go by their path. The
      // public reads outside /api (feeds, sitemaps: routes that declare surrogate keys) follow
      // the same rules.
      if (
        (route.url ?? new URL(request.url, 'http://x').pathname).startsWith('/api/') ||
        route.config.surrogateKeys === true
      ) {
        reply.header('vary', route.config.vary ? `Authorization, ${route.config.vary}` : 'Authorization')
        // principal is unset when the request was refused before authentication ran.
        const { kind } = request.principal ?? ANONYMOUS
        if (kind === 'preview') {
          // A draft shown to one reader: never stored by any cache, never indexed.
          reply.header('cache-control', 'private, no-store').header('x-robots-tag', 'noindex')
        } else if (request.method === 'GET') {
          const cacheable = kind === 'anonymous' && (reply.statusCode < 300 || reply.statusCode === 304)
          if (kind !== 'anonymous') reply.header('cache-control', 'private, no-cache')
          else if (!cacheable) reply.header('cache-control', 'public, max-age=0, must-revalidate')
          else {
            // A list before a scheduled go-live: shared caches keep it only until then.
            const left = (reply.freshUntil?.getTime() ?? 0) - Date.now()
            reply.header(
              'cache-control',
              left > 0 && left < config.CACHE_S_MAXAGE * 1000 ? shared(Math.floor(left / 1000)) : sharedDefault,
            )
            const keys = reply.surrogateKeys
            if (keys && keys.length > 0) {
              const unique = [...new Set(keys)]
              reply.header('surrogate-key', unique.join(' ')).header('cache-tag', unique.join(','))
            }
          }
        }
      }
      // The bytes sent: a serialized body, or one a route wrote as a buffer (a large sitemap).
      const sent = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : undefined
      if (!etagKind || sent === undefined || reply.statusCode < 200 || reply.statusCode >= 300) return payload
      let etag: string
      if (etagKind === 'strong') {
        if (reply.resourceVersion === undefined) return payload
        etag = strongTag(reply.resourceVersion, sent)
      } else {
        etag = `W/"${digest(sent)}"`
      }
      reply.header('etag', etag)
      if (
        (request.method === 'GET' || request.method === 'HEAD') &&
        noneMatch(request.headers['if-none-match'], etag)
      ) {
        reply.code(304).removeHeader('content-type')
        return ''
      }
      return payload
    })
  },
  { name: 'http-caching', dependencies: ['auth'] },
)

/** 16 base64url characters of the SHA-256 of the bytes sent. */
const digest = (payload: string | Buffer): string => hash('sha256', payload, 'base64url').slice(0, 16)
/** A single resource's strong ETag: its stored version and the digest of the representation. */
const strongTag = (version: number, payload: string | Buffer): string => `"${version}-${digest(payload)}"`
const STRONG_TAG = /^"\d{1,9}-[A-Za-z0-9_-]{16}"$/

/** If-None-Match uses weak comparison (RFC 9110 §13.1.2). */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false
  if (header.trim() === '*') return true
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '')
  return header.split(',').some((tag) => opaque(tag) === opaque(etag))
}
