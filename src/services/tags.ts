import type { Database } from '../db/database.js'
import { paginate, type CursorCodec } from '../db/paging.js'
import * as q from '../db/queries/tags.js'
import type { ListTagsQuery, TagList } from '../schemas/tag.js'

export interface TagServiceOptions {
  cursors: () => Promise<CursorCodec>
}

/**
 * `sort` with the tag as the last word: ties (the same count) are always in tag order, A→Z,
 * whatever direction the count goes.
 */
function withTagOrder(sort: string | undefined): string | undefined {
  if (sort === undefined || sort === '') return undefined
  return sort.split(',').some((part) => part === 'tag' || part === '-tag') ? sort : `${sort},tag`
}

/**
 * The tag index: the tags of published articles with how many have each. Always the public
 * view, whoever asks (a token's drafts never count), so it is one cacheable answer for everyone.
 */
export function createTagService(db: Database, options: TagServiceOptions) {
  const { cursors } = options
  return {
    async list(query: ListTagsQuery): Promise<TagList> {
      const codec = await cursors()
      const pagination = paginate(q.tagListSpec, { ...query, sort: withTagOrder(query.sort) }, codec)
      // Tags are stored lowercase (the write schema's pattern), so the prefix is compared lowercase.
      const prefix = query.q?.toLowerCase()
      const { rows, meta } = await q.listTags(db.query, prefix === undefined ? {} : { prefix }, {
        pagination,
        codec,
        now: new Date(),
      })
      return { data: rows.map((row) => ({ tag: row.tag, count: row.count })), meta }
    },
  }
}

export type TagService = ReturnType<typeof createTagService>
