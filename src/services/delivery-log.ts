/**
 * What the delivery log keeps of an attempt: a receiver's answer (or an error) made storable
 * text, whatever the receiver sent.
 */

/** What the log keeps of a response: its first kilobyte. */
const LOGGED_BYTES = 1024

/** Lone UTF-16 surrogates: a JS string may hold them, UTF-8 (and so Postgres) cannot. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
/** Characters no text answer is made of: C0 controls but tab, line feed, form feed and carriage return, and U+FFFD (a byte that was not UTF-8). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
const NOT_TEXT = /[\u0000-\u0008\u000B\u000E-\u001F\u007F\uFFFD]/g

/** UTF-8 cut anywhere, as text: a byte that is not UTF-8 becomes U+FFFD, a character cut at the end is left out. */
const decodeHead = (bytes: Uint8Array): string => new TextDecoder('utf-8').decode(bytes, { stream: true })

/**
 * Text the delivery log can store, whatever it came from: Postgres refuses NUL in text (it
 * becomes U+FFFD here) and UTF-8 has no lone surrogates (dropped); at most `maxBytes` of
 * UTF-8, cut between characters.
 */
export function loggableText(text: string, maxBytes = LOGGED_BYTES): string {
  const safe = text.replaceAll('\0', '\uFFFD').replace(LONE_SURROGATE, '')
  const bytes = Buffer.from(safe, 'utf8')
  return bytes.length <= maxBytes ? safe : decodeHead(bytes.subarray(0, maxBytes))
}

/**
 * What the delivery log keeps of a receiver's answer: its first kilobyte as text (a byte that is
 * not UTF-8 shown as U+FFFD), or a note of its size when it is not text: compressed, holding a
 * NUL byte, or more than a quarter control characters and bytes that are not UTF-8. Such an
 * answer would read as noise, and Postgres cannot store a NUL.
 */
export function loggableBody(
  bytes: Buffer,
  options: { truncated?: boolean; contentEncoding?: string | string[] | undefined } = {},
): string {
  const size = `${bytes.length}${options.truncated ? '+' : ''} bytes`
  const encoding = String(options.contentEncoding ?? '')
    .trim()
    .toLowerCase()
  // The encoding is the receiver's text too.
  if (bytes.length > 0 && encoding !== '' && encoding !== 'identity')
    return loggableText(`[${encoding.slice(0, 40)}-encoded response, ${size}]`)
  const head = bytes.subarray(0, LOGGED_BYTES)
  const text = decodeHead(head)
  if (head.includes(0) || (text.match(NOT_TEXT)?.length ?? 0) * 4 > text.length) return `[binary response, ${size}]`
  return loggableText(text)
}
