import type { RevisionAction } from '../../generated/prisma/client.js'
import { empty, sql, timestamp, type Sql } from '../sql.js'
import { jsonObject, outboxEvent } from './events.js'

/**
 * What every change of an article records besides itself, in its own statement: its revision
 * (a snapshot of the editable fields) and its outbox event (public identifiers and state). The
 * statements themselves are in queries/articles.ts; this is how they record.
 */

/** Who made a change, as its revision records it: a token's id and name, or nobody (the seed). */
export interface Actor {
  tokenId: string | null
  name: string | null
}

/**
 * The outbox event type of an article change (one per change): a name of the contract in
 * src/schemas/events.ts (`ArticleEventType` there), which this layer does not import.
 */
export type ArticleEventType = `article.${string}`

/** What a change records besides the article's new state: its revision and its outbox event. */
export interface ChangeNote {
  action: RevisionAction
  actor: Actor
  /** For `restore`: the revision whose content was copied. */
  restoredFrom?: number
  /** Keep at most this many revisions of the article (REVISIONS_KEEP); unset keeps all. */
  keep?: number | undefined
  /** The one outbox event this change emits. */
  event: ArticleEventType
  /** The server's clock for this change: the status a snapshot or an event records. */
  now: Date
}

/** An article's status on row `c` at `now`, in SQL: the same rule as `articleStatus`. */
const statusAt = (published: Sql, now: Date) =>
  sql`CASE WHEN ${published} IS NULL THEN 'draft' WHEN ${published} > CAST(${timestamp(now)} AS timestamptz) THEN 'scheduled' ELSE 'published' END`
/** A timestamp as the API writes it (RFC 3339, UTC, milliseconds). */
const iso = (at: Sql) => sql`to_char(${at} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/**
 * The snapshot a revision keeps of row `c` (a change's RETURNING columns): the editable fields
 * and the publication state, never anything secret. The status is decided by the server's
 * clock, as the API decides it (the database's may differ).
 */
export const snapshot = (now: Date): Sql =>
  jsonObject({
    title: sql`c."title"`,
    slug: sql`c."slug"`,
    excerpt: sql`c."excerpt"`,
    body: sql`c."body"`,
    tags: sql`to_jsonb(c."tags")`,
    authorId: sql`c."authorId"`,
    coverImageId: sql`c."coverImageId"`,
    status: statusAt(sql`c."publishedAt"`, now),
    publishedAt: iso(sql`c."publishedAt"`),
    trashed: sql`c."trashedAt" IS NOT NULL`,
  })

/**
 * The outbox event of an article change, from the rows `c` of `"changed"` (its RETURNING
 * columns, `eventSeq` and the previous state): public identifiers and state (what a frontend
 * needs to revalidate pages: slug, status, tags, author) and, for a change of an existing
 * article, the same before it. Never a title, a body or anything private (src/schemas/events.ts).
 */
export function articleEvent(type: ArticleEventType, now: Date): Sql {
  return outboxEvent({
    type,
    from: sql`"changed" c`,
    article: { id: sql`c."id"`, sequence: sql`c."eventSeq"` },
    data: {
      id: sql`c."id"`,
      slug: sql`c."slug"`,
      status: statusAt(sql`c."publishedAt"`, now),
      publishedAt: iso(sql`c."publishedAt"`),
      authorId: sql`c."authorId"`,
      tags: sql`to_jsonb(c."tags")`,
      trashed: sql`c."trashedAt" IS NOT NULL`,
      coverImageId: sql`c."coverImageId"`,
      previous: sql`CASE WHEN c."prevSlug" IS NULL THEN NULL ELSE ${jsonObject({
        slug: sql`c."prevSlug"`,
        status: statusAt(sql`c."prevPublishedAt"`, now),
        authorId: sql`c."prevAuthorId"`,
        tags: sql`to_jsonb(c."prevTags")`,
        trashed: sql`c."prevTrashedAt" IS NOT NULL`,
        coverImageId: sql`c."prevCoverImageId"`,
      })} END`,
    },
  })
}

/** The article before the change, for an UPDATE's RETURNING (from the locked row `p`). */
export const previousColumns = sql`p."slug" AS "prevSlug", p."tags" AS "prevTags", p."author_id" AS "prevAuthorId",
  p."published_at" AS "prevPublishedAt", p."trashed_at" AS "prevTrashedAt", p."cover_image_id" AS "prevCoverImageId"`
/** No previous state (a new article, or a go-live nobody made). */
export const noPreviousColumns = sql`NULL::text AS "prevSlug", NULL::text[] AS "prevTags", NULL::uuid AS "prevAuthorId",
  NULL::timestamptz AS "prevPublishedAt", NULL::timestamptz AS "prevTrashedAt", NULL::uuid AS "prevCoverImageId"`

/**
 * A change of "articles" (CTEs ending in `"changed"`, an INSERT or UPDATE returning the
 * article's columns, `eventSeq` and the previous state) with its revision and its outbox event,
 * in one statement: both commit with the change or not at all, and cost no extra round trip. The
 * revision is numbered with the article's new version, the event with its new `event_seq`; the
 * row lock orders concurrent writers, so neither number can collide. With `keep`, revisions
 * beyond that many are deleted by the same statement. The article comes back with its author's
 * public fields, as a single read has them (its structured data names the author).
 */
export function recorded(change: Sql, note: ChangeNote): Sql {
  const prune =
    note.keep === undefined
      ? empty
      : sql`, "pruned" AS (
          DELETE FROM "article_revisions" r USING "changed" c
          WHERE r."article_id" = c."id" AND r."number" <= c."version" - ${note.keep})`
  return sql`
    WITH ${change},
    "revision" AS (
      INSERT INTO "article_revisions" ("article_id", "number", "action", "token_id", "token_name", "restored_from", "snapshot")
      SELECT c."id", c."version", CAST(${note.action} AS "RevisionAction"), CAST(${note.actor.tokenId} AS uuid), ${note.actor.name},
             CAST(${note.restoredFrom ?? null} AS int), ${snapshot(note.now)}
      FROM "changed" c
    ),
    ${articleEvent(note.event, note.now)} ${prune}
    SELECT c.*, au."slug" AS "authorSlug", au."name" AS "authorName", au."avatar_url" AS "authorAvatarUrl"
    FROM "changed" c JOIN "authors" au ON au."id" = c."authorId"`
}

/**
 * Destroying articles (a DELETE returning the rows it removed as `g`) with one `article.deleted`
 * event each, in one statement: what the article was (slug, author, tags, status, whether it
 * was in the trash), so receivers and caches know what to forget.
 */
export function destroyed(deletion: Sql, now: Date): Sql {
  return sql`
    WITH "gone" AS (${deletion} RETURNING "id", "slug", "tags", "author_id", "published_at", "trashed_at", "cover_image_id",
      "event_seq" + 1 AS "seq"),
    ${outboxEvent({
      type: 'article.deleted',
      from: sql`"gone" g`,
      article: { id: sql`g."id"`, sequence: sql`g."seq"` },
      data: {
        id: sql`g."id"`,
        slug: sql`g."slug"`,
        status: sql`'deleted'`,
        authorId: sql`g."author_id"`,
        tags: sql`to_jsonb(g."tags")`,
        previous: jsonObject({
          slug: sql`g."slug"`,
          status: statusAt(sql`g."published_at"`, now),
          authorId: sql`g."author_id"`,
          tags: sql`to_jsonb(g."tags")`,
          trashed: sql`g."trashed_at" IS NOT NULL`,
          coverImageId: sql`g."cover_image_id"`,
        }),
      },
    })}
    SELECT "id" FROM "gone"`
}
