import type { OutboundRequest } from '../net/outbound.js'
import { keys } from './common.js'

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
}
interface EventLike {
  type: string
  data: Record<string, unknown>
}

const isLive = (state: ArticleState | null | undefined) => state?.status === 'published' && state.trashed !== true

/**
 * The keys a change makes stale, and no more: nothing for what the public never saw (drafts,
 * scheduled articles); for an article that appears or disappears, every list (`articles`)
 * and its own page and comments; for an edit of a live article, its page (every cached list
 * that shows it carries its key), search results and lists in an explicit order (an edit moves
 * it there), and the tag lists it joins; for a comment, its article's comments and page and
 * the explicitly ordered lists (commentCount). The tag index (`tags`) is stale whenever a
 * tagged article appears or disappears, or a live article's tags change.
 */
export function purgeKeysFor(event: EventLike): string[] {
  const data = event.data
  const id = String(data.id ?? '')
  if (event.type.startsWith('article.')) {
    const now = data as ArticleState
    const before = (data.previous ?? null) as ArticleState | null
    const live = event.type !== 'article.deleted' && isLive(now)
    const wasLive = event.type === 'article.published' ? false : isLive(before)
    if (!live && !wasLive) return []
    const tagsNow = now.tags ?? []
    const tagsBefore = before?.tags ?? []
    if (live !== wasLive) {
      const counted = (live ? tagsNow : tagsBefore).length > 0 ? [keys.tags] : []
      return [keys.articles, keys.article(id), keys.comments(id), ...counted]
    }
    const joined = tagsNow.filter((tag) => !tagsBefore.includes(tag))
    const left = tagsBefore.filter((tag) => !tagsNow.includes(tag))
    const recounted = joined.length > 0 || left.length > 0 ? [keys.tags] : []
    // A live article moving to another author changes both authors' lists: all lists, then.
    const moved = before?.authorId !== undefined && before.authorId !== now.authorId ? [keys.articles] : []
    return [keys.article(id), keys.search, keys.sorted, ...joined.map(keys.tag), ...recounted, ...moved]
  }
  if (event.type === 'author.created') return [keys.authors]
  // The authors list is sorted by name: a rename can move an author on any page.
  if (event.type === 'author.updated' || event.type === 'author.deleted') return [keys.author(id), keys.authors]
  if (event.type.startsWith('comment.')) {
    // A comment the public never saw changes nothing public.
    if (event.type === 'comment.deleted' && data.wasApproved !== true) return []
    const articleId = String(data.articleId)
    return [keys.comments(articleId), keys.article(articleId), keys.sorted]
  }
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
