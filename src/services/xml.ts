/**
 * Text on its way into XML (feeds, sitemaps). Stored text is byte-exact client input: it may
 * hold characters XML 1.0 cannot carry at all (C0 controls other than tab, newline and carriage
 * return; U+FFFE and U+FFFF), and markup characters that must be escaped.
 */

/** Everything XML 1.0 does not allow, anywhere in a document, even escaped. */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

/** `text` without the characters XML 1.0 cannot carry (removed: there is no way to escape them). */
export function xmlChars(text: string): string {
  return text.replace(NOT_XML, '')
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }

/** `text` as XML character data or an attribute value (either quote): escaped, and only characters XML allows. */
export function xmlText(text: string): string {
  return xmlChars(text).replace(/[&<>"']/g, (ch) => ENTITIES[ch]!)
}

/**
 * Plain text as HTML (Atom's `type="html"` title and summary, RSS's description): escaped, so a
 * `<` in a title shows as a `<` and never becomes markup. It then holds no `]]>` either, so it
 * is safe in a CDATA section.
 */
export function htmlText(text: string): string {
  return xmlChars(text).replace(/[&<>"]/g, (ch) => ENTITIES[ch]!)
}

/**
 * Sanitized HTML for a CDATA section: `]]>` would end the section early, and the feed writer
 * splits only its first occurrence, so each one becomes `]]&gt;`, which HTML reads as the same
 * characters (in text and in attribute values alike).
 */
export function htmlForCdata(html: string): string {
  return xmlChars(html).replaceAll(']]>', ']]&gt;')
}

/** A moment as the W3C Datetime profile (sitemaps, Atom) writes it: UTC, milliseconds, `Z`. */
export const w3cDate = (at: Date): string => at.toISOString()
