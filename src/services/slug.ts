import { Problems } from '../errors.js'
import { lockSlugBase, takenSlugs } from '../db/queries/slugs.js'
import { isUuid, type Query } from '../db/sql.js'

/**
 * Slugs from titles: `"Minsk: a tale of 2 rallies"` → `minsk-a-tale-of-2-rallies`. Latin
 * letters lose their accents (ø, æ, ß, đ, ł and friends are spelled out), Cyrillic and Greek
 * are transliterated; anything else becomes a separator. Never empty, never UUID-shaped.
 */
const SPELLED: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ł: 'l',
  ı: 'i',
  ħ: 'h',
  ŋ: 'ng',
  ĸ: 'k',
  ŀ: 'l',
  ſ: 's',
  '&': '-and-',
  "'": '',
  '’': '',
  ʼ: '',
}

const CYRILLIC: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  ґ: 'g',
  д: 'd',
  е: 'e',
  ё: 'e',
  є: 'ye',
  ж: 'zh',
  з: 'z',
  и: 'i',
  і: 'i',
  ї: 'yi',
  й: 'y',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ў: 'u',
  ф: 'f',
  х: 'kh',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'shch',
  ъ: '',
  ы: 'y',
  ь: '',
  э: 'e',
  ю: 'yu',
  я: 'ya',
  ђ: 'dj',
  ј: 'j',
  љ: 'lj',
  њ: 'nj',
  ћ: 'c',
  џ: 'dz',
  ѓ: 'gj',
  ќ: 'kj',
  ѕ: 'dz',
}

const GREEK: Record<string, string> = {
  α: 'a',
  β: 'v',
  γ: 'g',
  δ: 'd',
  ε: 'e',
  ζ: 'z',
  η: 'i',
  θ: 'th',
  ι: 'i',
  κ: 'k',
  λ: 'l',
  μ: 'm',
  ν: 'n',
  ξ: 'x',
  ο: 'o',
  π: 'p',
  ρ: 'r',
  σ: 's',
  ς: 's',
  τ: 't',
  υ: 'y',
  φ: 'f',
  χ: 'ch',
  ψ: 'ps',
  ω: 'o',
}

/** `{idOrSlug}` treats a UUID as an id, so a UUID-shaped slug could never be looked up: 400. */
export function rejectUuidSlug(slug: string | undefined): void {
  if (slug !== undefined && isUuid(slug)) {
    throw Problems.validation([{ path: '/body/slug', message: 'must not be shaped like a UUID' }])
  }
}

export function slugify(text: string, fallback = 'untitled', maxLength = 80): string {
  let out = ''
  for (const char of text.toLowerCase().normalize('NFKD')) {
    if (/\p{M}/u.test(char)) continue // combining accents left by NFKD
    out += SPELLED[char] ?? CYRILLIC[char] ?? GREEK[char] ?? (/[a-z0-9]/.test(char) ? char : '-')
  }
  let slug = out.replace(/-+/g, '-').replace(/^-|-$/g, '')
  if (slug.length > maxLength) slug = slug.slice(0, maxLength).replace(/-[^-]*$/, '') || slug.slice(0, maxLength)
  slug = slug.replace(/-$/, '')
  if (!slug || isUuid(slug)) return fallback
  return slug
}

/** The first of `base`, `base-2`, `base-3`, ... that is not in `taken`. */
export function nextFreeSlug(base: string, taken: Iterable<string>): string {
  const used = new Set(taken)
  if (!used.has(base)) return base
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`
    if (!used.has(candidate)) return candidate
  }
}

/** Attempts at a slug before giving up: each sees the slugs committed by the others. */
const SLUG_ATTEMPTS = 50

/**
 * Inserts a row under a slug, inside the caller's transaction: the client's `given` slug
 * (409 SLUG_TAKEN when taken), or the first free one of `base`, `base-2`, ... Creates of the
 * same base take turns (lockSlugBase), so a generated slug is free when it is chosen; a slug
 * taken meanwhile by an explicit one is skipped (`insert` returns undefined: ON CONFLICT DO
 * NOTHING) and the next tried.
 */
export async function insertWithSlug<T>(
  db: Query,
  table: 'articles' | 'authors',
  given: string | undefined,
  base: string,
  insert: (slug: string) => Promise<T | undefined>,
): Promise<T> {
  if (given === undefined) await lockSlugBase(db, table, base)
  for (let attempt = 0; attempt < SLUG_ATTEMPTS; attempt++) {
    const row = await insert(given ?? nextFreeSlug(base, await takenSlugs(db, table, base)))
    if (row) return row
    if (given !== undefined) break
  }
  throw Problems.slugTaken(given ?? base)
}
