import sharp from 'sharp'
import t from 'tap'
import { purgeKeysFor } from '../../src/services/cdn.js'
import { buildTestApp, json, tokenHeaders, type Headers, type TestApp } from '../support/app.js'
import { isProblem } from '../support/assert.js'
import { UNKNOWN_UUID, createArticle, createAuthor, multipartUpload, setArticleState } from '../support/factories.js'
import { tempDir } from '../support/process.js'
import { requires } from '../support/requires.js'
import { SCHEMAS, xmllint } from '../support/xmllint.js'

/**
 * Covers and avatars (issue 27, done-means 5): an article's cover is embedded with its alt text,
 * credit and srcset; a draft's cover is not publicly reachable (by id or by variant) until the
 * article is published, and stops being so when it is unpublished; a published or scheduled
 * article's cover needs alt text, from either side; what uses an image keeps it from deletion;
 * the outbox event of a publish or unpublish purges the cover's CDN key.
 */

const pngOf = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#336699' } })
    .png()
    .toBuffer()

async function upload(app: TestApp, as: Headers, fields: Record<string, string>): Promise<any> {
  const body = await multipartUpload(await pngOf(1200, 800), fields)
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/media',
    headers: { ...as, ...body.headers },
    payload: body.payload,
  })
  if (res.statusCode !== 201) throw new Error(`upload: ${res.statusCode} ${res.body}`)
  return json(res)
}

const lastEvent = async (app: TestApp) => {
  const event = await app.db.prisma.outboxEvent.findFirst({ orderBy: { position: 'desc' } })
  return { type: event!.type, data: event!.data as Record<string, any> }
}

t.test('a cover: private with its draft, embedded and public once published, private again after', async (t) => {
  const dir = await tempDir(t, 'broadsheet-covers-')
  const app = await buildTestApp(t, { MEDIA_DIR: dir, SEED_ON_EMPTY: false })
  const editor = await tokenHeaders(app, 'editor')
  const author = await createAuthor(app)
  const cover = await upload(app, editor, { credit: 'Amara Okafor', focalPoint: '0.5,0.3' })
  t.equal(cover.alt, '', 'uploaded without alt text')

  const article = await createArticle(app, { authorId: author.id, coverImageId: cover.id })
  t.equal(article.coverImageId, cover.id, 'the draft names its cover')
  t.equal((await app.inject(`/api/v1/media/${cover.id}`)).statusCode, 404, "a draft's cover: 404 by id")
  t.equal((await app.inject(`/media/${cover.id}/card.webp`)).statusCode, 404, 'and 404 for its variants')

  // Publishing with a cover that has no alt text is refused, and changes nothing.
  const refused = await app.inject({
    method: 'POST',
    url: `/api/v1/articles/${article.id}/publish`,
    headers: editor,
    payload: {},
  })
  isProblem(t, refused, 409, 'ALT_TEXT_REQUIRED')
  const stillDraft = json(await app.inject({ url: `/api/v1/articles/${article.id}`, headers: editor }))
  t.equal(stillDraft.status, 'draft', 'still a draft')
  t.equal(stillDraft.updatedAt, article.updatedAt, 'not even touched')
  const scheduleRefused = await app.inject({
    method: 'POST',
    url: `/api/v1/articles/${article.id}/publish`,
    headers: editor,
    payload: { publishAt: new Date(Date.now() + 86_400_000).toISOString() },
  })
  isProblem(t, scheduleRefused, 409, 'ALT_TEXT_REQUIRED')

  const media = json(await app.inject({ url: `/api/v1/media/${cover.id}`, headers: editor }))
  const patched = await app.inject({
    method: 'PATCH',
    url: `/api/v1/media/${cover.id}`,
    headers: { ...editor, 'if-match': '*' },
    payload: { alt: 'The harbour crane at dusk' },
  })
  t.equal(patched.statusCode, 200, patched.body)
  t.equal(media.alt, '')

  // Cached copies of the public read carry the key a publish and an unpublish purge.
  await setArticleState(app, article, 'published', { as: editor })
  const published = await lastEvent(app)
  t.equal(published.type, 'article.published')
  t.equal(published.data.coverImageId, cover.id, 'the event names the cover')
  t.ok(purgeKeysFor(published).includes(`media-${cover.id}`), 'and purges its key')

  const read = await app.inject(`/api/v1/articles/${article.slug}?include=coverImage`)
  t.equal(read.statusCode, 200)
  const embedded = json(read).coverImage
  t.equal(embedded.id, cover.id)
  t.equal(embedded.alt, 'The harbour crane at dusk')
  t.equal(embedded.credit, 'Amara Okafor')
  t.match(embedded.srcset, new RegExp(`/media/${cover.id}/card\\.webp\\?v=1 800w, .*/hero\\.webp\\?v=1 1200w$`))
  t.same(embedded.focalPoint, { x: 0.5, y: 0.3 })
  const image = json(read).structuredData.image as string[]
  t.same(
    image.map((url) => new URL(url).pathname),
    ['hero', 'full', 'thumb'].map((v) => `/media/${cover.id}/${v}.jpeg`),
    'structured data: the cover as JPEG, 16:9, whole, 1:1',
  )
  t.notOk('coverImage' in json(await app.inject(`/api/v1/articles/${article.slug}`)), 'embedded only when asked')

  const publicRead = await app.inject(`/api/v1/media/${cover.id}`)
  t.equal(publicRead.statusCode, 200, 'the cover of a published article is public')
  t.match(publicRead.headers['surrogate-key'], `media-${cover.id}`)
  const variant = await app.inject(
    new URL(embedded.variants.card.url).pathname + new URL(embedded.variants.card.url).search,
  )
  t.equal(variant.statusCode, 200)
  t.equal(variant.headers['cache-control'], 'public, max-age=31536000, immutable')
  t.equal(variant.headers['surrogate-key'], `media-${cover.id}`)
  t.equal((await sharp(variant.rawPayload).metadata()).width, 800)

  // Lists embed it too, with the author, and as a field.
  const list = json(await app.inject('/api/v1/articles?include=author,coverImage'))
  const item = list.data.find((a: any) => a.id === article.id)
  t.equal(item.coverImage.alt, 'The harbour crane at dusk')
  t.equal(item.author.id, author.id)
  const sparse = json(await app.inject('/api/v1/articles?fields=slug,coverImage'))
  t.same(Object.keys(sparse.data[0]), ['id', 'slug', 'coverImage'])
  t.equal(sparse.data[0].coverImage.credit, 'Amara Okafor')

  // While a published article uses it, its alt text cannot be cleared, nor the item deleted.
  const cleared = await app.inject({
    method: 'PATCH',
    url: `/api/v1/media/${cover.id}`,
    headers: { ...editor, 'if-match': '*' },
    payload: { alt: '  ' },
  })
  isProblem(t, cleared, 409, 'ALT_TEXT_REQUIRED')
  t.equal(json(await app.inject(`/api/v1/media/${cover.id}`)).alt, 'The harbour crane at dusk', 'alt unchanged')
  const deleted = await app.inject({ method: 'DELETE', url: `/api/v1/media/${cover.id}`, headers: editor })
  isProblem(t, deleted, 409, 'REFERENCE_CONFLICT')

  // Unpublished: private again, and the event purges the key its cached copies carry.
  await setArticleState(app, article, 'draft', { as: editor })
  const unpublished = await lastEvent(app)
  t.equal(unpublished.data.previous.coverImageId, cover.id)
  t.ok(purgeKeysFor(unpublished).includes(`media-${cover.id}`), 'an unpublish purges the cover')
  t.equal((await app.inject(`/api/v1/media/${cover.id}`)).statusCode, 404, 'private again by id')
  t.equal((await app.inject(`/media/${cover.id}/card.webp`)).statusCode, 404, 'and by variant')
  const tokenVariant = await app.inject({ url: `/media/${cover.id}/card.webp`, headers: editor })
  t.equal(tokenVariant.headers['cache-control'], 'private, no-cache', 'a token still sees it, privately')

  // A draft may clear it (nothing published uses it), and then cannot be published with it.
  const clearedOnDraft = await app.inject({
    method: 'PATCH',
    url: `/api/v1/media/${cover.id}`,
    headers: { ...editor, 'if-match': '*' },
    payload: { alt: '' },
  })
  t.equal(clearedOnDraft.statusCode, 200, clearedOnDraft.body)
  const republish = await app.inject({
    method: 'POST',
    url: `/api/v1/articles/${article.id}/publish`,
    headers: editor,
    payload: {},
  })
  isProblem(t, republish, 409, 'ALT_TEXT_REQUIRED')
})

t.test('setting a cover: unknown ids are 400, an alt-less one on a published article is 409', async (t) => {
  const dir = await tempDir(t, 'broadsheet-covers-')
  const app = await buildTestApp(t, { MEDIA_DIR: dir, SEED_ON_EMPTY: false })
  const editor = await tokenHeaders(app, 'editor')
  const live = await createArticle(app, { state: 'published' })
  const patch = (payload: object) =>
    app.inject({
      method: 'PATCH',
      url: `/api/v1/articles/${live.id}`,
      headers: { ...editor, 'if-match': '*' },
      payload,
    })
  isProblem(t, await patch({ coverImageId: UNKNOWN_UUID }), 400, 'VALIDATION_FAILED', '/body/coverImageId')
  const bare = await upload(app, editor, {})
  isProblem(t, await patch({ coverImageId: bare.id }), 409, 'ALT_TEXT_REQUIRED')
  const unchanged = json(await app.inject(`/api/v1/articles/${live.id}`))
  t.equal(unchanged.coverImageId, null, 'the refused cover was not set')
  t.equal(unchanged.updatedAt, live.updatedAt)

  const described = await upload(app, editor, { alt: 'A quay in the rain' })
  const set = await patch({ coverImageId: described.id })
  t.equal(set.statusCode, 200, set.body)
  t.equal(json(set).coverImageId, described.id)
  const edited = await lastEvent(app)
  t.same([edited.data.previous.coverImageId, edited.data.coverImageId], [null, described.id])
  t.ok(purgeKeysFor(edited).includes(`media-${described.id}`), 'a live article given a cover purges its key')
  t.equal((await app.inject(`/api/v1/media/${described.id}`)).statusCode, 200, 'public with the live article')

  const removed = await patch({ coverImageId: null })
  t.equal(json(removed).coverImageId, null, 'null removes it')
  t.equal((await app.inject(`/api/v1/media/${described.id}`)).statusCode, 404, 'and it is private again')
  const revisions = json(await app.inject({ url: `/api/v1/articles/${live.id}/revisions`, headers: editor }))
  const newest = revisions.data[0].number
  const diff = json(
    await app.inject({
      url: `/api/v1/articles/${live.id}/revisions/${newest}/diff?against=${newest - 1}`,
      headers: editor,
    }),
  )
  t.same(diff.changes, [{ field: 'coverImageId', before: described.id, after: null }], 'a revision records the cover')
})

t.test("an author's avatar: embedded in the author, public with it", async (t) => {
  const dir = await tempDir(t, 'broadsheet-avatars-')
  const app = await buildTestApp(t, { MEDIA_DIR: dir, SEED_ON_EMPTY: false })
  const admin = await tokenHeaders(app, 'admin')
  const portrait = await upload(app, admin, { alt: 'Ada Byline' })
  t.equal((await app.inject(`/api/v1/media/${portrait.id}`)).statusCode, 404, 'private while unused')
  const author = await createAuthor(app, { avatarId: portrait.id })
  t.equal(author.avatarId, portrait.id)
  const read = json(await app.inject(`/api/v1/authors/${author.slug}`))
  t.equal(read.avatar.id, portrait.id)
  t.equal(read.avatar.alt, 'Ada Byline')
  t.match(read.avatar.variants.thumb.url, new RegExp(`/media/${portrait.id}/thumb\\.webp\\?v=1$`))
  t.equal((await app.inject(`/api/v1/media/${portrait.id}`)).statusCode, 200, 'public with its author')
  t.equal((await app.inject(`/media/${portrait.id}/thumb.webp`)).statusCode, 200)
  const sparse = json(await app.inject(`/api/v1/authors?fields=name,avatar`))
  t.equal(sparse.data.find((a: any) => a.id === author.id).avatar.id, portrait.id)

  const unknown = await app.inject({
    method: 'PATCH',
    url: `/api/v1/authors/${author.id}`,
    headers: { ...admin, 'if-match': '*' },
    payload: { avatarId: UNKNOWN_UUID },
  })
  isProblem(t, unknown, 400, 'VALIDATION_FAILED', '/body/avatarId')
  const cleared = await app.inject({
    method: 'PATCH',
    url: `/api/v1/authors/${author.id}`,
    headers: { ...admin, 'if-match': '*' },
    payload: { avatarId: null },
  })
  t.equal(cleared.statusCode, 200, cleared.body)
  t.same([json(cleared).avatarId, json(cleared).avatar], [null, null])
  t.ok(purgeKeysFor(await lastEvent(app)).includes(`media-${portrait.id}`), 'dropping a portrait purges its key')
  t.equal((await app.inject(`/api/v1/media/${portrait.id}`)).statusCode, 404, 'private again once unused')
})

t.test('feeds and the article sitemap show the cover; a media edit purges what shows it', async (t) => {
  const dir = await tempDir(t, 'broadsheet-cover-feeds-')
  const app = await buildTestApp(t, {
    MEDIA_DIR: dir,
    SEED_ON_EMPTY: false,
    PUBLIC_URL: 'https://api.example.com',
    PUBLIC_SITE_URL: 'https://www.example.com',
  })
  const editor = await tokenHeaders(app, 'editor')
  const cover = await upload(app, editor, { alt: 'Night buses at the depot' })
  const article = await createArticle(app, { state: 'published', coverImageId: cover.id })
  await createArticle(app, { state: 'published' }) // one without a cover

  const hero = `https://api.example.com/media/${cover.id}/hero.jpeg?v=1`
  const rss = await app.inject('/feeds/articles.rss')
  t.match(rss.body, `<enclosure url="${hero}" length="0" type="image/jpeg"/>`, 'RSS: an enclosure')
  t.equal(rss.body.match(/<enclosure /g)?.length, 1, 'only the article with a cover has one')
  const atom = await app.inject('/feeds/articles.atom')
  t.match(atom.body, `<link rel="enclosure" href="${hero}" type="image/jpeg"/>`, 'Atom: an enclosure link')
  const feed = json(await app.inject('/feeds/articles.json'))
  t.equal(feed.items.find((i: any) => i.id === `urn:uuid:${article.id}`).image, hero, 'JSON Feed: image')
  for (const res of [rss, atom]) t.match(res.headers['surrogate-key'], `media-${cover.id}`)

  const sitemap = await app.inject('/sitemaps/articles-1.xml')
  t.match(
    sitemap.body,
    `</lastmod><image:image><image:loc>https://api.example.com/media/${cover.id}/full.jpeg</image:loc></image:image></url>`,
  )
  t.equal(sitemap.body.match(/<image:image>/g)?.length, 1)
  if (!requires('xmllint')) {
    const lint = xmllint(sitemap.body, SCHEMAS.image)
    t.ok(lint.ok, `valid with Google's image extension (${lint.output.slice(0, 300)})`)
    const broken = sitemap.body.replace('<image:loc>', '<image:location>').replace('</image:loc>', '</image:location>')
    t.notOk(xmllint(broken, SCHEMAS.image).ok, 'the image elements are validated, not merely allowed')
  }

  // A media edit: its own event, purging every answer that showed it (they carry its key).
  const before = await app.inject(`/api/v1/articles/${article.slug}`)
  t.match(before.headers['surrogate-key'], `media-${cover.id}`, 'a single read names its cover (structured data)')
  const patch = async (payload: object) => {
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/v1/media/${cover.id}`,
      headers: { ...editor, 'if-match': '*' },
      payload,
    })
    t.equal(res.statusCode, 200, res.body)
    return lastEvent(app)
  }
  const captioned = await patch({ caption: 'The depot at 2 a.m.' })
  t.same(captioned, { type: 'media.updated', data: { id: cover.id, cropVersion: 1 } })
  t.same(purgeKeysFor(captioned), [`media-${cover.id}`])
  t.equal((await app.inject('/feeds/articles.rss')).body, rss.body, 'a caption changes no image URL: the feed stays')
  const refocused = await patch({ focalPoint: { x: 0.2, y: 0.5 } })
  t.same(refocused.data, { id: cover.id, cropVersion: 2 }, 'a new focal point: new crops')
  t.match((await app.inject('/feeds/articles.rss')).body, `/media/${cover.id}/hero.jpeg?v=2`, 'the feed moved on')
  t.equal(
    (await app.inject('/sitemaps/articles-1.xml')).body,
    sitemap.body,
    'the sitemap names the unversioned URL: unchanged by a media edit',
  )
})
