import { randomBytes } from 'node:crypto'
import type { Database } from '../db/database.js'
import { paginate, type CursorCodec } from '../db/paging.js'
import * as outbox from '../db/queries/outbox.js'
import * as q from '../db/queries/webhooks.js'
import { ProblemError, Problems } from '../errors.js'
import { OutboundRefused, parseAllowList, resolveTarget } from '../net/outbound.js'
import type { EventData } from '../schemas/events.js'
import type {
  CreateWebhook,
  CreatedWebhook,
  Delivery,
  DeliveryList,
  ListDeliveriesQuery,
  ListPurgesQuery,
  Queued,
  UpdateWebhook,
  Webhook,
  WebhookList,
} from '../schemas/webhook.js'
import type { PageRequest } from '../db/paging.js'
import type { Versioned } from './common.js'
import { SecretUnreadable, type SecretBox } from './secret-box.js'

function toWebhook(row: q.SubscriptionRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    active: row.active,
    disabledReason: row.disabledReason,
    consecutiveFailures: row.consecutiveFailures,
    previousSecretUntil: row.previousSecretUntil?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

function toDelivery(row: outbox.DeliveryRow): Delivery {
  return {
    id: row.id,
    eventId: row.eventId,
    eventType: row.eventType,
    articleId: row.articleId,
    sequence: row.sequence,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    latencyMs: row.latencyMs,
    responseStatus: row.responseStatus,
    responseBody: row.responseBody,
    error: row.error,
    ...(row.cdn === null ? {} : { cdn: row.cdn, purgeKeys: row.purgeKeys }),
    createdAt: row.createdAt.toISOString(),
  }
}

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`
const notFound = () => Problems.notFound('No webhook has this id.')
/** What a webhook secret's ciphertext is bound to (its authenticated data, with the key id). */
export const WEBHOOK_SECRET = 'webhook-secret'
/** Subscriptions read at once by the start-up pass. */
const SEAL_BATCH = 500

/** What the start-up pass did: secrets (re-)encrypted under the current key, and those no key here opens. */
export interface SealedSecrets {
  sealed: number
  unreadable: number
  /** The key ids (or `malformed`) of the secrets that could not be read. */
  unreadableKeys: string[]
}

export interface WebhookServiceOptions {
  cursors: () => Promise<CursorCodec>
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: the private ranges a webhook URL may nevertheless reach. */
  allowPrivateNetworks: string
  /** WEBHOOK_SECRET_OVERLAP_HOURS: how long the old secret keeps signing after a rotation. */
  overlapHours: number
  /** Encrypts the signing secrets at rest (SECRETS_KEY; without a key they are stored as issued). */
  secrets: SecretBox
}

/**
 * Webhook subscriptions (admins only): where events go, their delivery log, redelivery and
 * pings. Deliveries themselves are the delivery worker's (services/deliveries.ts).
 */
export function createWebhookService(db: Database, options: WebhookServiceOptions) {
  const { cursors, secrets } = options
  const allow = parseAllowList(options.allowPrivateNetworks)
  const seal = (secret: string) => secrets.seal(secret, WEBHOOK_SECRET)

  /**
   * A URL a delivery may go to: its shape, and every address its host resolves to now (400
   * otherwise). A name that does not resolve yet is accepted: every attempt checks again.
   */
  async function checkUrl(url: string): Promise<void> {
    try {
      await resolveTarget(url, allow)
    } catch (error) {
      if (error instanceof OutboundRefused && error.reason === 'unresolvable') return
      if (error instanceof OutboundRefused) throw Problems.validation([{ path: '/body/url', message: error.message }])
      throw error
    }
  }

  async function existing(id: string): Promise<q.SubscriptionRow> {
    const row = await q.findSubscription(db.query, id)
    if (!row) throw notFound()
    return row
  }

  /** One page of the delivery log: a webhook's deliveries or a CDN's purges. */
  async function log(
    target: Parameters<typeof outbox.listDeliveries>[1],
    query: ListDeliveriesQuery,
  ): Promise<DeliveryList> {
    const codec = await cursors()
    const { rows, meta } = await outbox.listDeliveries(
      db.query,
      target,
      query.status === undefined ? {} : { status: query.status },
      { pagination: paginate(outbox.deliveryListSpec, query, codec), codec },
    )
    return { data: rows.map(toDelivery), meta }
  }

  return {
    async list(query: PageRequest): Promise<WebhookList> {
      const codec = await cursors()
      const { rows, meta } = await q.listSubscriptions(db.query, {
        pagination: paginate(q.subscriptionListSpec, query, codec),
        codec,
      })
      return { data: rows.map(toWebhook), meta }
    },

    async get(id: string): Promise<Versioned<Webhook>> {
      const row = await existing(id)
      return { resource: toWebhook(row), version: row.version }
    },

    async create(input: CreateWebhook): Promise<Versioned<CreatedWebhook>> {
      await checkUrl(input.url)
      const secret = newSecret()
      const row = await q.insertSubscription(db.query, {
        url: input.url,
        events: input.events,
        description: input.description ?? '',
        active: input.active ?? true,
        secret: seal(secret),
      })
      return { resource: { ...toWebhook(row), secret }, version: row.version }
    },

    async update(id: string, expected: number | '*', input: UpdateWebhook): Promise<Versioned<Webhook>> {
      if (input.url !== undefined) await checkUrl(input.url)
      const row = await q.updateSubscription(db.query, id, input, expected)
      if (row) return { resource: toWebhook(row), version: row.version }
      await existing(id) // 404
      throw Problems.preconditionFailed()
    },

    async remove(id: string, expected: number | '*' | undefined): Promise<void> {
      if ((await q.deleteSubscription(db.query, id, { expected })) === 1) return
      await existing(id)
      throw Problems.preconditionFailed()
    },

    /**
     * A new signing secret, shown once. For WEBHOOK_SECRET_OVERLAP_HOURS deliveries carry a
     * signature with the old secret too, so receivers can switch without losing one.
     */
    async rotateSecret(id: string): Promise<Versioned<CreatedWebhook>> {
      const secret = newSecret()
      const until = new Date(Date.now() + options.overlapHours * 3_600_000)
      const row = await q.rotateSecret(db.query, id, seal(secret), until)
      if (!row) throw notFound()
      return { resource: { ...toWebhook(row), secret }, version: row.version }
    },

    async deliveries(id: string, query: ListDeliveriesQuery): Promise<DeliveryList> {
      const list = await log({ subscriptionId: id }, query)
      // An empty page is the one answer that may mean "no such webhook".
      if (list.data.length === 0) await existing(id)
      return list
    },

    /** The CDN purges, newest first: what was purged, where, and how it went. */
    purges: (query: ListPurgesQuery): Promise<DeliveryList> => log({ cdn: query.cdn }, query),

    /**
     * Sends a delivered (or failed) event again, as a new delivery with the same webhook-id; 409
     * while the event is still pending for this subscription (it is being tried already).
     */
    async redeliver(id: string, deliveryId: string): Promise<Queued> {
      const created = await outbox.insertRedelivery(db.query, id, deliveryId)
      if (!created.found) {
        await existing(id) // 404 for the webhook itself first
        throw Problems.notFound('This webhook has no delivery with this id.')
      }
      if (!created.id)
        throw new ProblemError('CONFLICT', 'This event is still pending for this webhook; it is retried by itself.')
      return { deliveryId: created.id, status: 'pending' }
    },

    /**
     * A signing secret as stored (encrypted, or plaintext from before a key was configured),
     * readable to sign with. Throws SecretUnreadable, with a message fit for the delivery log,
     * when no configured key opens it.
     */
    openSecret: (stored: string): string => secrets.open(stored, WEBHOOK_SECRET),

    /**
     * The start-up pass: every stored secret not yet under the current key (plaintext from
     * before a key was configured, or under an older key of SECRETS_KEY) is encrypted under it.
     * Each value is replaced only if it is still the one read, so processes starting together,
     * or a rotation meanwhile, lose nothing; a few rounds pick up what such a race left. Secrets
     * no configured key opens are left as they are and counted. Without a key, nothing to do.
     */
    async sealStoredSecrets(): Promise<SealedSecrets> {
      const prefix = secrets.currentPrefix
      const result: SealedSecrets = { sealed: 0, unreadable: 0, unreadableKeys: [] }
      if (prefix === undefined) return result
      const unreadableKeys = new Set<string>()
      for (let round = 0; round < 3; round++) {
        let missed = 0
        for (let after: string | null = null; ;) {
          const rows = await q.secretsNotUnder(db.query, prefix, after, SEAL_BATCH)
          if (rows.length === 0) break
          after = rows[rows.length - 1]!.id
          const changes = {
            secret: [] as { id: string; from: string; to: string }[],
            previousSecret: [] as { id: string; from: string; to: string }[],
          }
          for (const row of rows) {
            for (const column of ['secret', 'previousSecret'] as const) {
              const from = row[column]
              if (from === null || from.startsWith(prefix)) continue
              try {
                changes[column].push({ id: row.id, from, to: seal(secrets.open(from, WEBHOOK_SECRET)) })
              } catch (error) {
                if (!(error instanceof SecretUnreadable)) throw error
                if (round === 0) {
                  result.unreadable++
                  unreadableKeys.add(error.keyId ?? 'malformed')
                }
              }
            }
          }
          for (const column of ['secret', 'previousSecret'] as const) {
            const replaced = await q.replaceStoredSecrets(db.query, column, changes[column])
            result.sealed += replaced
            missed += changes[column].length - replaced
          }
        }
        if (missed === 0) break
      }
      result.unreadableKeys = [...unreadableKeys].sort()
      return result
    },

    /** A `webhook.ping` event for this subscription only, sent now. */
    async ping(id: string): Promise<Queued> {
      const row = await existing(id)
      const message: EventData<'webhook.ping'>['message'] = 'Ping from Broadsheet'
      const deliveryId = await outbox.insertPing(db.query, { subscriptionId: row.id, message })
      return { deliveryId, status: 'pending' }
    },
  }
}

export type WebhookService = ReturnType<typeof createWebhookService>
