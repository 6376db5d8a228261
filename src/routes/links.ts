import type { FastifyReply } from 'fastify'

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
