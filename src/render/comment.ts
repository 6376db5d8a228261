/**
 * Comment bodies: plain text (not Markdown) in, HTML out. Everything the reader typed is
 * escaped; the only markup is ours: paragraphs, line breaks, and links for http(s) and www.
 * URLs. Pure: imports only npm packages and src/render/*.
 */
import MarkdownIt from 'markdown-it'
import { escapeHtml, linkWwwHosts } from './text.js'

// Only for its linkify-it instance and link normaliser (percent-encoding, punycode): the same
// URL reading as article bodies, without parsing any Markdown.
const md = new MarkdownIt('zero', { linkify: true })
// http:, https: and www. only: no mailto (address harvesting), ftp or //host.
md.linkify.set({ fuzzyLink: false, fuzzyEmail: false })
md.linkify.add('ftp:', null).add('//', null).add('mailto:', null)
linkWwwHosts(md.linkify)

const HTTP_URL = /^https?:\/\//i
// Links in comments are the commenter's, not the site's: `ugc nofollow` tells search engines
// so (and gives link spam nothing), `noopener` for any that a front end opens in a new tab.
const REL = 'ugc nofollow noopener'

function linkifyLine(line: string): string {
  const links = md.linkify.test(line) ? (md.linkify.match(line) ?? []) : []
  let out = ''
  let last = 0
  for (const link of links) {
    const href = md.normalizeLink(link.url)
    if (!HTTP_URL.test(href)) continue
    out += escapeHtml(line.slice(last, link.index))
    out += `<a href="${escapeHtml(href)}" rel="${REL}">${escapeHtml(link.raw)}</a>`
    last = link.lastIndex
  }
  return out + escapeHtml(line.slice(last))
}

/**
 * Paragraphs on blank lines (a line of only whitespace counts as blank), `<br>` for single
 * newlines, URLs linked. Whitespace-only input gives ''.
 */
export function renderCommentBody(text: string): string {
  // HTML has no NUL (parsers replace it); U+FFFD is what a browser would show, as markdown-it does.
  const normalised = text.replace(/\r\n?/g, '\n').replace(/\0/g, '\uFFFD')
  const paragraphs: string[] = []
  for (const paragraph of normalised.split(/\n\s*\n/)) {
    const trimmed = paragraph.trim()
    if (trimmed !== '') paragraphs.push(`<p>${trimmed.split('\n').map(linkifyLine).join('<br>')}</p>`)
  }
  return paragraphs.join('\n')
}
