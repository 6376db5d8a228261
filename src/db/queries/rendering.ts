import { sql, type Query } from '../sql.js'

/**
 * Stored renderings (articles' body_html, body_text and word_count; comments' body_html) and
 * the renderer version that made them: rows an older renderer made are rendered again
 * (db/rendering.ts), after a migration or when src/render changes its output.
 */

export interface StaleBody {
  id: string
  body: string
}

/** Up to `limit` articles rendered by an older renderer than `version` (or never), after `afterId`, in id order. */
export async function staleArticleBodies(
  db: Query,
  version: number,
  afterId: string,
  limit: number,
): Promise<StaleBody[]> {
  return db<StaleBody>(sql`
    SELECT "id", "body" FROM "articles"
    WHERE "render_version" < ${version} AND "id" > CAST(${afterId} AS uuid)
    ORDER BY "id" LIMIT ${limit}`)
}

/**
 * Stores renderings of article bodies, each only if the body is still the one rendered (a write
 * meanwhile rendered its own). Not a change of the article: no revision, no event, no new version.
 */
export async function storeArticleRenderings(
  db: Query,
  version: number,
  rows: { id: string; body: string; html: string; text: string; wordCount: number }[],
): Promise<void> {
  await db(sql`
    UPDATE "articles" a SET "body_html" = r."html", "body_text" = r."text", "word_count" = r."words",
      "render_version" = ${version}
    FROM unnest(CAST(${rows.map((r) => r.id)} AS uuid[]), CAST(${rows.map((r) => r.body)} AS text[]),
                CAST(${rows.map((r) => r.html)} AS text[]), CAST(${rows.map((r) => r.text)} AS text[]),
                CAST(${rows.map((r) => r.wordCount)} AS int[])) AS r("id", "body", "html", "text", "words")
    WHERE a."id" = r."id" AND a."body" = r."body" AND a."render_version" < ${version}`)
}

/** Up to `limit` comments rendered by an older renderer than `version` (or never), after `afterId`, in id order. */
export async function staleCommentBodies(
  db: Query,
  version: number,
  afterId: string,
  limit: number,
): Promise<StaleBody[]> {
  return db<StaleBody>(sql`
    SELECT "id", "body" FROM "comments"
    WHERE "render_version" < ${version} AND "id" > CAST(${afterId} AS uuid)
    ORDER BY "id" LIMIT ${limit}`)
}

/** Stores renderings of comment bodies, each only if the body is still the one rendered. */
export async function storeCommentRenderings(
  db: Query,
  version: number,
  rows: { id: string; body: string; html: string }[],
): Promise<void> {
  await db(sql`
    UPDATE "comments" c SET "body_html" = r."html", "render_version" = ${version}
    FROM unnest(CAST(${rows.map((r) => r.id)} AS uuid[]), CAST(${rows.map((r) => r.body)} AS text[]),
                CAST(${rows.map((r) => r.html)} AS text[])) AS r("id", "body", "html")
    WHERE c."id" = r."id" AND c."body" = r."body" AND c."render_version" < ${version}`)
}

/** The renderer version the whole database was last brought up to (0: never). */
export async function renderedVersion(db: Query): Promise<number> {
  const rows = await db<{ value: string }>(sql`SELECT "value" FROM "settings" WHERE "key" = 'renderer-version'`)
  return Number(rows[0]?.value ?? 0)
}

/** Records that every row has been rendered by `version`. */
export async function setRenderedVersion(db: Query, version: number): Promise<void> {
  await db(sql`
    INSERT INTO "settings" ("key", "value") VALUES ('renderer-version', ${String(version)})
    ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value"`)
}
