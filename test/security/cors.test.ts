import t from 'tap'
import { configWith, corsOrigins } from '../../src/config.js'
import { buildTestApp, type TestApp } from '../support/app.js'
import { requires } from '../support/requires.js'

/**
 * Browser access (CORS). Unset, CORS_ORIGINS lets local frontends (a dev server on
 * http://localhost:5173, say) read the API of an embedded default server, and nobody else;
 * with DATABASE_URL nobody until it is configured. Told origins, it grants exactly those.
 */

const preflight = (app: TestApp, origin: string) =>
  app.inject({
    method: 'OPTIONS',
    url: '/api/v1/articles/some-article',
    headers: {
      origin,
      'access-control-request-method': 'PATCH',
      'access-control-request-headers': 'authorization, if-match, content-type',
    },
  })
const read = (app: TestApp, origin: string) => app.inject({ url: '/api/v1/articles?limit=1', headers: { origin } })

t.test('the default: local frontends on the embedded database, nobody with DATABASE_URL', async (t) => {
  t.same(corsOrigins(configWith({ DATA_DIR: 'memory://' })).localDefault, true, 'embedded: the local default')
  t.same(
    corsOrigins(configWith({ DATABASE_URL: 'postgres://db/cms' })),
    { origins: [], localDefault: false },
    'DATABASE_URL: nobody',
  )
  t.same(
    corsOrigins(configWith({ CORS_ORIGINS: 'none' })),
    { origins: [], localDefault: false },
    'none: nobody, even embedded',
  )
})

const LOCAL = ['http://localhost:5173', 'http://127.0.0.1:3001', 'http://localhost', 'http://[::1]:8080']
const FOREIGN = [
  'https://localhost:5173',
  'http://localhost.evil.example',
  'http://evil.example:5173',
  'http://127.0.0.1.nip.io:3000',
  'null',
]

t.test('the embedded default grants local frontends, and nobody else', async (t) => {
  // Embedded whatever TEST_DATABASE_URL says, so CI (on Postgres) runs these checks too.
  const app = await buildTestApp(t, { DATABASE_URL: undefined, DATA_DIR: 'memory://' })
  for (const origin of LOCAL) {
    const res = await read(app, origin)
    t.equal(res.statusCode, 200)
    t.equal(res.headers['access-control-allow-origin'], origin, `${origin}: granted`)
    const pre = await preflight(app, origin)
    t.equal(pre.statusCode, 204, 'a preflight for a PATCH with If-Match is answered')
    t.equal(pre.headers['access-control-allow-origin'], origin)
    t.match(String(pre.headers['access-control-allow-headers']), /if-match/i, 'If-Match may be sent')
    t.match(String(pre.headers['access-control-allow-methods']), /PATCH/)
  }
  for (const origin of FOREIGN) {
    t.equal((await read(app, origin)).headers['access-control-allow-origin'], undefined, `${origin}: no grant`)
    const pre = await preflight(app, origin)
    t.equal(pre.headers['access-control-allow-origin'], undefined, `${origin}: no preflight grant`)
    t.not(pre.statusCode, 204, `${origin}: its preflight is not answered as a CORS one (routing answers it)`)
  }
  const exposed = (await read(app, 'http://localhost:5173')).headers['access-control-expose-headers']
  t.match(String(exposed), /ETag/, 'a local frontend can read the ETag')
})

t.test('with DATABASE_URL nobody is granted by default', { skip: requires('postgres') }, async (t) => {
  const app = await buildTestApp(t)
  for (const origin of [...LOCAL, ...FOREIGN]) {
    t.equal((await read(app, origin)).headers['access-control-allow-origin'], undefined, `${origin}: no grant`)
    t.equal(
      (await preflight(app, origin)).headers['access-control-allow-origin'],
      undefined,
      `${origin}: no preflight grant`,
    )
  }
})

t.test('CORS_ORIGINS grants exactly the origins it lists, and none grants nobody', async (t) => {
  const listed = await buildTestApp(t, { CORS_ORIGINS: 'https://news.example, https://preview.news.example' })
  t.equal((await read(listed, 'https://news.example')).headers['access-control-allow-origin'], 'https://news.example')
  t.equal(
    (await read(listed, 'https://preview.news.example')).headers['access-control-allow-origin'],
    'https://preview.news.example',
  )
  t.equal(
    (await read(listed, 'http://localhost:5173')).headers['access-control-allow-origin'],
    undefined,
    'listing origins replaces the local default',
  )
  const none = await buildTestApp(t, { CORS_ORIGINS: 'none' })
  t.equal(
    (await read(none, 'http://localhost:5173')).headers['access-control-allow-origin'],
    undefined,
    'none: no grant',
  )
})
