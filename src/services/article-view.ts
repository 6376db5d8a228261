import type { ArticleColumn, ArticleRow } from '../db/queries/articles.js'
import { readingTimeMinutes } from '../render/markdown.js'
import type { Article, NewsArticleData } from '../schemas/article.js'
import { ARTICLE_FIELDS, AUTHOR_SUMMARY_FIELDS, type ArticleField, type AuthorSummaryField } from '../schemas/fields.js'
import type { Versioned } from './common.js'
import type { FieldSelection } from './fields.js'
import { embedded, toMedia, variantUrl } from './media-view.js'
import type { Site } from './site.js'

// An article as clients see it, made from its row: every article answer (the article service's,
// the trash's) goes through `toArticle`, or `toSparseArticle` when the caller chose its fields.

/** Derived from publishedAt, so it never disagrees with it (db/queries/article-history.ts `statusAt` is its SQL twin). */
export function articleStatus(publishedAt: Date | null, now: Date): Article['status'] {
  if (publishedAt === null) return 'draft'
  return publishedAt > now ? 'scheduled' : 'published'
}

/**
 * The schema.org NewsArticle of a published article (none for a draft or a scheduled one), with
 * the fields Google documents for Article rich results. Frontend URLs only (services/site.ts).
 * Every string in it is the article's own text: embed it with `<` escaped (the README's idiom).
 */
export function structuredData(row: ArticleRow, now: Date, site: Site): NewsArticleData | undefined {
  if (row.publishedAt === null || row.publishedAt > now) return undefined
  const url = site.articleUrl(row)
  const cover = row.coverImage
  return {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline: row.title,
    ...(row.excerpt !== '' ? { description: row.excerpt } : {}),
    datePublished: row.publishedAt.toISOString(),
    dateModified: row.updatedAt.toISOString(),
    author: [
      {
        '@type': 'Person',
        name: row.authorName!,
        url: site.authorUrl({ id: row.authorId, slug: row.authorSlug! }),
      },
    ],
    publisher: {
      '@type': 'Organization',
      name: site.publisher.name,
      url: site.url,
      ...(site.publisher.logoUrl ? { logo: { '@type': 'ImageObject', url: site.publisher.logoUrl } } : {}),
    },
    mainEntityOfPage: { '@type': 'WebPage', '@id': url },
    url,
    ...(row.tags.length > 0 ? { keywords: row.tags.join(', ') } : {}),
    inLanguage: site.language,
    // The cover as JPEG in the shapes Google asks for: 16:9, whole, 1:1.
    ...(cover ? { image: STRUCTURED_IMAGES.map((v) => variantUrl(site.serverUrl, cover, v, 'jpeg')) } : {}),
    wordCount: row.wordCount,
  }
}

const STRUCTURED_IMAGES = ['hero', 'full', 'thumb'] as const

/** The cover image's representation (null without one), from the row's embedded media. */
function coverOf(row: ArticleRow, site: Pick<Site, 'serverUrl'>): Article['coverImage'] {
  const media = row.coverImage
  if (!media) return null
  return toMedia(embedded(media), site.serverUrl)
}

const authorSummary = (row: ArticleRow) => ({
  id: row.authorId,
  slug: row.authorSlug!,
  name: row.authorName!,
  avatarUrl: row.authorAvatarUrl ?? null,
})

/**
 * The representation: a list item (v1's fields) or, with `single`, a single read's (also the
 * rendered body, its plain text and length, and the structured data of a published article);
 * the author embedded when `author` (include=author), the cover when `cover` (include=coverImage).
 */
export function toArticle(
  row: ArticleRow,
  now: Date,
  options: { author: boolean; cover?: boolean; single?: boolean; site?: Site },
): Article {
  // Built as one literal, then added to: the list path (20 items a page) stays on V8's fast
  // object paths, where spreading optional parts would copy each item again.
  const article: Article = {
    id: row.id,
    slug: row.slug,
    title: row.title,
    excerpt: row.excerpt,
    body: row.body,
    tags: row.tags,
    status: articleStatus(row.publishedAt, now),
    publishedAt: row.publishedAt?.toISOString() ?? null,
    authorId: row.authorId,
    coverImageId: row.coverImageId,
    commentCount: row.commentCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
  const { site } = options
  if (options.single && site) {
    article.bodyHtml = row.bodyHtml
    article.bodyText = row.bodyText
    article.wordCount = row.wordCount
    article.readingTimeMinutes = readingTimeMinutes(row.wordCount)
    if (article.status === 'published') article.structuredData = structuredData(row, now, site)!
  }
  if (options.author) article.author = authorSummary(row)
  if (options.cover && site) article.coverImage = coverOf(row, site)
  return article
}

/** How each field is made from the row, and the columns it needs. */
const FIELD: Record<
  ArticleField,
  { columns: ArticleColumn[]; value: (row: ArticleRow, now: Date, site: Site) => unknown }
> = {
  id: { columns: ['id'], value: (r) => r.id },
  slug: { columns: ['slug'], value: (r) => r.slug },
  title: { columns: ['title'], value: (r) => r.title },
  excerpt: { columns: ['excerpt'], value: (r) => r.excerpt },
  body: { columns: ['body'], value: (r) => r.body },
  bodyHtml: { columns: ['bodyHtml'], value: (r) => r.bodyHtml },
  bodyText: { columns: ['bodyText'], value: (r) => r.bodyText },
  wordCount: { columns: ['wordCount'], value: (r) => r.wordCount },
  readingTimeMinutes: { columns: ['wordCount'], value: (r) => readingTimeMinutes(r.wordCount) },
  tags: { columns: ['tags'], value: (r) => r.tags },
  status: { columns: ['publishedAt'], value: (r, now) => articleStatus(r.publishedAt, now) },
  publishedAt: { columns: ['publishedAt'], value: (r) => r.publishedAt?.toISOString() ?? null },
  authorId: { columns: ['authorId'], value: (r) => r.authorId },
  coverImageId: { columns: ['coverImageId'], value: (r) => r.coverImageId },
  commentCount: { columns: ['commentCount'], value: (r) => r.commentCount },
  createdAt: { columns: ['createdAt'], value: (r) => r.createdAt.toISOString() },
  updatedAt: { columns: ['updatedAt'], value: (r) => r.updatedAt.toISOString() },
  structuredData: {
    columns: ['slug', 'title', 'excerpt', 'publishedAt', 'updatedAt', 'tags', 'authorId', 'wordCount', 'coverImageId'],
    value: (r, now, site) => structuredData(r, now, site),
  },
  coverImage: { columns: ['coverImageId'], value: (r, _now, site) => coverOf(r, site) },
}

const AUTHOR_FIELD: Record<AuthorSummaryField, (row: ArticleRow) => unknown> = {
  id: (r) => r.authorId,
  slug: (r) => r.authorSlug,
  name: (r) => r.authorName,
  avatarUrl: (r) => r.authorAvatarUrl ?? null,
}

/** What the statement must read for a selection: the columns, and whether the author and the cover are joined. */
export function articleColumns(selection: FieldSelection<ArticleField, AuthorSummaryField>): {
  columns: ArticleColumn[]
  withAuthor: boolean
  withCover: boolean
} {
  const columns = new Set<ArticleColumn>(['id'])
  for (const field of selection.fields) for (const column of FIELD[field].columns) columns.add(column)
  if (selection.author) columns.add('authorId')
  const structured = selection.fields.has('structuredData')
  return {
    columns: [...columns],
    withAuthor: selection.author !== undefined || structured,
    withCover: selection.fields.has('coverImage') || structured,
  }
}

/** The fields the caller chose, in the order of the full representation (`id` always). */
export function toSparseArticle(
  row: ArticleRow,
  selection: FieldSelection<ArticleField, AuthorSummaryField>,
  now: Date,
  site: Site,
): Partial<Article> {
  const out: Record<string, unknown> = {}
  for (const field of ARTICLE_FIELDS) {
    if (!selection.fields.has(field)) continue
    const value = FIELD[field].value(row, now, site)
    if (value !== undefined) out[field] = value
  }
  if (selection.author) {
    const author: Record<string, unknown> = {}
    for (const field of AUTHOR_SUMMARY_FIELDS) if (selection.author.has(field)) author[field] = AUTHOR_FIELD[field](row)
    out.author = author
  }
  return out as Partial<Article>
}

/** The single-read representation with its stored version (for the ETag), as of now. */
export const versioned = (row: ArticleRow, site: Site, include: ArticleIncludes = {}): VersionedArticle => ({
  resource: toArticle(row, new Date(), {
    author: include.author === true,
    cover: include.coverImage === true,
    single: true,
    site,
  }),
  version: row.version,
})

/** What `include=` asked to embed. */
export interface ArticleIncludes {
  author?: boolean
  coverImage?: boolean
}

export type VersionedArticle = Versioned<Article>
