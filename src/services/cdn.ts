import type { OutboundRequest } from '../net/outbound.js'
import { keys } from './common.js'
import { NEWS_WINDOW_MS } from './sitemaps.js'

/**
 * CDN caching: which surrogate keys a change makes stale, and how each CDN is told to purge
 * them. Responses name what they depend on (routes set the keys, plugins/http-caching sends
 * them as `Surrogate-Key` and `Cache-Tag`); a change's outbox event names the keys to purge
 * (`purgeKeysFor`), and the delivery worker sends them to every configured CDN.
 */

interface ArticleState {
  status?: string
  trashed?: boolean
  authorId?: string
  tags?: string[]
  publishedAt?: string | null
  coverImageId?: string | null
}
interface EventLike {
  type: string
  data: Record<string, unknown>
}

const isLive = (state: ArticleState | null | undefined) => state?.status === 'published' && state.trashed !== true

/** Changes after which the event's `publishedAt` is not the one the article had before (or there is none). */
const NEW_DATE = new Set(['article.published', 'article.unpublished', 'article.deleted'])

/**
 * The keys a change makes stale, and no more: nothing for what the public never saw (drafts,
 * scheduled articles). For an article that appears or disappears: every list (`articles`: the
 * article lists, the main feeds, the authors' sitemap), its own page and comments, the sitemap
 * index and article sitemaps (`sitemaps`); appearing, also the feeds of its tags and of its
 * author (the feeds that listed a disappearing one carry its own key). For an edit of a live
 * article: its page (every cached list and feed that shows it carries its key), search results
 * and lists in an explicit order (an edit moves it there), the lists and feeds of the tags it
 * joins, and `sitemaps` (its lastmod). The news sitemap (`sitemap-news`) is stale when the
 * article is or was published in the last 48 hours at `now` (when the change was made; a
 * purge that comes later finds no cached copy listing an older one, since a cached news sitemap
 * is fresh only until its oldest entry turns 48 hours old); where the event does not say when
 * it was published before (a publish, an unpublish, a deletion), it may have been. For a
 * comment: its article's comments and page and the explicitly ordered lists (commentCount).
 * The tag index (`tags`) is stale whenever a tagged article appears or disappears, or a live
 * article's tags change. A cover image (`media-<id>`: the item and its variants) when its
 * article appears or disappears, or a live article's cover is replaced (old and new); an author's
 * portrait (`media-<id>`) when it is given, replaced or dropped, or its author deleted.
 */
export function purgeKeysFor(event: EventLike, now = new Date()): string[] {
  const data = event.data
  const id = String(data.id ?? '')
  if (event.type.startsWith('article.')) {
    const after = data as ArticleState
    const before = (data.previous ?? null) as ArticleState | null
    const live = event.type !== 'article.deleted' && isLive(after)
    const wasLive = event.type === 'article.published' ? false : isLive(before)
    if (!live && !wasLive) return []
    const tagsNow = after.tags ?? []
    const tagsBefore = before?.tags ?? []
    const publishedAt = typeof after.publishedAt === 'string' ? Date.parse(after.publishedAt) : Number.NaN
    const recent = publishedAt > now.getTime() - NEWS_WINDOW_MS
    const wasInNews = isLive(before) && (NEW_DATE.has(event.type) || recent)
    const news = (live && recent) || wasInNews ? [keys.sitemapNews] : []
    // A cover is public while a live article uses it: one appearing or disappearing, or a live
    // article's cover replaced, changes whether its media item and variants may be served.
    const coverNow = after.coverImageId ?? null
    const coverBefore = before ? (before.coverImageId ?? null) : coverNow
    const covers = (live !== wasLive || coverNow !== coverBefore ? [coverNow, coverBefore] : [])
      .filter((cover, i, all): cover is string => cover !== null && all.indexOf(cover) === i)
      .map(keys.media)
    if (live !== wasLive) {
      const counted = (live ? tagsNow : tagsBefore).length > 0 ? [keys.tags] : []
      const feeds = live
        ? [...tagsNow.map(keys.tag), ...(after.authorId ? [keys.authorArticles(after.authorId)] : [])]
        : []
      return [
        keys.articles,
        keys.article(id),
        keys.comments(id),
        ...counted,
        ...feeds,
        keys.sitemaps,
        ...news,
        ...covers,
      ]
    }
    const joined = tagsNow.filter((tag) => !tagsBefore.includes(tag))
    const left = tagsBefore.filter((tag) => !tagsNow.includes(tag))
    const recounted = joined.length > 0 || left.length > 0 ? [keys.tags] : []
    // A live article moving to another author changes both authors' lists (all lists, then)
    // and feeds (the old one's carries the article's key).
    const moved =
      before?.authorId !== undefined && after.authorId !== undefined && before.authorId !== after.authorId
        ? [keys.articles, keys.authorArticles(after.authorId)]
        : []
    return [
      keys.article(id),
      keys.search,
      keys.sorted,
      ...joined.map(keys.tag),
      ...recounted,
      ...moved,
      keys.sitemaps,
      ...news,
      ...covers,
    ]
  }
  if (event.type === 'author.created') return [keys.authors]
  // The authors list is sorted by name: a rename can move an author on any page. A portrait is
  // public while an author uses it: one given, replaced, dropped or deleted with its author
  // changes whether its media item and variants may be served.
  if (event.type === 'author.updated' || event.type === 'author.deleted') {
    const avatarNow = event.type === 'author.deleted' ? null : ((data.avatarId ?? null) as string | null)
    const previous = (data.previous ?? null) as { avatarId?: string | null } | null
    const avatarBefore =
      event.type === 'author.deleted' ? ((data.avatarId ?? null) as string | null) : (previous?.avatarId ?? null)
    const avatars = avatarNow === avatarBefore ? [] : [avatarNow, avatarBefore].filter((a): a is string => a !== null)
    return [keys.author(id), keys.authors, ...avatars.map(keys.media)]
  }
  if (event.type.startsWith('comment.')) {
    // A comment the public never saw changes nothing public.
    if (event.type === 'comment.deleted' && data.wasApproved !== true) return []
    const articleId = String(data.articleId)
    return [keys.comments(articleId), keys.article(articleId), keys.sorted]
  }
  // Every answer that shows an image (its own read and variants, an article with its cover, an
  // author with an avatar, a feed listing it) carries its key.
  if (event.type.startsWith('media.')) return [keys.media(id)]
  return []
}

/** One CDN to purge: its name in the delivery log, how many keys one request may name, and the request. */
export interface CdnTarget {
  name: 'varnish' | 'fastly' | 'cloudflare'
  maxKeys: number
  request(keys: string[]): OutboundRequest
}

export interface CdnSettings {
  CDN_PURGE: string
  FASTLY_API_TOKEN?: string | undefined
  FASTLY_API_URL: string
  CLOUDFLARE_API_TOKEN?: string | undefined
  CLOUDFLARE_API_URL: string
}

/** A CDN purged through its HTTP API: a POST of JSON naming the keys, with the API token. */
function jsonPurge(
  name: 'fastly' | 'cloudflare',
  maxKeys: number,
  token: string | undefined,
  url: string,
  auth: (token: string) => Record<string, string>,
  body: (keys: string[]) => object,
): CdnTarget {
  if (!token) throw new Error(`CDN_PURGE names ${name}, but ${name.toUpperCase()}_API_TOKEN is not set`)
  const headers = { ...auth(token), 'content-type': 'application/json' }
  return { name, maxKeys, request: (keys) => ({ url, method: 'POST', headers, body: JSON.stringify(body(keys)) }) }
}

/**
 * The CDNs named by CDN_PURGE (a comma list of `varnish:<url>`, `fastly:<service id>`,
 * `cloudflare:<zone id>`). Throws a readable Error for a malformed entry or a missing token.
 */
export function cdnTargets(settings: CdnSettings): CdnTarget[] {
  const entries = settings.CDN_PURGE.split(',')
    .map((e) => e.trim())
    .filter(Boolean)
  return entries.map((entry) => {
    const [kind, ...rest] = entry.split(':')
    const value = rest.join(':')
    if (!value) throw new Error(`CDN_PURGE entry "${entry}" must be <varnish|fastly|cloudflare>:<url or id>`)
    switch (kind) {
      case 'varnish': {
        const url = new URL(value)
        // varnish-modules' xkey: PURGE with the keys in an `xkey` header (deploy/varnish/default.vcl).
        return {
          name: 'varnish' as const,
          maxKeys: 500,
          request: (keys) => ({ url: url.toString(), method: 'PURGE' as const, headers: { xkey: keys.join(' ') } }),
        }
      }
      case 'fastly':
        // Fastly's batch purge by surrogate key: up to 256 keys a request.
        return jsonPurge(
          'fastly',
          256,
          settings.FASTLY_API_TOKEN,
          `${settings.FASTLY_API_URL}/service/${encodeURIComponent(value)}/purge`,
          (token) => ({ 'fastly-key': token, accept: 'application/json' }),
          (keys) => ({ surrogate_keys: keys }),
        )
      case 'cloudflare':
        // Cloudflare's purge by cache tag: up to 30 tags a request.
        return jsonPurge(
          'cloudflare',
          30,
          settings.CLOUDFLARE_API_TOKEN,
          `${settings.CLOUDFLARE_API_URL}/zones/${encodeURIComponent(value)}/purge_cache`,
          (token) => ({ authorization: `Bearer ${token}` }),
          (keys) => ({ tags: keys }),
        )
      default:
        throw new Error(`CDN_PURGE entry "${entry}": unknown CDN "${kind}" (varnish, fastly or cloudflare)`)
    }
  })
}
