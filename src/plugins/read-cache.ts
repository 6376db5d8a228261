import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import type { Following } from '../db/database.js'
import { noneMatch } from './http-caching.js'
import { purgeKeysFor } from '../services/cdn.js'
import { type CachedAnswer, type Miss, ReadCache } from '../services/read-cache.js'

/** The channel the outbox trigger notifies every committed change on (its types and data). */
export const CHANGES_CHANNEL = 'broadsheet_changes'

declare module 'fastify' {
  interface FastifyInstance {
    /** This process's read cache (its counters feed /metrics). */
    readCache: ReadCache
  }
  interface FastifyRequest {
    /** A cacheable request that missed: what its answer is stored under, and who waits for it. */
    readCacheMiss: { key: string; miss: Miss; before: Record<string, unknown>; done: () => void } | null
  }
}

/** Headers of an answer that belong to its request, never to the stored answer. */
const PER_REQUEST = new Set(['x-request-id', 'content-length', 'date', 'connection', 'keep-alive'])

/**
 * The read cache in front of every public read (routes that declare `config.surrogateKeys`):
 * an anonymous GET's answer, if it is a 200 that shared caches may keep, is stored as the
 * bytes sent with its headers (services/read-cache.ts), under the request's normalised form,
 * and served again to anonymous GETs until a committed change touches one of its surrogate
 * keys, its time is up, or memory runs short.
 *
 * - **What is never stored**: any request with an `Authorization` header (tokens, preview
 *   tokens, bad tokens alike), any answer but a 200 with shared-cache `Cache-Control` and
 *   surrogate keys (so never `private`, never a problem, never a 304), any streamed body.
 * - **Invalidation**: the statement that writes a change's outbox event fires a NOTIFY with
 *   the events' types and data in the same transaction (migration read_cache_notify); every
 *   process follows that channel and removes the entries of the keys `purgeKeysFor` names,
 *   the same keys a CDN is purged with. A scheduled article's change makes every entry expire
 *   before its go-live, in every process.
 * - **No stale read after an acknowledged write, from any process**: before a cacheable request
 *   looks at the cache it waits for `sync()` on the listening connection (one round trip,
 *   shared by every request that arrives while one is on its way), which hands over every
 *   notification committed before the request arrived. A write acknowledged before the
 *   request therefore has removed its entries by then. The race between a miss reading the
 *   database and an invalidation arriving meanwhile is services/read-cache.ts's counter.
 * - **Losing the connection** flushes the cache and serves uncached (sync fails) until it is
 *   back; the flush and the reconnection are logged, and /metrics shows `connected`.
 * - **Stampedes**: a miss for a key another request is already making waits for that one
 *   (when no change arrived since it started) and is served its answer.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const cache = new ReadCache(config.READ_CACHE_MB * 1024 * 1024)
    app.decorate('readCache', cache)
    app.decorateRequest('readCacheMiss', null)
    if (config.READ_CACHE_MB === 0) return

    const sMaxAgeMs = config.CACHE_S_MAXAGE * 1000
    const inflight = new Map<string, { miss: Miss; done: Promise<void> }>()
    let following: Following | undefined

    const onChanges = (payload: string) => {
      if (payload === '*') {
        cache.flush()
        return
      }
      let events: { type: string; data: Record<string, unknown> }[]
      try {
        events = JSON.parse(payload) as typeof events
      } catch (error) {
        app.log.error({ err: error }, 'read cache: unreadable change notification; flushing')
        cache.flush()
        return
      }
      const now = new Date()
      for (const event of events) {
        cache.invalidate(purgeKeysFor(event, now))
        // Scheduled: it goes live by the clock, with no change to announce it in time for
        // every process. Whatever lists it then must not be served past that moment (less the
        // s-maxage a miss would shorten to before it), and this process's lists learn the date.
        const { status, publishedAt } = event.data
        if (event.type.startsWith('article.') && status === 'scheduled' && typeof publishedAt === 'string') {
          const at = Date.parse(publishedAt)
          cache.expireBy(at - sMaxAgeMs)
          app.services.goLive.scheduled(new Date(at))
        }
      }
    }

    app.addHook('onReady', async () => {
      following = await app.db
        .follow(CHANGES_CHANNEL, {
          message: onChanges,
          up: () => {
            cache.connect()
            app.log.info('read cache: following changes; caching')
          },
          down: (error) => {
            cache.disconnect()
            app.log.warn({ err: error }, 'read cache: lost the change notifications; flushed, serving uncached')
          },
        })
        .catch((error: unknown) => {
          app.log.warn({ err: error }, 'read cache: cannot follow changes; serving uncached')
          return undefined
        })
    })
    app.addHook('onClose', async () => {
      await following?.stop()
      cache.disconnect()
    })

    const keyOf = (request: FastifyRequest): string => {
      const mark = request.url.indexOf('?')
      const path = mark === -1 ? request.url : request.url.slice(0, mark)
      let query = ''
      if (mark !== -1) {
        const params = new URLSearchParams(request.url.slice(mark + 1))
        params.sort()
        query = params.toString()
      }
      // Absolute links (the sitemap index) follow the host and scheme the request came by.
      return `${request.protocol}://${request.host}${path}?${query}\n${request.headers.accept ?? ''}`
    }

    const serve = (request: FastifyRequest, reply: FastifyReply, answer: CachedAnswer): FastifyReply => {
      reply.fromReadCache = true
      reply.code(answer.status).headers(answer.headers)
      if (answer.etag !== undefined && noneMatch(request.headers['if-none-match'], answer.etag)) {
        return reply.code(304).removeHeader('content-type').send('')
      }
      return reply.send(answer.body)
    }

    // After every onRequest hook (request id, security headers, CORS, authentication, the rate
    // limit), so a stored answer is subject to all of them; before the body, validation and
    // the handler.
    app.addHook('preParsing', async (request, reply, payload) => {
      if (
        request.method !== 'GET' ||
        request.headers.authorization !== undefined ||
        request.routeOptions.config.surrogateKeys !== true ||
        !cache.connected
      )
        return payload
      try {
        await following?.sync()
      } catch {
        return payload // not listening: uncached, and nothing stored
      }
      const key = keyOf(request)
      let answer = cache.get(key)
      if (answer === undefined) {
        const leader = inflight.get(key)
        if (leader !== undefined && cache.current(leader.miss)) {
          await leader.done
          answer = cache.get(key)
        }
      }
      if (answer !== undefined) return serve(request, reply, answer)
      if (inflight.has(key)) return payload // another miss leads; this one just reads
      const miss = cache.begin()
      let done!: () => void
      inflight.set(key, { miss, done: new Promise<void>((resolve) => (done = resolve)) })
      request.readCacheMiss = { key, miss, before: { ...reply.getHeaders() }, done }
      return payload
    })

    const finish = (request: FastifyRequest) => {
      const pending = request.readCacheMiss
      // undefined on routes registered before this plugin (Swagger UI): their requests never miss here.
      if (pending === null || pending === undefined) return undefined
      request.readCacheMiss = null
      if (inflight.get(pending.key)?.miss === pending.miss) inflight.delete(pending.key)
      pending.done()
      return pending
    }

    // Registered after http-caching's: the headers are final (ETag, Cache-Control, keys).
    app.addHook('onSend', async (request, reply, payload) => {
      const pending = finish(request)
      if (pending === undefined) return payload
      const keys = reply.surrogateKeys
      const cacheControl = reply.getHeader('cache-control')
      if (
        reply.statusCode !== 200 ||
        (typeof payload !== 'string' && !Buffer.isBuffer(payload)) ||
        keys === undefined ||
        keys.length === 0 ||
        typeof cacheControl !== 'string' ||
        !cacheControl.startsWith('public') ||
        !cacheControl.includes('s-maxage') ||
        reply.hasHeader('set-cookie')
      ) {
        cache.end(pending.miss)
        return payload
      }
      const body = typeof payload === 'string' ? Buffer.from(payload) : payload
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value === undefined || PER_REQUEST.has(name) || pending.before[name] === value) continue
        headers[name] = Array.isArray(value) ? value.join(', ') : String(value)
      }
      // Near a scheduled go-live the s-maxage a miss sends shrinks; a stored answer is served
      // only while its own s-maxage still holds.
      const expiresAt =
        reply.freshUntil === undefined ? Number.POSITIVE_INFINITY : reply.freshUntil.getTime() - sMaxAgeMs
      cache.store(pending.miss, pending.key, {
        status: 200,
        headers,
        body,
        etag: headers.etag,
        keys: [...new Set(keys)],
        expiresAt,
      })
      return body
    })
    const abandon = (request: FastifyRequest) => {
      const pending = finish(request)
      if (pending !== undefined) cache.end(pending.miss)
    }
    app.addHook('onResponse', async (request) => abandon(request))
    app.addHook('onRequestAbort', async (request) => abandon(request))
  },
  { name: 'read-cache', dependencies: ['http-caching', 'services'] },
)
