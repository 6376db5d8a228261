import { Type, type Static } from 'typebox'
import { ListOf, ListQuery, Nullable, SlugInput, Timestamp, Uuid, ref } from './common.js'
import { AUTHOR_FIELDS, FieldsParam, SparseOf } from './fields.js'
import { MediaSchema, type Media } from './media.js'
import { NOT_BLANK, UNTRUSTED } from './text.js'

/** What an article embeds with include=author: public fields only. */
export const AuthorSummarySchema = Type.Object(
  {
    id: Uuid,
    slug: Type.String({ examples: ['dang-thu-ha'] }),
    name: Type.String({ examples: ['Đặng Thu Hà'] }),
    avatarUrl: Nullable(Type.String({ format: 'uri' })),
  },
  { $id: 'AuthorSummary', title: 'AuthorSummary' },
)
export type AuthorSummary = Static<typeof AuthorSummarySchema>

export const AuthorSchema = Type.Object(
  {
    id: Uuid,
    slug: Type.String({ examples: ['dang-thu-ha'] }),
    name: Type.String({ examples: ['Đặng Thu Hà'] }),
    email: Type.Optional({
      ...Nullable(Type.String({ format: 'email' })),
      description: 'Private: present only for editor and admin tokens and for an author token bound to this author.',
    }),
    bio: Type.String(),
    avatarUrl: Nullable(Type.String({ format: 'uri' })),
    avatarId: Nullable({ ...Uuid, description: 'An uploaded portrait (a media item); null for none.' }),
    avatar: Type.Unsafe<Media | null>({
      anyOf: [ref(MediaSchema), { type: 'null' }],
      description: 'The avatarId image with its variants (null without one): public, as authors are.',
    }),
    website: Nullable(Type.String({ format: 'uri' })),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  {
    $id: 'Author',
    title: 'Author',
    description:
      '`email` is private: it is included only for editor and admin tokens and for an author token bound to ' +
      'this very author, and omitted for everyone else (lists included).',
  },
)
export type Author = Static<typeof AuthorSchema>

export const AuthorListSchema = ListOf(AuthorSchema, 'AuthorList')
export type AuthorList = Static<typeof AuthorListSchema>

/** An author answered with `fields=`: the named fields and `id`. */
export const AuthorFieldsSchema = SparseOf(
  AuthorSchema.properties,
  {},
  {
    $id: 'AuthorFields',
    description:
      'An author with only the fields named in `fields` (and `id`). `email` stays private: named or not, it is ' +
      'present only for editor and admin tokens and for an author token on its own entry.',
  },
)
export const AuthorFieldsListSchema = ListOf(AuthorFieldsSchema, 'AuthorFieldsList')

const AuthorFields = FieldsParam(AUTHOR_FIELDS, 'slug,name,avatarUrl')

const Slug = SlugInput('name')
const Name = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: NOT_BLANK,
  description: `Plain text, not blank. ${UNTRUSTED}`,
})
const Email = Type.String({ format: 'email', maxLength: 254, description: 'Private; unique among authors.' })
const Bio = Type.String({ maxLength: 5000, description: `Plain text. ${UNTRUSTED}` })
// format uri alone accepts javascript: and data: URLs; these end up in frontends' href and src.
const HttpUrl = Type.String({ format: 'uri', maxLength: 2000, pattern: '^https?://', description: 'An http(s) URL.' })

const AvatarId = Nullable({
  ...Uuid,
  description: 'A media item (POST /media) as the portrait; it becomes public with the author. Null for none.',
})

export const CreateAuthorSchema = Type.Object(
  {
    name: Name,
    slug: Type.Optional(Slug),
    email: Type.Optional(Email),
    bio: Type.Optional(Bio),
    avatarUrl: Type.Optional(HttpUrl),
    avatarId: Type.Optional(AvatarId),
    website: Type.Optional(HttpUrl),
  },
  {
    $id: 'CreateAuthor',
    title: 'CreateAuthor',
    additionalProperties: false,
    // No email in the example: it must be unique, and the example must work every time it is sent.
    examples: [{ name: 'Amara Okafor', bio: 'Covers courts and city hall.', website: 'https://amara.example.org' }],
  },
)
export type CreateAuthor = Static<typeof CreateAuthorSchema>

export const UpdateAuthorSchema = Type.Object(
  {
    name: Type.Optional(Name),
    slug: Type.Optional(Slug),
    email: Type.Optional(Nullable(Email)),
    bio: Type.Optional(Bio),
    avatarUrl: Type.Optional(Nullable(HttpUrl)),
    avatarId: Type.Optional(AvatarId),
    website: Type.Optional(Nullable(HttpUrl)),
  },
  {
    $id: 'UpdateAuthor',
    title: 'UpdateAuthor',
    additionalProperties: false,
    minProperties: 1,
    description: 'Only the fields given change; null clears email, avatarUrl, avatarId or website.',
    examples: [{ bio: 'Covers courts, city hall and the harbour.' }],
  },
)
export type UpdateAuthor = Static<typeof UpdateAuthorSchema>

export const ListAuthorsQuerySchema = Type.Object(
  {
    ...ListQuery,
    sort: Type.Optional(
      Type.String({
        maxLength: 200,
        description:
          'Comma list of name, slug, createdAt, updatedAt; "-" for descending. Default name. Example: -createdAt,name',
      }),
    ),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Case-insensitive substring of the name (% and _ are literal characters).',
      }),
    ),
    fields: AuthorFields,
  },
  { additionalProperties: false },
)
export type ListAuthorsQuery = Static<typeof ListAuthorsQuerySchema>

/** GET /authors/{idOrSlug} takes `fields` only; any other query parameter is a 400. */
export const AuthorQuerySchema = Type.Object({ fields: AuthorFields }, { additionalProperties: false })
export type AuthorQuery = Static<typeof AuthorQuerySchema>
