import { renderCommentBody } from '../render/comment.js'
import { RENDERER_VERSION, renderArticleBody } from '../render/markdown.js'
import * as q from './queries/rendering.js'
import type { Query } from './sql.js'

const BATCH = 200
const FIRST_ID = '00000000-0000-0000-0000-000000000000'

/**
 * Renders every stored body an older renderer made (or none did: rows from before the rendered
 * columns, or inserted by bulk SQL such as the benchmark seed), in batches. Writes render as
 * they store, so this only catches up; it is idempotent and safe beside a running server (a
 * body changed meanwhile keeps the rendering its write made). How many rows it rendered.
 */
export async function renderStale(db: Query): Promise<{ articles: number; comments: number }> {
  let articles = 0
  for (let after = FIRST_ID; ;) {
    const rows = await q.staleArticleBodies(db, RENDERER_VERSION, after, BATCH)
    if (rows.length === 0) break
    await q.storeArticleRenderings(
      db,
      RENDERER_VERSION,
      rows.map((row) => ({ ...row, ...renderArticleBody(row.body) })),
    )
    articles += rows.length
    after = rows[rows.length - 1]!.id
  }
  let comments = 0
  for (let after = FIRST_ID; ;) {
    const rows = await q.staleCommentBodies(db, RENDERER_VERSION, after, BATCH * 5)
    if (rows.length === 0) break
    await q.storeCommentRenderings(
      db,
      RENDERER_VERSION,
      rows.map((row) => ({ ...row, html: renderCommentBody(row.body) })),
    )
    comments += rows.length
    after = rows[rows.length - 1]!.id
  }
  return { articles, comments }
}

/**
 * At start-up (under the migration lock): when the database was last brought up to an older
 * renderer than this one (a new install's migration, an upgrade of src/render), renders what is
 * stale and records the version, so a usual start costs one statement.
 */
export async function renderIfRendererChanged(db: Query): Promise<{ articles: number; comments: number } | undefined> {
  if ((await q.renderedVersion(db)) >= RENDERER_VERSION) return undefined
  const counts = await renderStale(db)
  await q.setRenderedVersion(db, RENDERER_VERSION)
  return counts
}
