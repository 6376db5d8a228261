/**
 * The HTTP headers the API reads and sends, as the OpenAPI document declares them. The
 * behaviour lives where it is implemented (ETag and If-Match: plugins/http-caching.ts;
 * RateLimit-*: plugins/protection.ts; Idempotency-Key: plugins/idempotency.ts; X-Request-Id:
 * app.ts); plugins/swagger.ts puts these on the operations whose routes declare them.
 */

type HeaderSchema = { type: 'string'; maxLength: number; pattern?: string; enum?: string[]; description: string }

const header = (description: string, maxLength: number, pattern?: string): HeaderSchema => ({
  type: 'string',
  maxLength,
  ...(pattern ? { pattern } : {}),
  description,
})

/** Request headers, as OpenAPI header parameters (none has an example: Swagger UI would send it). */
export const REQUEST_HEADERS = {
  ifMatch: (required: boolean) =>
    header(
      (required ? 'Required: 428 without it. ' : 'Optional: without it the delete is unconditional. ') +
        'The strong ETag of the current representation, exactly as GET on this path (or the previous write) sent ' +
        'it, quotes included, e.g. `"3-4kq0hTVMbqNC8t2Z"`; several may be listed, comma-separated. The whole tag is ' +
        'compared (version and hash): a stale, forged or weak tag is 412 and nothing changes. `*` matches any version.',
      1000,
    ),
  ifNoneMatch: header(
    'The ETag of a representation you hold: 304 Not Modified, without a body, while it is still current (weak comparison; `*` matches any).',
    1000,
  ),
}

const INT = '^[0-9]{1,10}$'

/** Response headers, by name. */
export const RESPONSE_HEADERS = {
  strongEtag: {
    type: 'string',
    pattern: '^"\\d+-[\\w-]{16}"$',
    description:
      'Strong ETag of this version: If-Match for the next PATCH or DELETE, If-None-Match to revalidate (304).',
  },
  weakEtag: {
    type: 'string',
    pattern: '^W/"[\\w-]{16}"$',
    description: 'Weak ETag of this page: send it as If-None-Match to revalidate (304).',
  },
  linkNext: {
    type: 'string',
    pattern: '^<[^>]+>; rel="next"$',
    description: '`<url>; rel="next"` when there is a next page, in the paging mode used (page or cursor).',
  },
  requestId: header('The id of this request, also in the server log: quote it when reporting a problem.', 200),
  rateLimitLimit: header(
    'Requests allowed per window for this client (absent for admin tokens, which are exempt).',
    10,
    INT,
  ),
  rateLimitRemaining: header('Requests left in the current window.', 10, INT),
  rateLimitReset: header('Seconds until the window resets.', 10, INT),
  allowOrigin: header("Only when CORS_ORIGINS allows the request's Origin: that origin, or `*`.", 2000),
  vary: header('`Authorization`: the answer depends on the token.', 100),
  varyAccept: header('`Authorization, Accept`: the answer depends on the token and on the media type asked for.', 100),
  cacheControl: header(
    'Anonymous successful reads: `public, max-age=0, s-maxage=<CACHE_S_MAXAGE>, stale-while-revalidate=<…>, ' +
      'stale-if-error=<…>` (browsers revalidate with If-None-Match, shared caches and CDNs keep it; an article list, ' +
      'a feed or a sitemap only until the next scheduled article goes live, the news sitemap and the sitemap index ' +
      'also only until their oldest news entry is 48 hours old); anonymous errors: `public, max-age=0, must-revalidate`; ' +
      'with a token: `private, no-cache`; with a preview token: `private, no-store`.',
    300,
  ),
  surrogateKey: header(
    'Anonymous successful reads: what the response depends on, space-separated (`articles`, `articles-search`, `articles-sorted`, ' +
      '`article-<id>`, `author-<id>`, `author-articles-<id>`, `tag-<tag>`, `comments-<articleId>`, `authors`, `tags`, ' +
      '`sitemaps`, `sitemap-news`), for CDN purges by surrogate key ' +
      '(Fastly, Varnish xkey). Every change purges exactly the keys it made stale (CDN_PURGE).',
    65_536,
  ),
  cacheTag: header(
    'The same keys as Surrogate-Key, comma-separated, for CDNs that read Cache-Tag (Cloudflare).',
    65_536,
  ),
  robotsTag: {
    type: 'string',
    maxLength: 20,
    enum: ['noindex'],
    description: 'Only on answers to a preview token: a draft must never be indexed.',
  } satisfies Omit<HeaderSchema, 'pattern'>,
  retryAfter: { type: 'string', pattern: '^[0-9]+$', description: 'Seconds to wait before retrying.' },
  wwwAuthenticate: { type: 'string', const: 'Bearer', description: 'The authentication scheme to use.' },
  idempotentReplayed: {
    type: 'string',
    maxLength: 4,
    enum: ['true'],
    description: 'Present when this response is the stored answer to an earlier request with the same Idempotency-Key.',
  } satisfies Omit<HeaderSchema, 'pattern'>,
}
