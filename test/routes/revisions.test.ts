import t from 'tap'
import {
  buildTestApp,
  callers,
  json,
  publicCommentIds,
  tokenHeaders,
  type Headers,
  type TestApp,
} from '../support/app.js'
import { isProblem, state, unchanged, withoutInstance } from '../support/assert.js'
import { createArticle, createComment, UNKNOWN_UUID } from '../support/factories.js'

/**
 * Revisions: every create, edit, publication change, restore and trip to the trash leaves an
 * immutable, numbered revision in the same statement as the change; editors read, diff and
 * restore them; nobody else learns they exist.
 */

async function patch(app: TestApp, headers: Headers, id: string, payload: object) {
  const etag = (await app.inject({ url: `/api/v1/articles/${id}`, headers })).headers.etag as string
  const res = await app.inject({
    method: 'PATCH',
    url: `/api/v1/articles/${id}`,
    headers: { ...headers, 'if-match': etag },
    payload,
  })
  if (res.statusCode !== 200) throw new Error(`PATCH ${id}: ${res.statusCode} ${res.body}`)
  return json(res)
}

const revisions = async (app: TestApp, headers: Headers, id: string, query = '') =>
  json(await app.inject({ url: `/api/v1/articles/${id}/revisions${query}`, headers }))

t.test('an editor edits a live article three times, diffs, restores, trashes and restores it', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const tram = await createArticle(app, {
    state: 'published',
    title: 'Riverside tram line 9 opens',
    body: 'The first tram left at dawn.\nIt was three years late.\nNobody minded.',
    tags: ['transport'],
  })
  await createArticle(app, { state: 'published', authorId: tram.authorId })
  const first = await createComment(app, tram, { status: 'approved' })
  await createComment(app, tram, { status: 'approved', parent: first })
  const editor = await tokenHeaders(app, 'editor')
  const editorName = 'test editor'
  const publicBefore = json(await app.inject('/api/v1/articles?limit=1')).meta.total as number
  const commentsBefore = await publicCommentIds(app, tram.slug)
  t.ok(commentsBefore.length > 0, 'the live article has public comments')

  const firstEtag = (await app.inject({ url: `/api/v1/articles/${tram.id}`, headers: editor })).headers.etag as string
  // History starts with its creation (revision 1) and publication (2).
  const start = await revisions(app, editor, tram.id)
  t.same(
    start.data.map((r: { number: number; action: string }) => [r.number, r.action]),
    [
      [2, 'publish'],
      [1, 'create'],
    ],
    'a new live article has two revisions',
  )

  const texts = [
    { title: 'Tram line 9: first draft of the fix', body: 'Line one.\nLine two.\nLine three.' },
    { title: 'Tram line 9: second pass', body: 'Line one.\nLine 2, rewritten.\nLine three.\nLine four.' },
    { title: 'Tram line 9: the version that went wrong', body: 'Oops, everything replaced.' },
  ]
  for (const text of texts) await patch(app, editor, tram.id, text)

  const list = await revisions(app, editor, tram.id)
  t.same(
    list.data.map((r: { number: number; action: string }) => [r.number, r.action]),
    [
      [5, 'update'],
      [4, 'update'],
      [3, 'update'],
      [2, 'publish'],
      [1, 'create'],
    ],
    'newest first: 5, 4, 3, 2, 1',
  )
  t.equal(list.meta.total, 5)
  t.same(list.data[0].by.name, editorName, "who: the token's name")
  t.match(list.data[0].by.tokenId, /^[0-9a-f-]{36}$/, "who: the token's id")
  t.equal(list.data[0].title, texts[2]!.title, "the list shows each revision's title")
  t.notOk('snapshot' in list.data[0], 'the list carries no snapshots (no bodies)')

  // Diff 2 (as published) → 5: field by field, the body line by line.
  const diffRes = await app.inject({ url: `/api/v1/articles/${tram.id}/revisions/5/diff?against=2`, headers: editor })
  t.equal(diffRes.statusCode, 200)
  const diff = json(diffRes)
  t.equal(diff.from, 2)
  t.equal(diff.to, 5)
  t.same(
    diff.changes.map((c: { field: string }) => c.field),
    ['title', 'body'],
    'only title and body changed',
  )
  const title = diff.changes[0]
  t.same([title.before, title.after], [tram.title, texts[2]!.title])
  const body = diff.changes[1]
  t.equal(body.before, tram.body)
  t.equal(body.after, texts[2]!.body)
  t.ok(body.lines.length > 1, 'the body has a line diff')
  t.same(
    body.lines.filter((l: { kind: string }) => l.kind === 'added'),
    [{ kind: 'added', text: 'Oops, everything replaced.', fromLine: null, toLine: 1 }],
  )
  t.equal(
    body.lines
      .filter((l: { kind: string }) => l.kind === 'removed')
      .map((l: { text: string }) => l.text)
      .join('\n'),
    tram.body,
    'every old line removed, in order',
  )

  // The same change as RFC 6902 JSON Patch.
  const patchRes = await app.inject({
    url: `/api/v1/articles/${tram.id}/revisions/5/diff?against=2`,
    headers: { ...editor, accept: 'application/json-patch+json' },
  })
  t.equal(patchRes.statusCode, 200)
  t.match(patchRes.headers['content-type'], /^application\/json-patch\+json/)
  t.same(json(patchRes), [
    { op: 'replace', path: '/title', value: texts[2]!.title },
    { op: 'replace', path: '/body', value: texts[2]!.body },
  ])
  // Two representations of one URL, chosen by Accept: caches must keep them apart.
  t.equal(patchRes.headers.vary, 'Authorization, Accept', 'the JSON Patch varies on Accept')
  t.equal(diffRes.headers.vary, 'Authorization, Accept', 'the field diff varies on Accept')

  // One revision: a strong ETag, and 304 when it is still the one held.
  const second = await app.inject({ url: `/api/v1/articles/${tram.id}/revisions/3`, headers: editor })
  t.equal(second.statusCode, 200)
  t.equal(json(second).snapshot.body, texts[0]!.body, 'revision 3 holds the first edit')
  t.match(second.headers.etag, /^"1-[\w-]{16}"$/, 'a strong ETag')
  const notModified = await app.inject({
    url: `/api/v1/articles/${tram.id}/revisions/3`,
    headers: { ...editor, 'if-none-match': second.headers.etag as string },
  })
  t.equal(notModified.statusCode, 304, 'If-None-Match: 304')
  t.equal(notModified.body, '')
  const third = await app.inject({
    url: `/api/v1/articles/${tram.id}/revisions/4`,
    headers: { ...editor, 'if-none-match': second.headers.etag as string },
  })
  t.equal(third.statusCode, 200, 'another revision does not match it')
  t.not(third.headers.etag, second.headers.etag)

  // Restore revision 3 (the first edit) on the live article.
  const before = await app.inject({ url: `/api/v1/articles/${tram.id}`, headers: editor })
  const noIfMatch = await app.inject({
    method: 'POST',
    url: `/api/v1/articles/${tram.id}/revisions/3/restore`,
    headers: editor,
  })
  isProblem(t, noIfMatch, 428, 'PRECONDITION_REQUIRED')
  const stale = await app.inject({
    method: 'POST',
    url: `/api/v1/articles/${tram.id}/revisions/3/restore`,
    headers: { ...editor, 'if-match': firstEtag },
  })
  isProblem(t, stale, 412, 'PRECONDITION_FAILED')
  const restored = await app.inject({
    method: 'POST',
    url: `/api/v1/articles/${tram.id}/revisions/3/restore`,
    headers: { ...editor, 'if-match': before.headers.etag as string },
  })
  t.equal(restored.statusCode, 200, restored.body)
  const article = json(restored)
  t.equal(article.status, 'published', 'it stays live')
  t.equal(article.publishedAt, json(before).publishedAt, 'with its original publication time')
  t.equal(article.title, texts[0]!.title, "its title is revision 3's")
  t.equal(article.body, texts[0]!.body, "its body is revision 3's")
  t.equal(article.slug, tram.slug, 'slug unchanged')
  t.equal(
    restored.headers['restored-from'],
    'revision 3; publication state unchanged (published)',
    'and the response says so',
  )
  t.match(restored.headers.etag, /^"6-/, 'a new version, 6')
  const publicRead = json(await app.inject(`/api/v1/articles/${tram.slug}`))
  t.equal(publicRead.body, texts[0]!.body, 'readers see the restored text')

  const five = json(await app.inject({ url: `/api/v1/articles/${tram.id}/revisions/6`, headers: editor }))
  t.equal(five.action, 'restore', 'revision 6 records the restore')
  t.equal(five.restoredFrom, 3)
  t.equal(five.snapshot.body, texts[0]!.body)
  t.equal(five.snapshot.status, 'published')
  t.same(Object.keys(five.snapshot).sort(), [
    'authorId',
    'body',
    'coverImageId',
    'excerpt',
    'publishedAt',
    'slug',
    'status',
    'tags',
    'title',
    'trashed',
  ])

  // Trash it: the public sees nothing, everywhere.
  const trash = await app.inject({ method: 'DELETE', url: `/api/v1/articles/${tram.id}`, headers: editor })
  t.equal(trash.statusCode, 204)
  const unknown = withoutInstance(await app.inject(`/api/v1/articles/${UNKNOWN_UUID}`))
  for (const url of [
    `/api/v1/articles/${tram.id}`,
    `/api/v1/articles/${tram.slug}`,
    `/api/v1/articles/${tram.slug}/comments`,
    `/api/v1/articles/${tram.id}/revisions`,
  ]) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 404, `${url}: 404`)
    t.same(withoutInstance(res), unknown, `${url}: the same problem as an unknown article`)
  }
  const comment = await app.inject({
    method: 'POST',
    url: `/api/v1/articles/${tram.slug}/comments`,
    payload: { authorName: 'Ana', authorEmail: 'ana@example.test', body: 'Still there?' },
  })
  t.equal(comment.statusCode, 404, 'no comments on a trashed article')
  const lists = [
    '/api/v1/articles?limit=100',
    `/api/v1/articles?tag=${tram.tags[0]}&limit=100`,
    `/api/v1/articles?author=${tram.authorId}&limit=100`,
    `/api/v1/articles?q=${encodeURIComponent(tram.title.split(' ')[0]!)}&limit=100`,
  ]
  for (const url of lists) {
    const ids = json(await app.inject(url)).data.map((a: { id: string }) => a.id)
    t.notOk(ids.includes(tram.id), `absent from ${url}`)
  }
  t.equal(json(await app.inject('/api/v1/articles?limit=1')).meta.total, publicBefore - 1, 'not counted')
  t.notOk(
    json(await app.inject({ url: '/api/v1/articles?limit=100', headers: editor })).data.some(
      (a: { id: string }) => a.id === tram.id,
    ),
    "absent from an editor's list too",
  )
  const queue = json(await app.inject({ url: `/api/v1/comments?limit=100`, headers: editor })).data
  t.notOk(
    queue.some((c: { articleId: string }) => c.articleId === tram.id),
    'its comments left the moderation queue with it',
  )
  const trashList = json(await app.inject({ url: '/api/v1/trash', headers: editor }))
  t.same(
    trashList.data.map((a: { id: string }) => a.id),
    [tram.id],
    'listed in the trash',
  )
  const trashed = trashList.data[0]
  t.equal(trashed.slug, tram.slug)
  t.equal(
    Date.parse(trashed.purgeAt) - Date.parse(trashed.trashedAt),
    30 * 86_400_000,
    'destroyed 30 days later by default',
  )
  t.equal((await revisions(app, editor, tram.id)).data[0].action, 'trash', 'revision 7 records the trash')

  // The slug stays reserved while it is in the trash.
  const taken = await app.inject({
    method: 'POST',
    url: '/api/v1/articles',
    headers: editor,
    payload: { title: 'Another', slug: tram.slug, authorId: tram.authorId },
  })
  isProblem(t, taken, 409, 'SLUG_TAKEN')

  // Restore it: back, same slug, same comments.
  const back = await app.inject({ method: 'POST', url: `/api/v1/articles/${tram.id}/restore`, headers: editor })
  t.equal(back.statusCode, 200)
  t.equal(json(back).slug, tram.slug, 'same slug')
  t.equal(json(back).status, 'published', 'live again')
  t.equal((await app.inject(`/api/v1/articles/${tram.slug}`)).statusCode, 200, 'readable again')
  t.same(await publicCommentIds(app, tram.slug), commentsBefore, 'same comments')
  t.equal(json(await app.inject('/api/v1/articles?limit=1')).meta.total, publicBefore, 'counted again')
  t.same(json(await app.inject({ url: '/api/v1/trash', headers: editor })).data, [], 'the trash is empty')
  const history = await revisions(app, editor, tram.id)
  t.same(
    history.data.map((r: { number: number; action: string }) => [r.number, r.action]),
    [
      [8, 'untrash'],
      [7, 'trash'],
      [6, 'restore'],
      [5, 'update'],
      [4, 'update'],
      [3, 'update'],
      [2, 'publish'],
      [1, 'create'],
    ],
  )
  const again = await app.inject({ method: 'POST', url: `/api/v1/articles/${tram.id}/restore`, headers: editor })
  t.equal(again.statusCode, 200, 'restoring an article that is not in the trash returns it as it is')
  t.equal((await revisions(app, editor, tram.id)).meta.total, 8, 'and writes nothing')
})

t.test('a new article: every create, publish, edit, restore, unpublish and trash is a revision', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const tram = await createArticle(app)
  const editor = await tokenHeaders(app, 'editor')
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/articles',
    headers: editor,
    payload: { title: 'Council votes on the bridge', authorId: tram.authorId, body: 'First.' },
  })
  const id = json(created).id as string
  t.match(created.headers.etag, /^"1-/)
  await app.inject({ method: 'POST', url: `/api/v1/articles/${id}/publish`, headers: editor })
  await patch(app, editor, id, { body: 'Second.' })
  await patch(app, editor, id, { body: 'Third.' })
  await patch(app, editor, id, { title: 'Council votes on the bridge, again' })
  const etag = (await app.inject({ url: `/api/v1/articles/${id}`, headers: editor })).headers.etag as string
  const restored = await app.inject({
    method: 'POST',
    url: `/api/v1/articles/${id}/revisions/3/restore`,
    headers: { ...editor, 'if-match': etag },
  })
  t.equal(json(restored).body, 'Second.')
  await app.inject({ method: 'POST', url: `/api/v1/articles/${id}/unpublish`, headers: editor })
  const draftRestore = await app.inject({
    method: 'POST',
    url: `/api/v1/articles/${id}/revisions/2/restore`,
    headers: {
      ...editor,
      'if-match': (await app.inject({ url: `/api/v1/articles/${id}`, headers: editor })).headers.etag as string,
    },
  })
  t.equal(json(draftRestore).status, 'draft', 'a draft stays a draft when a published revision is restored')
  t.equal(draftRestore.headers['restored-from'], 'revision 2; publication state unchanged (draft)')
  await app.inject({ method: 'DELETE', url: `/api/v1/articles/${id}`, headers: editor })
  const history = await revisions(app, editor, id)
  t.same(
    history.data.map((r: { number: number; action: string; status: string }) => [r.number, r.action, r.status]),
    [
      [9, 'trash', 'draft'],
      [8, 'restore', 'draft'],
      [7, 'unpublish', 'draft'],
      [6, 'restore', 'published'],
      [5, 'update', 'published'],
      [4, 'update', 'published'],
      [3, 'update', 'published'],
      [2, 'publish', 'published'],
      [1, 'create', 'draft'],
    ],
  )
  const trashed = json(await app.inject({ url: `/api/v1/articles/${id}/revisions/9`, headers: editor }))
  t.equal(trashed.snapshot.trashed, true, 'the trash revision records the state')

  // Paging, like every list.
  const page = await app.inject({ url: `/api/v1/articles/${id}/revisions?limit=4`, headers: editor })
  t.same(
    json(page).data.map((r: { number: number }) => r.number),
    [9, 8, 7, 6],
  )
  t.match(page.headers.link, /rel="next"/)
  const next = json(
    await app.inject({
      url: `/api/v1/articles/${id}/revisions?limit=4&cursor=${json(page).meta.nextCursor}`,
      headers: editor,
    }),
  )
  t.same(
    next.data.map((r: { number: number }) => r.number),
    [5, 4, 3, 2],
  )
  const oldest = json(
    await app.inject({ url: `/api/v1/articles/${id}/revisions?sort=number&limit=2`, headers: editor }),
  )
  t.same(
    oldest.data.map((r: { number: number }) => r.number),
    [1, 2],
    'sort=number: oldest first',
  )

  // The default diff compares with the revision before.
  const diff = json(await app.inject({ url: `/api/v1/articles/${id}/revisions/4/diff`, headers: editor }))
  t.same([diff.from, diff.to], [3, 4])
  t.same(diff.changes[0].lines, [
    { kind: 'removed', text: 'Second.', fromLine: 1, toLine: null },
    { kind: 'added', text: 'Third.', fromLine: null, toLine: 1 },
  ])
  const backwards = json(
    await app.inject({ url: `/api/v1/articles/${id}/revisions/1/diff?against=9`, headers: editor }),
  )
  t.same([backwards.from, backwards.to], [9, 1], 'either direction: from against, to number')
  isProblem(
    t,
    await app.inject({ url: `/api/v1/articles/${id}/revisions/1/diff`, headers: editor }),
    400,
    'VALIDATION_FAILED',
    '/query/against',
  )
  isProblem(
    t,
    await app.inject({ url: `/api/v1/articles/${id}/revisions/4/diff?against=99`, headers: editor }),
    404,
    'NOT_FOUND',
  )
  isProblem(t, await app.inject({ url: `/api/v1/articles/${id}/revisions/99`, headers: editor }), 404, 'NOT_FOUND')
  isProblem(
    t,
    await app.inject({ url: `/api/v1/articles/${id}/revisions/0`, headers: editor }),
    400,
    'VALIDATION_FAILED',
  )
})

t.test('only callers who may edit an article see its history', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  // A live article and another author's draft.
  const tram = await createArticle(app, { state: 'published' })
  const joaoDraft = await createArticle(app)
  const who = await callers(app, tram.authorId, joaoDraft.authorId)
  const unknown = withoutInstance(await app.inject(`/api/v1/articles/${UNKNOWN_UUID}/revisions`))
  t.equal(json(await app.inject(`/api/v1/articles/${UNKNOWN_UUID}/revisions`)).code, 'NOT_FOUND')
  const expected: Record<string, { published: number; draft: number }> = {
    anonymous: { published: 404, draft: 404 },
    viewer: { published: 403, draft: 403 },
    authorOwn: { published: 200, draft: 404 },
    authorOther: { published: 403, draft: 200 },
    editor: { published: 200, draft: 200 },
    admin: { published: 200, draft: 200 },
  }
  for (const [caller, headers] of Object.entries(who)) {
    for (const [kind, target] of [
      ['published', tram],
      ['draft', joaoDraft],
    ] as const) {
      for (const path of ['revisions', 'revisions/1', 'revisions/1/diff?against=1']) {
        const res = await app.inject({ url: `/api/v1/articles/${target.slug}/${path}`, headers })
        t.equal(res.statusCode, expected[caller]![kind], `${caller} ${kind} ${path}`)
        if (caller === 'anonymous')
          t.same(withoutInstance(res), unknown, `${caller} ${kind} ${path}: the same 404 as an unknown article`)
      }
    }
  }
  // Restoring: anonymous callers get the 404 before any If-Match question.
  const before = await state(app)
  const anon = await app.inject({ method: 'POST', url: `/api/v1/articles/${tram.id}/revisions/1/restore` })
  t.equal(anon.statusCode, 404)
  t.same(withoutInstance(anon), unknown)
  const etag = (await app.inject(`/api/v1/articles/${tram.id}`)).headers.etag as string
  isProblem(
    t,
    await app.inject({
      method: 'POST',
      url: `/api/v1/articles/${tram.id}/revisions/1/restore`,
      headers: { ...who.viewer, 'if-match': etag },
    }),
    403,
    'FORBIDDEN',
  )
  isProblem(
    t,
    await app.inject({
      method: 'POST',
      url: `/api/v1/articles/${tram.id}/revisions/1/restore`,
      headers: { ...who.authorOther, 'if-match': etag },
    }),
    403,
    'FORBIDDEN',
  )
  await unchanged(t, app, before, 'refused restores wrote nothing')

  // A trashed article's history: its editors still see it; nobody else.
  t.equal(
    (await app.inject({ method: 'DELETE', url: `/api/v1/articles/${tram.id}`, headers: who.authorOwn })).statusCode,
    204,
  )
  t.equal(
    (await app.inject({ url: `/api/v1/articles/${tram.id}/revisions`, headers: who.authorOwn })).statusCode,
    200,
    'its author',
  )
  t.equal(
    (await app.inject({ url: `/api/v1/articles/${tram.id}/revisions`, headers: who.editor })).statusCode,
    200,
    'editors',
  )
  for (const caller of ['anonymous', 'viewer', 'authorOther'] as const) {
    const res = await app.inject({ url: `/api/v1/articles/${tram.id}/revisions`, headers: who[caller] })
    t.equal(res.statusCode, 404, `${caller}: a trashed article's history is a 404`)
  }
})

t.test('revisions hold nothing secret', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const tram = await createArticle(app, { state: 'published' })
  const secret = (await app.services.tokens.create({ name: 'desk', role: 'editor' })).secret
  const editor = { authorization: `Bearer ${secret}` }
  await patch(app, editor, tram.id, { excerpt: 'Edited by the desk.' })
  await app.inject({ method: 'POST', url: `/api/v1/articles/${tram.id}/unpublish`, headers: editor })
  const rows = await app.db.prisma.articleRevision.findMany({ where: { articleId: tram.id } })
  const stored = JSON.stringify(rows)
  t.ok(rows.length >= 3)
  t.notMatch(stored, /bs_[A-Za-z0-9_-]{43}/, 'no token secret stored')
  t.notMatch(stored, /\b[0-9a-f]{64}\b/, 'no token hash stored')
  t.notMatch(stored, /@/, 'no email address stored')
  for (const row of rows) {
    t.same(Object.keys(row.snapshot as object).sort(), [
      'authorId',
      'body',
      'coverImageId',
      'excerpt',
      'publishedAt',
      'slug',
      'status',
      'tags',
      'title',
      'trashed',
    ])
  }
})

t.test('REVISIONS_KEEP keeps the newest revisions only', async (t) => {
  const app = await buildTestApp(t, { REVISIONS_KEEP: 3, SEED_ON_EMPTY: false })
  const tram = await createArticle(app)
  const editor = await tokenHeaders(app, 'editor')
  for (let i = 1; i <= 5; i++) await patch(app, editor, tram.id, { excerpt: `Edit ${i}` })
  const list = await revisions(app, editor, tram.id)
  t.same(
    list.data.map((r: { number: number }) => r.number),
    [6, 5, 4],
    'the newest three of six',
  )
  t.equal(await app.db.prisma.articleRevision.count({ where: { articleId: tram.id } }), 3, 'the rest are deleted')
})

t.test('two publishes at once: one publication, one revision, one event', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const tram = await createArticle(app)
  const editor = await tokenHeaders(app, 'editor')
  const id = json(
    await app.inject({
      method: 'POST',
      url: '/api/v1/articles',
      headers: editor,
      payload: { title: 'Raced', authorId: tram.authorId },
    }),
  ).id
  const answers = await Promise.all(
    [1, 2, 3].map(() => app.inject({ method: 'POST', url: `/api/v1/articles/${id}/publish`, headers: editor })),
  )
  t.same(
    answers.map((r) => r.statusCode),
    [200, 200, 200],
  )
  t.equal(new Set(answers.map((r) => json(r).publishedAt)).size, 1, 'every answer names the same publication time')
  const history = (await revisions(app, editor, id)).data.map((r: { action: string }) => r.action)
  t.same(history, ['publish', 'create'], 'one publish revision')
  t.equal(
    await app.db.prisma.outboxEvent.count({ where: { articleId: id, type: 'article.published' } }),
    1,
    'one article.published',
  )
})
