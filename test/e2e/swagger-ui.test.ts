import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { ROOT, cleanEnv, startServer, tempDir, type Running } from '../support/process.js'
import { requires } from '../support/requires.js'
import { joao, newestPublished, tram } from '../support/seed-facts.js'

/**
 * Swagger UI at /docs, driven in Debian's Chromium (never a downloaded browser): it renders
 * every operation under Broadsheet's name, "Try it out" gets real data, "Authorize" sends the
 * bearer token, and a newcomer's first writes (create twice, publish as pre-filled, read, PATCH
 * with the ETag read, PATCH with a stale one, comment twice) go through with nothing logged to
 * the console.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
// Flags from shared/ENVIRONMENT.md. Playwright adds --headless and a fresh --user-data-dir
// (a temporary profile it deletes on close); it refuses a --user-data-dir passed here.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
const ARTIFACTS = path.join(ROOT, 'test-artifacts')
const ADMIN_TOKEN = 'e2e-swagger-admin-0123456789abcdef'

// .ci/run installs Chromium, and a skip fails it there; elsewhere a machine without it skips, saying why.
const skip = requires('chromium')

const newestTitles = newestPublished.map((a) => a.title)

interface LiveResponse {
  status: string
  body: string
  /** The response headers the UI lists, names in lower case. */
  headers: Record<string, string>
  requestUrl: string
  curl: string
}

/** What the browser reported while a test used /docs. */
interface BrowserLog {
  /** Console errors and uncaught exceptions: there must be none. */
  errors: string[]
  /**
   * API answers of 4xx/5xx, as `<status> <path>`. Chromium logs each such response as a console
   * error ("Failed to load resource: the server responded with a status of 412"), although the
   * page handled it; a test expects exactly the refusals it provoked.
   */
  refusals: string[]
  /** Requests to any other origin than the server's: there must be none (no CDN, no validator). */
  elsewhere: string[]
}

const FAILED_RESOURCE = /^Failed to load resource: the server responded with a status of (\d{3})\b/

/** Opens an operation (by the id Swagger UI derives from tag and operationId) and "Try it out". */
async function tryItOut(page: Page, tag: string, operationId: string): Promise<Locator> {
  const operation = page.locator(`#operations-${tag}-${operationId}`)
  await operation.locator('.opblock-summary-control').click()
  await operation.getByRole('button', { name: 'Try it out' }).click()
  return operation
}

/** Clicks Execute and reads what the UI renders for the live response. */
async function execute(operation: Locator): Promise<LiveResponse> {
  const live = operation.locator('.live-responses-table')
  const clear = operation.getByRole('button', { name: 'Clear' })
  if (await clear.isVisible()) {
    await clear.click()
    await live.waitFor({ state: 'detached' })
  }
  await operation.getByRole('button', { name: 'Execute' }).click()
  await live.waitFor()
  const headers: Record<string, string> = {}
  for (const line of await live.locator('.headerline').allInnerTexts()) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return {
    status: (await live.locator('tbody .response-col_status').innerText()).trim(),
    body: await live.locator('.highlight-code pre').first().innerText(),
    headers,
    requestUrl: (await operation.locator('.request-url pre').innerText()).trim(),
    curl: await operation.locator('.curl-command pre').innerText(),
  }
}

/**
 * Types into an operation's parameter field (header names match in any case) and leaves it:
 * Swagger UI debounces what is typed there, and leaving the field hands the value over at once.
 */
async function fillParameter(
  operation: Locator,
  location: 'path' | 'query' | 'header',
  name: string,
  value: string,
): Promise<void> {
  const input = operation.locator(`tr[data-param-in="${location}"][data-param-name="${name}" i] input`)
  await input.fill(value)
  await input.blur()
}

/** Replaces the request body in the operation's editor. */
async function fillBody(operation: Locator, value: unknown): Promise<void> {
  await operation.locator('textarea.body-param__text').fill(JSON.stringify(value, null, 2))
}

/** Authorize → bearer token → Apply → Close; returns what the dialog said once authorized. */
async function authorize(page: Page, token: string): Promise<string> {
  await page.locator('.auth-wrapper .authorize').click()
  const dialog = page.locator('.modal-ux')
  await dialog.locator('#auth-bearer-value').fill(token)
  await dialog.getByRole('button', { name: 'Apply credentials' }).click()
  await dialog.getByRole('button', { name: 'Remove authorization' }).waitFor()
  const said = await dialog.innerText()
  await dialog.getByRole('button', { name: 'Close' }).click()
  await dialog.waitFor({ state: 'detached' })
  return said
}

/** Asserts the browser logged nothing but the refusals the test provoked; prints what it did log. */
function quietConsole(t: Test, log: BrowserLog, refusals: string[] = []): void {
  t.same(
    log.errors,
    [],
    `no console errors or uncaught exceptions${log.errors.length ? `:\n${log.errors.join('\n')}` : ''}`,
  )
  t.same(log.refusals, refusals, `the only failed responses are the ones provoked: ${JSON.stringify(refusals)}`)
  t.same(log.elsewhere, [], 'no request left the server')
}

/** The operation from its summary down to the live response (not the long list of documented ones). */
async function screenshot(page: Page, operation: Locator, name: string): Promise<void> {
  const top = await operation.boundingBox()
  const live = await operation.locator('.live-responses-table').boundingBox()
  if (!top || !live) throw new Error(`nothing to screenshot for ${name}`)
  // Bounding boxes are relative to the viewport, a full-page clip to the page.
  const scrollY = await page.evaluate<number>('window.scrollY')
  const clip = { x: top.x, y: top.y + scrollY, width: top.width, height: live.y + live.height - top.y }
  await page.screenshot({ path: path.join(ARTIFACTS, name), clip, fullPage: true })
}

t.test('Swagger UI at /docs in Chromium', { skip }, async (t) => {
  const dir = await tempDir(t, 'broadsheet-swagger-ui-')
  // No PUBLIC_URL: /docs as a newcomer opens it. A first start on a new embedded database
  // migrates and seeds (about 25 s alone here), so it gets twice the default to listen.
  const server: Running = await startServer(cleanEnv({ DATA_DIR: dir, ADMIN_TOKEN }), 120_000)
  t.teardown(() => server.stop())
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
  t.teardown(() => browser.close())
  await mkdir(ARTIFACTS, { recursive: true })

  /**
   * /docs in a fresh browser context (no authorization persisted from another subtest), with
   * what the browser reports collected from before the first request to the end of the subtest.
   */
  async function openDocs(t: Test): Promise<{ page: Page; log: BrowserLog }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    t.teardown(() => context.close())
    const page = await context.newPage()
    page.setDefaultTimeout(20_000)
    const log: BrowserLog = { errors: [], refusals: [], elsewhere: [] }
    page.on('pageerror', (error) => log.errors.push(`uncaught: ${error.stack ?? error.message}`))
    page.on('console', (message) => {
      if (message.type() !== 'error') return
      const { url, lineNumber } = message.location()
      const failed = FAILED_RESOURCE.exec(message.text())
      if (failed && url.startsWith(`${server.url}/api/`)) log.refusals.push(`${failed[1]} ${new URL(url).pathname}`)
      else log.errors.push(`console.error: ${message.text()} (${url}:${lineNumber})`)
    })
    page.on('request', (request) => {
      const url = request.url()
      if (!url.startsWith(`${server.url}/`) && !url.startsWith('data:')) log.elsewhere.push(url)
    })
    const response = await page.goto(`${server.url}/docs`)
    t.equal(response?.status(), 200, '/docs answers 200')
    await page.locator('.opblock').first().waitFor()
    return { page, log }
  }

  await t.test("renders the API description and every operation, under Broadsheet's name", async (t) => {
    const { page, log } = await openDocs(t)
    t.equal(await page.title(), 'Broadsheet API', 'the page title')
    t.equal(
      (await page.locator('.topbar .broadsheet-logo').innerText()).trim(),
      'Broadsheet API',
      "the top bar's name (not Swagger's logo)",
    )
    t.equal(
      await page.locator('.topbar .download-url-input').inputValue(),
      '/openapi.json',
      "the top bar's URL: the served document",
    )
    t.match(await page.locator('.info .title').innerText(), /^Broadsheet API\s*1\.0\.0/, 'title and version')

    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>
      webhooks: Record<string, Record<string, unknown>>
    }
    // Operations and webhooks alike: Swagger UI renders the webhooks section (one POST per event
    // type, named by the event) below the paths.
    const documented = [...Object.entries(document.paths), ...Object.entries(document.webhooks)]
      .flatMap(([pathname, item]) =>
        Object.keys(item)
          .filter((key) => HTTP_METHODS.includes(key))
          .map((method) => `${method.toUpperCase()} ${pathname}`),
      )
      .sort()
    const rendered: string[] = []
    for (const summary of await page.locator('.opblock-summary').all()) {
      const method = await summary.locator('.opblock-summary-method').innerText()
      rendered.push(`${method} ${await summary.locator('.opblock-summary-path').getAttribute('data-path')}`)
    }
    rendered.sort()
    t.ok(documented.length >= 20, `the document has its operations (${documented.length})`)
    t.same(rendered, documented, 'one rendered operation per documented operation')
    t.ok(await page.locator('.auth-wrapper .authorize').isVisible(), 'an Authorize button (bearerAuth)')
    const padlocks = (operationId: string) =>
      page.locator(`#operations-articles-${operationId} .opblock-summary .authorization__btn`).count()
    t.equal(await padlocks('listArticles'), 0, 'no padlock on a public read (a token is optional there)')
    t.equal(await padlocks('createArticle'), 1, 'a padlock on a write, which needs a token')
    quietConsole(t, log)
  })

  await t.test('Try it out: GET /api/v1/articles shows 200 with the newest seeded articles', async (t) => {
    const { page, log } = await openDocs(t)
    const operation = await tryItOut(page, 'articles', 'listArticles')
    await fillParameter(operation, 'query', 'limit', '3')
    const live = await execute(operation)

    t.equal(live.status, '200', 'the UI shows 200')
    // Swagger UI also fills in defaults and examples (count=true, sort=-publishedAt,title).
    t.match(live.requestUrl, `${server.url}/api/v1/articles?limit=3&`, 'with the parameter typed into the form')
    const body = JSON.parse(live.body) as { data: { title: string; status: string }[]; meta: { limit: number } }
    t.same(
      body.data.map((a) => a.title),
      newestTitles.slice(0, 3),
      'the rendered body holds the three newest articles',
    )
    t.ok(
      body.data.every((a) => a.status === 'published'),
      'published only',
    )
    t.equal(body.meta.limit, 3)

    await screenshot(page, operation, 'swagger-ui.png')
    quietConsole(t, log)
  })

  await t.test('Authorize: GET /api/v1/tokens is 401 without a token and 200 with the admin token', async (t) => {
    const { page, log } = await openDocs(t)
    const operation = await tryItOut(page, 'tokens', 'listTokens')

    const anonymous = await execute(operation)
    t.equal(anonymous.status, '401', 'not authorized yet: 401')
    t.match(JSON.parse(anonymous.body), { status: 401, code: 'UNAUTHORIZED' }, 'problem+json')
    t.notMatch(anonymous.curl, /authorization/i, 'no Authorization header sent')

    t.match(await authorize(page, ADMIN_TOKEN), /Authorized/, 'the dialog says it is authorized')

    const authorized = await execute(operation)
    t.equal(authorized.status, '200', 'authorized: 200')
    t.match(authorized.curl, `Authorization: Bearer ${ADMIN_TOKEN}`, 'the UI sent the bearer token')
    const body = JSON.parse(authorized.body) as { data: { name: string; role: string }[] }
    t.match(body.data, [{ name: 'ADMIN_TOKEN (environment)', role: 'admin' }], 'the token list')
    t.notOk(authorized.body.includes(ADMIN_TOKEN), 'no secret in the listing')
    await screenshot(page, operation, 'swagger-ui-authorized.png')
    quietConsole(t, log, ['401 /api/v1/tokens'])
  })

  await t.test(
    "a newcomer's first writes: create twice, publish as pre-filled, read, PATCH with the ETag read, then with a stale one, comment twice",
    async (t) => {
      const { page, log } = await openDocs(t)
      const provoked: string[] = []
      // The console is checked however far the steps get, so a failing step shows what it logged.
      try {
        await newcomer(t, page, provoked)
      } finally {
        quietConsole(t, log, provoked)
      }
    },
  )

  /** The steps, in one page: each waits for what the UI shows, never for a fixed time. */
  async function newcomer(t: Test, page: Page, provoked: string[]): Promise<void> {
    t.match(await authorize(page, ADMIN_TOKEN), /Authorized/, 'authorized with the admin token')

    // Two creates in a row, as "Try it out" leaves the form: both are new articles.
    const create = await tryItOut(page, 'articles', 'createArticle')
    const created: { id: string; slug: string; title: string; status: string }[] = []
    for (const title of ['Night shift at the river desk', 'Morning briefing from the river desk']) {
      await fillBody(create, {
        title,
        excerpt: 'What the desk saw.',
        body: 'First paragraph.\n\nSecond paragraph.',
        tags: ['newsroom'],
        authorId: joao.id,
      })
      const live = await execute(create)
      t.equal(live.status, '201', `createArticle "${title}": 201 (got ${live.status}: ${live.body.slice(0, 300)})`)
      t.notMatch(live.curl, /idempotency-key/i, 'no Idempotency-Key sent: none is prefilled')
      created.push(JSON.parse(live.body))
    }
    t.match(
      created,
      [
        { title: 'Night shift at the river desk', status: 'draft' },
        { title: 'Morning briefing from the river desk', status: 'draft' },
      ],
      'two drafts',
    )
    t.ok(created[0]?.id && created[1]?.id && created[0].id !== created[1].id, 'two articles, not a replay of the first')
    const article = created[0]
    if (!article?.id || !created[1]?.id) return

    // Publish the second one as "Try it out" leaves the form: the pre-filled body publishes now.
    const publish = await tryItOut(page, 'articles', 'publishArticle')
    await fillParameter(publish, 'path', 'idOrSlug', created[1].id)
    t.same(JSON.parse(await publish.locator('textarea.body-param__text').inputValue()), {}, 'the pre-filled body is {}')
    const published = await execute(publish)
    t.equal(
      published.status,
      '200',
      `publishArticle as pre-filled: 200 (got ${published.status}: ${published.body.slice(0, 300)})`,
    )
    t.match(JSON.parse(published.body), { id: created[1].id, status: 'published' }, 'published now, not scheduled')

    // Read it by slug; the ETag is in the response headers the UI lists.
    const read = await tryItOut(page, 'articles', 'getArticle')
    await fillParameter(read, 'path', 'idOrSlug', article.slug)
    const got = await execute(read)
    t.equal(got.status, '200', `getArticle: 200 (got ${got.status}: ${got.body.slice(0, 300)})`)
    t.equal(got.requestUrl, `${server.url}/api/v1/articles/${article.slug}`, 'read by slug')
    const etag = got.headers.etag
    t.match(etag, /^"[^"]+"$/, `the UI shows a strong ETag (${etag})`)
    if (!etag) return

    // PATCH with that ETag in the If-Match field: 200 and a new ETag.
    const update = await tryItOut(page, 'articles', 'updateArticle')
    await fillParameter(update, 'path', 'idOrSlug', article.id)
    await fillParameter(update, 'header', 'If-Match', etag)
    await fillBody(update, { title: 'Night shift at the river desk (updated)' })
    const patched = await execute(update)
    t.equal(
      patched.status,
      '200',
      `updateArticle with the ETag read: 200 (got ${patched.status}: ${patched.body.slice(0, 300)})`,
    )
    t.match(patched.curl.toLowerCase(), `if-match: ${etag.toLowerCase()}`, 'the UI sent If-Match')
    t.match(
      JSON.parse(patched.body),
      { id: article.id, title: 'Night shift at the river desk (updated)' },
      'the article changed',
    )
    t.ok(patched.headers.etag && patched.headers.etag !== etag, `a new ETag (${patched.headers.etag})`)

    // Execute again, the form as it is (the old ETag still in If-Match): stale now.
    await fillBody(update, { title: 'Night shift at the river desk (stale edit)' })
    provoked.push(`412 /api/v1/articles/${article.id}`)
    const stale = await execute(update)
    t.equal(
      stale.status,
      '412',
      `updateArticle with the old ETag: 412 (got ${stale.status}: ${stale.body.slice(0, 300)})`,
    )
    t.match(JSON.parse(stale.body), { status: 412, code: 'PRECONDITION_FAILED' }, 'problem+json')

    // Two comments in a row on a published article.
    const comment = await tryItOut(page, 'comments', 'createComment')
    await fillParameter(comment, 'path', 'idOrSlug', tram.slug)
    const comments: { id: string; articleId: string; status: string }[] = []
    for (const text of ['Finally! I take line 9 every day.', 'Will the night trams run on Sundays too?']) {
      await fillBody(comment, { authorName: 'Mira', authorEmail: 'mira@example.net', body: text })
      const live = await execute(comment)
      t.equal(live.status, '201', `createComment: 201 (got ${live.status}: ${live.body.slice(0, 300)})`)
      t.notMatch(live.curl, /idempotency-key/i, 'no Idempotency-Key sent: none is prefilled')
      comments.push(JSON.parse(live.body))
    }
    t.match(
      comments,
      [
        { articleId: tram.id, status: 'pending' },
        { articleId: tram.id, status: 'pending' },
      ],
      'two pending comments on the article',
    )
    t.ok(
      comments[0]?.id && comments[1]?.id && comments[0].id !== comments[1].id,
      'two comments, not a replay of the first',
    )
    await screenshot(page, comment, 'swagger-ui-comments.png')
  }
})
