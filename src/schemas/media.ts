import { Type, type Static } from 'typebox'
import { ListOf, ListQuery, Timestamp, Uuid, ref } from './common.js'
import { UNTRUSTED } from './text.js'

/** The fixed renditions of an image (src/media/variants.ts holds their sizes); no other size is made. */
export const VARIANT_NAMES = ['thumb', 'card', 'hero', 'full'] as const
export const VARIANT_FORMATS = ['webp', 'avif', 'jpeg'] as const

export const FocalPointSchema = Type.Object(
  {
    x: Type.Number({ minimum: 0, maximum: 1, description: '0: left edge, 1: right edge.' }),
    y: Type.Number({ minimum: 0, maximum: 1, description: '0: top, 1: bottom.' }),
  },
  {
    additionalProperties: false,
    description: 'What the cropped variants keep in view.',
    examples: [{ x: 0.5, y: 0.35 }],
  },
)

export const MediaVariantSchema = Type.Object(
  {
    url: Type.String({
      format: 'uri',
      description: 'The WebP rendition; `.avif` and `.jpeg` in place of `.webp` give the others.',
    }),
    width: Type.Integer({ minimum: 1, maximum: 2560 }),
    height: Type.Integer({ minimum: 1, maximum: 2560 }),
  },
  { $id: 'MediaVariant', title: 'MediaVariant', additionalProperties: false },
)
const Variant = ref(MediaVariantSchema)

export const MediaSchema = Type.Object(
  {
    id: Uuid,
    mimeType: Type.String({
      enum: ['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif', 'image/svg+xml'],
      description: 'Decided by the bytes. SVG only where MEDIA_ALLOW_SVG is on.',
    }),
    width: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: 'Pixels, after the EXIF orientation was applied.',
    }),
    height: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    bytes: Type.Integer({
      minimum: 1,
      maximum: 2 ** 31 - 1,
      description: 'Size of the stored original (metadata stripped).',
    }),
    alt: Type.String({ description: 'Text alternative; required before the image can illustrate published content.' }),
    caption: Type.String(),
    credit: Type.String(),
    license: Type.String(),
    focalPoint: FocalPointSchema,
    placeholder: Type.Object(
      {
        color: Type.String({ pattern: '^#[0-9a-f]{6}$', description: 'The dominant colour.', examples: ['#3a5f7d'] }),
        thumbhash: Type.String({
          description: 'A ThumbHash (base64) of the image: a blurred preview a frontend decodes while the image loads.',
        }),
      },
      { additionalProperties: false },
    ),
    public: Type.Boolean({ description: 'Visible to everyone; otherwise to tokens only.' }),
    variants: Type.Object(
      { thumb: Variant, card: Variant, hero: Variant, full: Variant },
      {
        additionalProperties: false,
        description:
          'thumb 320×320, card 800×450, hero 1600×900 (cropped around the focal point), full (within 2560×2560); ' +
          'never larger than the original.',
      },
    ),
    srcset: Type.String({
      description:
        'card and hero (both 16:9, cropped alike) as an HTML srcset of their WebP URLs and widths, ready for ' +
        '`<img srcset>` with `sizes`.',
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  {
    $id: 'Media',
    title: 'Media',
    description:
      'An uploaded image, stripped of all metadata; the original is never served, only its variants (an SVG also ' +
      'as a download). alt, caption, ' +
      `credit and license are plain text. ${UNTRUSTED}`,
  },
)
export type Media = Static<typeof MediaSchema>

export const MediaListSchema = ListOf(MediaSchema, 'MediaList')
export type MediaList = Static<typeof MediaListSchema>

// Plain text; the Media schema says once that it comes back untrusted.
const Alt = Type.String({ maxLength: 1000 })
const Caption = Type.String({ maxLength: 2000 })
const Credit = Type.String({ maxLength: 300 })
const License = Type.String({ maxLength: 300, description: 'Plain text, e.g. "CC BY 4.0" or "All rights reserved".' })

/** The text fields of an upload (multipart form fields beside `file`), as the service checks them. */
export const UploadFieldsSchema = Type.Object(
  {
    alt: Type.Optional(Alt),
    caption: Type.Optional(Caption),
    credit: Type.Optional(Credit),
    license: Type.Optional(License),
    focalPoint: Type.Optional(
      Type.String({
        pattern: '^\\s*(0(\\.\\d+)?|1(\\.0+)?)\\s*,\\s*(0(\\.\\d+)?|1(\\.0+)?)\\s*$',
        maxLength: 60,
        description: '`x,y` in 0..1, e.g. `0.5,0.35`. Default the centre.',
      }),
    ),
    public: Type.Optional(Type.String({ enum: ['true', 'false'], description: 'Default false.' })),
  },
  { additionalProperties: false },
)
export type UploadFields = Static<typeof UploadFieldsSchema>

/** What the OpenAPI document shows as the multipart body of POST /media (the route parses it itself). */
export const UploadMediaSchema = Type.Object(
  {
    file: Type.String({
      format: 'binary',
      maxLength: 200 * 1024 * 1024,
      description: 'JPEG, PNG, WebP, AVIF or GIF, judged by its bytes. Its file name is ignored.',
    }),
    ...UploadFieldsSchema.properties,
  },
  { $id: 'UploadMedia', title: 'UploadMedia', required: ['file'], additionalProperties: false },
)

export const UpdateMediaSchema = Type.Object(
  {
    alt: Type.Optional(Alt),
    caption: Type.Optional(Caption),
    credit: Type.Optional(Credit),
    license: Type.Optional(License),
    focalPoint: Type.Optional(FocalPointSchema),
    public: Type.Optional(Type.Boolean()),
  },
  {
    $id: 'UpdateMedia',
    title: 'UpdateMedia',
    additionalProperties: false,
    minProperties: 1,
    description: 'Only the fields given change. A new focal point re-crops the variants (their URLs change).',
    examples: [{ alt: 'The harbour crane at dusk', credit: 'Amara Okafor' }],
  },
)
export type UpdateMedia = Static<typeof UpdateMediaSchema>

export const ListMediaQuerySchema = Type.Object(
  {
    ...ListQuery,
    sort: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'Comma list of createdAt, updatedAt, bytes; "-" for descending. Default -createdAt.',
      }),
    ),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Case-insensitive substring of the alt text, caption or credit.',
      }),
    ),
    mimeType: Type.Optional(
      Type.String({ enum: ['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif'] }),
    ),
    public: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type ListMediaQuery = Static<typeof ListMediaQuerySchema>

export const MediaFileParamsSchema = Type.Object(
  {
    id: Uuid,
    file: Type.String({
      maxLength: 12,
      pattern: `^((${VARIANT_NAMES.join('|')})\\.(${VARIANT_FORMATS.join('|')})|original\\.svg)$`,
      description:
        '`<variant>.<format>`: thumb, card, hero or full; webp, avif or jpeg. No other size exists. ' +
        '`original.svg`: an SVG item itself, as a download only.',
      examples: ['card.webp'],
    }),
  },
  { additionalProperties: false },
)

export const MediaFileQuerySchema = Type.Object(
  {
    v: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 2 ** 31 - 1,
        description: "The item's version, as the `variants` URLs carry it: a new focal point gives new URLs.",
      }),
    ),
  },
  { additionalProperties: false },
)
