import { Type, type Static, type TSchema } from 'typebox'
import { ARTICLE_STATUSES } from './article.js'
import { COMMENT_STATUSES } from './comment.js'
import { Nullable, ref, SLUG_PATTERN, StringEnum, Timestamp, Uuid } from './common.js'
import { TAG_PATTERN, UNTRUSTED } from './text.js'

/**
 * The webhook event contract: one schema per event type for its `data`, and the body each is
 * delivered in, `{ type, timestamp, data }` (services/deliveries.ts). The names a subscription
 * may ask for, the TypeScript types and the OpenAPI `webhooks` section (plugins/swagger-webhooks.ts)
 * all follow from the maps at the end of this file. The data itself is written in SQL by the
 * statement that makes the change (db/queries/events.ts, the one outbox writer); the webhook
 * tests validate every delivery they receive against the document these schemas become, with
 * exactly these keys: `data` holds public identifiers and state only, never a title, a body, an
 * email or a token.
 */

const Sequence = Type.Integer({
  minimum: 1,
  maximum: 2_147_483_647,
  description:
    "The article's event number: 1, 2, 3, … per article, its comments' events included. Events of one article " +
    'reach a subscription in this order.',
})
const Slug = Type.String({ pattern: SLUG_PATTERN, description: 'The slug at the time of the event.' })
const Tags = Type.Array(Type.String({ maxLength: 50, pattern: TAG_PATTERN }), { maxItems: 20 })
const ArticleStatus = StringEnum(ARTICLE_STATUSES, {
  description: "By the server's clock at the change: publishedAt null → draft, future → scheduled, past → published.",
})
const Trashed = Type.Boolean({ description: 'Whether the article is in the trash.' })

const CoverImageId = Nullable({ ...Uuid, description: 'The cover image (a media item; null for none).' })

/** What an article was before the change: what a frontend needs to revalidate an old slug, tag or author page. */
export const ArticlePreviousSchema = Type.Object(
  { slug: Slug, status: ArticleStatus, authorId: Uuid, tags: Tags, trashed: Trashed, coverImageId: CoverImageId },
  {
    $id: 'ArticleEventPrevious',
    title: 'ArticleEventPrevious',
    additionalProperties: false,
    description:
      'The article before the change: its slug, status, author, tags, whether it was in the trash, and its cover.',
  },
)
const ArticlePrevious = ref(ArticlePreviousSchema)

/** The state an article event reports: public identifiers and state, never a title or a body. */
const articleState = {
  id: Uuid,
  slug: Slug,
  status: ArticleStatus,
  publishedAt: Nullable(Timestamp),
  authorId: Uuid,
  tags: Tags,
  trashed: Trashed,
  coverImageId: CoverImageId,
  sequence: Sequence,
}

/** The options of a named component: `$id`, `title`, its description, and no keys but its own. */
const named = (id: string, description: string) => ({ $id: id, title: id, additionalProperties: false, description })

export const ArticleCreatedDataSchema = Type.Object(
  { ...articleState, previous: Type.Null({ description: 'Always null: there was nothing before.' }) },
  named('ArticleCreatedData', 'The `data` of `article.created`: the new article (a draft).'),
)

export const ArticleUpdatedDataSchema = Type.Object(
  { ...articleState, previous: ArticlePrevious },
  named('ArticleUpdatedData', 'The `data` of `article.updated`: the article after the edit, and `previous`.'),
)

export const ArticlePublishedDataSchema = Type.Object(
  {
    ...articleState,
    previous: Type.Unsafe<Static<typeof ArticlePreviousSchema> | null>({
      anyOf: [ArticlePrevious, { type: 'null' }],
      description:
        'The article before it was published; null when a scheduled article went live at its time (nobody changed it).',
    }),
  },
  named(
    'ArticlePublishedData',
    'The `data` of `article.published`: the article as it went live, by a publication now or at its scheduled time.',
  ),
)

export const ArticleUnpublishedDataSchema = Type.Object(
  { ...articleState, previous: ArticlePrevious },
  named('ArticleUnpublishedData', 'The `data` of `article.unpublished`: the article back as a draft, and `previous`.'),
)

export const ArticleTrashedDataSchema = Type.Object(
  { ...articleState, previous: ArticlePrevious },
  named('ArticleTrashedData', 'The `data` of `article.trashed`: the article in the trash, and `previous`.'),
)

export const ArticleRestoredDataSchema = Type.Object(
  { ...articleState, previous: ArticlePrevious },
  named('ArticleRestoredData', 'The `data` of `article.restored`: the article back from the trash, and `previous`.'),
)

export const ArticleDeletedDataSchema = Type.Object(
  {
    id: Uuid,
    slug: Slug,
    status: StringEnum(['deleted'] as const, { description: 'Always `deleted`: the article is gone.' }),
    authorId: Uuid,
    tags: Tags,
    sequence: Sequence,
    previous: ArticlePrevious,
  },
  named(
    'ArticleDeletedData',
    'The `data` of `article.deleted`: what the destroyed article was (by an admin, or by the trash retention), ' +
      'so receivers and caches know what to forget. No `publishedAt` or `trashed`: `previous` says what it was.',
  ),
)

const AuthorName = Type.String({ description: `The author's display name. ${UNTRUSTED}` })

export const AuthorCreatedDataSchema = Type.Object(
  { id: Uuid, slug: Slug, name: AuthorName },
  named('AuthorCreatedData', 'The `data` of `author.created`: public fields only, never the email.'),
)

const AvatarId = Nullable({ ...Uuid, description: "The author's uploaded portrait (a media item; null for none)." })
export const AuthorUpdatedDataSchema = Type.Object(
  {
    id: Uuid,
    slug: Slug,
    name: AuthorName,
    avatarId: AvatarId,
    previous: Type.Object(
      { slug: Slug, avatarId: AvatarId },
      { additionalProperties: false, description: 'The author before the change: its slug and portrait.' },
    ),
  },
  named('AuthorUpdatedData', 'The `data` of `author.updated`: public fields only, never the email.'),
)

export const AuthorDeletedDataSchema = Type.Object(
  { id: Uuid, slug: Slug, avatarId: AvatarId },
  named('AuthorDeletedData', 'The `data` of `author.deleted`: which author is gone.'),
)

/** A moderation write the public sees: the comment's public identity, never the commenter's name or email. */
const commentState = {
  id: Uuid,
  articleId: Uuid,
  articleSlug: Slug,
  parentId: Nullable({ ...Uuid, description: 'The comment it replies to; null for a top-level comment.' }),
  status: StringEnum(COMMENT_STATUSES, {
    description: 'The comment status after the change (for a deletion: before it).',
  }),
  wasApproved: Type.Boolean({ description: 'Whether the public saw the comment before the change.' }),
  sequence: Sequence,
}

export const CommentApprovedDataSchema = Type.Object(
  commentState,
  named('CommentApprovedData', 'The `data` of `comment.approved`: a comment the public sees from now on.'),
)

export const CommentUnapprovedDataSchema = Type.Object(
  commentState,
  named('CommentUnapprovedData', 'The `data` of `comment.unapproved`: an approved comment withdrawn (its new status).'),
)

export const CommentUpdatedDataSchema = Type.Object(
  commentState,
  named('CommentUpdatedData', "The `data` of `comment.updated`: an approved comment's text edited."),
)

export const CommentDeletedDataSchema = Type.Object(
  commentState,
  named(
    'CommentDeletedData',
    'The `data` of `comment.deleted`: a deleted comment; `wasApproved` says if the public saw it.',
  ),
)

export const MediaUpdatedDataSchema = Type.Object(
  {
    id: Uuid,
    cropVersion: Type.Integer({
      minimum: 1,
      maximum: 2_147_483_647,
      description: 'The `?v=` of its variant URLs (new only when the focal point moved).',
    }),
  },
  named(
    'MediaUpdatedData',
    "The `data` of `media.updated`: an image's text or focal point changed (pages showing it revalidate).",
  ),
)

export const MediaDeletedDataSchema = Type.Object(
  { id: Uuid },
  named('MediaDeletedData', 'The `data` of `media.deleted`: an image removed from the library.'),
)

export const WebhookPingDataSchema = Type.Object(
  {
    webhookId: { ...Uuid, description: 'The subscription pinged.' },
    message: StringEnum(['Ping from Broadsheet'] as const),
  },
  named('WebhookPingData', 'The `data` of `webhook.ping`.'),
)

/** The body a delivery carries: the event's type, when it was written, and its data. */
function delivered<const T extends string, D extends TSchema>(type: T, data: D, id: string, when: string) {
  return Type.Object(
    {
      type: Type.Literal(type),
      timestamp: {
        ...Timestamp,
        description: 'When the event was written, with its change: the same on every retry and redelivery.',
      },
      data: ref(data),
    },
    named(id, `\`${type}\`: ${when}`),
  )
}

export const ArticleCreatedEventSchema = delivered(
  'article.created',
  ArticleCreatedDataSchema,
  'ArticleCreatedEvent',
  'a new draft.',
)
export const ArticleUpdatedEventSchema = delivered(
  'article.updated',
  ArticleUpdatedDataSchema,
  'ArticleUpdatedEvent',
  'an edit (PATCH, a revision restored, bulk tags, scheduling a publication).',
)
export const ArticlePublishedEventSchema = delivered(
  'article.published',
  ArticlePublishedDataSchema,
  'ArticlePublishedEvent',
  'published now, or a scheduled article going live (announced by the server at that moment).',
)
export const ArticleUnpublishedEventSchema = delivered(
  'article.unpublished',
  ArticleUnpublishedDataSchema,
  'ArticleUnpublishedEvent',
  'back to draft.',
)
export const ArticleTrashedEventSchema = delivered(
  'article.trashed',
  ArticleTrashedDataSchema,
  'ArticleTrashedEvent',
  'into the trash.',
)
export const ArticleRestoredEventSchema = delivered(
  'article.restored',
  ArticleRestoredDataSchema,
  'ArticleRestoredEvent',
  'back from the trash.',
)
export const ArticleDeletedEventSchema = delivered(
  'article.deleted',
  ArticleDeletedDataSchema,
  'ArticleDeletedEvent',
  'destroyed (by an admin or the trash retention).',
)
export const AuthorCreatedEventSchema = delivered(
  'author.created',
  AuthorCreatedDataSchema,
  'AuthorCreatedEvent',
  'an author created.',
)
export const AuthorUpdatedEventSchema = delivered(
  'author.updated',
  AuthorUpdatedDataSchema,
  'AuthorUpdatedEvent',
  'an author changed (PATCH).',
)
export const AuthorDeletedEventSchema = delivered(
  'author.deleted',
  AuthorDeletedDataSchema,
  'AuthorDeletedEvent',
  'an author deleted.',
)
export const CommentApprovedEventSchema = delivered(
  'comment.approved',
  CommentApprovedDataSchema,
  'CommentApprovedEvent',
  'a comment approved: the public sees it.',
)
export const CommentUnapprovedEventSchema = delivered(
  'comment.unapproved',
  CommentUnapprovedDataSchema,
  'CommentUnapprovedEvent',
  'an approved comment withdrawn (pending, spam or rejected).',
)
export const CommentUpdatedEventSchema = delivered(
  'comment.updated',
  CommentUpdatedDataSchema,
  'CommentUpdatedEvent',
  "an approved comment's text edited.",
)
export const CommentDeletedEventSchema = delivered(
  'comment.deleted',
  CommentDeletedDataSchema,
  'CommentDeletedEvent',
  'a comment deleted.',
)
export const MediaUpdatedEventSchema = delivered(
  'media.updated',
  MediaUpdatedDataSchema,
  'MediaUpdatedEvent',
  'a media item changed (PATCH).',
)
export const MediaDeletedEventSchema = delivered(
  'media.deleted',
  MediaDeletedDataSchema,
  'MediaDeletedEvent',
  'a media item deleted.',
)
export const WebhookPingEventSchema = delivered(
  'webhook.ping',
  WebhookPingDataSchema,
  'WebhookPingEvent',
  'a test delivery (POST /api/v1/webhooks/{id}/ping).',
)

/** The events a subscription may ask for (`events`), by type: every change the outbox records. */
const CHANGE_EVENTS = {
  'article.created': ArticleCreatedEventSchema,
  'article.updated': ArticleUpdatedEventSchema,
  'article.published': ArticlePublishedEventSchema,
  'article.unpublished': ArticleUnpublishedEventSchema,
  'article.trashed': ArticleTrashedEventSchema,
  'article.restored': ArticleRestoredEventSchema,
  'article.deleted': ArticleDeletedEventSchema,
  'author.created': AuthorCreatedEventSchema,
  'author.updated': AuthorUpdatedEventSchema,
  'author.deleted': AuthorDeletedEventSchema,
  'comment.approved': CommentApprovedEventSchema,
  'comment.unapproved': CommentUnapprovedEventSchema,
  'comment.updated': CommentUpdatedEventSchema,
  'comment.deleted': CommentDeletedEventSchema,
  'media.updated': MediaUpdatedEventSchema,
  'media.deleted': MediaDeletedEventSchema,
}

/** Every event a receiver can get, by type, as delivered: the changes, and `webhook.ping`. */
export const EVENTS = { ...CHANGE_EVENTS, 'webhook.ping': WebhookPingEventSchema }

/** The event types a subscription may ask for ('*': all of them); `webhook.ping` goes only to the pinged subscription. */
export type EventType = keyof typeof CHANGE_EVENTS
export const EVENT_TYPES = Object.keys(CHANGE_EVENTS) as EventType[]

/** Every type a receiver can get. */
export type DeliveredEventType = keyof typeof EVENTS
export const DELIVERED_EVENT_TYPES = Object.keys(EVENTS) as DeliveredEventType[]

/** The body of a delivery of type `T`, as the receiver gets it. */
export type DeliveredEvent<T extends DeliveredEventType = DeliveredEventType> = {
  [K in T]: Static<(typeof EVENTS)[K]>
}[T]

/** The `data` of an event of type `T`. */
export type EventData<T extends DeliveredEventType> = DeliveredEvent<T>['data']

/** The event types of article changes, as a change note names them (db/queries/article-history.ts). */
export type ArticleEventType = Extract<EventType, `article.${string}`>
/** The event types of comment moderation. */
export type CommentEventType = Extract<EventType, `comment.${string}`>
