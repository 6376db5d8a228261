import { EVENTS, type DeliveredEventType } from '../schemas/events.js'
import type { Schema } from './swagger-operations.js'

/**
 * The document's `webhooks` section (OpenAPI 3.1): one POST per event type a receiver can get,
 * whose body is that type's schema from src/schemas/events.ts (a `$ref` to its component,
 * registered with the others), with the Standard Webhooks headers as parameters. A frontend
 * generates its receiver's types from it as it does its client's (examples/webhook-receiver.ts).
 * @fastify/swagger documents routes only, so the section is added to the finished document.
 */

/** The Standard Webhooks headers of every delivery (services/deliveries.ts), as `components/parameters`. */
const HEADERS: Record<string, Schema> = {
  'webhook-id': {
    name: 'webhook-id',
    in: 'header',
    required: true,
    description:
      "The event's id: the same on every attempt and redelivery of the event, so a receiver deduplicates on it.",
    schema: { type: 'string', format: 'uuid' },
  },
  'webhook-timestamp': {
    name: 'webhook-timestamp',
    in: 'header',
    required: true,
    description:
      'When this attempt was signed, in seconds since the Unix epoch. A receiver refuses one too far from its ' +
      'clock (the standardwebhooks package allows five minutes), so a captured delivery cannot be replayed later.',
    schema: { type: 'string', pattern: '^[0-9]{1,12}$' },
  },
  'webhook-signature': {
    name: 'webhook-signature',
    in: 'header',
    required: true,
    description:
      '`v1,` and the base64 HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>` under the subscription secret ' +
      '(`whsec_…`, shown at creation and rotation). During the overlap after a rotation ' +
      '(WEBHOOK_SECRET_OVERLAP_HOURS) there are two, space-separated: one per secret. Verify with the ' +
      'standardwebhooks package before trusting the body.',
    schema: { type: 'string', pattern: '^v1,[A-Za-z0-9+/]+={0,2}( v1,[A-Za-z0-9+/]+={0,2})*$' },
  },
}

/** The component names of the headers: `webhook-id` → `WebhookId`. */
const componentName = (header: string) =>
  header.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase())

const RECEIVED =
  'Received. Any 2xx answer settles the delivery; the first kilobyte of the answer is kept in the delivery log.'
const RETRIED =
  'Any other answer, a redirect (never followed) or none within WEBHOOK_TIMEOUT_MS is a failed attempt: it is ' +
  'retried with exponential backoff and jitter (WEBHOOK_RETRY_BASE_MS, doubling, at most ' +
  'WEBHOOK_RETRY_MAX_DELAY_MS) for WEBHOOK_RETRY_HOURS, then marked failed; WEBHOOK_DISABLE_AFTER_FAILURES failed ' +
  'attempts in a row disable the subscription (its deliveries wait). A later event of the same article waits ' +
  'while an earlier one is being retried.'

/** `article.published` → `onArticlePublished`. */
const operationId = (type: string) =>
  'on' + type.replace(/(^|[.-])([a-z])/g, (_, _sep: string, c: string) => c.toUpperCase())

/** The webhook of one event type: a POST of its body to the subscription's URL. */
function webhook(type: DeliveredEventType): Schema {
  const schema = EVENTS[type] as unknown as { $id: string; description: string }
  return {
    post: {
      operationId: operationId(type),
      summary: type,
      description: `${schema.description} Sent ${
        type === 'webhook.ping'
          ? 'to the pinged subscription only'
          : 'to every subscription whose `events` name it (or `*`)'
      }, at least once: deduplicate on \`webhook-id\`.`,
      tags: ['webhooks'],
      parameters: Object.keys(HEADERS).map((header) => ({ $ref: `#/components/parameters/${componentName(header)}` })),
      requestBody: {
        required: true,
        description: `The \`${type}\` event, signed (see \`webhook-signature\`).`,
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema.$id}` } } },
      },
      responses: {
        '2XX': { $ref: '#/components/responses/WebhookReceived' },
        default: { $ref: '#/components/responses/WebhookRetried' },
      },
      // No bearer token: the receiver authenticates the sender by its signature.
      security: [],
    },
  }
}

/** The document with its `webhooks` section and the header parameters they share. */
export function withWebhooks<T extends { components?: unknown }>(document: T): T & { webhooks: Schema } {
  const components = (document.components ?? {}) as Schema
  const parameters = {
    ...(components.parameters as Schema | undefined),
    ...Object.fromEntries(Object.entries(HEADERS).map(([header, parameter]) => [componentName(header), parameter])),
  }
  const sorted = Object.fromEntries(Object.entries(parameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  // What a receiver's answer means, said once for every event.
  const responses = {
    ...(components.responses as Schema | undefined),
    WebhookReceived: { description: RECEIVED },
    WebhookRetried: { description: RETRIED },
  }
  return {
    ...document,
    components: { ...components, parameters: sorted, responses },
    webhooks: Object.fromEntries((Object.keys(EVENTS) as DeliveredEventType[]).map((type) => [type, webhook(type)])),
  }
}
