import type { FastifyInstance, FastifyReply } from 'fastify'
import { keys, type Versioned } from '../services/common.js'

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

/**
 * The serializer of a sparse answer (`fields=`): it holds only the fields the caller named, so
 * the route's full response schema (which serializes every other answer) does not describe it;
 * the document does (plugins/swagger-operations.ts `withSparseAnswers`).
 */
export const sparse = (payload: unknown): string => JSON.stringify(payload)

/** Answers with a sparse representation (`fields=`): serialized as it is made, still JSON. */
export function answerSparse(reply: FastifyReply): void {
  reply.type('application/json; charset=utf-8').serializer(sparse)
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

/**
 * Tags a public read with what it depends on (`keys`), for CDN purges; plugins/http-caching
 * sends them. The route must declare `config.surrogateKeys`, which puts them in the document.
 */
export function dependsOn(reply: FastifyReply, ...tags: string[]): void {
  if (reply.routeOptions.config.surrogateKeys !== true)
    throw new Error(`${reply.routeOptions.url ?? ''}: config.surrogateKeys must be true`)
  reply.surrogateKeys = [...(reply.surrogateKeys ?? []), ...tags]
}

/** The keys of a page of articles: every list, each article shown and, when embedded, its author; what it was filtered by. */
export function articleListKeys(
  articles: { id: string; authorId: string; author?: unknown; coverImage?: { id: string } | null }[],
  query: { q?: string | undefined; tag?: string[] | undefined; sort?: string | undefined },
): string[] {
  return [
    keys.articles,
    ...(query.q !== undefined ? [keys.search] : []),
    ...(query.sort !== undefined ? [keys.sorted] : []),
    ...new Set((query.tag ?? []).map(keys.tag)),
    ...articles.flatMap((a) => [
      keys.article(a.id),
      ...(a.author ? [keys.author(a.authorId)] : []),
      ...(a.coverImage ? [keys.media(a.coverImage.id)] : []),
    ]),
  ]
}

/**
 * The media key of the image a single article's answer shows (its embedded cover, its structured
 * data's image URLs, or just its id), if it has one: a media change purges the answer.
 */
export function coverKeys(article: {
  coverImageId?: string | null
  coverImage?: { id: string } | null
  structuredData?: { image?: string[] }
}): string[] {
  const fromImage = /\/media\/([0-9a-f-]{36})\//.exec(article.structuredData?.image?.[0] ?? '')?.[1]
  const id = article.coverImageId ?? article.coverImage?.id ?? fromImage
  return id ? [keys.media(id)] : []
}

export { keys }
