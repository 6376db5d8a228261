import { Type, type Static } from 'typebox'
import { SLUG_MAX_LENGTH } from './common.js'
import { TAG_PATTERN } from './text.js'

/** The feed formats, by the file extension that asks for them. */
export const FEED_FORMATS = ['rss', 'atom', 'json'] as const
export type FeedFormat = (typeof FEED_FORMATS)[number]

/** What each format is sent as. */
export const FEED_CONTENT_TYPES: Record<FeedFormat, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
}

/** Sitemaps (the index and every file) are sent as this. */
export const SITEMAP_CONTENT_TYPE = 'application/xml; charset=utf-8'

/** The newest this many published articles are in a feed. */
export const FEED_SIZE = 50

const Format = Type.Unsafe<FeedFormat>({
  type: 'string',
  enum: [...FEED_FORMATS],
  description:
    'rss (RSS 2.0, application/rss+xml), atom (Atom 1.0, application/atom+xml) or json (JSON Feed 1.1, application/feed+json).',
})

export const FeedParamsSchema = Type.Object({ format: Format }, { additionalProperties: false })

export const TagFeedParamsSchema = Type.Object(
  {
    format: Format,
    tag: Type.String({
      minLength: 1,
      maxLength: 50,
      pattern: TAG_PATTERN,
      description: 'A tag (lowercase, as articles carry it). A tag no published article has is an empty feed.',
    }),
  },
  { additionalProperties: false },
)

export const AuthorFeedParamsSchema = Type.Object(
  {
    format: Format,
    slug: Type.String({
      minLength: 1,
      maxLength: SLUG_MAX_LENGTH,
      description: "The author's slug. No author has it: 404.",
    }),
  },
  { additionalProperties: false },
)

export const ArticleSitemapParamsSchema = Type.Object(
  {
    n: Type.String({
      minLength: 1,
      maxLength: 20,
      description:
        'Which file, from 1 (the index lists them all). Beyond the last file, or not a positive integer (0, 01, x): 404.',
    }),
  },
  { additionalProperties: false },
)

/** A route that takes no query parameters: any one is a 400 (a cache-busting query string never reaches the database). */
export const NoQuerySchema = Type.Object({}, { additionalProperties: false })

const Url = Type.String({ format: 'uri' })
const Timestamp = Type.String({ format: 'date-time' })

const JsonFeedAuthorSchema = Type.Object(
  {
    name: Type.String({ description: "The author's name." }),
    url: { ...Url, description: "The author's page on the frontend (AUTHOR_URL_TEMPLATE)." },
  },
  { additionalProperties: false },
)

/** JSON Feed 1.1 (https://jsonfeed.org/version/1.1), as the feeds send it. */
export const JsonFeedSchema = Type.Object(
  {
    version: Type.Literal('https://jsonfeed.org/version/1.1'),
    title: Type.String({ description: 'PUBLISHER_NAME, then the tag or the author’s name for their feeds.' }),
    home_page_url: { ...Url, description: 'The frontend (PUBLIC_SITE_URL), or the author’s page for an author feed.' },
    feed_url: { ...Url, description: 'This feed, at the server’s public address (PUBLIC_URL).' },
    description: Type.String(),
    icon: Type.Optional({ ...Url, description: 'PUBLISHER_LOGO_URL, when set.' }),
    language: Type.String({ description: 'SITE_LANGUAGE.' }),
    authors: Type.Optional(
      Type.Array(JsonFeedAuthorSchema, { maxItems: 1, description: 'An author feed: its author.' }),
    ),
    items: Type.Array(
      Type.Object(
        {
          id: Type.String({
            description: '`urn:uuid:<article id>`: stable whatever the slug or the URL template becomes.',
          }),
          url: { ...Url, description: 'The article on the frontend (ARTICLE_URL_TEMPLATE).' },
          title: Type.String(),
          content_html: Type.String({ description: 'The article’s body as stored, rendered and sanitized.' }),
          summary: Type.Optional(Type.String({ description: 'The excerpt (plain text); absent when it is empty.' })),
          date_published: Timestamp,
          date_modified: Timestamp,
          authors: Type.Array(JsonFeedAuthorSchema, { minItems: 1, maxItems: 1 }),
          tags: Type.Array(Type.String(), { maxItems: 20 }),
          image: Type.Optional({ ...Url, description: 'The cover image (its `hero` variant as JPEG), if any.' }),
        },
        { additionalProperties: false },
      ),
      { maxItems: FEED_SIZE, description: `The newest ${FEED_SIZE} published articles, newest first.` },
    ),
  },
  { $id: 'JsonFeed', title: 'JsonFeed', additionalProperties: false },
)
export type JsonFeed = Static<typeof JsonFeedSchema>
