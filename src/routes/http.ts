import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Versioned } from '../services/common.js'

/** What routes put on the wire beyond the body: paging links, the resource version behind the ETag. (If-Match: `reply.ifMatch`, plugins/http-caching.ts.) */

/**
 * `Link: <...>; rel="next"` when there is a next page: the same path and query, moved on by
 * one page when the request paged with `page`, otherwise by `cursor=meta.nextCursor`.
 */
export function linkNext(reply: FastifyReply, url: string, meta: { nextCursor: string | null; page?: number }): void {
  if (meta.nextCursor === null) return
  const parsed = new URL(url, 'http://localhost')
  if (parsed.searchParams.has('page') && meta.page !== undefined) {
    parsed.searchParams.set('page', String(meta.page + 1))
  } else {
    parsed.searchParams.delete('page')
    parsed.searchParams.set('cursor', meta.nextCursor)
  }
  reply.header('link', `<${parsed.pathname}${parsed.search}>; rel="next"`)
}

/** Sends a single resource with its strong ETag (made in onSend from the version and the bytes). */
export function sendVersioned<T>(reply: FastifyReply, { resource, version }: Versioned<T>): T {
  reply.resourceVersion = version
  return resource
}

/**
 * The body limit of routes whose bodies are small by schema (a comment, an author, a token,
 * a publish): 64 KiB holds the largest valid one even with every character JSON-escaped, and
 * a larger body is refused before it is read, whatever BODY_LIMIT_BYTES allows articles.
 */
export function smallBody(app: FastifyInstance): number {
  return Math.min(app.initialConfig.bodyLimit ?? Number.POSITIVE_INFINITY, 64 * 1024)
}
