import t from 'tap'
import { renderCommentBody } from '../../src/render/comment.js'

const link = (href: string, text = href) => `<a href="${href}" rel="ugc nofollow noopener">${text}</a>`

type Case = [name: string, text: string, expected: string]

const HOSTILE: Case[] = [
  ['<script> is text', '<script>alert(1)</script>', '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>'],
  ['all five specials escaped', `a & b < c > d " e ' f`, '<p>a &amp; b &lt; c &gt; d &quot; e &#39; f</p>'],
  ['an HTML tag with a handler is text', '<img src=x onerror=alert(1)>', '<p>&lt;img src=x onerror=alert(1)&gt;</p>'],
  ['javascript: is never linked', 'javascript:alert(1)', '<p>javascript:alert(1)</p>'],
  [
    'javascript: hiding a www. host is not linked',
    'click javascript:alert(1)//www.example.com',
    '<p>click javascript:alert(1)//www.example.com</p>',
  ],
  [
    'data:, vbscript:, ftp:, mailto:, //host and bare domains are not linked',
    'data:text/html,x vbscript:x ftp://files.example.com mailto:me@example.com me@example.com //evil.example example.com',
    '<p>data:text/html,x vbscript:x ftp://files.example.com mailto:me@example.com me@example.com //evil.example example.com</p>',
  ],
  [
    'quotes in a URL: encoded in href, escaped in text',
    `see https://example.com/?q="x"&y='z' ok`,
    `<p>see ${link('https://example.com/?q=%22x%22&amp;y=&#39;z&#39;', 'https://example.com/?q=&quot;x&quot;&amp;y=&#39;z&#39;')} ok</p>`,
  ],
  [
    'attribute break-out attempt inside a URL',
    'https://example.com/"onmouseover="alert(1)',
    `<p>${link('https://example.com/%22onmouseover=%22alert(1)', 'https://example.com/&quot;onmouseover=&quot;alert(1)')}</p>`,
  ],
  ['a URL that runs into a tag stops before it', 'http://<script>', '<p>http://&lt;script&gt;</p>'],
  ['NUL becomes U+FFFD', 'x\0y', '<p>x\uFFFDy</p>'],
]

const BENIGN: Case[] = [
  ['one paragraph', 'Hello', '<p>Hello</p>'],
  ['empty', '', ''],
  ['whitespace only', '   \n\n \t ', ''],
  ['CRLF: lines and paragraphs', 'line1\r\nline2\r\n\r\npara2', '<p>line1<br>line2</p>\n<p>para2</p>'],
  ['a lone CR is a newline', 'a\rb', '<p>a<br>b</p>'],
  ['many blank lines are one break', 'a\n\n\n\n\nb', '<p>a</p>\n<p>b</p>'],
  ['a line of spaces and tabs is blank', 'a\n \t \nb', '<p>a</p>\n<p>b</p>'],
  ['surrounding whitespace trimmed', '\n\n  Hi  \n\n', '<p>Hi</p>'],
  [
    'URL followed by a full stop',
    'Visit https://example.com/page.',
    `<p>Visit ${link('https://example.com/page')}.</p>`,
  ],
  [
    'URLs in parentheses, before a comma, and www. before a bang',
    'See (https://example.com/a_(b)) and https://example.com/x, then www.example.org!',
    `<p>See (${link('https://example.com/a_(b)')}) and ${link('https://example.com/x')}, then ${link('http://www.example.org', 'www.example.org')}!</p>`,
  ],
  [
    'www. inside a longer name is not linked',
    'foo.www.example.com and xwww.example.com',
    '<p>foo.www.example.com and xwww.example.com</p>',
  ],
  [
    'IDN: punycode in href, as typed in text',
    'https://例え.テスト/パス',
    `<p>${link('https://xn--r8jz45g.xn--zckzah/%E3%83%91%E3%82%B9', 'https://例え.テスト/パス')}</p>`,
  ],
  ['uppercase scheme', 'HTTPS://EXAMPLE.COM/X', `<p>${link('HTTPS://EXAMPLE.COM/X')}</p>`],
  [
    'URL at a line break',
    'first https://example.com/a\nsecond',
    `<p>first ${link('https://example.com/a')}<br>second</p>`,
  ],
  [
    'typography and emoji byte-exact',
    '“unforeseen archaeology” — and ’ and 🚋',
    '<p>“unforeseen archaeology” — and ’ and 🚋</p>',
  ],
  ['RTL text', 'مرحبا بالعالم', '<p>مرحبا بالعالم</p>'],
]

t.test('hostile comments render to exactly this', async (t) => {
  for (const [name, text, expected] of HOSTILE) t.equal(renderCommentBody(text), expected, name)
})

t.test('benign comments render to exactly this', async (t) => {
  for (const [name, text, expected] of BENIGN) t.equal(renderCommentBody(text), expected, name)
})

t.test('the only markup in a comment is ours', async (t) => {
  for (const [name, text] of [...HOSTILE, ...BENIGN]) {
    const out = renderCommentBody(text)
    const tags = [...out.matchAll(/<\/?([a-z]+)([^>]*)>/g)]
    for (const [tag, name_, attrs] of tags) {
      t.ok(['p', 'br', 'a'].includes(name_!), `${name}: ${tag}`)
      if (name_ === 'a' && !tag.startsWith('</'))
        t.match(attrs, /^ href="https?:\/\/[^"]*" rel="ugc nofollow noopener"$/i, name)
    }
  }
})
