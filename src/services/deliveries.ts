import { Webhook } from 'standardwebhooks'
import type { Database } from '../db/database.js'
import * as outbox from '../db/queries/outbox.js'
import * as subscriptions from '../db/queries/webhooks.js'
import {
  OutboundFailed,
  OutboundRefused,
  parseAllowList,
  send,
  type AllowList,
  type OutboundRequest,
} from '../net/outbound.js'
import { purgeKeysFor, type CdnTarget } from './cdn.js'
import { loggableBody, loggableText } from './delivery-log.js'

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
  /** WEBHOOK_CONCURRENCY: the attempts (webhook deliveries and CDN purge requests) this process has in flight at most. */
  concurrency: number
  /** Opens a signing secret as stored (secrets may be encrypted at rest); the stored text by default. */
  openSecret?: (stored: string) => string
}

export interface DeliveryLog {
  warn(details: Record<string, unknown>, message: string): void
}

/**
 * A CDN endpoint is the operator's own configuration (CDN_PURGE), not a user's, so it may be
 * private (Varnish beside the app); it still goes through the sender (time and size bounds,
 * no redirects).
 */
const anyAddress = parseAllowList('0.0.0.0/0,::/0')

/** The kinds of delivery: to a webhook subscription, or a purge request to a CDN. */
export const DELIVERY_KINDS = ['webhook', 'cdn'] as const
/**
 * What a recorded attempt came to for its deliveries: delivered; `retry`, failed and tried
 * again after the backoff; `failed`, failed for good (past WEBHOOK_RETRY_HOURS, or a CDN no
 * longer in CDN_PURGE).
 */
export const DELIVERY_OUTCOMES = ['delivered', 'retry', 'failed'] as const

/** One recorded attempt, as observers (the metrics) see it. */
export interface DeliveryOutcome {
  kind: (typeof DELIVERY_KINDS)[number]
  outcome: (typeof DELIVERY_OUTCOMES)[number]
  /** The deliveries it settled: one for a webhook, those a CDN's purge request carried. */
  deliveries: number
}

/** One attempt to make: the deliveries it settles, and the attempt itself. */
interface Job {
  ids: string[]
  run: () => Promise<void>
}

/**
 * The delivery worker's steps, run by every server process (plugins/deliveries.ts):
 * `dispatch` fans committed outbox events out into deliveries (webhook subscriptions that want
 * them, one purge per CDN with the keys the change made stale); `startDue` claims due
 * deliveries under a lease (SKIP LOCKED: two processes never take the same one), sends each
 * through the SSRF-safe sender (net/outbound.ts) and records the outcome: delivered, or
 * retried with exponential backoff and jitter until WEBHOOK_RETRY_HOURS, a subscription being
 * disabled after WEBHOOK_DISABLE_AFTER_FAILURES failures in a row. At least once: a delivery
 * whose process dies mid-attempt is taken over when its lease ends, with the same webhook-id.
 *
 * Sending is a pool of WEBHOOK_CONCURRENCY slots, one per attempt in flight: a claim takes only
 * as many deliveries as there are free slots, and each attempt frees its slot as soon as it is
 * recorded, so a receiver that takes the whole WEBHOOK_TIMEOUT_MS holds up no one else. No
 * receiver gets more than half the slots (the claim's cap), however much it has due.
 */
export function createDeliveryService(db: Database, settings: DeliverySettings, log: DeliveryLog) {
  // An attempt ends within timeoutMs; the margin covers recording it. A process that died holds
  // its deliveries this long before another takes them over.
  const lease = settings.timeoutMs + 5_000
  const allow = parseAllowList(settings.allowPrivateNetworks)
  const cdnByName = new Map(settings.cdns.map((cdn) => [cdn.name, cdn]))
  const openSecret = settings.openSecret ?? ((stored: string) => stored)
  // At most half the slots for one receiver (a subscription or a CDN), however much it has due.
  const perTarget = Math.max(1, Math.ceil(settings.concurrency / 2))
  // The slots: attempts in flight, plus those reserved by a claim under way.
  let busy = 0
  const inFlight = new Set<Promise<void>>()
  const observers = new Set<(outcome: DeliveryOutcome) => void>()

  /** Tells the observers what an attempt came to, once it is recorded; an observer's failure is only logged. */
  function recorded(outcome: DeliveryOutcome): void {
    for (const observer of observers) {
      try {
        observer(outcome)
      } catch (error) {
        log.warn({ err: error }, 'delivery worker: an outcome observer failed')
      }
    }
  }

  /** The delay before attempt `attempts + 1`: exponential, capped, with jitter (half of it random). */
  function backoff(attempts: number): number {
    const delay = Math.min(settings.retryMaxDelayMs, settings.retryBaseMs * 2 ** Math.max(0, attempts - 1))
    return delay / 2 + Math.random() * (delay / 2)
  }

  /** One request through the sender, as the log records it. */
  async function attempt(request: OutboundRequest, allow: AllowList): Promise<{ ok: boolean; record: outbox.Attempt }> {
    try {
      const res = await send(request, {
        allow,
        timeoutMs: settings.timeoutMs,
        maxResponseBytes: settings.maxResponseBytes,
      })
      const ok = res.status >= 200 && res.status < 300
      return {
        ok,
        record: {
          responseStatus: res.status,
          responseBody: loggableBody(res.bytes, {
            truncated: res.truncated,
            contentEncoding: res.headers['content-encoding'],
          }),
          // Redirects are never followed: the receiver must answer at the URL it gave.
          error: ok
            ? null
            : res.status >= 300 && res.status < 400
              ? `redirect not followed (${res.status})`
              : `answered ${res.status}`,
          latencyMs: Math.round(res.latencyMs),
        },
      }
    } catch (error) {
      if (!(error instanceof OutboundRefused || error instanceof OutboundFailed)) throw error
      return {
        ok: false,
        record: { responseStatus: null, responseBody: null, error: loggableText(error.message), latencyMs: null },
      }
    }
  }

  /**
   * Stores an attempt's outcome. Should the log refuse what the attempt carries, the same
   * outcome is stored without the answer: an outcome left unrecorded would have the delivery
   * sent again at every lease end, with no backoff and no failure counted.
   */
  async function store(write: (record: outbox.Attempt) => Promise<void>, record: outbox.Attempt): Promise<void> {
    try {
      await write(record)
    } catch (error) {
      log.warn(
        { err: error },
        'delivery worker: the log refused an attempt as it was; it is recorded without the answer',
      )
      // Printable ASCII only: nothing in it can be refused.
      await write({
        ...record,
        responseBody: '[the answer could not be logged]',
        error: record.error?.replace(/[^\x20-\x7e]/g, '?') ?? null,
      })
    }
  }

  /** Records a failed attempt: retried after the backoff, or failed for good past the retry window. */
  async function failed(deliveries: outbox.ClaimedDelivery[], record: outbox.Attempt): Promise<void> {
    const now = Date.now()
    // Deliveries claimed together share their attempt count closely enough: the first decides.
    const first = deliveries[0]!
    const giveUp = now - first.createdAt.getTime() >= settings.retryHours * 3_600_000
    const next = giveUp ? undefined : new Date(now + backoff(first.attempts))
    const ids = deliveries.map((d) => d.id)
    await store((r) => outbox.markFailed(db.query, ids, r, { retryAt: next }), record)
    recorded({
      kind: first.subscriptionId === null ? 'cdn' : 'webhook',
      outcome: next ? 'retry' : 'failed',
      deliveries: ids.length,
    })
  }

  /**
   * The signatures of one delivery: with the current secret, and with the previous one during
   * its overlap. A secret that cannot be opened throws (its key no longer configured, say).
   */
  function sign(subscription: subscriptions.SigningRow, eventId: string, now: Date, body: string): string {
    const signatures = [new Webhook(openSecret(subscription.secret)).sign(eventId, now, body)]
    if (subscription.previousSecret && subscription.previousSecretUntil && subscription.previousSecretUntil > now) {
      signatures.push(new Webhook(openSecret(subscription.previousSecret)).sign(eventId, now, body))
    }
    return signatures.join(' ')
  }

  async function deliverWebhook(
    delivery: outbox.ClaimedDelivery,
    subscription: subscriptions.SigningRow,
  ): Promise<void> {
    const { event } = delivery
    // The body of every delivery, as src/schemas/events.ts (and the document's `webhooks`) describes it.
    const body = JSON.stringify({ type: event.type, timestamp: event.createdAt.toISOString(), data: event.data })
    const now = new Date()
    let signature: string
    try {
      signature = sign(subscription, event.id, now, body)
    } catch (error) {
      // Nothing is sent, and it counts as a failed attempt: backed off and in the failure run,
      // not sent again at every lease end.
      log.warn({ err: error, webhook: subscription.id }, 'webhook delivery: it cannot be signed')
      const reason = loggableText(`cannot be signed: ${error instanceof Error ? error.message : String(error)}`)
      return recordWebhook(delivery, subscription, {
        ok: false,
        record: { responseStatus: null, responseBody: null, error: reason, latencyMs: null },
      })
    }
    const outcome = await attempt(
      {
        url: subscription.url,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Broadsheet-Webhooks/1',
          'webhook-id': event.id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body,
      },
      allow,
    )
    await recordWebhook(delivery, subscription, outcome)
  }

  /** A webhook attempt's outcome, in the delivery log and in the subscription's failure run. */
  async function recordWebhook(
    delivery: outbox.ClaimedDelivery,
    subscription: subscriptions.SigningRow,
    { ok, record }: { ok: boolean; record: outbox.Attempt },
  ): Promise<void> {
    if (ok) {
      await store((r) => outbox.markDelivered(db.query, [delivery.id], r), record)
      recorded({ kind: 'webhook', outcome: 'delivered', deliveries: 1 })
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
    let outcome: { ok: boolean; record: outbox.Attempt } = {
      ok: true,
      record: { responseStatus: null, responseBody: null, error: null, latencyMs: 0 },
    }
    for (let i = 0; i < keys.length && outcome.ok; i += cdn.maxKeys) {
      const part = await attempt(cdn.request(keys.slice(i, i + cdn.maxKeys)), anyAddress)
      outcome = {
        ok: part.ok,
        record: { ...part.record, latencyMs: (outcome.record.latencyMs ?? 0) + (part.record.latencyMs ?? 0) },
      }
    }
    if (outcome.ok) {
      await store(
        (r) =>
          outbox.markDelivered(
            db.query,
            deliveries.map((d) => d.id),
            r,
          ),
        outcome.record,
      )
      recorded({ kind: 'cdn', outcome: 'delivered', deliveries: deliveries.length })
    } else {
      log.warn({ cdn: cdn.name, keys: keys.length, error: outcome.record.error }, 'CDN purge failed; it is retried')
      await failed(deliveries, outcome.record)
    }
  }

  /** The attempts claimed deliveries make: one per webhook delivery, one per CDN for its purges. */
  async function attemptsFor(claimed: outbox.ClaimedDelivery[]): Promise<Job[]> {
    if (claimed.length === 0) return []
    const hooks = claimed.filter((d) => d.subscriptionId !== null)
    const signing = new Map(
      (await subscriptions.signingDetails(db.query, [...new Set(hooks.map((d) => d.subscriptionId!))])).map((s) => [
        s.id,
        s,
      ]),
    )
    const purges = new Map<string, outbox.ClaimedDelivery[]>()
    for (const d of claimed) if (d.cdn !== null) purges.set(d.cdn, [...(purges.get(d.cdn) ?? []), d])
    return [
      ...hooks.flatMap((d) => {
        const subscription = signing.get(d.subscriptionId!)
        // Deleted meanwhile: its deliveries went with it.
        return subscription ? [{ ids: [d.id], run: () => deliverWebhook(d, subscription) }] : []
      }),
      ...[...purges].map(([name, deliveries]) => {
        const cdn = cdnByName.get(name as CdnTarget['name'])
        const ids = deliveries.map((d) => d.id)
        // A CDN no longer configured: nothing to purge there.
        const unconfigured = {
          responseStatus: null,
          responseBody: null,
          error: `${name} is no longer in CDN_PURGE`,
          latencyMs: null,
        }
        const drop = async () => {
          await outbox.markFailed(db.query, ids, unconfigured)
          recorded({ kind: 'cdn', outcome: 'failed', deliveries: ids.length })
        }
        return { ids, run: cdn ? () => purge(cdn, deliveries) : drop }
      }),
    ]
  }

  /**
   * Claims due deliveries for the free slots (none when every slot is taken) and starts them:
   * each webhook delivery, and each CDN's purges claimed together, is one attempt holding one
   * slot until it is recorded (WEBHOOK_TIMEOUT_MS at most, plus the recording). Resolves once
   * they have started: how many deliveries it claimed, and the attempts, which never reject
   * (a failure is logged; its deliveries go again when their lease ends).
   */
  async function startDue(): Promise<{ claimed: number; attempts: Promise<void>[] }> {
    const free = settings.concurrency - busy
    if (free <= 0) return { claimed: 0, attempts: [] }
    // Reserved before the claim, so that concurrent calls never claim more than the slots.
    busy += free
    let jobs: Job[] = []
    let claimed: number
    try {
      const rows = await outbox.claimDue(db.query, free, lease, perTarget)
      claimed = rows.length
      jobs = await attemptsFor(rows)
    } finally {
      busy -= free - jobs.length
    }
    return { claimed, attempts: jobs.map(hold) }
  }

  /** Runs one attempt in a slot, which it frees when it ends, however it ends. */
  function hold(job: Job): Promise<void> {
    const attempt: Promise<void> = job
      .run()
      .catch((error: unknown) => {
        log.warn(
          { err: error, deliveries: job.ids },
          'delivery worker: an attempt failed; its deliveries go again when their lease ends',
        )
      })
      .finally(() => {
        busy--
        inFlight.delete(attempt)
      })
    inFlight.add(attempt)
    return attempt
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
            return settings.cdns.map((cdn) => ({
              eventId: event.id,
              articleId: event.articleId,
              position: event.position,
              cdn: cdn.name,
              keys,
            }))
          }),
        )
        await outbox.markDispatched(db.query, ids)
        return events.length
      })
    },

    startDue,

    /** Claims and sends what is due, for the free slots, and waits for those attempts; how many deliveries it claimed. */
    async deliverDue(): Promise<number> {
      const { claimed, attempts } = await startDue()
      await Promise.all(attempts)
      return claimed
    },

    /** Resolves when no attempt is in flight (closing waits for them). */
    async settled(): Promise<void> {
      while (inFlight.size > 0) await Promise.all(inFlight)
    },

    /** Housekeeping: settled events older than `before`, with their delivery log. */
    prune: (before: Date) => outbox.pruneEvents(db.query, before),

    /** The events not fanned out yet: how many, and the oldest one's wait in seconds (0 when none). */
    backlog: () => outbox.dispatchBacklog(db.query),

    /**
     * Calls `observer` with the outcome of every attempt this process records (the metrics
     * count them); returns the function that stops it.
     */
    observe(observer: (outcome: DeliveryOutcome) => void): () => void {
      observers.add(observer)
      return () => observers.delete(observer)
    },
  }
}

export type DeliveryService = ReturnType<typeof createDeliveryService>
