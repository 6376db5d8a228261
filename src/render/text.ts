/**
 * Helpers shared by the article and comment renderers. Pure: no I/O, no project imports.
 */
import type { MarkdownIt } from 'markdown-it'

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/**
 * Escapes the five characters that matter in HTML text and in quoted attribute values, and
 * nothing else: non-ASCII (’ — 🚋) is stored and served as UTF-8, so it stays byte-exact.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!)
}

// A word is a maximal run of letters, digits and combining marks, possibly joined by single
// apostrophes (' ’) or hyphens (- ‐ ‑): "don’t", "rock’n’roll" and "well-known" are one word
// each; "3.14" and "snake_case" are two; punctuation, symbols and emoji are none.
//
// Chinese and Japanese are written without spaces, so a run of ideographs or kana is a phrase,
// not a word. As word processors do (Microsoft Word counts each East Asian character as a
// word), each ideograph or kana counts as one word; CJK punctuation (、。「」) counts as none.
// Hangul is written with spaces and follows the general rule. Thai, Lao, Khmer and Myanmar
// (no spaces either) count one word per run: a known undercount.
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u
const MARK = /\p{M}/u
// Built from a string: TypeScript accepts the v flag (needed for &&) in literals only when
// targeting ES2024.
const CJK_CHAR = new RegExp('[[\\p{scx=Han}\\p{scx=Hiragana}\\p{scx=Katakana}]&&[\\p{L}\\p{N}]]', 'v')

const OTHER = 0
const WORD = 1
const CJK = 2
const JOINER = 3
const COMBINING = 4

function kind(codePoint: number): number {
  if (codePoint < 0x80) {
    const lower = codePoint | 0x20
    if ((codePoint >= 0x30 && codePoint <= 0x39) || (lower >= 0x61 && lower <= 0x7a)) return WORD
    return codePoint === 0x27 || codePoint === 0x2d ? JOINER : OTHER
  }
  if (codePoint === 0x2019 || codePoint === 0x2010 || codePoint === 0x2011) return JOINER
  const char = String.fromCodePoint(codePoint)
  if (codePoint >= 0x2e80 && CJK_CHAR.test(char)) return CJK
  if (LETTER_OR_DIGIT.test(char)) return WORD
  return MARK.test(char) ? COMBINING : OTHER
}

/**
 * The number of words in `text`, by the rule above. A scan rather than `match(/…/g).length`:
 * no string per word, which matters for the garbage of a 100 KB body.
 */
export function countWords(text: string): number {
  let count = 0
  let inWord = false
  let afterJoiner = false
  let afterCjk = false
  for (let i = 0; i < text.length;) {
    const codePoint = text.codePointAt(i)!
    i += codePoint > 0xffff ? 2 : 1
    let k = kind(codePoint)
    // A combining mark belongs to the character before it (か + ゙ is one kana).
    if (k === COMBINING) {
      if (afterCjk) continue
      k = WORD
    }
    afterCjk = k === CJK
    if (k === WORD) {
      if (!inWord) count++
      inWord = true
      afterJoiner = false
    } else if (k === JOINER && inWord && !afterJoiner) {
      // Still in the word if a letter follows; a second joiner or anything else ends it.
      afterJoiner = true
    } else {
      if (k === CJK) count++
      inWord = false
      afterJoiner = false
    }
  }
  return count
}

type Linkify = MarkdownIt['linkify']

/**
 * Links www.example.com written without a scheme, as GFM does, as http://www.example.com.
 * linkify-it's own fuzzy matching would do it too, but it also links every word that ends in a
 * top-level domain ("index.md", "setup.py") and, run on every text token, it more than doubles
 * the cost of parsing; a `www.` schema costs nothing on text without one.
 */
export function linkWwwHosts(linkify: Linkify): void {
  linkify.add('www.', {
    // What follows `www.` is read like the host and path of a `//host/path` link. Like GFM,
    // not inside a word or a longer name (foo.www.example.com, //www.…, me@www.…).
    validate: (text, pos, self) => {
      if (pos > 4 && /[\p{L}\p{N}\p{M}.\-_@/:\\]/u.test(text[pos - 5]!)) return 0
      // linkify-it's own `//` rule (its host, port and path grammar), sticky at `pos` so no
      // slice of the text is made; compiled once, lazily, as linkify-it compiles its own.
      const re = self.re as unknown as Record<string, string> & { wwwHost?: RegExp }
      re.wwwHost ??= new RegExp(
        re.src_auth! +
          `(?:localhost|(?:(?:${re.src_domain})\\.)+${re.src_domain_root})` +
          re.src_port +
          re.src_host_terminator +
          re.src_path,
        'iy',
      )
      re.wwwHost.lastIndex = pos
      return re.wwwHost.exec(text)?.[0].length ?? 0
    },
    normalize: (match) => {
      match.url = `http://${match.url}`
    },
  })
}

/**
 * markdown-it runs linkify-it's `pretest` on every paragraph before it looks for links in it.
 * linkify-it's pretest also looks for fuzzy hosts (`example.com`) with a regex over Unicode
 * classes that, on prose, costs more than the rest of the link search. With `fuzzyLink` off
 * such a host is never linked, so a search for the schemas' own names (`http:`, `mailto:`,
 * `www.`…) and for `@` (fuzzy emails) is a filter for less: it answers false only for text in
 * which linkify-it's own `test` finds no link. Call it after the last `add` or `set`; it leaves a linkify with
 * fuzzy links on as it is.
 */
export function pretestSchemasOnly(linkify: Linkify): void {
  const internals = linkify as unknown as {
    __opts__: { fuzzyLink?: boolean; fuzzyEmail?: boolean }
    __compiled__: Record<string, unknown>
  }
  if (internals.__opts__.fuzzyLink !== false) return
  const names = Object.keys(internals.__compiled__).filter((name) => name !== '')
  const escaped = names.map((name) => name.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))
  if (internals.__opts__.fuzzyEmail !== false) escaped.push('@')
  const pretest = new RegExp(escaped.join('|') || '(?!)', 'i')
  linkify.pretest = (text: string) => pretest.test(text)
}
