import { gzipSync } from 'node:zlib'
import t from 'tap'
import { loggableBody, loggableText } from '../../src/services/delivery-log.js'

/**
 * What the delivery log keeps of a receiver's answer and of an error: text Postgres can store
 * (no NUL, no lone surrogate), at most 1 KB of UTF-8, or a note when the answer is not text.
 * (A unit test: no database, no network. The delivery worker's side is delivery-hardening.test.ts.)
 */

const fffd = '\uFFFD'

t.test(
  'loggableText: NUL becomes U+FFFD, lone surrogates go, 1 KB of UTF-8 at most, cut between characters',
  async (t) => {
    t.equal(loggableText('plain text'), 'plain text')
    t.equal(loggableText('a\0b'), `a${fffd}b`)
    t.equal(loggableText('x\uD800y\uDC00z'), 'xyz', 'a lone high or low surrogate is dropped')
    t.equal(loggableText('pair \uD83D\uDE00 kept'), 'pair \uD83D\uDE00 kept', 'a surrogate pair is a character')
    t.equal(loggableText('\uD83D\uDE00'.slice(0, 1)), '', 'half an emoji (a JS slice) is dropped')
    t.equal(loggableText('a'.repeat(2000)), 'a'.repeat(1024))
    const cut = loggableText('é'.repeat(600)) // 1200 bytes of UTF-8
    t.equal(cut, 'é'.repeat(512), 'cut at 1 KB, between two-byte characters')
    t.ok(
      Buffer.byteLength(loggableText(`a${'€'.repeat(400)}`)) <= 1024,
      'never more than 1 KB, even cut inside a character',
    )
    t.equal(loggableText(`a${'€'.repeat(400)}`), `a${'€'.repeat(341)}`, 'the character cut at the end is left out')
  },
)

t.test('loggableBody: text as text, anything else as a note of its size', async (t) => {
  t.equal(loggableBody(Buffer.from('')), '', 'an empty answer stays empty')
  t.equal(loggableBody(Buffer.from('{"ok":true}\n')), '{"ok":true}\n')
  t.equal(loggableBody(Buffer.from('ok\0tail')), '[binary response, 7 bytes]', 'a NUL byte: binary')
  t.equal(
    loggableBody(Buffer.from('caf\xe9 cr\xe8me', 'latin1')),
    `caf${fffd} cr${fffd}me`,
    'a few bytes that are not UTF-8: text, with U+FFFD',
  )
  t.equal(
    loggableBody(Buffer.from([0xff, 0xfe, 0x41, 0x80, 0x81, 0x82, 0x42])),
    '[binary response, 7 bytes]',
    'mostly not UTF-8: binary',
  )
  t.equal(
    loggableBody(Buffer.from('\x01\x02\x03\x04abc')),
    '[binary response, 7 bytes]',
    'mostly control characters: binary',
  )
  const gzip = gzipSync('{"error":"broken"}')
  t.equal(
    loggableBody(gzip, { contentEncoding: 'gzip' }),
    `[gzip-encoded response, ${gzip.length} bytes]`,
    'compressed: named, not shown',
  )
  t.equal(loggableBody(Buffer.from('fine'), { contentEncoding: 'identity' }), 'fine')
  t.equal(loggableBody(Buffer.from('x'.repeat(5000)), { truncated: true }), 'x'.repeat(1024), 'the first kilobyte')
  t.equal(
    loggableBody(Buffer.alloc(5000), { truncated: true }),
    '[binary response, 5000+ bytes]',
    'a note says when the answer went on',
  )
  const multibyte = Buffer.from('€'.repeat(500)) // 1500 bytes; 1024 is inside the 342nd character
  t.equal(loggableBody(multibyte), '€'.repeat(341), 'the kilobyte is cut between characters, not into U+FFFD')
})
