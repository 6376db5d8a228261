import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { IdParamsSchema, NoBody, PageQuerySchema, described, problems, ref } from '../../schemas/common.js'
import {
  CreateWebhookSchema,
  CreatedWebhookSchema,
  DeliveryListSchema,
  DeliveryParamsSchema,
  ListDeliveriesQuerySchema,
  ListPurgesQuerySchema,
  QueuedSchema,
  UpdateWebhookSchema,
  WebhookListSchema,
  WebhookSchema,
  type CreatedWebhook,
} from '../../schemas/webhook.js'
import { linkNext, sendVersioned, smallBody } from '../http.js'
import { sections, security } from '../common.js'

/** A response that carries a signing secret: shown once, never cached. */
const withSecret = (description: string, location: boolean) =>
  Type.Unsafe<CreatedWebhook>({
    ...ref(CreatedWebhookSchema),
    description,
    headers: {
      ...(location
        ? {
            Location: {
              type: 'string',
              pattern: '^/api/v1/webhooks/[0-9a-f-]{36}$',
              description: 'Path of the new subscription.',
            },
          }
        : {}),
      'Cache-Control': { type: 'string', const: 'no-store', description: 'The secret must not be cached.' },
    },
  })

const SIGNING =
  'Deliveries follow the Standard Webhooks specification: a POST of `{ type, timestamp, data }` with `webhook-id` ' +
  "(the event's id: the same on every retry), `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256 of " +
  'id.timestamp.body>` with the secret; after a rotation, a second signature with the old secret until ' +
  '`previousSecretUntil`). Any 2xx answer is a delivery; anything else is retried with exponential backoff and jitter for ' +
  'WEBHOOK_RETRY_HOURS; redirects are never followed.'

/** Webhook subscriptions and their delivery log, and the CDN purge log (admin only). */
const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const adminOnly = app.requireRole('admin')

  app.get(
    '/webhooks',
    {
      config: { etag: 'weak' },
      preParsing: adminOnly,
      schema: {
        tags: sections.webhooks,
        security,
        operationId: 'listWebhooks',
        summary: 'List webhook subscriptions',
        description: 'Admin only. Oldest first; secrets are never shown again.',
        querystring: PageQuerySchema,
        response: {
          200: described(WebhookListSchema, 'A page of subscriptions'),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const list = await app.services.webhooks.list(request.query)
      linkNext(reply, request.url, list.meta)
      return list
    },
  )

  app.post(
    '/webhooks',
    {
      bodyLimit: smallBody(app),
      // The secret is shown once: a retry with the same Idempotency-Key gets 409, not the secret.
      config: { idempotentReplay: false },
      preParsing: adminOnly,
      schema: {
        tags: sections.webhooks,
        security,
        operationId: 'createWebhook',
        summary: 'Subscribe an endpoint to events',
        description:
          'Admin only. The URL must be http or https without credentials and resolve to public addresses only (private, ' +
          'loopback, link-local, CGNAT, multicast and metadata addresses are a 400 unless WEBHOOK_ALLOW_PRIVATE_NETWORKS ' +
          `covers them). The answer carries the signing secret (whsec_…), shown only this once. ${SIGNING}`,
        body: ref(CreateWebhookSchema),
        response: {
          201: withSecret('The subscription and its signing secret (shown this once)', true),
          ...problems(400, 401, 403, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const created = await app.services.webhooks.create(request.body)
      reply.code(201).header('location', `/api/v1/webhooks/${created.resource.id}`).header('cache-control', 'no-store')
      return created.resource
    },
  )

  app.get(
    '/webhooks/:id',
    {
      config: { etag: 'strong' },
      preParsing: adminOnly,
      schema: {
        tags: sections.webhooks,
        security,
        operationId: 'getWebhook',
        summary: 'One subscription',
        description:
          'Admin only. `active: false` with a `disabledReason` means the server disabled it after a run of failed attempts.',
        params: IdParamsSchema,
        response: {
          200: described(WebhookSchema, 'The subscription'),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => sendVersioned(reply, await app.services.webhooks.get(request.params.id)),
  )

  app.patch(
    '/webhooks/:id',
    {
      bodyLimit: smallBody(app),
      config: { etag: 'strong', ifMatch: 'required' },
      preParsing: adminOnly,
      schema: {
        tags: sections.webhooks,
        security,
        operationId: 'updateWebhook',
        summary: 'Change a subscription (If-Match required)',
        description:
          'Admin only. url, events, description, active; `active: true` enables a disabled subscription again and its ' +
          "waiting deliveries go out. A new URL is checked like a new subscription's.",
        params: IdParamsSchema,
        body: ref(UpdateWebhookSchema),
        response: {
          200: described(WebhookSchema, 'The subscription'),
          ...problems(400, 401, 403, 404, 412, 413, 415, 428),
        },
      },
    },
    async (request, reply) => {
      const expected = await reply.requireIfMatch(() => app.services.webhooks.get(request.params.id))
      return sendVersioned(reply, await app.services.webhooks.update(request.params.id, expected, request.body))
    },
  )

  app.delete(
    '/webhooks/:id',
    {
      config: { ifMatch: 'optional' },
      preParsing: adminOnly,
      schema: {
        tags: sections.webhooks,
        security,
        operationId: 'deleteWebhook',
        summary: 'Unsubscribe (If-Match honoured)',
        description: 'Admin only. Nothing more is sent to it; its delivery log goes with it.',
        params: IdParamsSchema,
        response: { 204: NoBody('Deleted'), ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const expected = await reply.ifMatch(() => app.services.webhooks.get(request.params.id))
      await app.services.webhooks.remove(request.params.id, expected)
      return reply.code(204).send()
    },
  )

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      config: { idempotentReplay: false },
      preParsing: adminOnly,
      schema: {
        tags: sections.webhooks,
        security,
        operationId: 'rotateWebhookSecret',
        summary: 'A new signing secret (shown once)',
        description:
          'Admin only. From now on deliveries are signed with the new secret and, until `previousSecretUntil` ' +
          '(WEBHOOK_SECRET_OVERLAP_HOURS), also with the old one: `webhook-signature` carries both, so a receiver can switch ' +
          'secrets without losing a delivery.',
        params: IdParamsSchema,
        response: {
          200: withSecret('The subscription and its new signing secret (shown this once)', false),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const rotated = await app.services.webhooks.rotateSecret(request.params.id)
      reply.header('cache-control', 'no-store')
      return rotated.resource
    },
  )

  app.get(
    '/webhooks/:id/deliveries',
    {
      preParsing: adminOnly,
      schema: {
        tags: sections.webhooks,
        security,
        operationId: 'listWebhookDeliveries',
        summary: 'The delivery log of a subscription',
        description:
          'Admin only. Newest first: each event sent to it, with its status, attempts, latency, the first bytes of the last ' +
          'response (or why it failed) and, while pending, when it is tried next.',
        params: IdParamsSchema,
        querystring: ListDeliveriesQuerySchema,
        response: { 200: described(DeliveryListSchema, 'A page of deliveries'), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const list = await app.services.webhooks.deliveries(request.params.id, request.query)
      linkNext(reply, request.url, list.meta)
      return list
    },
  )

  app.post(
    '/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      preParsing: adminOnly,
      schema: {
        tags: sections.webhooks,
        security,
        operationId: 'redeliverWebhookDelivery',
        summary: 'Send an event again',
        description:
          'Admin only. A new delivery of a delivered or failed event, due now, with the same `webhook-id` (receivers ' +
          'deduplicate on it). 409 while the event is still pending for this webhook (it is retried by itself).',
        params: DeliveryParamsSchema,
        response: { 202: described(QueuedSchema, 'Queued'), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      reply.code(202)
      return app.services.webhooks.redeliver(request.params.id, request.params.deliveryId)
    },
  )

  app.post(
    '/webhooks/:id/ping',
    {
      preParsing: adminOnly,
      schema: {
        tags: sections.webhooks,
        security,
        operationId: 'pingWebhook',
        summary: 'Send a test event',
        description:
          'Admin only. A `webhook.ping` event to this subscription only, signed like every delivery, sent now.',
        params: IdParamsSchema,
        response: { 202: described(QueuedSchema, 'Queued'), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      reply.code(202)
      return app.services.webhooks.ping(request.params.id)
    },
  )

  app.get(
    '/purges',
    {
      preParsing: adminOnly,
      schema: {
        tags: sections.webhooks,
        security,
        operationId: 'listPurges',
        summary: 'The CDN purge log',
        description:
          'Admin only. Newest first: every purge the server sent to the CDNs in CDN_PURGE (the surrogate keys, status, ' +
          'attempts, latency, the first bytes of the answer). Purges come from the same outbox and worker as webhooks: at ' +
          'least once, retried with backoff.',
        querystring: ListPurgesQuerySchema,
        response: { 200: described(DeliveryListSchema, 'A page of purges'), ...problems(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const list = await app.services.webhooks.purges(request.query)
      linkNext(reply, request.url, list.meta)
      return list
    },
  )
}

export default webhookRoutes
