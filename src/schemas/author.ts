import { Type, type Static } from 'typebox'
import { Nullable, Uuid } from './common.js'

/** What an article embeds with include=author: public fields only. */
export const AuthorSummarySchema = Type.Object(
  {
    id: Uuid,
    slug: Type.String({ examples: ['zoe-dordevic'] }),
    name: Type.String({ examples: ['Zoë Ðorđević'] }),
    avatarUrl: Nullable(Type.String({ format: 'uri' })),
  },
  { $id: 'AuthorSummary', title: 'AuthorSummary' },
)
export type AuthorSummary = Static<typeof AuthorSummarySchema>
