import { Type, type Static } from 'typebox'
import { ListOf, ListQuery } from './common.js'

/** One tag of the tag index: the tag and how many published articles have it. */
export const TagSchema = Type.Object(
  {
    tag: Type.String({ maxLength: 50, examples: ['city-hall'] }),
    count: Type.Integer({
      minimum: 1,
      maximum: 2_147_483_647,
      description: 'Published articles that have this tag.',
      examples: [4],
    }),
  },
  { $id: 'Tag', title: 'Tag' },
)
export type Tag = Static<typeof TagSchema>

export const TagListSchema = ListOf(TagSchema, 'TagList')
export type TagList = Static<typeof TagListSchema>

export const ListTagsQuerySchema = Type.Object(
  {
    ...ListQuery,
    sort: Type.Optional(
      Type.String({
        maxLength: 100,
        description:
          'Comma list of count, tag; "-" for descending. Default -count (most used first). Ties are always ' +
          'broken by tag, ascending. Example: tag',
      }),
    ),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 50,
        description:
          'Only tags that start with this text (case-insensitive: tags are lowercase; % and _ are literal characters).',
      }),
    ),
  },
  { additionalProperties: false },
)
export type ListTagsQuery = Static<typeof ListTagsQuerySchema>
