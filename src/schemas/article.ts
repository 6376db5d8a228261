import { Type, type Static } from 'typebox'
import { ListMetaSchema, Nullable, PaginationQuery, StringEnum, Timestamp, Uuid, ref } from './common.js'
import { AuthorSummarySchema } from './author.js'

export const ARTICLE_STATUSES = ['draft', 'scheduled', 'published'] as const

export const ArticleSchema = Type.Object(
  {
    id: Uuid,
    slug: Type.String({ examples: ['minsk-a-tale-of-2-rallies'] }),
    title: Type.String({ examples: ['Minsk: a tale of 2 rallies'] }),
    excerpt: Type.String(),
    body: Type.String({ description: 'Markdown, returned byte-exact.' }),
    tags: Type.Array(Type.String(), { examples: [['city-hall', 'transport']] }),
    status: StringEnum(ARTICLE_STATUSES, {
      description: 'Derived from publishedAt: null → draft, future → scheduled, past → published.',
    }),
    publishedAt: Nullable(Timestamp),
    authorId: Uuid,
    commentCount: Type.Integer({ minimum: 0, description: 'Approved comments.' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    author: Type.Optional(ref(AuthorSummarySchema)),
  },
  { $id: 'Article', title: 'Article' },
)
export type Article = Static<typeof ArticleSchema>

export const ArticleListSchema = Type.Object(
  { data: Type.Array(ref(ArticleSchema)), meta: ref(ListMetaSchema) },
  { $id: 'ArticleList', title: 'ArticleList' },
)
export type ArticleList = Static<typeof ArticleListSchema>

export const ListArticlesQuerySchema = Type.Object(
  {
    ...PaginationQuery,
  },
  { additionalProperties: false },
)
export type ListArticlesQuery = Static<typeof ListArticlesQuerySchema>
