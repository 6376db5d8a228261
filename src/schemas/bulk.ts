import { Type, type Static } from 'typebox'
import { StringEnum, Uuid } from './common.js'
import { Tags } from './article.js'

/** The most ids one bulk request may name. */
export const BULK_MAX_IDS = 100

export const ARTICLE_BULK_ACTIONS = ['publish', 'unpublish', 'trash', 'restore', 'addTags', 'removeTags'] as const
export type ArticleBulkAction = (typeof ARTICLE_BULK_ACTIONS)[number]
export const COMMENT_BULK_ACTIONS = ['approve', 'pending', 'spam', 'reject', 'delete'] as const
export type CommentBulkAction = (typeof COMMENT_BULK_ACTIONS)[number]

const Atomic = Type.Optional(
  Type.Boolean({
    default: false,
    description:
      'true: all or nothing. If any item would fail, nothing changes and the answer is 409 BULK_ABORTED carrying the ' +
      'per-item results. false (default): each item is applied on its own.',
  }),
)

export const BulkArticlesSchema = Type.Object(
  {
    action: StringEnum(ARTICLE_BULK_ACTIONS, {
      description:
        'publish (now; live ones keep their time), unpublish, trash, restore (from the trash), addTags, removeTags (need `tags`).',
    }),
    ids: Type.Array(Type.String({ minLength: 1, maxLength: 200, description: 'An article id or slug.' }), {
      minItems: 1,
      maxItems: BULK_MAX_IDS,
      uniqueItems: true,
      description: `1 to ${BULK_MAX_IDS} article ids or slugs; results come back in this order.`,
    }),
    tags: Type.Optional({
      ...Tags,
      description: 'For addTags and removeTags (and only for them): the tags to add or remove.',
    }),
    atomic: Atomic,
  },
  {
    $id: 'BulkArticles',
    title: 'BulkArticles',
    additionalProperties: false,
    description:
      'One action on many articles. Each item obeys the rules, roles and revisions of the single-item route.',
    examples: [
      { action: 'addTags', ids: ['riverside-tram-line-9-stops-3-years-late-and-finally-open'], tags: ['transport'] },
    ],
  },
)
export type BulkArticles = Static<typeof BulkArticlesSchema>

export const BulkCommentsSchema = Type.Object(
  {
    action: StringEnum(COMMENT_BULK_ACTIONS, {
      description: 'approve, pending, spam, reject (set the status, as PATCH does), or delete.',
    }),
    ids: Type.Array(Uuid, {
      minItems: 1,
      maxItems: BULK_MAX_IDS,
      uniqueItems: true,
      description: `1 to ${BULK_MAX_IDS} comment ids; results come back in this order.`,
    }),
    atomic: Atomic,
  },
  {
    $id: 'BulkComments',
    title: 'BulkComments',
    additionalProperties: false,
    description: 'One moderation action on many comments; commentCount stays right.',
    examples: [{ action: 'approve', ids: ['e83ab0ca-1c3d-518a-a133-47a1a3cd0194'] }],
  },
)
export type BulkComments = Static<typeof BulkCommentsSchema>
