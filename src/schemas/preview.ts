import { Type, type Static } from 'typebox'
import { IdOrSlugParamsSchema, ListOf, Timestamp, Uuid } from './common.js'

export const PREVIEW_DEFAULT_SECONDS = 3600
export const PREVIEW_MAX_SECONDS = 7 * 24 * 3600

/** The preview body's examples, by name; the first (the default hour) is what Swagger UI pre-fills. */
export const PREVIEW_EXAMPLES = {
  default: { summary: 'A link for one hour, the default (the same as no body)', value: {} },
  twoHours: { summary: 'A link for two hours', value: { expiresIn: 7200 } },
}

export const CreatePreviewSchema = Type.Object(
  {
    expiresIn: Type.Optional(
      Type.Integer({
        minimum: 60,
        maximum: PREVIEW_MAX_SECONDS,
        default: PREVIEW_DEFAULT_SECONDS,
        description: 'Seconds the preview token lives: 60 to 604800 (7 days); default 3600 (1 hour).',
      }),
    ),
  },
  {
    $id: 'CreatePreview',
    title: 'CreatePreview',
    additionalProperties: false,
    description: 'An empty object (or no body) makes a token for one hour.',
    examples: Object.values(PREVIEW_EXAMPLES).map((example) => example.value),
  },
)
export type CreatePreview = Static<typeof CreatePreviewSchema>

export const PreviewSchema = Type.Object(
  {
    id: { ...Uuid, description: 'Revoke this one with DELETE /api/v1/articles/{idOrSlug}/preview/{id}.' },
    token: Type.String({
      pattern: '^bsp_[A-Za-z0-9_-]{43}$',
      description:
        'Shown only this once, stored hashed. Send it as `Authorization: Bearer <token>` to GET /api/v1/articles/{idOrSlug}: ' +
        'that article only, draft included, read-only. Treat it like a password.',
    }),
    expiresAt: Timestamp,
    url: Type.Optional(
      Type.String({
        format: 'uri',
        description:
          "PREVIEW_URL with {token}, {slug} and {id} filled in: the link to your site's draft mode. Absent when PREVIEW_URL is not set.",
      }),
    ),
  },
  { $id: 'Preview', title: 'Preview', description: 'A draft preview link for one article.' },
)
export type Preview = Static<typeof PreviewSchema>

export const PreviewParamsSchema = Type.Object(
  { ...IdOrSlugParamsSchema.properties, previewId: Uuid },
  { additionalProperties: false },
)
export type PreviewParams = Static<typeof PreviewParamsSchema>

/** A live preview link as listed: never its token (shown once, stored hashed), only its first characters. */
export const PreviewLinkSchema = Type.Object(
  {
    id: { ...Uuid, description: 'Revoke it with DELETE /api/v1/articles/{idOrSlug}/preview/{id}.' },
    prefix: Type.String({
      description: 'The first characters of the token, to recognise it.',
      examples: ['bsp_Xk3vQ9aL'],
    }),
    createdAt: Timestamp,
    expiresAt: Timestamp,
    by: Type.Object(
      { tokenId: Uuid, name: Type.String({ description: 'The name of the API token that made it.' }) },
      { description: 'Who made it. Revoking that API token revokes the link too.' },
    ),
  },
  {
    $id: 'PreviewLink',
    title: 'PreviewLink',
    description: 'A preview link that still opens its article (unexpired, not revoked).',
  },
)
export type PreviewLink = Static<typeof PreviewLinkSchema>

export const PreviewLinkListSchema = ListOf(PreviewLinkSchema, 'PreviewLinkList')
export type PreviewLinkList = Static<typeof PreviewLinkListSchema>
