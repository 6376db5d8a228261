import { Type, type Static } from 'typebox'
import { ListOf, ListQuery, Nullable, SlugInput, StringEnum, Timestamp, TimestampInput, Uuid, ref } from './common.js'
import { AuthorSummarySchema } from './author.js'
import { ARTICLE_FIELDS, AUTHOR_SUMMARY_FIELDS, FieldsParam, SparseOf } from './fields.js'
import { MediaSchema, type Media } from './media.js'
import { NOT_BLANK, TAG_PATTERN, UNTRUSTED } from './text.js'

export const ARTICLE_STATUSES = ['draft', 'scheduled', 'published'] as const

const Url = Type.String({ format: 'uri' })

/**
 * schema.org `NewsArticle` JSON-LD of a published article, with the properties Google documents
 * for Article rich results. Every string in it comes from the article: embed it in
 * `<script type="application/ld+json">` with `<` escaped as `\\u003c` (the README's idiom).
 */
export const NewsArticleSchema = Type.Object(
  {
    '@context': Type.Literal('https://schema.org'),
    '@type': Type.Literal('NewsArticle'),
    headline: Type.String(),
    description: Type.Optional(Type.String({ description: 'The excerpt; absent when it is empty.' })),
    datePublished: Timestamp,
    dateModified: Timestamp,
    author: Type.Array(
      Type.Object(
        { '@type': Type.Literal('Person'), name: Type.String(), url: { ...Url, description: 'AUTHOR_URL_TEMPLATE' } },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 1 },
    ),
    publisher: Type.Object(
      {
        '@type': Type.Literal('Organization'),
        name: Type.String({ description: 'PUBLISHER_NAME' }),
        url: { ...Url, description: 'PUBLIC_SITE_URL' },
        logo: Type.Optional(
          Type.Object(
            { '@type': Type.Literal('ImageObject'), url: { ...Url, description: 'PUBLISHER_LOGO_URL' } },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    mainEntityOfPage: Type.Object(
      {
        '@type': Type.Literal('WebPage'),
        '@id': { ...Url, description: 'The article on the frontend (ARTICLE_URL_TEMPLATE).' },
      },
      { additionalProperties: false },
    ),
    url: { ...Url, description: 'The article on the frontend (ARTICLE_URL_TEMPLATE).' },
    keywords: Type.Optional(Type.String({ description: 'The tags, comma-separated; absent without tags.' })),
    inLanguage: Type.String({ description: 'SITE_LANGUAGE' }),
    image: Type.Optional(
      Type.Array(Url, {
        minItems: 3,
        maxItems: 3,
        description: 'The cover image as JPEG: hero (16:9), full and thumb (1:1) variants; absent without a cover.',
      }),
    ),
    wordCount: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
  },
  {
    $id: 'NewsArticle',
    title: 'NewsArticle',
    additionalProperties: false,
    description:
      'schema.org NewsArticle (JSON-LD) for search engines. Untrusted text: serialise it with `<` escaped as `\\u003c` ' +
      'before putting it in a script element of type application/ld+json (the README shows how).',
  },
)
export type NewsArticleData = Static<typeof NewsArticleSchema>

export const ArticleSchema = Type.Object(
  {
    id: Uuid,
    slug: Type.String({ examples: ['minsk-a-tale-of-2-rallies'] }),
    title: Type.String({ examples: ['Minsk: a tale of 2 rallies'] }),
    excerpt: Type.String(),
    body: Type.String({ description: 'Markdown, returned byte-exact.' }),
    bodyHtml: Type.Optional(
      Type.String({
        description:
          '`body` rendered to HTML (CommonMark, GFM tables, strikethrough, autolinks, footnotes; headings with ids) ' +
          'with raw HTML off, then sanitized by an allowlist (links: http, https, mailto and relative only; external ' +
          'links rel="noopener noreferrer"). Rendered when the body is written. In single reads and writes; in lists ' +
          'only when named in `fields`.',
      }),
    ),
    bodyText: Type.Optional(
      Type.String({ description: 'The rendered body as plain text. Single reads; lists with `fields`.' }),
    ),
    wordCount: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2_147_483_647,
        description: 'Words in bodyText. Single reads; lists with `fields`.',
      }),
    ),
    readingTimeMinutes: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2_147_483_647,
        description:
          'wordCount at 230 words a minute, rounded up (0 for an empty body). Single reads; lists with `fields`.',
      }),
    ),
    tags: Type.Array(Type.String({ maxLength: 50 }), { maxItems: 20, examples: [['city-hall', 'transport']] }),
    status: StringEnum(ARTICLE_STATUSES, {
      description: 'Derived from publishedAt: null → draft, future → scheduled, past → published.',
    }),
    publishedAt: Nullable(Timestamp),
    authorId: Uuid,
    coverImageId: Nullable({ ...Uuid, description: 'The lead image (a media item); null for none.' }),
    commentCount: Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'Approved comments.' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    structuredData: Type.Optional({
      ...ref(NewsArticleSchema),
      description: 'Published articles only (none for drafts and scheduled ones). Single reads; lists with `fields`.',
    }),
    author: Type.Optional(ref(AuthorSummarySchema)),
    coverImage: Type.Optional(
      Type.Unsafe<Media | null>({
        anyOf: [ref(MediaSchema), { type: 'null' }],
        description: 'With include=coverImage (or `coverImage` in `fields`); null without a cover.',
      }),
    ),
  },
  { $id: 'Article', title: 'Article' },
)
export type Article = Static<typeof ArticleSchema>

export const ArticleListSchema = ListOf(ArticleSchema, 'ArticleList')
export type ArticleList = Static<typeof ArticleListSchema>

/** An embedded author with `fields=author.<field>`: only the named fields. */
export const AuthorSummaryFieldsSchema = Type.Object(
  Object.fromEntries(AUTHOR_SUMMARY_FIELDS.map((f) => [f, Type.Optional(AuthorSummarySchema.properties[f])])),
  {
    $id: 'AuthorSummaryFields',
    title: 'AuthorSummaryFields',
    description:
      'The embedded author, with the fields named as `author.<field>` (all of them with include=author alone).',
  },
)

/** An article answered with `fields=`: the named fields and `id`. */
export const ArticleFieldsSchema = SparseOf(
  ArticleSchema.properties,
  { author: ref(AuthorSummaryFieldsSchema) },
  { $id: 'ArticleFields', description: 'An article with only the fields named in `fields` (and `id`).' },
)
export const ArticleFieldsListSchema = ListOf(ArticleFieldsSchema, 'ArticleFieldsList')

const ArticleFields = FieldsParam(
  [...ARTICLE_FIELDS, ...AUTHOR_SUMMARY_FIELDS.map((f) => `author.${f}`)],
  'slug,title,excerpt,publishedAt,author.name',
)

/** What `include` may embed. */
export const ARTICLE_INCLUDES = ['author', 'coverImage'] as const
const Include = Type.Optional(
  Type.String({
    maxLength: 30,
    pattern: '^(author|coverImage)(,(author|coverImage))*$',
    description:
      'Comma list (e.g. `author,coverImage`): `author` embeds {id, slug, name, avatarUrl}, `coverImage` the cover (a media object).',
  }),
)

const Slug = SlugInput('title')
const Title = Type.String({
  minLength: 1,
  maxLength: 300,
  pattern: NOT_BLANK,
  description: `Plain text, not blank. ${UNTRUSTED}`,
})
const Excerpt = Type.String({ maxLength: 2000, description: `Plain text. ${UNTRUSTED}` })
const Body = Type.String({
  maxLength: 500_000,
  description: `Markdown, returned byte-exact; raw HTML in it (script elements included) is kept as written. ${UNTRUSTED}`,
})
const Tag = Type.String({ minLength: 1, maxLength: 50, pattern: TAG_PATTERN })
const CoverImageId = Nullable({
  ...Uuid,
  description:
    'A media item (POST /media) as the lead image, or null for none. Its alt text is required while the article ' +
    'is published or scheduled (409 ALT_TEXT_REQUIRED).',
})
export const Tags = Type.Array(Tag, {
  maxItems: 20,
  uniqueItems: true,
  description:
    'Lowercase letters, letters without case and digits, hyphenated (no fullwidth forms, no invisible letters); at most 20.',
})

export const CreateArticleSchema = Type.Object(
  {
    title: Title,
    slug: Type.Optional(Slug),
    excerpt: Type.Optional(Excerpt),
    body: Type.Optional(Body),
    tags: Type.Optional(Tags),
    authorId: Type.Optional({
      ...Uuid,
      description: 'Required for editor and admin tokens; an author token may only name its own author (the default).',
    }),
    coverImageId: Type.Optional(CoverImageId),
  },
  {
    $id: 'CreateArticle',
    title: 'CreateArticle',
    additionalProperties: false,
    description: 'New articles are drafts; publish them with POST /articles/{idOrSlug}/publish.',
    // Sendable as it is (a test sends every documented example): the author is a seeded one
    // (Đặng Thu Hà); without a slug, each send gets its own (made from the title, -2, -3, …).
    examples: [
      {
        title: 'Night buses return to the harbour line',
        excerpt: 'From Monday the N4 runs every 20 minutes between midnight and five.',
        body: 'The N4 night bus is back.\n\nThe city restored the route after a petition signed by 4,000 shift workers.',
        tags: ['transport', 'night-life'],
        authorId: '0327c81c-3687-57bc-b725-4360e2e0cae7',
      },
    ],
  },
)
export type CreateArticle = Static<typeof CreateArticleSchema>

export const UpdateArticleSchema = Type.Object(
  {
    title: Type.Optional(Title),
    slug: Type.Optional(Slug),
    excerpt: Type.Optional(Excerpt),
    body: Type.Optional(Body),
    tags: Type.Optional(Tags),
    authorId: Type.Optional({ ...Uuid, description: 'Editors and admins only.' }),
    coverImageId: Type.Optional(CoverImageId),
  },
  {
    $id: 'UpdateArticle',
    title: 'UpdateArticle',
    additionalProperties: false,
    minProperties: 1,
    description: 'Only the fields given change.',
    examples: [
      {
        title: 'Night buses return to the harbour line, every 20 minutes',
        tags: ['transport', 'night-life', 'harbour'],
      },
    ],
  },
)
export type UpdateArticle = Static<typeof UpdateArticleSchema>

/**
 * The publish body's examples, by name. The first is what Swagger UI pre-fills: it publishes
 * now, as a newcomer clicking Execute expects; scheduling is the second.
 */
export const PUBLISH_EXAMPLES = {
  now: { summary: 'Publish now (the same as no body)', value: {} },
  scheduled: {
    summary: 'Schedule: the article goes live by itself at publishAt',
    value: { publishAt: '2030-01-07T06:00:00Z' },
  },
}

export const PublishArticleSchema = Type.Object(
  {
    publishAt: Type.Optional({
      ...TimestampInput,
      description: 'When to go live. Future: scheduled (live by itself at that moment). Omitted: now.',
    }),
  },
  {
    $id: 'PublishArticle',
    title: 'PublishArticle',
    additionalProperties: false,
    description: 'An empty object (or no body) publishes now.',
    examples: Object.values(PUBLISH_EXAMPLES).map((example) => example.value),
  },
)
export type PublishArticle = Static<typeof PublishArticleSchema>

/** The most `tag` parameters one article list takes. */
const MAX_TAG_FILTERS = 10

export const ListArticlesQuerySchema = Type.Object(
  {
    ...ListQuery,
    sort: Type.Optional(
      Type.String({
        maxLength: 200,
        description:
          'Comma list of publishedAt, createdAt, updatedAt, title, commentCount; "-" for descending. ' +
          'Default -publishedAt, or relevance with q. Example: -publishedAt,title',
      }),
    ),
    include: Include,
    fields: ArticleFields,
    author: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Author id or slug.' })),
    tag: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 50 }), {
        minItems: 1,
        maxItems: MAX_TAG_FILTERS,
        description: `Articles that have every given tag: repeat the parameter (tag=transport&tag=city-hall); at most ${MAX_TAG_FILTERS}.`,
      }),
    ),
    status: Type.Optional(
      StringEnum(ARTICLE_STATUSES, {
        description: 'Needs a token: without one it is a 401 (anonymous callers see published articles only).',
      }),
    ),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Full-text search over title, excerpt and body, ranked by relevance.',
      }),
    ),
    publishedAfter: Type.Optional({ ...TimestampInput, description: 'Published strictly after this instant.' }),
    publishedBefore: Type.Optional({ ...TimestampInput, description: 'Published strictly before this instant.' }),
  },
  { additionalProperties: false },
)
export type ListArticlesQuery = Static<typeof ListArticlesQuerySchema>

export const ArticleQuerySchema = Type.Object(
  { include: Include, fields: ArticleFields },
  { additionalProperties: false },
)
export type ArticleQuery = Static<typeof ArticleQuerySchema>

export const TrashedArticleSchema = Type.Object(
  {
    ...ArticleSchema.properties,
    trashedAt: Timestamp,
    purgeAt: {
      ...Timestamp,
      description:
        'When the server destroys it for good (trashedAt + TRASH_RETENTION_DAYS) unless it is restored first.',
    },
  },
  {
    $id: 'TrashedArticle',
    title: 'TrashedArticle',
    description: 'An article in the trash: invisible to every other read, its slug still reserved.',
  },
)
export type TrashedArticle = Static<typeof TrashedArticleSchema>

export const TrashListSchema = ListOf(TrashedArticleSchema, 'TrashList')
export type TrashList = Static<typeof TrashListSchema>

export const ListTrashQuerySchema = Type.Object(
  {
    ...ListQuery,
    sort: Type.Optional(
      Type.String({
        maxLength: 100,
        description:
          'Comma list of trashedAt, title, updatedAt; "-" for descending. Default -trashedAt (newest first).',
      }),
    ),
  },
  { additionalProperties: false },
)
export type ListTrashQuery = Static<typeof ListTrashQuerySchema>

export const DeleteArticleQuerySchema = Type.Object(
  {
    permanent: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'true (admin tokens only): destroy the article now, trashed or not, with its comments and revisions. Default: move it to the trash.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type DeleteArticleQuery = Static<typeof DeleteArticleQuerySchema>
