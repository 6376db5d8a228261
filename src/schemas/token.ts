import { Type, type Static } from 'typebox'
import { ROLES } from '../auth.js'
import { Nullable, StringEnum, Timestamp, Uuid, ref } from './common.js'
import { NOT_BLANK } from './text.js'

export const RoleSchema = StringEnum(ROLES, {
  description:
    'admin: everything; editor: all content and moderation; author: own articles; viewer: read-only, drafts included.',
})

export const TokenSchema = Type.Object(
  {
    id: Uuid,
    name: Type.String({ examples: ['frontend build'] }),
    role: RoleSchema,
    authorId: Nullable(Uuid),
    prefix: Type.String({ description: 'First characters of the secret, to recognise it.', examples: ['bs_4fQ2x'] }),
    createdAt: Timestamp,
    lastUsedAt: Nullable(Timestamp),
  },
  { $id: 'Token', title: 'Token' },
)
export type Token = Static<typeof TokenSchema>

export const CreatedTokenSchema = Type.Object(
  {
    ...TokenSchema.properties,
    secret: Type.String({
      description: 'The bearer secret. Shown only in this response: it is stored hashed and cannot be retrieved again.',
    }),
  },
  { $id: 'CreatedToken', title: 'CreatedToken' },
)
export type CreatedToken = Static<typeof CreatedTokenSchema>

export const CreateTokenSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: NOT_BLANK }),
    role: RoleSchema,
    authorId: Type.Optional(Uuid),
  },
  {
    $id: 'CreateToken',
    title: 'CreateToken',
    additionalProperties: false,
    description: 'authorId is required for the author role and refused for the others.',
    examples: [{ name: 'Newsroom frontend', role: 'viewer' }],
  },
)
export type CreateToken = Static<typeof CreateTokenSchema>

export const TokenListSchema = Type.Object(
  { data: Type.Array(ref(TokenSchema)) },
  { $id: 'TokenList', title: 'TokenList' },
)
