import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import t from 'tap'
import { createReceiver, pagesToRevalidate, type BroadsheetEvent } from '../../examples/webhook-receiver.js'
import { buildTestApp, json, tokenHeaders, type Headers, type TestApp } from '../support/app.js'
import { eventually } from '../support/receiver.js'
import { thuha } from '../support/seed-facts.js'

/**
 * examples/webhook-receiver.ts, the receiver a frontend copies, run against the real server:
 * it verifies real signed deliveries, revalidates the pages each one names, refuses a forged
 * one and does not revalidate twice for a redelivery.
 */

const LOCAL = { RUN_BACKGROUND_JOBS: true, DELIVERY_POLL_MS: 100, WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32' }

const post = (app: TestApp, headers: Headers, url: string, payload?: object) =>
  app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) })

t.test('the example receiver verifies real deliveries and revalidates what they name', async (t) => {
  const app = await buildTestApp(t, LOCAL)
  const admin = await tokenHeaders(app, 'admin')
  // The secret comes with the subscription, the receiver's address once it listens: subscribe, then point it there.
  const hook = json(
    await post(app, admin, '/api/v1/webhooks', { url: 'http://127.0.0.1:9/not-yet', events: ['*'] }),
  ) as { id: string; secret: string }
  const revalidated: { type: string; paths: string[] }[] = []
  const server = createReceiver({
    secret: hook.secret,
    revalidate: (paths, event) => void revalidated.push({ type: event.type, paths }),
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections()))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  const etag = (await app.inject({ url: `/api/v1/webhooks/${hook.id}`, headers: admin })).headers.etag as string
  const moved = await app.inject({
    method: 'PATCH',
    url: `/api/v1/webhooks/${hook.id}`,
    headers: { ...admin, 'if-match': etag },
    payload: { url },
  })
  t.equal(moved.statusCode, 200)

  const article = json(
    await post(app, admin, '/api/v1/articles', { title: 'Receiver example', authorId: thuha.id, tags: ['harbour'] }),
  ) as { id: string; slug: string }
  await post(app, admin, `/api/v1/articles/${article.id}/publish`)
  await eventually(() => revalidated.length >= 2, 15_000, 'both deliveries handled')
  t.same(
    revalidated,
    [
      { type: 'article.created', paths: [] },
      { type: 'article.published', paths: ['/', `/articles/${article.slug}`, '/tags/harbour'] },
    ],
    'a draft revalidates nothing; its publication the home page, its page and its tag page',
  )
  const log = json(await app.inject({ url: `/api/v1/webhooks/${hook.id}/deliveries`, headers: admin })) as {
    data: { id: string; eventType: string; status: string; responseStatus: number }[]
  }
  t.same(
    log.data.map((d) => [d.eventType, d.status, d.responseStatus]).sort(),
    [
      ['article.created', 'delivered', 204],
      ['article.published', 'delivered', 204],
    ],
    'the receiver answered 204 to both',
  )

  // A redelivery (same webhook-id) is acknowledged, not revalidated again.
  const published = log.data.find((d) => d.eventType === 'article.published')!
  const again = await post(app, admin, `/api/v1/webhooks/${hook.id}/deliveries/${published.id}/redeliver`)
  t.equal(again.statusCode, 202)
  await eventually(
    async () =>
      (
        json(await app.inject({ url: `/api/v1/webhooks/${hook.id}/deliveries?status=delivered`, headers: admin })) as {
          meta: { total: number }
        }
      ).meta.total === 3,
    15_000,
    'the redelivery delivered',
  )
  t.equal(revalidated.length, 2, 'a repeated webhook-id revalidates nothing more')

  // A delivery signed with another secret is refused before its body is used.
  const forged = JSON.stringify({
    type: 'article.published',
    timestamp: new Date().toISOString(),
    data: { slug: 'forged' },
  })
  const other = new Webhook(`whsec_${randomBytes(24).toString('base64')}`)
  const now = new Date()
  const refused = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': 'msg_forged',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': other.sign('msg_forged', now, forged),
    },
    body: forged,
  })
  t.equal(refused.status, 400, 'a bad signature is a 400')
  t.equal(revalidated.length, 2, 'and revalidates nothing')
})

t.test('pagesToRevalidate: nothing for what the public never saw', async (t) => {
  const state = { authorId: thuha.id, tags: ['x'], trashed: false, coverImageId: null }
  type State = typeof state & { slug: string; status: 'draft' | 'scheduled' | 'published' }
  const draft: State = { slug: 'a-draft', status: 'draft', ...state }
  const updated = (previous: State, now: State): BroadsheetEvent => ({
    type: 'article.updated',
    timestamp: new Date().toISOString(),
    data: { id: thuha.id, publishedAt: null, sequence: 2, ...now, previous },
  })
  t.same(pagesToRevalidate(updated(draft, { ...draft, slug: 'still-a-draft' })), [])
  t.same(
    pagesToRevalidate(updated({ ...draft, status: 'published' }, { ...draft, slug: 'renamed', status: 'published' })),
    ['/', '/articles/renamed', '/tags/x', '/articles/a-draft'],
    'a live article renamed: its new and its old page',
  )
})
