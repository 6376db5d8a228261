import { empty, join, raw, sql, type Sql } from '../sql.js'

/**
 * The one outbox writer. Every statement that makes a change a receiver hears about (articles,
 * authors, comment moderation, a ping) writes its event with `outboxEvent`: a CTE named
 * `"event"` in the change's own statement, so the event commits with the change or not at all,
 * and costs no extra round trip. The column list, and the rules an event follows, are here once:
 *
 * - `data` is a JSON object built in SQL from the change's row, key by key (`jsonb_build_object`);
 *   its keys are the event type's schema in src/schemas/events.ts, the contract receivers program
 *   against (the webhook tests hold every delivery to it, exact keys).
 * - An event about an article carries the article's id and its new event number (`sequence`),
 *   in its row and as `data.sequence`: the delivery worker keeps one article's events in order.
 * - An event for one subscription only (a ping) names it, and is fanned out already.
 *
 * A delivery's body is `{ type, timestamp: created_at, data }` (services/deliveries.ts).
 */
export interface OutboxEvent {
  /** The event type: a name from src/schemas/events.ts, or an SQL expression giving one. */
  type: string
  /** The rows to write an event for, one each, e.g. sql`"changed" c`; none: exactly one event. */
  from?: Sql
  /** For an article: its id and its new event number, SQL on the `from` rows. */
  article?: { id: Sql; sequence: Sql }
  /** For one subscription only (a ping): fanned out at once, to it alone. */
  subscriptionId?: string
  /** The keys of `data` (in its schema's order) and their SQL values. */
  data: Record<string, Sql>
  /** What the CTE returns, e.g. sql`"id", "position"`; nothing when unset. */
  returning?: Sql
}

const KEY = /^[A-Za-z]+$/

/** `jsonb_build_object('key', value, …)`: keys are constants from code, spliced as SQL literals. */
export function jsonObject(fields: Record<string, Sql>): Sql {
  const pairs = Object.entries(fields).map(([key, value]) => {
    if (!KEY.test(key)) throw new Error(`an event data key must be letters only: ${key}`)
    return sql`${raw(`'${key}'`)}, ${value}`
  })
  return sql`jsonb_build_object(
        ${join(pairs, ',\n        ')})`
}

/** The `"event"` CTE writing the outbox event of a change (see above). */
export function outboxEvent(event: OutboxEvent): Sql {
  const data = event.article ? { ...event.data, sequence: event.article.sequence } : event.data
  const article = event.article ? sql`${event.article.id}, ${event.article.sequence}` : sql`NULL::uuid, NULL::int`
  const subscription =
    event.subscriptionId === undefined
      ? sql`NULL::uuid, NULL::timestamptz`
      : sql`CAST(${event.subscriptionId} AS uuid), now()`
  return sql`"event" AS (
      INSERT INTO "outbox_events" ("type", "article_id", "sequence", "subscription_id", "dispatched_at", "data")
      SELECT ${event.type}, ${article}, ${subscription},
        ${jsonObject(data)}
      ${event.from ? sql`FROM ${event.from}` : empty}
      ${event.returning ? sql`RETURNING ${event.returning}` : empty})`
}
