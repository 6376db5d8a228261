import t, * as Tap from 'tap'
import type { ProblemError } from '../../src/errors.js'
import { CursorCodec, after, parseSort, type ListSpec } from '../../src/db/paging.js'
import { sql } from '../../src/db/sql.js'

const spec: ListSpec = {
  name: 'test',
  sortable: {
    publishedAt: { expr: sql`a."published_at"`, type: 'timestamptz', nullable: true, read: (r) => r.publishedAt },
    title: { expr: sql`a."title"`, type: 'text', read: (r) => r.title },
  },
  id: { expr: sql`a."id"`, type: 'uuid', read: (r) => r.id },
  defaultSort: '-publishedAt',
}

/** Asserts that `fn` throws a 400 problem whose errors point at `path`. */
function is400(t: Tap.Test, fn: () => unknown, path: string, message: string) {
  try {
    fn()
    t.fail(`${message}: did not throw`)
  } catch (error) {
    const e = error as ProblemError
    t.equal(e.status, 400, message)
    t.equal(e.errors?.[0]?.path, path, `${message}: at ${path}`)
  }
}

t.test('cursors round-trip and are tamper-checked', async (t) => {
  const codec = new CursorCodec('k1')
  const cursor = codec.encode('-publishedAt,-id', ['2026-01-01T00:00:00.000Z', 'abc'])
  t.same(codec.decode('-publishedAt,-id', cursor, ['timestamptz', 'uuid']), ['2026-01-01T00:00:00.000Z', 'abc'])
  is400(
    t,
    () => new CursorCodec('k2').decode('-publishedAt,-id', cursor, ['timestamptz', 'uuid']),
    '/query/cursor',
    'another key',
  )
  is400(t, () => codec.decode('title,id', cursor, ['text', 'uuid']), '/query/cursor', 'another sort')
  const [payload, signature] = cursor.split('.')
  const forged = Buffer.from(
    JSON.stringify({ s: '-publishedAt,-id', v: ['1970-01-01T00:00:00.000Z', 'abc'] }),
  ).toString('base64url')
  is400(
    t,
    () => codec.decode('-publishedAt,-id', `${forged}.${signature}`, ['timestamptz', 'uuid']),
    '/query/cursor',
    'forged payload',
  )
  is400(
    t,
    () => codec.decode('-publishedAt,-id', `${payload}`, ['timestamptz', 'uuid']),
    '/query/cursor',
    'no signature',
  )
  is400(
    t,
    () => codec.decode('-publishedAt,-id', 'garbage.garbage', ['timestamptz', 'uuid']),
    '/query/cursor',
    'garbage',
  )
  const wrongType = codec.encode('-publishedAt,-id', [42, 'abc'])
  is400(
    t,
    () => codec.decode('-publishedAt,-id', wrongType, ['timestamptz', 'uuid']),
    '/query/cursor',
    'values of the wrong type',
  )
})

t.test('sort parsing: allowlist, direction, duplicates', async (t) => {
  t.same(
    parseSort(spec, undefined).map((s) => [s.name, s.descending]),
    [['publishedAt', true]],
  )
  t.same(
    parseSort(spec, 'title,-publishedAt').map((s) => [s.name, s.descending]),
    [
      ['title', false],
      ['publishedAt', true],
    ],
  )
  is400(t, () => parseSort(spec, 'email'), '/query/sort', 'unknown field')
  is400(t, () => parseSort(spec, 'title,title'), '/query/sort', 'duplicate field')
  is400(t, () => parseSort(spec, '__proto__'), '/query/sort', 'no prototype keys')
  is400(t, () => parseSort(spec, 'constructor'), '/query/sort', 'no inherited keys')
})

t.test('keyset condition: nulls last in both directions', async (t) => {
  const terms = [...parseSort(spec, '-publishedAt'), { name: 'id', field: spec.id, descending: true }]
  const nonNull = after(terms, ['2026-01-01T00:00:00.000Z', 'x'])
  t.match(nonNull.sql, /a\."published_at" < CAST\(\? AS timestamptz\) OR a\."published_at" IS NULL/)
  t.match(nonNull.sql, /a\."published_at" = CAST\(\? AS timestamptz\) AND a\."id" < CAST\(\? AS uuid\)/)
  const fromNull = after(terms, [null, 'x'])
  t.notMatch(fromNull.sql, /published_at" </, 'nothing non-null sorts after a null')
  t.match(fromNull.sql, /a\."published_at" IS NULL AND a\."id" < CAST/)
})

t.test('every cursor the server can issue fits the cursor parameter (bounded by construction)', async (t) => {
  const { ListQuery } = await import('../../src/schemas/common.js')
  const { CreateArticleSchema } = await import('../../src/schemas/article.js')
  const { CreateAuthorSchema } = await import('../../src/schemas/author.js')
  const limit = (ListQuery.cursor as { maxLength?: number }).maxLength!
  const codec = new CursorCodec('k')
  const titleMax = (CreateArticleSchema.properties.title as { maxLength?: number }).maxLength!
  const nameMax = (CreateAuthorSchema.properties.name as { maxLength?: number }).maxLength!
  // The longest JSON a text value can take: every character a six-byte escape (\u001f).
  const worstTitle = '\u001f'.repeat(titleMax)
  const worstName = '\u001f'.repeat(nameMax)
  const cases: [string, (string | number)[]][] = [
    ['articles:relevance,title,-id', [1.2345678e-8, worstTitle, '7d4c1a2e-9b3f-4e8a-8c6d-5f2e1b0a9c3d']],
    [
      'articles:-title,-publishedAt,-createdAt,-updatedAt,-commentCount,-id',
      [
        worstTitle,
        '9999-12-31T23:59:59.999Z',
        '9999-12-31T23:59:59.999Z',
        '9999-12-31T23:59:59.999Z',
        2_147_483_647,
        '7d4c1a2e-9b3f-4e8a-8c6d-5f2e1b0a9c3d',
      ],
    ],
    [
      'authors:-name,-slug,-createdAt,-updatedAt,-id',
      [
        worstName,
        'a'.repeat(120),
        '9999-12-31T23:59:59.999Z',
        '9999-12-31T23:59:59.999Z',
        '7d4c1a2e-9b3f-4e8a-8c6d-5f2e1b0a9c3d',
      ],
    ],
  ]
  for (const [sortKey, values] of cases) {
    const cursor = codec.encode(sortKey, values)
    t.ok(cursor.length <= limit, `${sortKey}: ${cursor.length} characters ≤ ${limit}`)
  }
  t.ok(
    codec.encode('articles:title,id', ['x'.repeat(4000), 'id']).length > limit,
    'the check can fail: a 4,000-character value would not fit',
  )
})
