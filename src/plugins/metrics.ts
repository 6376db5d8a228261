import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { Config } from '../config.js'
import { DELIVERY_KINDS, DELIVERY_OUTCOMES } from '../services/deliveries.js'
import type { ReadCacheStats } from '../services/read-cache.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's metrics, with the process's, for GET /metrics (routes/metrics). */
    metrics: {
      readonly contentType: string
      /** Every metric, read now, in the Prometheus text format. */
      exposition(): Promise<string>
    }
  }
}

const PREFIX = 'broadsheet_'

/** Request durations from a millisecond to five seconds: an API answers within the first few. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

/** The read cache's counters (services/read-cache.ts counts; these only show its counts). */
const READ_CACHE_COUNTERS = {
  hits: 'Reads answered from the read cache.',
  misses: 'Reads the read cache did not hold.',
  stores: 'Answers stored in the read cache.',
  evictions: 'Entries the read cache dropped to stay within its size.',
  invalidations: 'Committed changes applied to the read cache (each removes the entries of its surrogate keys).',
  flushes: 'Times the whole read cache was emptied.',
} as const

const READ_CACHE_GAUGES = {
  entries: ['Entries in the read cache.', (s: ReadCacheStats) => s.entries],
  bytes: ['Bytes the read cache holds.', (s: ReadCacheStats) => s.bytes],
  connected: [
    '1 while the read cache hears changes (it serves nothing otherwise), else 0.',
    (s: ReadCacheStats) => Number(s.connected),
  ],
} as const

let processRegistry: Registry | undefined

/**
 * The Node.js process metrics (memory, CPU, handles, event loop lag, GC), one set per process:
 * prom-client's collectors cannot be stopped (a GC observer, an event-loop delay monitor), so
 * they are started once, on first use, and shared by every app the process builds (the tests
 * build many) rather than added again with each.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry, prefix: PREFIX })
  }
  return processRegistry
}

/**
 * One read per scrape for the metrics it feeds: the registry collects every metric at once, so
 * those reading the same source share one call of `read`.
 */
function perScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | undefined
  return () =>
    (current ??= read().finally(() => {
      current = undefined
    }))
}

/**
 * Prometheus metrics, in a registry of this app's own (the process metrics aside, which are
 * the process's): every request's duration by route template and status, each delivery
 * attempt's outcome (services/deliveries.ts tells them as it records them), and, read when
 * scraped, the outbox lag, the read cache's counters and the database pool where the process
 * has them. GET /metrics (routes/metrics) serves them to admin tokens.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const registry = new Registry()
    const registers = [registry]

    const durations = new Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: 'Time from receiving a request to its answer being sent, by method, route template (or "unmatched") and status.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    })
    // Fastify's clock starts before any onRequest hook (authentication, the rate limit), so the
    // time they take is in the duration. Labelled by the route's template, never the URL asked
    // for: the series stay as few as the routes.
    app.addHook('onResponse', async (request, reply) => {
      durations.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      )
    })

    const deliveries = new Counter({
      name: `${PREFIX}webhook_deliveries_total`,
      help: 'Delivery attempts recorded by this process, per delivery, by kind (webhook, cdn) and outcome (delivered; retry: failed, tried again later; failed: given up).',
      labelNames: ['kind', 'outcome'] as const,
      registers,
    })
    // Every series from zero, so a first failure is an increase, not a new series.
    for (const kind of DELIVERY_KINDS) for (const outcome of DELIVERY_OUTCOMES) deliveries.inc({ kind, outcome }, 0)
    const stopObserving = app.services.deliveries.observe(({ kind, outcome, deliveries: count }) =>
      deliveries.inc({ kind, outcome }, count),
    )

    // The Postgres pool; the embedded database has none. Registered before the outbox gauges,
    // as metrics are collected in order: it is read before the scrape's own statement queues.
    const poolStats = app.db.poolStats?.bind(app.db)
    if (poolStats) {
      new Gauge({
        name: `${PREFIX}db_pool_connections`,
        help: "The database pool's connections: open (total), idle, and requests waiting for one.",
        labelNames: ['state'] as const,
        registers,
        collect() {
          const stats = poolStats()
          for (const state of ['total', 'idle', 'waiting'] as const) this.set({ state }, stats[state])
        },
      })
    }

    // A database that does not answer leaves the scrape standing (the process metrics and the
    // pool matter most then): the outbox gauges say NaN, unknown.
    const backlog = perScrape(async () => {
      try {
        return await app.services.deliveries.backlog()
      } catch (error) {
        app.log.warn({ err: error }, 'metrics: the outbox backlog could not be read')
        return { events: NaN, oldestSeconds: NaN }
      }
    })
    new Gauge({
      name: `${PREFIX}outbox_lag_seconds`,
      help: 'How long the oldest outbox event not yet fanned out into deliveries has waited (0 when none).',
      registers,
      async collect() {
        this.set((await backlog()).oldestSeconds)
      },
    })
    new Gauge({
      name: `${PREFIX}outbox_pending_events`,
      help: 'Outbox events not yet fanned out into deliveries.',
      registers,
      async collect() {
        this.set((await backlog()).events)
      },
    })

    // The read cache, unless it is off (READ_CACHE_MB=0: it would say 0 and "not connected"
    // for good). Looked for once the app is ready, whichever plugin was registered first.
    app.addHook('onReady', async () => {
      if (config.READ_CACHE_MB === 0 || !app.hasDecorator('readCache')) return
      const { readCache } = app
      for (const [key, help] of Object.entries(READ_CACHE_COUNTERS)) {
        new Counter({
          name: `${PREFIX}read_cache_${key}_total`,
          help,
          registers,
          collect() {
            this.reset()
            this.inc(readCache.stats()[key as keyof typeof READ_CACHE_COUNTERS])
          },
        })
      }
      for (const [key, [help, value]] of Object.entries(READ_CACHE_GAUGES)) {
        new Gauge({
          name: `${PREFIX}read_cache_${key}`,
          help,
          registers,
          collect() {
            this.set(value(readCache.stats()))
          },
        })
      }
    })

    app.addHook('onClose', async () => {
      stopObserving()
      registry.clear()
    })

    app.decorate('metrics', {
      contentType: registry.contentType,
      async exposition() {
        const [own, process] = await Promise.all([registry.metrics(), processMetrics().metrics()])
        return `${own}\n${process}`
      },
    })
  },
  { name: 'metrics', dependencies: ['services'] },
)
