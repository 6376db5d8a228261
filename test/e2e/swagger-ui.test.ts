import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { ROOT, cleanEnv, startServer, tempDir, type Running } from '../support/process.js'
import { newestPublished } from '../support/seed-facts.js'

/**
 * Swagger UI at /docs, driven in Debian's Chromium (never a downloaded browser): it renders
 * every operation, "Try it out" gets real data, and "Authorize" sends the bearer token.
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

// CI installs Chromium and must run this test; elsewhere a machine without it skips, saying why.
const skip = !existsSync(CHROMIUM) && !process.env.CI && `needs Chromium at ${CHROMIUM} (apt-get install chromium)`

const newestTitles = newestPublished.map((a) => a.title)

interface LiveResponse {
  status: string
  body: string
  requestUrl: string
  curl: string
}

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
  return {
    status: (await live.locator('tbody .response-col_status').innerText()).trim(),
    body: await live.locator('.highlight-code pre').first().innerText(),
    requestUrl: (await operation.locator('.request-url pre').innerText()).trim(),
    curl: await operation.locator('.curl-command pre').innerText(),
  }
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
  const server: Running = await startServer(cleanEnv({ DATA_DIR: dir, ADMIN_TOKEN }))
  t.teardown(() => server.stop())
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
  t.teardown(() => browser.close())
  await mkdir(ARTIFACTS, { recursive: true })

  /** /docs in a fresh browser context: no authorization persisted from another subtest. */
  async function openDocs(t: Test): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    t.teardown(() => context.close())
    const page = await context.newPage()
    page.setDefaultTimeout(20_000)
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    const response = await page.goto(`${server.url}/docs`)
    t.equal(response?.status(), 200, '/docs answers 200')
    await page.locator('.opblock').first().waitFor()
    return { page, errors }
  }

  await t.test('renders the API description and every operation', async (t) => {
    const { page, errors } = await openDocs(t)
    t.match(await page.locator('.info .title').innerText(), /^Broadsheet API\s*1\.0\.0/, 'title and version')

    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> }
    const documented = Object.entries(document.paths)
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
    t.same(errors, [], 'no uncaught errors in the page')
  })

  await t.test('Try it out: GET /api/v1/articles shows 200 with the newest seeded articles', async (t) => {
    const { page, errors } = await openDocs(t)
    const operation = await tryItOut(page, 'articles', 'listArticles')
    await operation.locator('tr[data-param-name="limit"] input').fill('3')
    const live = await execute(operation)

    t.equal(live.status, '200', 'the UI shows 200')
    // Swagger UI also fills in defaults and examples (count=true, sort=-publishedAt,title).
    t.match(live.requestUrl, `${server.url}/api/v1/articles?limit=3&`, 'with the parameter typed into the form')
    const body = JSON.parse(live.body) as { data: { title: string; status: string }[]; meta: { limit: number } }
    t.same(body.data.map((a) => a.title), newestTitles.slice(0, 3), 'the rendered body holds the three newest articles')
    t.ok(body.data.every((a) => a.status === 'published'), 'published only')
    t.equal(body.meta.limit, 3)

    await screenshot(page, operation, 'swagger-ui.png')
    t.same(errors, [], 'no uncaught errors in the page')
  })

  await t.test('Authorize: GET /api/v1/tokens is 401 without a token and 200 with the admin token', async (t) => {
    const { page, errors } = await openDocs(t)
    const operation = await tryItOut(page, 'tokens', 'listTokens')

    const anonymous = await execute(operation)
    t.equal(anonymous.status, '401', 'not authorized yet: 401')
    t.match(JSON.parse(anonymous.body), { status: 401, code: 'UNAUTHORIZED' }, 'problem+json')
    t.notMatch(anonymous.curl, /authorization/i, 'no Authorization header sent')

    await page.locator('.auth-wrapper .authorize').click()
    const dialog = page.locator('.modal-ux')
    await dialog.locator('#auth-bearer-value').fill(ADMIN_TOKEN)
    await dialog.getByRole('button', { name: 'Apply credentials' }).click()
    await dialog.getByRole('button', { name: 'Remove authorization' }).waitFor()
    t.match(await dialog.innerText(), /Authorized/, 'the dialog says it is authorized')
    await dialog.getByRole('button', { name: 'Close' }).click()
    await dialog.waitFor({ state: 'detached' })

    const authorized = await execute(operation)
    t.equal(authorized.status, '200', 'authorized: 200')
    t.match(authorized.curl, `Authorization: Bearer ${ADMIN_TOKEN}`, 'the UI sent the bearer token')
    const body = JSON.parse(authorized.body) as { data: { name: string; role: string }[] }
    t.match(body.data, [{ name: 'ADMIN_TOKEN (environment)', role: 'admin' }], 'the token list')
    t.notOk(authorized.body.includes(ADMIN_TOKEN), 'no secret in the listing')
    await screenshot(page, operation, 'swagger-ui-authorized.png')
    t.same(errors, [], 'no uncaught errors in the page')
  })
})
