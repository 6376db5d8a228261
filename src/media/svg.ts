/**
 * Telling an SVG by its text, and what an allowed SVG may not hold (intake.ts decides with
 * these when MEDIA_ALLOW_SVG is on): rules on the text, not a rewrite, so what is stored is
 * exactly what was checked.
 *
 * Pure: imports nothing.
 */

/**
 * An XML document whose root element is `<svg>`: after an optional byte order mark, XML
 * declaration, comments and a doctype, within the first 4 KB. (An HTML page with an inline
 * `<svg>` is HTML, not SVG.)
 */
const SVG_ROOT =
  /^\uFEFF?\s*(?:<\?xml\s[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*(?:<!DOCTYPE\s+svg\b[^>[]*(?:\[[\s\S]*?\])?\s*>\s*)?(?:<!--[\s\S]*?-->\s*)*<svg[\s>]/i

export function looksLikeSvg(bytes: Buffer): boolean {
  return SVG_ROOT.test(bytes.toString('utf8', 0, 4096))
}

/** An element's opening tag, with or without a namespace prefix (`<svg:script`). */
const element = (names: string) => new RegExp(`<(?:[\\w.-]+:)?(?:${names})[\\s/>]`, 'i')

/** What an allowed SVG may not hold: whatever can run script, fetch, or expand. */
export const SVG_DANGERS: [RegExp, string][] = [
  [element('script'), 'a <script> element'],
  [element('foreignObject'), 'a <foreignObject> element'],
  [element('handler|listener'), 'an event handler element'],
  [/[\s:]on[a-z]+\s*=/i, 'an event handler attribute (on…=)'],
  [/javascript:/i, 'a javascript: URL'],
  [/<!DOCTYPE|<!ENTITY/i, 'a DOCTYPE or entity declaration'],
  [/<\?xml-stylesheet/i, 'a stylesheet processing instruction'],
  [
    element('set|animate|animateMotion|animateTransform|animateColor'),
    'an animation element (which can rewrite links)',
  ],
  [/xml:base\s*=/i, 'an xml:base (which makes a #fragment point elsewhere)'],
  [/\bhref\s*=\s*(?!["']?\s*#)/i, 'a reference to another document (an href that is not a #fragment)'],
  [/url\(\s*(?!["']?\s*#)/i, 'a url() that is not a #fragment'],
  [/@import/i, 'an @import'],
]
