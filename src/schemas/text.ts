/**
 * The text rules, in one place. Text is stored and returned byte-exact (the API contract),
 * so it is not normalised; what is refused is decided here. "Blank" means no visible character: spaces of every kind, zero-width and other format characters, and the
 * letters and symbols Unicode defines to show nothing (Hangul fillers, the braille blank)
 * are all blank, so a name made only of them is refused like "   ".
 */

/** Code points that are letters or symbols to Unicode but render as nothing. */
const INVISIBLE = '\\u115F\\u1160\\u3164\\uFFA0\\u2800\\u180E'

/** Somewhere in the string: one visible character. A JSON Schema pattern (Unicode mode). */
export const NOT_BLANK = `[^\\s\\p{Z}\\p{C}${INVISIBLE}]`

/**
 * A tag character: a lowercase letter, a letter without case (CJK, Arabic, ...) or a digit;
 * never an invisible letter nor a fullwidth or halfwidth form (`ｔｒａｍ` is not a second `tram`).
 */
const TAG_CHAR = `(?![${INVISIBLE}\\uFF00-\\uFFEF])[\\p{Ll}\\p{Lo}\\p{N}]`
export const TAG_PATTERN = `^${TAG_CHAR}+(?:-${TAG_CHAR}+)*$`

/** What every schema description of client-written text says. */
export const UNTRUSTED =
  'Untrusted input, returned byte-exact as stored: escape it (or sanitize rendered HTML) before putting it in a page.'

/**
 * What no text input may hold, wherever it arrives (JSON bodies, query strings, path parameters,
 * multipart fields): NUL, which Postgres text cannot store, and UTF-16 surrogates without their
 * pair, which are not Unicode text.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this refuses
export const FORBIDDEN_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
