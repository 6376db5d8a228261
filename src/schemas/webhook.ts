import { Type, type Static } from 'typebox'
import { IdParamsSchema, ListOf, ListQuery, Nullable, StringEnum, Timestamp, Uuid } from './common.js'
import { EVENT_TYPES } from './events.js'

const Url = Type.String({
  minLength: 1,
  maxLength: 2000,
  format: 'uri',
  description:
    'http or https, no username or password, no fragment. It must resolve to public addresses only, unless ' +
    'WEBHOOK_ALLOW_PRIVATE_NETWORKS covers them (checked now and again before every attempt).',
})
const Events = Type.Array(StringEnum([...EVENT_TYPES, '*'] as const), {
  minItems: 1,
  maxItems: EVENT_TYPES.length + 1,
  uniqueItems: true,
  description: 'The event types to receive (each one described under `webhooks` in this document); `*` for all.',
})
const Description = Type.String({ maxLength: 500, description: 'What this endpoint is for.' })

export const WebhookSchema = Type.Object(
  {
    id: Uuid,
    url: Type.String(),
    events: Type.Array(Type.String(), { maxItems: EVENT_TYPES.length + 1 }),
    description: Type.String(),
    active: Type.Boolean({ description: 'false: nothing is sent; deliveries wait until it is enabled again.' }),
    disabledReason: Nullable(Type.String({ description: 'Why the server disabled it (a run of failed attempts).' })),
    consecutiveFailures: Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'Failed attempts in a row.' }),
    previousSecretUntil: Nullable({
      ...Timestamp,
      description: 'After a rotation: until when deliveries are signed with the old secret too.',
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  {
    $id: 'Webhook',
    title: 'Webhook',
    description: 'A webhook subscription. Its signing secret is shown only at creation and rotation.',
  },
)
export type Webhook = Static<typeof WebhookSchema>

export const CreatedWebhookSchema = Type.Object(
  {
    ...WebhookSchema.properties,
    secret: Type.String({
      pattern: '^whsec_[A-Za-z0-9+/=]+$',
      description: 'The Standard Webhooks signing secret (whsec_…), shown only this once: verify deliveries with it.',
    }),
  },
  {
    $id: 'CreatedWebhook',
    title: 'CreatedWebhook',
    description: 'A subscription with its signing secret, shown this once.',
  },
)
export type CreatedWebhook = Static<typeof CreatedWebhookSchema>

export const WebhookListSchema = ListOf(WebhookSchema, 'WebhookList')
export type WebhookList = Static<typeof WebhookListSchema>

export const CreateWebhookSchema = Type.Object(
  {
    url: Url,
    events: Events,
    description: Type.Optional(Description),
    active: Type.Optional(Type.Boolean({ default: true })),
  },
  {
    $id: 'CreateWebhook',
    title: 'CreateWebhook',
    additionalProperties: false,
    examples: [
      {
        url: 'https://hooks.example.com/broadsheet',
        events: ['article.published', 'article.updated'],
        description: 'Revalidate the site',
      },
    ],
  },
)
export type CreateWebhook = Static<typeof CreateWebhookSchema>

export const UpdateWebhookSchema = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Description),
    active: Type.Optional(Type.Boolean({ description: 'true enables it again (and clears its failure run).' })),
  },
  {
    $id: 'UpdateWebhook',
    title: 'UpdateWebhook',
    additionalProperties: false,
    minProperties: 1,
    examples: [{ active: true }],
  },
)
export type UpdateWebhook = Static<typeof UpdateWebhookSchema>

export const DeliverySchema = Type.Object(
  {
    id: Uuid,
    eventId: { ...Uuid, description: 'Sent as `webhook-id`: the same for every attempt and redelivery of the event.' },
    eventType: Type.String(),
    articleId: Nullable(Uuid),
    sequence: Nullable(
      Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Per-article event sequence number.' }),
    ),
    status: StringEnum(['pending', 'delivered', 'failed'] as const, {
      description:
        'pending (not yet, or retrying), delivered (a 2xx answer), failed (retried for WEBHOOK_RETRY_HOURS).',
    }),
    attempts: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
    nextAttemptAt: Nullable({ ...Timestamp, description: 'When a pending delivery is tried next.' }),
    lastAttemptAt: Nullable(Timestamp),
    deliveredAt: Nullable(Timestamp),
    latencyMs: Nullable(Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'Of the last attempt.' })),
    responseStatus: Nullable(Type.Integer({ minimum: 100, maximum: 599, description: 'Of the last attempt.' })),
    responseBody: Nullable(Type.String({ description: 'The first 1 KB of the last response.' })),
    error: Nullable(
      Type.String({ description: 'Why the last attempt failed without a response (timeout, refused address, …).' }),
    ),
    purgeKeys: Type.Optional(
      Type.Array(Type.String(), { maxItems: 10_000, description: 'CDN purges: the surrogate keys purged.' }),
    ),
    cdn: Type.Optional(Type.String({ description: 'CDN purges: which CDN.' })),
    createdAt: Timestamp,
  },
  {
    $id: 'Delivery',
    title: 'Delivery',
    description: 'One event sent to one target (a webhook, or a CDN purge), with its last attempt.',
  },
)
export type Delivery = Static<typeof DeliverySchema>

export const DeliveryListSchema = ListOf(DeliverySchema, 'DeliveryList')
export type DeliveryList = Static<typeof DeliveryListSchema>

export const ListDeliveriesQuerySchema = Type.Object(
  {
    ...ListQuery,
    status: Type.Optional(StringEnum(['pending', 'delivered', 'failed'] as const)),
    sort: Type.Optional(
      Type.String({ maxLength: 20, description: '-createdAt (newest first, the default) or createdAt.' }),
    ),
  },
  { additionalProperties: false },
)
export type ListDeliveriesQuery = Static<typeof ListDeliveriesQuerySchema>

export const ListPurgesQuerySchema = Type.Object(
  {
    ...ListDeliveriesQuerySchema.properties,
    cdn: Type.Optional(StringEnum(['varnish', 'fastly', 'cloudflare'] as const)),
  },
  { additionalProperties: false },
)
export type ListPurgesQuery = Static<typeof ListPurgesQuerySchema>

export const DeliveryParamsSchema = Type.Object(
  { ...IdParamsSchema.properties, deliveryId: Uuid },
  { additionalProperties: false },
)

export const QueuedSchema = Type.Object(
  { deliveryId: Uuid, status: StringEnum(['pending'] as const) },
  { $id: 'Queued', title: 'Queued', description: 'A delivery queued to be sent now; follow it in the delivery log.' },
)
export type Queued = Static<typeof QueuedSchema>
