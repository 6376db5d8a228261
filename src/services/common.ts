/** A single resource as a write or read returns it, with its stored version (for the ETag). */
export interface Versioned<T> {
  resource: T
  version: number
}

/**
 * The surrogate keys (CDN cache tags) responses carry and changes purge (services/cdn.ts): one
 * vocabulary for the routes that tag and the worker that purges.
 */
export const keys = {
  /** Every article list (pages, counts and order change when an article appears or disappears). */
  articles: 'articles',
  /** Search results (their matches and ranks change when a live article's text does). */
  search: 'articles-search',
  /** Lists in an explicit sort order (title, updatedAt, commentCount: edits and comments move articles in them). */
  sorted: 'articles-sorted',
  authors: 'authors',
  /** The tag index (GET /tags): which tags published articles have, and how many. */
  tags: 'tags',
  /**
   * The sitemap index and the article sitemaps: which articles are published, and each one's
   * lastmod (any change of a live article). The index also carries `authors` (the authors'
   * sitemap's lastmod); the authors' sitemap carries `authors` and `articles`.
   */
  sitemaps: 'sitemaps',
  /** The Google News sitemap: articles published in the last 48 hours. */
  sitemapNews: 'sitemap-news',
  article: (id: string) => `article-${id}`,
  author: (id: string) => `author-${id}`,
  /** An author's feeds: which of their articles are published (an article of theirs appearing, or moved to them). */
  authorArticles: (id: string) => `author-articles-${id}`,
  /**
   * Percent-encoded: tags may be any letters, and a header carries ASCII only (never a space or
   * comma). Article lists filtered by the tag, and the tag's feeds.
   */
  tag: (tag: string) => `tag-${encodeURIComponent(tag)}`,
  comments: (articleId: string) => `comments-${articleId}`,
  /** A media item's public read and its variants: whether they are public changes with what uses it. */
  media: (id: string) => `media-${id}`,
} as const

/** Runs `step` in batches of `limit` until one comes back short; everything it returned. */
export async function drain(step: (limit: number) => Promise<string[]>, limit = 100): Promise<string[]> {
  const all: string[] = []
  for (;;) {
    const batch = await step(limit)
    all.push(...batch)
    if (batch.length < limit) return all
  }
}
