import { ANONYMOUS, type Principal } from '../../auth.js'
import { byIdOrSlug, sql, timestamp, type Sql } from '../sql.js'

/**
 * Who sees which article: one condition per shelf, on alias `a`, for every statement that reads
 * or writes articles (and the comment statements nested under an article), so no statement
 * decides visibility on its own.
 */

/**
 * Where an article is looked for: `live` (not in the trash: every read and write but the
 * trash's own), `trash` (only trashed ones), or `any`.
 */
export type Shelf = 'live' | 'trash' | 'any'

/**
 * Which live articles a caller may read, on alias `a`. Anonymous: published ones only (a
 * scheduled article goes live by itself when its time comes, since this compares with now).
 * Any token reads drafts, except that an author token sees only its own unpublished work; a
 * preview token reads its one article.
 */
function readable(principal: Principal, now: Date): Sql {
  const at = timestamp(now)
  if (principal.kind === 'anonymous') return sql`a."published_at" <= ${at}`
  if (principal.kind === 'preview') return sql`a."id" = CAST(${principal.articleId} AS uuid)`
  if (principal.role === 'author')
    return sql`(a."published_at" <= ${at} OR a."author_id" = CAST(${principal.authorId} AS uuid))`
  return sql`TRUE`
}

/** Which articles a caller may change: staff all, an author token its own, nobody else any. */
function editable(principal: Principal): Sql {
  if (principal.kind !== 'token' || principal.role === 'viewer') return sql`FALSE`
  if (principal.role === 'author') return sql`a."author_id" = CAST(${principal.authorId} AS uuid)`
  return sql`TRUE`
}

/**
 * Which articles a caller may see on a shelf (`live` unless told), on alias `a`: live ones as
 * `readable` says; trashed ones only when the caller may edit them (the trash is nobody else's
 * business).
 */
export function visible(principal: Principal, options: { now: Date; shelf?: Shelf | undefined }): Sql {
  const live = sql`a."trashed_at" IS NULL AND ${readable(principal, options.now)}`
  const shelf = options.shelf ?? 'live'
  if (shelf === 'live') return live
  const trashed = sql`a."trashed_at" IS NOT NULL AND ${editable(principal)}`
  return shelf === 'trash' ? trashed : sql`((${live}) OR (${trashed}))`
}

/** The articles anyone may read, on alias `a` (live and published at `now`): what public aggregates count. */
export const publiclyVisible = (now: Date): Sql => visible(ANONYMOUS, { now })

/**
 * This article (by id or slug), if the caller may see it on that shelf (`live` unless told, at
 * `now` unless told): a condition on alias `a`, also for the statements of routes nested under
 * an article (comments), so they need no lookup.
 */
export function visibleArticle(
  principal: Principal,
  idOrSlug: string,
  options: { now?: Date | undefined; shelf?: Shelf | undefined } = {},
): Sql {
  return sql`${byIdOrSlug(sql`a`, idOrSlug)} AND ${visible(principal, { now: options.now ?? new Date(), shelf: options.shelf })}`
}
