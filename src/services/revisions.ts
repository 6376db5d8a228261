import type { Principal } from '../auth.js'
import type { Database } from '../db/database.js'
import { paginate, type CursorCodec } from '../db/paging.js'
import * as q from '../db/queries/revisions.js'
import { ProblemError, Problems } from '../errors.js'
import type { ListRevisionsQuery, Revision, RevisionDiff, RevisionList, RevisionSummary } from '../schemas/revision.js'
import { DIFF_FIELDS } from '../schemas/revision.js'
import type { ArticleService, VersionedArticle } from './articles.js'
import { jsonPatch, lineDiff, stepQueue } from './diff.js'

function toSummary(row: q.RevisionSummaryRow): RevisionSummary {
  return {
    number: row.number,
    action: row.action,
    createdAt: row.createdAt.toISOString(),
    by: { tokenId: row.tokenId, name: row.tokenName },
    title: row.title,
    status: row.status,
    restoredFrom: row.restoredFrom,
  }
}

const noSuchRevision = (n: number) => Problems.notFound(`This article has no revision ${n}.`)

export interface RevisionServiceOptions {
  cursors: () => Promise<CursorCodec>
  /** Who may see an article's history is who may edit it: the article service decides. */
  articles: ArticleService
  /** The most lines a body diff lists (DIFF_MAX_LINES). */
  diffMaxLines: number
  /** Diffs one token may have in flight in this process (DIFF_CONCURRENT_PER_TOKEN); more at once are 429. */
  diffsPerToken: number
}

/** Seconds a caller refused for too many diffs at once is told to wait: a diff takes about a second at most. */
const DIFF_RETRY_AFTER_SECONDS = 1

/**
 * Counts the diffs each token has in flight in this process. `enter` either takes a place or
 * throws 429; the place is given back by the function it returns.
 */
function inFlightLimit(perKey: number) {
  const running = new Map<string, number>()
  return (key: string) => {
    const now = running.get(key) ?? 0
    if (now >= perKey) {
      throw new ProblemError(
        'RATE_LIMITED',
        `This token already has ${now} revision diffs in progress (the most at once); retry in ${DIFF_RETRY_AFTER_SECONDS} second.`,
        undefined,
        { 'retry-after': String(DIFF_RETRY_AFTER_SECONDS) },
      )
    }
    running.set(key, now + 1)
    return () => {
      const left = (running.get(key) ?? 1) - 1
      if (left > 0) running.set(key, left)
      else running.delete(key)
    }
  }
}

/**
 * An article's history: every create, edit, publication change, restore and trip to the trash
 * left an immutable revision (written by the change's own statement, db/queries/article-history.ts `recorded`).
 * Only callers who may edit the article see them, trashed articles included; to anyone else
 * they do not exist (404, as for a draft).
 */
export function createRevisionService(db: Database, options: RevisionServiceOptions) {
  const { cursors, articles, diffMaxLines } = options
  const enterDiff = inFlightLimit(options.diffsPerToken)
  /** Every diff's long steps, one at a time (see stepQueue). */
  const step = stepQueue()
  /** The article whose history is asked for, on any shelf: 404 or 403 as for a write. */
  const target = (principal: Principal, idOrSlug: string) => articles.writable(principal, idOrSlug, 'any')

  async function one(articleId: string, n: number): Promise<q.RevisionRow> {
    const [row] = await q.findRevisions(db.query, articleId, [n])
    if (!row) throw noSuchRevision(n)
    return row
  }

  /** The diff itself (see `diff`). */
  async function compare(
    principal: Principal,
    idOrSlug: string,
    n: number,
    against: number | undefined,
    format: 'fields' | 'json-patch',
  ) {
    // Reading the article (its body included) is a step too.
    const article = await step(() => target(principal, idOrSlug))
    const from = against ?? (await q.previousNumber(db.query, article.id, n))
    if (from === undefined) {
      // The first revision is compared with nothing: every field "changed" from null.
      await one(article.id, n)
      throw Problems.validation([
        { path: '/query/against', message: `revision ${n} is the oldest; name another revision to compare with` },
      ])
    }
    // One snapshot at a time, each a step: on the embedded database, reading a long body holds the event loop.
    const after = (await step(() => one(article.id, n))).snapshot
    const before = (await step(() => one(article.id, from))).snapshot
    // Fields in snapshot order (jsonb keeps its keys in an order of its own); a field a revision
    // older than it lacks (coverImageId) is null.
    const inOrder = (snapshot: q.Snapshot) =>
      Object.fromEntries(DIFF_FIELDS.map((field) => [field, snapshot[field] ?? null]))
    if (format === 'json-patch') return step(() => jsonPatch(inOrder(before), inOrder(after)))
    const changes: RevisionDiff['changes'] = []
    for (const field of DIFF_FIELDS) {
      const [b, a] = [before[field] ?? null, after[field] ?? null]
      if (JSON.stringify(b) === JSON.stringify(a)) continue
      const lines = field === 'body' ? await lineDiff(before.body, after.body, { maxLines: diffMaxLines, step }) : {}
      changes.push({ field, before: b, after: a, ...lines })
    }
    return { from, to: n, changes } satisfies RevisionDiff
  }

  return {
    target,

    /** Newest first, without snapshots. */
    async list(principal: Principal, idOrSlug: string, query: ListRevisionsQuery): Promise<RevisionList> {
      const article = await target(principal, idOrSlug)
      const codec = await cursors()
      const { rows, meta } = await q.listRevisions(db.query, article.id, {
        pagination: paginate(q.revisionListSpec, query, codec),
        codec,
      })
      return { data: rows.map(toSummary), meta }
    },

    async get(principal: Principal, idOrSlug: string, n: number): Promise<Revision> {
      const article = await target(principal, idOrSlug)
      const row = await one(article.id, n)
      return { ...toSummary(row), snapshot: row.snapshot }
    },

    /**
     * What changed from revision `against` (default: the one before `n`) to revision `n`,
     * field by field (the body also line by line, at most `diffMaxLines` lines), or as an RFC
     * 6902 JSON Patch. A token has at most `diffsPerToken` of them in flight (429 past that,
     * before any other work; anonymous callers only ever get the 404).
     */
    async diff(
      principal: Principal,
      idOrSlug: string,
      n: number,
      against: number | undefined,
      format: 'fields' | 'json-patch',
    ) {
      const leave = principal.kind === 'token' ? enterDiff(principal.tokenId) : undefined
      try {
        return await compare(principal, idOrSlug, n, against, format)
      } finally {
        leave?.()
      }
    },

    /**
     * Copies revision `n`'s content (title, excerpt, body, tags) onto the article as a new
     * revision, if the article still has `expected` version. Publication state, slug and
     * author are left as they are: a live article stays live with the restored text.
     */
    async restoreRevision(
      principal: Principal,
      idOrSlug: string,
      n: number,
      expected: number | '*',
    ): Promise<VersionedArticle> {
      const article = await target(principal, idOrSlug)
      const { snapshot } = await one(article.id, n)
      const content = { title: snapshot.title, excerpt: snapshot.excerpt, body: snapshot.body, tags: snapshot.tags }
      return articles.restoreRevision(principal, article.id, expected, { number: n, content })
    },
  }
}

export type RevisionService = ReturnType<typeof createRevisionService>
