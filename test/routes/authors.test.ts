import t from 'tap'
import type { Author } from '../../src/schemas/author.js'
import {
  buildTestApp,
  callers,
  json,
  snapshot,
  tokenHeaders,
  type Caller,
  type Headers,
  type TestApp,
} from '../support/app.js'
import { errorPaths, isProblem } from '../support/assert.js'
import { createArticle, createAuthor } from '../support/factories.js'

const API = '/api/v1/authors'

/** The newsroom these tests read: five authors with non-ASCII names, emails and profiles, built through the API. */
const STAFF = {
  malgorzata: {
    name: 'Małgorzata Wróbel-Ekström',
    slug: 'malgorzata-wrobel-ekstrom',
    email: 'm.wrobel-ekstrom@example.org',
    bio: 'City hall correspondent.',
    avatarUrl: 'https://images.example.org/avatars/malgorzata.jpg',
    website: 'https://malgorzata.example.org',
  },
  thuha: {
    name: 'Đặng Thu Hà',
    slug: 'dang-thu-ha',
    email: 'thu.ha.dang@example.org',
    bio: 'Science and climate reporter, trained as a hydrologist in Hà Nội.',
    avatarUrl: 'https://images.example.org/avatars/dang-thu-ha.jpg',
  },
  joao: {
    name: 'João Araújo Gonçalves',
    slug: 'joao-araujo-goncalves',
    email: 'joao.goncalves@example.com',
    bio: 'Sports editor.',
    website: 'https://joao-runs.example.org',
  },
  siobhan: {
    name: 'Siobhán Ní Bhriain',
    slug: 'siobhan-ni-bhriain',
    email: 'siobhan.nibhriain@example.org',
    bio: 'Culture writer.',
  },
  yusuf: {
    name: 'Yusuf Çağlar Öztürk',
    slug: 'yusuf-caglar-ozturk',
    email: 'yusuf.ozturk@example.net',
    bio: 'Technology and business reporter.',
    avatarUrl: 'https://images.example.org/avatars/yusuf.jpg',
    website: 'https://yusuf.example.org',
  },
}
type StaffKey = keyof typeof STAFF

/** Creates the five authors above on an empty database; returns them by key. */
async function buildStaff(app: TestApp): Promise<Record<StaffKey, Author>> {
  const staff: Partial<Record<StaffKey, Author>> = {}
  for (const [key, fields] of Object.entries(STAFF)) staff[key as StaffKey] = await createAuthor(app, fields)
  return staff as Record<StaffKey, Author>
}
const PUBLIC_KEYS = [
  'avatar',
  'avatarId',
  'avatarUrl',
  'bio',
  'createdAt',
  'id',
  'name',
  'slug',
  'updatedAt',
  'website',
]
const STRONG_ETAG = /^"\d+-[A-Za-z0-9_-]{16}"$/
const CALLERS: Caller[] = ['anonymous', 'viewer', 'authorOwn', 'authorOther', 'editor', 'admin']

interface AuthorBody {
  id: string
  slug: string
  name: string
  email?: string | null
  [key: string]: unknown
}

async function create(app: TestApp, headers: Headers, body: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: API, headers, payload: body })
}

async function etagOf(app: TestApp, id: string): Promise<string> {
  const res = await app.inject(`${API}/${id}`)
  return String(res.headers.etag)
}

/** Follows meta.nextCursor from the first page to the last; returns every page's ids. */
async function walk(app: TestApp, query: string): Promise<string[][]> {
  const pages: string[][] = []
  let url = `${API}?${query}`
  for (;;) {
    const res = await app.inject(url)
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
    const body = json(res)
    pages.push(body.data.map((a: AuthorBody) => a.id))
    if (body.meta.nextCursor === null) return pages
    if (pages.length > 50) throw new Error('cursor paging does not end')
    url = `${API}?${query}&cursor=${encodeURIComponent(body.meta.nextCursor)}`
  }
}

t.test('reads on a database of five authors', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const staff = await buildStaff(app)
  const authorId = (key: StaffKey) => staff[key].id
  const emailOf = new Map(Object.values(staff).map((a) => [a.id, a.email]))

  t.test('GET /authors lists every author by name, public fields only', async (t) => {
    const res = await app.inject(API)
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/json/)
    t.match(res.headers.etag, /^W\/"/, 'weak ETag on a list')
    t.notOk(res.headers.link, 'no next page')
    const body = json(res)
    t.same(body.meta, { limit: 20, page: 1, nextCursor: null, total: 5, pageCount: 1 })
    t.same(
      body.data.map((a: AuthorBody) => a.name).sort(),
      Object.values(STAFF)
        .map((a) => a.name)
        .sort(),
      'every author, names byte-exact',
    )
    for (const author of body.data) t.same(Object.keys(author).sort(), PUBLIC_KEYS, `${author.slug}: no email`)
    t.notMatch(res.body, /@example\./, 'no email address anywhere')
    const thuha = body.data.find((a: AuthorBody) => a.id === authorId('thuha'))
    const { email: _email, ...publicThuha } = staff.thuha
    t.same(thuha, publicThuha, 'the public representation: every field but the email')
    const { email: _sent, ...sent } = STAFF.thuha
    t.match(thuha, { ...sent, website: null }, 'as sent, byte-exact')

    // Default order is by name; the ASCII-initial names sort the same under every collation.
    const names: string[] = body.data.map((a: AuthorBody) => a.name)
    t.same(
      names.filter((n) => /^[A-Z]/.test(n)),
      ['João Araújo Gonçalves', 'Małgorzata Wróbel-Ekström', 'Siobhán Ní Bhriain', 'Yusuf Çağlar Öztürk'],
    )
    const byName = json(await app.inject(`${API}?sort=name`)).data.map((a: AuthorBody) => a.name)
    const byNameDesc = json(await app.inject(`${API}?sort=-name`)).data.map((a: AuthorBody) => a.name)
    t.same(byName, names, 'sort=name is the default')
    t.same(byNameDesc, [...names].reverse(), 'sort=-name reverses it')
    const bySlug = json(await app.inject(`${API}?sort=slug`)).data.map((a: AuthorBody) => a.slug)
    t.same(
      bySlug,
      Object.values(STAFF)
        .map((a) => a.slug)
        .sort(),
      'sort=slug (ASCII slugs)',
    )

    const notModified = await app.inject({ url: API, headers: { 'if-none-match': String(res.headers.etag) } })
    t.equal(notModified.statusCode, 304, 'If-None-Match on the list')
    t.equal(notModified.body, '')
  })

  t.test('list paging: page, count=false, Link, cursors', async (t) => {
    const everyone = json(await app.inject(API)).data.map((a: AuthorBody) => a.id)

    t.test('page mode with Link rel=next and count=false', async (t) => {
      const page1 = await app.inject(`${API}?limit=2`)
      t.same(json(page1).meta, { limit: 2, page: 1, nextCursor: json(page1).meta.nextCursor, total: 5, pageCount: 3 })
      t.type(json(page1).meta.nextCursor, 'string')
      const cursorLink = `<${API}?limit=2&cursor=${encodeURIComponent(json(page1).meta.nextCursor)}>; rel="next"`
      t.equal(page1.headers.link, cursorLink, 'without page, Link moves on by cursor')
      const explicit = await app.inject(`${API}?limit=2&page=1`)
      t.equal(explicit.headers.link, `<${API}?limit=2&page=2>; rel="next"`, 'with page, Link moves on by page')
      t.equal(explicit.body, page1.body)
      t.same(
        json(page1).data.map((a: AuthorBody) => a.id),
        everyone.slice(0, 2),
      )

      const page3 = await app.inject(`${API}?limit=2&page=3&count=false`)
      t.same(json(page3).meta, { limit: 2, page: 3, nextCursor: null }, 'count=false drops total and pageCount')
      t.same(
        json(page3).data.map((a: AuthorBody) => a.id),
        everyone.slice(4),
      )
      t.notOk(page3.headers.link, 'no Link on the last page')
    })

    t.test('cursor paging with limit=2 visits every author exactly once', async (t) => {
      const pages = await walk(app, 'limit=2')
      t.same(
        pages.map((p) => p.length),
        [2, 2, 1],
      )
      t.same(pages.flat(), everyone, 'same order as one big page, no repeats, no gaps')

      const first = await app.inject(`${API}?limit=2&count=false`)
      const cursor = json(first).meta.nextCursor as string
      const second = await app.inject(`${API}?limit=2&count=false&cursor=${encodeURIComponent(cursor)}`)
      t.same(json(second).meta, { limit: 2, nextCursor: json(second).meta.nextCursor }, 'no page number in cursor mode')
      t.match(second.headers.link, /^<\/api\/v1\/authors\?limit=2&count=false&cursor=[^>]+>; rel="next"$/)
    })

    t.test('sort=-createdAt orders newest first, ties broken by id', async (t) => {
      const rows = await app.db.prisma.author.findMany({ select: { id: true, createdAt: true } })
      const expected = rows
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        .map((r) => r.id)
      const res = await app.inject(`${API}?sort=-createdAt`)
      t.equal(res.statusCode, 200)
      t.same(
        json(res).data.map((a: AuthorBody) => a.id),
        expected,
      )
      t.same((await walk(app, 'sort=-createdAt&limit=2')).flat(), expected, 'cursor paging agrees')
    })

    t.test('page and cursor together, tampered or foreign cursors are 400', async (t) => {
      const cursor = json(await app.inject(`${API}?limit=2`)).meta.nextCursor as string

      const both = await app.inject(`${API}?limit=2&page=2&cursor=${encodeURIComponent(cursor)}`)
      isProblem(t, both, 400, 'VALIDATION_FAILED')
      t.ok(errorPaths(both).includes('/query/cursor'))

      const [payload, signature] = cursor.split('.') as [string, string]
      const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
      decoded.v[0] = 'A'
      const forged = `${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${signature}`
      for (const bad of [
        forged,
        `${payload}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`,
        'not-a-cursor',
      ]) {
        const res = await app.inject(`${API}?limit=2&cursor=${encodeURIComponent(bad)}`)
        isProblem(t, res, 400, 'VALIDATION_FAILED')
        t.same(errorPaths(res), ['/query/cursor'])
      }

      const otherSort = await app.inject(`${API}?limit=2&sort=-name&cursor=${encodeURIComponent(cursor)}`)
      isProblem(t, otherSort, 400, 'VALIDATION_FAILED')
      t.match(json(otherSort).errors[0].message, /another list or sort order/)
    })
  })

  t.test('bad list and get queries are 400 naming the parameter', async (t) => {
    for (const [query, path, message] of [
      ['sort=bogus', '/query/sort', /"bogus".*name, slug, createdAt, updatedAt/],
      ['sort=email', '/query/sort', /cannot sort by "email"/],
      ['sort=name,-name', '/query/sort', /twice/],
      ['email=thu.ha.dang@example.org', '/query/email', /not a known query parameter/],
      ['color=red', '/query/color', /not a known query parameter/],
      ['q=', '/query/q', /./],
      ['limit=101', '/query/limit', /./],
    ] as const) {
      const res = await app.inject(`${API}?${query}`)
      isProblem(t, res, 400, 'VALIDATION_FAILED')
      const error = json(res).errors.find((e: { path: string }) => e.path === path)
      t.ok(error, `${query} names ${path}`)
      t.match(error?.message, message, query)
    }
    const get = await app.inject(`${API}/dang-thu-ha?include=author`)
    isProblem(t, get, 400, 'VALIDATION_FAILED')
    t.same(errorPaths(get), ['/query/include'])
  })

  t.test('GET /authors/{idOrSlug}', async (t) => {
    const id = authorId('malgorzata')

    const byId = await app.inject(`${API}/${id}`)
    t.equal(byId.statusCode, 200)
    t.match(byId.headers.etag, STRONG_ETAG, 'strong ETag')
    t.match(byId.headers.etag, /^"1-/, 'carries the stored version')
    const author = json(byId)
    t.same(Object.keys(author).sort(), PUBLIC_KEYS)
    t.match(author, { id, slug: 'malgorzata-wrobel-ekstrom', name: 'Małgorzata Wróbel-Ekström' })
    t.match(author.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'ISO 8601 UTC')

    const bySlug = await app.inject(`${API}/malgorzata-wrobel-ekstrom`)
    t.equal(bySlug.statusCode, 200)
    t.equal(bySlug.body, byId.body, 'the same representation by slug')
    t.equal(bySlug.headers.etag, byId.headers.etag)
    t.equal((await app.inject(`${API}/${id.toUpperCase()}`)).body, byId.body, 'an upper-case UUID is the same id')

    const notModified = await app.inject({
      url: `${API}/${id}`,
      headers: { 'if-none-match': String(byId.headers.etag) },
    })
    t.equal(notModified.statusCode, 304)
    t.equal(notModified.body, '')
    const stale = await app.inject({ url: `${API}/${id}`, headers: { 'if-none-match': '"1-AAAAAAAAAAAAAAAA"' } })
    t.equal(stale.statusCode, 200, 'another ETag gets the full body')

    for (const unknown of ['no-such-author', '00000000-0000-4000-8000-000000000000']) {
      const res = await app.inject(`${API}/${unknown}`)
      isProblem(t, res, 404, 'NOT_FOUND')
    }
  })

  t.test('email is visible to editors, admins and the author itself only', async (t) => {
    const own = authorId('thuha')
    const other = authorId('joao')
    const who = await callers(app, own, other)
    const boundTo: Partial<Record<Caller, string>> = { authorOwn: own, authorOther: other }

    for (const caller of CALLERS) {
      const isStaff = caller === 'editor' || caller === 'admin'
      const single = await app.inject({ url: `${API}/${own}`, headers: who[caller] })
      t.equal(single.statusCode, 200, caller)
      if (isStaff || caller === 'authorOwn') {
        t.equal(json(single).email, emailOf.get(own), `${caller} sees the email`)
      } else {
        t.notOk('email' in json(single), `${caller} gets no email field`)
        t.notMatch(single.body, /@/, `${caller}: no address anywhere`)
      }

      const list = await app.inject({ url: API, headers: who[caller] })
      t.equal(list.statusCode, 200, caller)
      const withEmail = (json(list).data as AuthorBody[]).filter((a) => 'email' in a)
      const expected = isStaff ? [...emailOf.keys()] : boundTo[caller] ? [boundTo[caller]!] : []
      t.same(withEmail.map((a) => a.id).sort(), expected.sort(), `${caller}: which list entries carry email`)
      for (const a of withEmail) t.equal(a.email, emailOf.get(a.id))
      if (expected.length === 0) t.notMatch(list.body, /@/, `${caller}: no address in the list`)
    }
  })
})

t.test('POST /authors and searching the new authors', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  await buildStaff(app)

  t.test('q searches names only, case-insensitively, with literal % and _', async (t) => {
    const admin = await tokenHeaders(app, 'admin')
    for (const name of ['Percy 100% Pure', 'Una Under_Score', 'Plain Person'])
      t.equal((await create(app, admin, { name })).statusCode, 201)

    const search = async (q: string, headers: Headers = {}) => {
      const res = await app.inject({ url: `${API}?q=${encodeURIComponent(q)}`, headers })
      t.equal(res.statusCode, 200, `q=${q}`)
      return json(res) as { data: AuthorBody[]; meta: { total: number } }
    }

    t.same(
      (await search('%')).data.map((a) => a.name),
      ['Percy 100% Pure'],
      '% is literal',
    )
    t.same(
      (await search('_')).data.map((a) => a.name),
      ['Una Under_Score'],
      '_ is literal',
    )
    t.same(
      (await search('0%')).data.map((a) => a.name),
      ['Percy 100% Pure'],
    )
    t.same(
      (await search('BHRIAIN')).data.map((a) => a.slug),
      ['siobhan-ni-bhriain'],
      'case-insensitive',
    )
    t.same(
      (await search('per')).data.map((a) => a.name).sort(),
      ['Percy 100% Pure', 'Plain Person'],
      'substring anywhere',
    )
    t.equal((await search('per')).meta.total, 2, 'total counts matches only')
    for (const q of ['example', '@', 'thu.ha.dang', 'm.wrobel-ekstrom@example.org']) {
      const found = await search(q, admin)
      t.same(found.data, [], `q=${q} never matches an email, even for an admin`)
      t.equal(found.meta.total, 0)
    }
  })

  t.test('POST /authors', async (t) => {
    const editor = await tokenHeaders(app, 'editor')

    t.test('slug from a non-ASCII name, made unique with -2, -3', async (t) => {
      const res = await create(app, editor, {
        name: 'Zoë Ðorđević',
        bio: 'Writes about “cities” — and 🚲.',
        website: 'https://zoe.example.org',
      })
      t.equal(res.statusCode, 201)
      const author = json(res)
      t.equal(author.slug, 'zoe-dordevic')
      t.equal(author.name, 'Zoë Ðorđević', 'name byte-exact')
      t.equal(author.bio, 'Writes about “cities” — and 🚲.', 'bio byte-exact')
      t.same(
        { email: author.email, avatarUrl: author.avatarUrl, website: author.website },
        { email: null, avatarUrl: null, website: 'https://zoe.example.org' },
      )
      t.equal(res.headers.location, `${API}/${author.id}`)
      t.match(res.headers.etag, STRONG_ETAG)

      const fetched = await app.inject({ url: String(res.headers.location), headers: editor })
      t.equal(fetched.statusCode, 200)
      t.same(json(fetched), author, 'Location serves what was created')
      t.equal(fetched.headers.etag, res.headers.etag, 'with the same ETag')

      t.equal(json(await create(app, editor, { name: 'Zoë Ðorđević' })).slug, 'zoe-dordevic-2')
      t.equal(json(await create(app, editor, { name: 'ZOE dordevic!' })).slug, 'zoe-dordevic-3')
      t.equal(
        json(await create(app, editor, { name: '★★★' })).slug,
        'author',
        'fallback when nothing is left of the name',
      )
    })

    t.test('explicit duplicate slug is 409 SLUG_TAKEN, duplicate email 409 EMAIL_TAKEN', async (t) => {
      const before = await snapshot(app)
      const slug = await create(app, editor, { name: 'Someone Else', slug: 'dang-thu-ha' })
      isProblem(t, slug, 409, 'SLUG_TAKEN')
      t.match(json(slug).detail, /dang-thu-ha/)

      const email = await create(app, editor, { name: 'Someone Else', email: 'thu.ha.dang@example.org' })
      isProblem(t, email, 409, 'EMAIL_TAKEN')
      t.notMatch(email.body, /thu\.ha\.dang/, 'the address is not echoed')
      t.same(await snapshot(app), before, 'nothing stored')

      const ok = await create(app, editor, {
        name: 'Someone Else',
        slug: 'someone-else-entirely',
        email: 'someone@example.test',
      })
      t.equal(ok.statusCode, 201)
      t.match(json(ok), { slug: 'someone-else-entirely', email: 'someone@example.test' })
    })

    t.test('server-owned and unknown fields are 400 naming the field', async (t) => {
      const before = await snapshot(app)
      for (const field of ['id', 'version', 'createdAt', 'updatedAt', 'role']) {
        const value =
          field === 'version' ? 7 : field === 'id' ? '00000000-0000-4000-8000-000000000000' : '2020-01-01T00:00:00.000Z'
        const res = await create(app, editor, { name: 'Mass Assignment', [field]: value })
        isProblem(t, res, 400, 'VALIDATION_FAILED')
        t.ok(errorPaths(res).includes(`/body/${field}`), `names /body/${field}`)
      }
      t.same(await snapshot(app), before, 'nothing stored')
    })

    t.test('invalid fields are 400 naming the field', async (t) => {
      const before = await snapshot(app)
      for (const [body, path] of [
        [{}, '/body/name'],
        [{ name: '' }, '/body/name'],
        [{ name: 'x'.repeat(201) }, '/body/name'],
        [{ name: 5 }, '/body/name'],
        [{ name: 'A', slug: 'Not A Slug' }, '/body/slug'],
        [{ name: 'A', email: 'not-an-address' }, '/body/email'],
        [{ name: 'A', bio: 'x'.repeat(5001) }, '/body/bio'],
        [{ name: 'A', avatarUrl: 'javascript:alert(1)' }, '/body/avatarUrl'],
        [{ name: 'A', website: 'ftp://files.example.org/' }, '/body/website'],
        [{ name: 'A', website: null }, '/body/website'],
      ] as const) {
        const res = await create(app, editor, body)
        isProblem(t, res, 400, 'VALIDATION_FAILED')
        t.ok(errorPaths(res).includes(path), `${JSON.stringify(body).slice(0, 60)} names ${path}`)
      }
      t.same(await snapshot(app), before, 'nothing stored')
    })
  })
})

t.test('role × route matrix: POST, PATCH, DELETE', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const staff = await buildStaff(app)
  const authorId = (key: StaffKey) => staff[key].id
  const admin = await tokenHeaders(app, 'admin')
  // The target has no articles, so only the role decides whether DELETE may remove it.
  const target = json(await create(app, admin, { name: 'Matrix Target', email: 'target@example.test' })).id as string
  const who = await callers(app, target, authorId('joao'))

  const expectations: Record<'POST' | 'PATCH' | 'DELETE', Record<Caller, number>> = {
    POST: { anonymous: 401, viewer: 403, authorOwn: 403, authorOther: 403, editor: 201, admin: 201 },
    PATCH: { anonymous: 401, viewer: 403, authorOwn: 200, authorOther: 403, editor: 200, admin: 200 },
    // admin last: a successful DELETE removes the target.
    DELETE: { anonymous: 401, viewer: 403, authorOwn: 403, authorOther: 403, editor: 403, admin: 204 },
  }

  for (const caller of CALLERS) {
    const status = expectations.POST[caller]
    const before = await snapshot(app)
    const res = await create(app, who[caller], { name: `Created by ${caller}` })
    t.equal(res.statusCode, status, `POST as ${caller}`)
    const after = await snapshot(app)
    if (status === 201) {
      t.equal(after.authors.length, before.authors.length + 1, `POST as ${caller} stored one author`)
      t.ok(await app.db.prisma.author.findUnique({ where: { id: json(res).id } }))
    } else {
      isProblem(t, res, status, status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN')
      t.same(after, before, `refused POST as ${caller} changed nothing`)
    }
  }

  for (const caller of CALLERS) {
    const status = expectations.PATCH[caller]
    const before = await snapshot(app)
    const stored = before.authors.find((a) => a.id === target)!
    const res = await app.inject({
      method: 'PATCH',
      url: `${API}/${target}`,
      headers: { ...who[caller], 'if-match': await etagOf(app, target) },
      payload: { bio: `Edited by ${caller}` },
    })
    t.equal(res.statusCode, status, `PATCH as ${caller}`)
    if (status === 200) {
      t.equal(json(res).bio, `Edited by ${caller}`)
      t.equal(json(res).email, 'target@example.test', `${caller} sees the email in the PATCH response`)
      const now = await app.db.prisma.author.findUniqueOrThrow({ where: { id: target } })
      t.equal(now.bio, `Edited by ${caller}`, 'stored')
      t.equal(now.version, stored.version + 1, 'version bumped')
      t.ok(now.updatedAt > stored.updatedAt, 'updatedAt moves on')
    } else {
      isProblem(t, res, status, status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN')
      t.same(await snapshot(app), before, `refused PATCH as ${caller} changed nothing`)
    }
  }

  // An author token may not edit another author, even with a valid If-Match.
  const beforeForeign = await snapshot(app)
  const foreign = await app.inject({
    method: 'PATCH',
    url: `${API}/${authorId('thuha')}`,
    headers: { ...who.authorOwn, 'if-match': await etagOf(app, authorId('thuha')) },
    payload: { name: 'Hijacked' },
  })
  isProblem(t, foreign, 403, 'FORBIDDEN')
  t.same(await snapshot(app), beforeForeign)

  for (const caller of CALLERS) {
    const status = expectations.DELETE[caller]
    const before = await snapshot(app)
    const res = await app.inject({ method: 'DELETE', url: `${API}/${target}`, headers: who[caller] })
    t.equal(res.statusCode, status, `DELETE as ${caller}`)
    if (status === 204) {
      t.equal(res.body, '')
      t.notOk(await app.db.prisma.author.findUnique({ where: { id: target } }), 'gone')
    } else {
      isProblem(t, res, status, status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN')
      t.same(await snapshot(app), before, `refused DELETE as ${caller} changed nothing`)
    }
  }
})

t.test('PATCH and DELETE', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const staff = await buildStaff(app)
  const authorId = (key: StaffKey) => staff[key].id

  t.test('PATCH /authors/{id}: If-Match, conflicts, clearing', async (t) => {
    const editor = await tokenHeaders(app, 'editor')
    const id = authorId('yusuf')
    const patch = (headers: Headers, payload: unknown, target = id) =>
      app.inject({
        method: 'PATCH',
        url: `${API}/${target}`,
        headers: { ...editor, ...headers },
        payload: payload as object,
      })

    t.test('without If-Match 428, stale 412, current 200', async (t) => {
      const before = await snapshot(app)
      isProblem(t, await patch({}, { name: 'No Precondition' }), 428, 'PRECONDITION_REQUIRED')
      t.same(await snapshot(app), before)

      const first = await etagOf(app, id)
      const ok = await patch({ 'if-match': first }, { name: 'Yusuf Ç. Öztürk', avatarUrl: null })
      t.equal(ok.statusCode, 200)
      t.match(json(ok), {
        id,
        name: 'Yusuf Ç. Öztürk',
        avatarUrl: null,
        slug: 'yusuf-caglar-ozturk',
        email: 'yusuf.ozturk@example.net',
      })
      t.match(ok.headers.etag, STRONG_ETAG)
      t.not(ok.headers.etag, first, 'a new ETag')
      const fetched = await app.inject({ url: `${API}/${id}`, headers: editor })
      t.same(json(fetched), json(ok), 'stored as returned')
      t.equal(fetched.headers.etag, ok.headers.etag, 'GET agrees with the PATCH ETag')

      const afterOk = await snapshot(app)
      const stale = await patch({ 'if-match': first }, { name: 'Stale Write' })
      isProblem(t, stale, 412, 'PRECONDITION_FAILED')
      isProblem(t, await patch({ 'if-match': '"abc"' }, { name: 'Stale Write' }), 412, 'PRECONDITION_FAILED')
      t.same(await snapshot(app), afterOk, 'stale writes changed nothing')
    })

    t.test('two concurrent PATCHes with the same If-Match: one 200, one 412', async (t) => {
      const etag = await etagOf(app, id)
      const { version } = await app.db.prisma.author.findUniqueOrThrow({ where: { id } })
      const [a, b] = await Promise.all([
        patch({ 'if-match': etag }, { bio: 'Writer A' }),
        patch({ 'if-match': etag }, { bio: 'Writer B' }),
      ])
      t.same([a.statusCode, b.statusCode].sort(), [200, 412])
      const winner = a.statusCode === 200 ? 'Writer A' : 'Writer B'
      const stored = await app.db.prisma.author.findUniqueOrThrow({ where: { id } })
      t.equal(stored.bio, winner, 'the winner’s write is stored')
      t.equal(stored.version, version + 1, 'exactly one write applied')
    })

    t.test('slug and email conflicts are 409; null clears; empty body 400', async (t) => {
      const before = await snapshot(app)
      const slug = await patch({ 'if-match': await etagOf(app, id) }, { slug: 'dang-thu-ha' })
      isProblem(t, slug, 409, 'SLUG_TAKEN')
      const email = await patch({ 'if-match': await etagOf(app, id) }, { email: 'thu.ha.dang@example.org' })
      isProblem(t, email, 409, 'EMAIL_TAKEN')
      t.notMatch(email.body, /thu\.ha\.dang/)
      for (const body of [{}, { id }, { version: 9 }, { createdAt: '2020-01-01T00:00:00.000Z' }, { name: null }]) {
        const res = await patch({ 'if-match': await etagOf(app, id) }, body)
        isProblem(t, res, 400, 'VALIDATION_FAILED')
        const field = Object.keys(body)[0]
        if (field) t.ok(errorPaths(res).includes(`/body/${field}`), `names /body/${field}`)
      }
      t.same(await snapshot(app), before, 'refused writes changed nothing')

      const cleared = await patch(
        { 'if-match': await etagOf(app, id) },
        { email: null, website: null, slug: 'yusuf-ozturk' },
      )
      t.equal(cleared.statusCode, 200)
      t.match(json(cleared), { email: null, website: null, slug: 'yusuf-ozturk' })
      const stored = await app.db.prisma.author.findUniqueOrThrow({ where: { id } })
      t.same(
        { email: stored.email, website: stored.website, slug: stored.slug },
        { email: null, website: null, slug: 'yusuf-ozturk' },
      )
      t.equal((await app.inject(`${API}/yusuf-ozturk`)).statusCode, 200, 'reachable by the new slug')
      t.equal((await app.inject(`${API}/yusuf-caglar-ozturk`)).statusCode, 404, 'not by the old one')
    })

    t.test('unknown id or slug', async (t) => {
      const before = await snapshot(app)
      isProblem(
        t,
        await patch({ 'if-match': '*' }, { name: 'Ghost' }, '00000000-0000-4000-8000-000000000000'),
        404,
        'NOT_FOUND',
      )
      isProblem(t, await patch({ 'if-match': '*' }, { name: 'Ghost' }, 'no-such-author'), 404, 'NOT_FOUND')
      t.same(await snapshot(app), before, 'nothing written')
    })
  })

  t.test('DELETE /authors/{id}', async (t) => {
    const admin = await tokenHeaders(app, 'admin')
    const remove = (id: string, headers: Headers = {}) =>
      app.inject({ method: 'DELETE', url: `${API}/${id}`, headers: { ...admin, ...headers } })

    t.test('an author with articles is 409 AUTHOR_HAS_ARTICLES and nothing is deleted', async (t) => {
      const id = authorId('thuha')
      await createArticle(app, { authorId: id, state: 'published' })
      await createArticle(app, { authorId: id })
      const articles = await app.db.prisma.article.count({ where: { authorId: id } })
      t.equal(articles, 2, 'the author has a published article and a draft')
      const before = await snapshot(app)
      isProblem(t, await remove(id), 409, 'AUTHOR_HAS_ARTICLES')
      isProblem(t, await remove(id, { 'if-match': await etagOf(app, id) }), 409, 'AUTHOR_HAS_ARTICLES')
      t.same(await snapshot(app), before)
      t.equal((await app.inject(`${API}/${id}`)).statusCode, 200)
    })

    t.test('without articles: stale If-Match 412, then 204, then 404', async (t) => {
      const created = await create(app, admin, { name: 'Short Lived' })
      const id = json(created).id as string
      const oldEtag = String(created.headers.etag)
      const bound = await tokenHeaders(app, 'author', id)
      const renamed = await app.inject({
        method: 'PATCH',
        url: `${API}/${id}`,
        headers: { ...admin, 'if-match': oldEtag },
        payload: { name: 'Shorter Lived' },
      })
      t.equal(renamed.statusCode, 200)

      const before = await snapshot(app)
      isProblem(t, await remove(id, { 'if-match': oldEtag }), 412, 'PRECONDITION_FAILED')
      t.same(await snapshot(app), before, 'a stale DELETE deleted nothing')

      const gone = await remove(id, { 'if-match': String(renamed.headers.etag) })
      t.equal(gone.statusCode, 204)
      t.equal(gone.body, '')
      isProblem(t, await app.inject(`${API}/${id}`), 404, 'NOT_FOUND')
      isProblem(t, await remove(id), 404, 'NOT_FOUND')
      isProblem(t, await app.inject({ url: API, headers: bound }), 401, 'UNAUTHORIZED')

      const another = json(await create(app, admin, { name: 'No Precondition' })).id as string
      t.equal((await remove(another)).statusCode, 204, 'If-Match is optional on DELETE')
      t.notOk(await app.db.prisma.author.findUnique({ where: { id: another } }))
    })
  })
})
