import { Webhook } from 'standardwebhooks'
import type { Database } from '../db/database.js'
import * as outbox from '../db/queries/outbox.js'
import * as subscriptions from '../db/queries/webhooks.js'
import { OutboundFailed, OutboundRefused, parseAllowList, send, type AllowList, type OutboundRequest } from '../net/outbound.js'
import { purgeKeysFor, type CdnTarget } from './cdn.js'

export interface DeliverySettings {
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: the private ranges webhook URLs may nevertheless reach. */
  allowPrivateNetworks: string
  /** The CDNs to purge (CDN_PURGE). */
  cdns: CdnTarget[]
  timeoutMs: number
  maxResponseBytes: number
  retryBaseMs: number
  retryMaxDelayMs: number
  retryHours: number
  disableAfterFailures: number
  concurrency: number
}

export interface DeliveryLog {
  warn(details: Record<string, unknown>, message: string): void
}

/** What the log keeps of a response: its first kilobyte. */
const LOGGED_BYTES = 1024
/**
 * A CDN endpoint is the operator's own configuration (CDN_PURGE), not a user's, so it may be
 * private (Varnish beside the app); it still goes through the sender (time and size bounds,
 * no redirects).
 */
const anyAddress = parseAllowList('0.0.0.0/0,::/0')

/**
 * The delivery worker's steps, run by every server process (plugins/deliveries.ts):
 * `dispatch` fans committed outbox events out into deliveries (webhook subscriptions that want
 * them, one purge per CDN with the keys the change made stale); `deliverDue` claims due
 * deliveries under a lease (SKIP LOCKED: two processes never take the same one), sends each
 * through the SSRF-safe sender (net/outbound.ts) and records the outcome: delivered, or
 * retried with exponential backoff and jitter until WEBHOOK_RETRY_HOURS, a subscription being
 * disabled after WEBHOOK_DISABLE_AFTER_FAILURES failures in a row. At least once: a delivery
 * whose process dies mid-attempt is taken over when its lease ends, with the same webhook-id.
 */
export function createDeliveryService(db: Database, settings: DeliverySettings, log: DeliveryLog) {
  // An attempt ends within timeoutMs; the margin covers recording it. A process that died holds
  // its deliveries this long before another takes them over.
  const lease = settings.timeoutMs + 5_000
  const allow = parseAllowList(settings.allowPrivateNetworks)
  const cdnByName = new Map(settings.cdns.map((cdn) => [cdn.name, cdn]))

  /** The delay before attempt `attempts + 1`: exponential, capped, with jitter (half of it random). */
  function backoff(attempts: number): number {
    const delay = Math.min(settings.retryMaxDelayMs, settings.retryBaseMs * 2 ** Math.max(0, attempts - 1))
    return delay / 2 + Math.random() * (delay / 2)
  }

  /** One request through the sender, as the log records it. */
  async function attempt(request: OutboundRequest, allow: AllowList): Promise<{ ok: boolean; record: outbox.Attempt }> {
    try {
      const res = await send(request, { allow, timeoutMs: settings.timeoutMs, maxResponseBytes: settings.maxResponseBytes })
      const ok = res.status >= 200 && res.status < 300
      return {
        ok,
        record: {
          responseStatus: res.status,
          responseBody: res.body.slice(0, LOGGED_BYTES),
          // Redirects are never followed: the receiver must answer at the URL it gave.
          error: ok ? null : res.status >= 300 && res.status < 400 ? `redirect not followed (${res.status})` : `answered ${res.status}`,
          latencyMs: Math.round(res.latencyMs),
        },
      }
    } catch (error) {
      if (!(error instanceof OutboundRefused || error instanceof OutboundFailed)) throw error
      return { ok: false, record: { responseStatus: null, responseBody: null, error: error.message, latencyMs: null } }
    }
  }

  /** Records a failed attempt: retried after the backoff, or failed for good past the retry window. */
  async function failed(deliveries: outbox.ClaimedDelivery[], record: outbox.Attempt): Promise<void> {
    const now = Date.now()
    // Deliveries claimed together share their attempt count closely enough: the first decides.
    const first = deliveries[0]!
    const giveUp = now - first.createdAt.getTime() >= settings.retryHours * 3_600_000
    await outbox.markFailed(db.query, deliveries.map((d) => d.id), record, giveUp ? undefined : new Date(now + backoff(first.attempts)))
  }

  async function deliverWebhook(delivery: outbox.ClaimedDelivery, subscription: subscriptions.SigningRow): Promise<void> {
    const { event } = delivery
    const body = JSON.stringify({ type: event.type, timestamp: event.createdAt.toISOString(), data: event.data })
    const now = new Date()
    const signatures = [new Webhook(subscription.secret).sign(event.id, now, body)]
    if (subscription.previousSecret && subscription.previousSecretUntil && subscription.previousSecretUntil > now) {
      signatures.push(new Webhook(subscription.previousSecret).sign(event.id, now, body))
    }
    const { ok, record } = await attempt(
      {
        url: subscription.url,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Broadsheet-Webhooks/1',
          'webhook-id': event.id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signatures.join(' '),
        },
        body,
      },
      allow,
    )
    if (ok) {
      await outbox.markDelivered(db.query, [delivery.id], record)
      await subscriptions.recordSuccess(db.query, subscription.id)
      return
    }
    await failed([delivery], record)
    const reason = `${settings.disableAfterFailures} failed attempts in a row (last: ${record.error})`
    if (await subscriptions.recordFailure(db.query, subscription.id, settings.disableAfterFailures, reason)) {
      log.warn({ webhook: subscription.id, reason }, 'webhook subscription disabled')
    }
  }

  /** Purges claimed together for one CDN go out as few requests as its key limit allows. */
  async function purge(cdn: CdnTarget, deliveries: outbox.ClaimedDelivery[]): Promise<void> {
    const keys = [...new Set(deliveries.flatMap((d) => d.purgeKeys))]
    let outcome: { ok: boolean; record: outbox.Attempt } = { ok: true, record: { responseStatus: null, responseBody: null, error: null, latencyMs: 0 } }
    for (let i = 0; i < keys.length && outcome.ok; i += cdn.maxKeys) {
      const part = await attempt(cdn.request(keys.slice(i, i + cdn.maxKeys)), anyAddress)
      outcome = { ok: part.ok, record: { ...part.record, latencyMs: (outcome.record.latencyMs ?? 0) + (part.record.latencyMs ?? 0) } }
    }
    if (outcome.ok) await outbox.markDelivered(db.query, deliveries.map((d) => d.id), outcome.record)
    else {
      log.warn({ cdn: cdn.name, keys: keys.length, error: outcome.record.error }, 'CDN purge failed; it is retried')
      await failed(deliveries, outcome.record)
    }
  }

  return {
    /** Fans out one batch of committed events; how many. */
    async dispatch(batch = 100): Promise<number> {
      return db.transaction(async () => {
        const events = await outbox.lockUndispatched(db.query, batch)
        if (events.length === 0) return 0
        const ids = events.map((e) => e.id)
        await outbox.insertWebhookDeliveries(db.query, ids)
        await outbox.insertPurgeDeliveries(
          db.query,
          events.flatMap((event) => {
            const keys = event.subscriptionId === null ? purgeKeysFor(event) : []
            if (keys.length === 0) return []
            return settings.cdns.map((cdn) => ({ eventId: event.id, articleId: event.articleId, position: event.position, cdn: cdn.name, keys }))
          }),
        )
        await outbox.markDispatched(db.query, ids)
        return events.length
      })
    },

    /** Claims and sends one batch of due deliveries (at most WEBHOOK_CONCURRENCY at once); how many. */
    async deliverDue(): Promise<number> {
      const claimed = await outbox.claimDue(db.query, settings.concurrency, lease)
      if (claimed.length === 0) return 0
      const hooks = claimed.filter((d) => d.subscriptionId !== null)
      const signing = new Map((await subscriptions.signingDetails(db.query, [...new Set(hooks.map((d) => d.subscriptionId!))])).map((s) => [s.id, s]))
      const purges = new Map<string, outbox.ClaimedDelivery[]>()
      for (const d of claimed) if (d.cdn !== null) purges.set(d.cdn, [...(purges.get(d.cdn) ?? []), d])
      await Promise.all([
        ...hooks.map((d) => {
          const subscription = signing.get(d.subscriptionId!)
          // Deleted meanwhile: its deliveries went with it.
          return subscription ? deliverWebhook(d, subscription) : Promise.resolve()
        }),
        ...[...purges].map(([name, deliveries]) => {
          const cdn = cdnByName.get(name as CdnTarget['name'])
          // A CDN no longer configured: nothing to purge there.
          return cdn ? purge(cdn, deliveries) : outbox.markFailed(db.query, deliveries.map((d) => d.id), {
            responseStatus: null,
            responseBody: null,
            error: `${name} is no longer in CDN_PURGE`,
            latencyMs: null,
          }, undefined)
        }),
      ])
      return claimed.length
    },

    /** Housekeeping: settled events older than `before`, with their delivery log. */
    prune: (before: Date) => outbox.pruneEvents(db.query, before),
  }
}

export type DeliveryService = ReturnType<typeof createDeliveryService>
