import { articles as seedArticles, authors as seedAuthors, comments as seedComments } from '../../src/db/seed-data.js'
import { seedId } from '../../src/db/seed.js'

/**
 * Facts about the seeded database (src/db/seed-data.ts) that tests name: articles and authors
 * with their ids, what must stay hidden, the private email addresses. Only for tests about the
 * sample content itself (and end-to-end tours of a first start): any other test builds the rows
 * it needs with ./factories.ts on an empty database, so the sample content can change freely.
 */

/** A seed article by key, with its id and its author's id. */
export const article = (key: string) => {
  const found = seedArticles.find((a) => a.key === key)
  if (!found) throw new Error(`no seed article ${key}`)
  return { ...found, id: seedId('article', key), authorId: seedId('author', found.authorKey) }
}
/** A seed author by key, with its id. */
export const author = (key: string) => {
  const found = seedAuthors.find((a) => a.key === key)
  if (!found) throw new Error(`no seed author ${key}`)
  return { ...found, id: seedId('author', key) }
}

/** Published, by Đặng Thu Hà (thuha), with approved comments and a spam one. */
export const tram = article('tram-opening')
/** Published, by João (joao). */
export const harbour = article('harbour-comeback')
/** Drafts: João's, Yusuf's; a scheduled one by Siobhán. */
export const joaoDraft = article('marathon-start')
export const yusufDraft = article('smart-city-opinion')
export const scheduled = article('winter-lights')

export const thuha = author('thuha')
export const joao = author('joao')
export const yusuf = author('yusuf')
export const malgorzata = author('malgorzata')

/** Articles an anonymous caller must never learn about (drafts and the scheduled one). */
export const hiddenArticles = seedArticles
  .filter((a) => a.publishedAt === null)
  .map((a) => ({ ...a, id: seedId('article', a.key), authorId: seedId('author', a.authorKey) }))
export const publishedIds = new Set(
  seedArticles.filter((a) => a.publishedAt !== null).map((a) => seedId('article', a.key)),
)

/** The published (not scheduled) seed articles, newest first: what the public list shows. */
export const newestPublished = seedArticles
  .filter((a) => a.publishedAt !== null && a.scheduledInDays === undefined)
  .sort((a, b) => Date.parse(b.publishedAt!) - Date.parse(a.publishedAt!))

export const authorEmails = seedAuthors.map((a) => a.email)
export const commenterEmails = [...new Set(seedComments.map((c) => c.authorEmail))]

export { UNKNOWN_UUID } from './factories.js'

/** Strings from an unpublished article: its title, slug, id and the start of its body. */
export function hiddenStrings(exceptAuthorKey?: string): string[] {
  return hiddenArticles
    .filter((a) => a.authorKey !== exceptAuthorKey)
    .flatMap((a) => [a.title, a.slug, a.id, a.body.slice(0, 60)])
}
