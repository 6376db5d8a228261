import type { Config } from '../config.js'

/**
 * The frontend's addresses, as feeds, sitemaps and structured data link to them: never the API's
 * own routes. Built once from the configuration (PUBLIC_SITE_URL and the URL templates).
 */
export interface Site {
  /** {siteUrl}: PUBLIC_SITE_URL, else PUBLIC_URL, else this server's own address. */
  url: string
  /** This server's own public address (PUBLIC_URL, else http://localhost:<PORT>): the feeds' self links. */
  serverUrl: string
  /** Where the sitemap index says the sitemap files are. */
  sitemapBaseUrl: string
  /** True while no PUBLIC_SITE_URL is set (the start-up banner says links point at this server). */
  defaulted: boolean
  publisher: { name: string; logoUrl: string | undefined }
  language: string
  articleUrl(article: { id: string; slug: string; publishedAt: Date | null; createdAt?: Date }): string
  /**
   * ARTICLE_URL_TEMPLATE with {siteUrl} filled in, as the text around each article placeholder
   * (`text` has one more entry than `placeholders`): for URLs Postgres builds (the article
   * sitemaps), which must be the very ones `articleUrl` gives.
   */
  articleUrlTemplate: { text: string[]; placeholders: ArticlePlaceholder[] }
  authorUrl(author: { id: string; slug: string }): string
}

const two = (n: number) => String(n).padStart(2, '0')

type Placeholder = 'siteUrl' | ArticlePlaceholder
export type ArticlePlaceholder = 'slug' | 'id' | 'yyyy' | 'mm' | 'dd'

/** The template's text and placeholder names, alternating (the split of a capturing group). */
const split = (template: string) => template.split(/\{(siteUrl|slug|id|yyyy|mm|dd)\}/)

/**
 * A URL template read once into its text and its placeholders, so that filling it (once per
 * URL of a 50,000-URL sitemap) is a join, not a regular expression. One pass over the template:
 * a slug can never introduce a placeholder of its own.
 */
function compile(template: string): (value: (name: Placeholder) => string) => string {
  const parts = split(template)
  return (value) => {
    let out = parts[0]!
    for (let i = 1; i < parts.length; i += 2) out += value(parts[i] as Placeholder) + parts[i + 1]!
    return out
  }
}

export function siteFrom(
  config: Pick<
    Config,
    | 'PUBLIC_SITE_URL'
    | 'PUBLIC_URL'
    | 'PORT'
    | 'ARTICLE_URL_TEMPLATE'
    | 'AUTHOR_URL_TEMPLATE'
    | 'SITEMAP_BASE_URL'
    | 'PUBLISHER_NAME'
    | 'PUBLISHER_LOGO_URL'
    | 'SITE_LANGUAGE'
  >,
): Site {
  const own = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`
  const url = config.PUBLIC_SITE_URL ?? own
  const articleTemplate = compile(config.ARTICLE_URL_TEMPLATE)
  const authorTemplate = compile(config.AUTHOR_URL_TEMPLATE)
  return {
    url,
    serverUrl: own,
    sitemapBaseUrl: config.SITEMAP_BASE_URL ?? own,
    defaulted: config.PUBLIC_SITE_URL === undefined,
    publisher: { name: config.PUBLISHER_NAME, logoUrl: config.PUBLISHER_LOGO_URL },
    language: config.SITE_LANGUAGE,
    articleUrlTemplate: articleUrlTemplate(config.ARTICLE_URL_TEMPLATE, url),
    articleUrl(article) {
      const at = article.publishedAt ?? article.createdAt ?? new Date(0)
      return articleTemplate((name) => {
        switch (name) {
          case 'siteUrl':
            return url
          case 'slug':
            return encodeURIComponent(article.slug)
          case 'id':
            return article.id
          case 'yyyy':
            return String(at.getUTCFullYear())
          case 'mm':
            return two(at.getUTCMonth() + 1)
          case 'dd':
            return two(at.getUTCDate())
        }
      })
    },
    authorUrl(author) {
      // The configuration allows only {siteUrl}, {slug} and {id} here; another stays as written.
      return authorTemplate((name) =>
        name === 'siteUrl'
          ? url
          : name === 'slug'
            ? encodeURIComponent(author.slug)
            : name === 'id'
              ? author.id
              : `{${name}}`,
      )
    },
  }
}

function articleUrlTemplate(template: string, siteUrl: string): Site['articleUrlTemplate'] {
  const text = ['']
  const placeholders: ArticlePlaceholder[] = []
  split(template).forEach((part, i) => {
    if (i % 2 === 0 || part === 'siteUrl') text[text.length - 1] += i % 2 === 0 ? part : siteUrl
    else {
      placeholders.push(part as ArticlePlaceholder)
      text.push('')
    }
  })
  return { text, placeholders }
}
