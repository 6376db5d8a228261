/**
 * Article bodies: Markdown in, sanitized HTML, plain text and a word count out.
 *
 * Two walls stand between an author and the reader's browser. markdown-it runs with raw HTML
 * off (every `<` an author types comes out as `&lt;`) and with a link check that admits only
 * http, https, mailto and relative URLs. Its output then goes through sanitize-html with an
 * allowlist of exactly the elements, attributes, classes and URL schemes that this markdown-it
 * configuration emits, so a mistake in either wall (or in a plugin) does not become an XSS.
 *
 * Pure: imports only npm packages and src/render/*.
 */
import MarkdownIt from 'markdown-it'
import type { PluginSimple, RendererRule, StateCore, Token } from 'markdown-it'
import anchor from 'markdown-it-anchor'
import footnote from 'markdown-it-footnote'
import sanitizeHtml from 'sanitize-html'
import { countWords, linkWwwHosts, pretestSchemasOnly } from './text.js'

/**
 * Bump when the output for the same input changes: the HTML, text or word count of an article
 * (a plugin, a sanitizer rule, the slug or word rule) or the HTML of a comment
 * (./comment.ts). Stored rows rendered by an older version are re-rendered.
 */
export const RENDERER_VERSION = 1

export interface RenderedBody {
  /** Sanitized HTML, safe to insert into a page as is. */
  html: string
  /** The document's text: no tags, entities decoded, blocks separated by newlines, trimmed. */
  text: string
  /** Words in `text` (see `countWords` in ./text.ts for what a word is). */
  wordCount: number
}

/**
 * Every id in the output starts with this, as on GitHub. An element's id becomes a named
 * property of `window` (and, for some elements, of `document`), so an author could otherwise
 * write a heading "Config" or "Analytics" and clobber a global that the host page's scripts
 * read (DOM clobbering). A prefixed id is not a JavaScript identifier and cannot collide with
 * the site's own ids either. Fragment links in the body that point at one of the document's
 * own headings or footnotes are rewritten to the prefixed id, so they work without script;
 * fragments that match nothing in the body are left alone (they may target the host page).
 */
const ID_PREFIX = 'user-content-'

// Written in a URL a browser ignores these: tabs and newlines anywhere, C0 controls and spaces
// at the ends. Removing all of them before reading the scheme is the conservative reading.
// eslint-disable-next-line no-control-regex
const IGNORED_IN_URL = /[\u0000-\u0020\u007f]+/g
const SCHEME = /^([a-z][a-z0-9+.-]*):/i
const LINK_SCHEMES = new Set(['http', 'https', 'mailto'])

/** True if `url` is relative (no scheme) or its scheme is in `schemes`. */
function allowedUrl(url: string, schemes: Set<string>): boolean {
  const scheme = SCHEME.exec(url.replace(IGNORED_IN_URL, ''))?.[1]
  return scheme === undefined || schemes.has(scheme.toLowerCase())
}

/** Absolute http(s) URLs and protocol-relative ones (`//host`, which browsers also accept as `/\host`). */
function isExternal(href: string): boolean {
  return /^(?:https?:|[/\\]{2})/i.test(href.replace(IGNORED_IN_URL, ''))
}

/**
 * GitHub-like heading slugs: lowercased, runs of anything but letters, digits and combining
 * marks become one hyphen (Unicode letters are kept, not transliterated), no hyphen at either
 * end. markdown-it-anchor deduplicates them: the second "Intro" is intro-2, the third intro-3.
 */
function slugify(title: string): string {
  const slug = title
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
  return slug || 'section'
}

interface FootnoteEnv {
  footnotes?: { list?: { count?: number }[] }
  markdownItAnchor?: { slugs?: Record<string, boolean> }
}

const footnoteId = (index: number) => `fn-${index + 1}`
const footnoteRefId = (index: number, subId: number) => `fnref-${index + 1}${subId > 0 ? `-${subId + 1}` : ''}`

/** The (unprefixed) ids the footnote section and references of this document will carry. */
function footnoteIds(env: FootnoteEnv): string[] {
  const ids: string[] = []
  env.footnotes?.list?.forEach((note, index) => {
    ids.push(footnoteId(index))
    for (let subId = 0; subId < Math.max(note.count ?? 0, 1); subId++) ids.push(footnoteRefId(index, subId))
  })
  return ids
}
const tokenMeta = (token: Token) => token.meta as { id: number; subId: number }

const md = new MarkdownIt({ html: false, linkify: true, typographer: false })
  // @types/markdown-it-footnote types the plugin against markdown-it's CommonJS types.
  .use(footnote as unknown as PluginSimple)
  .use(anchor, { slugify, tabIndex: false, uniqueSlugStartIndex: 2 })

md.validateLink = (url) => allowedUrl(url, LINK_SCHEMES)
// Bare text is linked when it starts with http://, https://, mailto: or www., or is an email
// address, as in GFM; not ftp: (no such link survives validateLink) nor //host.
// No fuzzy links ("index.md", "example.com" are words, not links; and guessing them costs
// more than the rest of the parse): only what linkWwwHosts adds below.
md.linkify.set({ fuzzyLink: false })
md.linkify.add('ftp:', null).add('//', null)
linkWwwHosts(md.linkify)
pretestSchemasOnly(md.linkify)

// Footnote ids in the same namespace as heading slugs, with the prefix; the caption ([1],
// [1:1] for a second reference) is markdown-it-footnote's own.
const footnoteRef: RendererRule = (tokens, idx, options, env, self) => {
  const { id, subId } = tokenMeta(tokens[idx]!)
  const caption = self.rules.footnote_caption!(tokens, idx, options, env, self)
  const href = ID_PREFIX + footnoteId(id)
  return `<sup class="footnote-ref"><a href="#${href}" id="${ID_PREFIX}${footnoteRefId(id, subId)}">${caption}</a></sup>`
}
md.renderer.rules.footnote_ref = footnoteRef
md.renderer.rules.footnote_open = (tokens, idx) =>
  `<li id="${ID_PREFIX}${footnoteId(tokenMeta(tokens[idx]!).id)}" class="footnote-item">`
md.renderer.rules.footnote_anchor = (tokens, idx) => {
  const { id, subId } = tokenMeta(tokens[idx]!)
  // U+FE0E asks for the text form of ↩, as markdown-it-footnote does (iOS would draw an emoji).
  return ` <a href="#${ID_PREFIX}${footnoteRefId(id, subId)}" class="footnote-backref">\u21a9\uFE0E</a>`
}

// Reserve the footnote ids before headings are slugged, so a heading "fn 1" becomes fn-1-2
// instead of a second element with the id of footnote 1.
md.core.ruler.before('anchor', 'reserve_footnote_ids', (state: StateCore) => {
  const env = state.env as FootnoteEnv
  const ids = footnoteIds(env)
  if (ids.length === 0) return
  const slugs = ((env.markdownItAnchor ??= {}).slugs ??= {})
  for (const id of ids) slugs[id] = true
})

// Runs after markdown-it-anchor: prefix the heading ids and point the body's own fragment
// links at them (see ID_PREFIX).
md.core.ruler.push('user_content_ids', (state: StateCore) => {
  const targets = new Set(footnoteIds(state.env as FootnoteEnv))
  for (const token of state.tokens) {
    if (token.type !== 'heading_open') continue
    const id = token.attrGet('id')
    if (typeof id !== 'string') continue
    targets.add(id)
    token.attrSet('id', ID_PREFIX + id)
  }
  for (const token of state.tokens) {
    if (token.type !== 'inline' || !token.children) continue
    for (const child of token.children) {
      if (child.type !== 'link_open') continue
      const href = child.attrGet('href')
      if (typeof href === 'string' && href.startsWith('#') && targets.has(decodeFragment(href.slice(1)))) {
        child.attrSet('href', `#${ID_PREFIX}${href.slice(1)}`)
      }
    }
  }
})

/** markdown-it percent-encodes link destinations; ids are stored decoded. */
function decodeFragment(fragment: string): string {
  try {
    return decodeURIComponent(fragment)
  } catch {
    return fragment
  }
}

// markdown-it writes a column's alignment as exactly one of these; matching the whole value
// is stricter than a CSS allowlist and spares a CSS parse per table cell.
const ALIGN = { name: 'style', values: ['text-align:left', 'text-align:right', 'text-align:center'] }

/**
 * The second wall: exactly what the configuration above emits, nothing more. Tags markdown-it
 * never produces (script, style, iframe, svg, form…) are dropped with their content for
 * script/style and unwrapped otherwise; attributes not listed are dropped.
 */
const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'a',
    'ul',
    'ol',
    'li',
    'blockquote',
    'pre',
    'code',
    'em',
    'strong',
    's',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'hr',
    'img',
    'sup',
    'section',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel', 'id'],
    h1: ['id'],
    h2: ['id'],
    h3: ['id'],
    h4: ['id'],
    h5: ['id'],
    h6: ['id'],
    li: ['id'],
    ol: ['start'],
    img: ['src', 'alt', 'title'],
    th: [ALIGN],
    td: [ALIGN],
  },
  allowedClasses: {
    code: [/^language-[\w#+.-]+$/],
    sup: ['footnote-ref'],
    a: ['footnote-backref'],
    hr: ['footnotes-sep'],
    section: ['footnotes'],
    ol: ['footnotes-list'],
    li: ['footnote-item'],
  },
  parseStyleAttributes: false,
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: true,
  disallowedTagsMode: 'discard',
  // The parser decodes entities and sanitize-html re-escapes only & < > (and " in
  // attributes), so non-ASCII text leaves byte-exact, never as &rsquo; or &#x1F68B;.
  parser: { decodeEntities: true },
  transformTags: {
    '*': (tagName, attribs) => {
      if (attribs.id !== undefined && !attribs.id.startsWith(ID_PREFIX)) delete attribs.id
      // A value outside ALIGN would otherwise survive as an empty `style` attribute.
      if (attribs.style !== undefined && !ALIGN.values.includes(attribs.style)) delete attribs.style
      if (tagName === 'a') {
        delete attribs.rel
        // Deciding on the final href here, not in markdown-it, means no link can leave
        // the sanitizer pointing off-site without it.
        if (attribs.href !== undefined && isExternal(attribs.href)) attribs.rel = 'noopener noreferrer'
      }
      return { tagName, attribs }
    },
  },
}

/**
 * The sanitizer on its own, for tests that hold the second wall against HTML that markdown-it
 * would never emit. Article rendering goes through `renderArticleBody`.
 */
export function sanitizeArticleHtml(html: string): string {
  return sanitizeHtml(html, SANITIZE)
}

/** Renders an article's Markdown body. Deterministic for a given RENDERER_VERSION. */
export function renderArticleBody(markdown: string): RenderedBody {
  const env = {}
  const tokens = md.parse(markdown, env)
  const html = sanitizeHtml(md.renderer.render(tokens, md.options, env), SANITIZE)
  const text = plainText(tokens)
  return { html, text, wordCount: countWords(text) }
}

// Separators for the plain text: a blank line between blocks, a newline between list items,
// table rows and footnotes, a tab between table cells.
const BLOCK_BREAKS: Record<string, number> = {
  heading_open: 2,
  heading_close: 2,
  paragraph_open: 2,
  paragraph_close: 2,
  blockquote_open: 2,
  blockquote_close: 2,
  table_open: 2,
  table_close: 2,
  hr: 2,
  footnote_block_open: 2,
  footnote_block_close: 2,
  list_item_open: 1,
  list_item_close: 1,
  tr_open: 1,
  footnote_open: 1,
}

/**
 * The document's text, read from markdown-it's tokens (which carry decoded text) rather than
 * by parsing the HTML again. Footnote reference marks ([1]) and back-links (↩) are navigation,
 * not prose, and are left out; footnote bodies and image alt text are kept.
 */
function plainText(tokens: Token[]): string {
  const parts: string[] = []
  // Breaks are held back until text follows, so none trails and a blank line is never
  // doubled. (Looking at the end of one long concatenated string instead flattens it on every
  // block: quadratic, ~90 ms more for 100 KB.)
  let pending = 0
  const breakLine = (newlines: number) => {
    pending = Math.max(pending, newlines)
  }
  const write = (text: string) => {
    if (text === '') return
    if (parts.length > 0 && pending > 0) parts.push('\n'.repeat(pending))
    pending = 0
    parts.push(text)
  }
  let cell = 0
  for (const token of tokens) {
    switch (token.type) {
      case 'inline':
        write(inlineText(token.children ?? []))
        break
      case 'fence':
      case 'code_block':
        breakLine(2)
        write(token.content.replace(/\n$/, ''))
        breakLine(2)
        break
      case 'bullet_list_open':
      case 'bullet_list_close':
      case 'ordered_list_open':
      case 'ordered_list_close':
        breakLine(token.level === 0 ? 2 : 1)
        break
      case 'tr_open':
        cell = 0
        breakLine(1)
        break
      case 'th_open':
      case 'td_open':
        if (cell++ > 0) write('\t')
        break
      default: {
        // Paragraphs in tight lists are hidden: the list item already broke the line.
        const newlines = token.hidden ? undefined : BLOCK_BREAKS[token.type]
        if (newlines !== undefined) breakLine(newlines)
      }
    }
  }
  return parts.join('').trim()
}

function inlineText(children: Token[]): string {
  let out = ''
  for (const child of children) {
    switch (child.type) {
      case 'text':
      case 'code_inline':
        out += child.content
        break
      case 'softbreak':
        out += ' '
        break
      case 'hardbreak':
        out += '\n'
        break
      case 'image':
        out += inlineText(child.children ?? [])
        break
    }
  }
  return out
}

/**
 * Minutes to read `wordCount` words at 230 words a minute: Brysbaert's 2019 meta-analysis of
 * 190 studies puts adult silent reading of English non-fiction at about 238 wpm; a little
 * slower allows for headings, tables and code. Never 0 for a body with words in it.
 */
export function readingTimeMinutes(wordCount: number): number {
  if (!Number.isFinite(wordCount) || wordCount <= 0) return 0
  return Math.max(1, Math.ceil(wordCount / 230))
}
