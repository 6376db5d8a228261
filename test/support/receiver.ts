import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import { Webhook } from 'standardwebhooks'
import { deliveryProblems } from './events.js'

/** One request a receiver got. */
export interface Received {
  at: number
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
  /**
   * For a webhook delivery (a request with `webhook-id`): what is wrong with it against the
   * OpenAPI document's `webhooks` (test/support/events.ts); empty when it is as documented.
   */
  problems: string[]
}

/** A verified Standard Webhooks delivery. */
export interface Delivered {
  id: string
  type: string
  timestamp: string
  data: Record<string, any>
  at: number
}

/**
 * A real HTTP endpoint on this machine for webhook and purge tests: records every request and
 * answers with whatever `respond` says (200 by default). `listen` may be called again after
 * `close` (a receiver that goes down and comes back on the same port). Every webhook delivery it
 * gets is validated against the document (`Received.problems`): `verified` throws on one that
 * is not as documented, and the test fails at its end if any was not.
 */
export async function startReceiver(t: Test, options: { host?: string; port?: number } = {}) {
  const received: Received[] = []
  let respond: (request: Received) => { status: number; headers?: Record<string, string>; body?: string } = () => ({
    status: 200,
    body: 'ok',
  })
  let server: http.Server | undefined
  const host = options.host ?? '127.0.0.1'
  let port = options.port ?? 0
  const listen = async () => {
    server = http.createServer(
      recording(received, (request, res) => {
        const answer = respond(request)
        res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '')
      }),
    )
    await new Promise<void>((resolve, reject) => server!.once('error', reject).listen(port, host, resolve))
    port = (server.address() as AddressInfo).port
  }
  const close = async () => {
    const s = server
    server = undefined
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()).closeAllConnections())
  }
  await listen()
  t.teardown(async () => {
    await close()
    reportUndocumented(t, received)
  })
  const url = (path = '/hook') => `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`
  return {
    received,
    url,
    get port() {
      return port
    },
    listen,
    close,
    respondWith(fn: typeof respond) {
      respond = fn
    },
    /**
     * Every request, verified with the `standardwebhooks` package against `secret`; throws on a
     * bad signature, or on a delivery that is not as the document describes it.
     */
    verified(secret: string): Delivered[] {
      const webhook = new Webhook(secret)
      assertDocumented(received)
      return received.map((r) => {
        const payload = webhook.verify(r.body, r.headers as Record<string, string>) as {
          type: string
          timestamp: string
          data: Record<string, any>
        }
        return { id: String(r.headers['webhook-id']), ...payload, at: r.at }
      })
    },
  }
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>

/** Polls until `what` holds (every 50 ms), or fails the wait after `timeoutMs`. */
export async function eventually(
  what: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  message = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error(`${message}: not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * A receiver that misbehaves as a test tells it: `handle` gets each request (its body read) and
 * the raw response, to answer any bytes, drip-feed them or never answer at all. Closing it
 * destroys the connections still open, so an attempt it holds ends at once (a reset).
 */
export async function startScriptedReceiver(t: Test, handle: (request: Received, res: http.ServerResponse) => void) {
  const received: Received[] = []
  const server = http.createServer(recording(received, handle))
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  let closed: Promise<void> | undefined
  const close = () => (closed ??= new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections()))
  t.teardown(async () => {
    await close()
    reportUndocumented(t, received)
  })
  return { received, url: (path = '/hook') => `http://127.0.0.1:${port}${path}`, close }
}

/** A request listener that reads each body, records the request in `received`, then lets `handle` answer. */
function recording(
  received: Received[],
  handle: (request: Received, res: http.ServerResponse) => void,
): http.RequestListener {
  return (req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      const problems = req.headers['webhook-id'] === undefined ? [] : deliveryProblems(body, req.headers)
      const request = {
        at: Date.now(),
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        problems,
      }
      received.push(request)
      handle(request, res)
    })
  }
}

/** What was undocumented about the webhook deliveries received, as one message (none: undefined). */
function undocumented(received: Received[]): string | undefined {
  const problems = received.flatMap((r) => r.problems)
  return problems.length === 0
    ? undefined
    : `webhook deliveries not as the OpenAPI document describes them:\n${problems.join('\n')}`
}

/**
 * At the end of a test: fails it (without throwing, so the test's other teardowns, such as
 * closing its app and the delivery worker, still run) when any delivery was not as documented.
 */
function reportUndocumented(t: Test, received: Received[]): void {
  const message = undocumented(received)
  if (message !== undefined) t.fail(message)
}

/** Throws when any webhook delivery received was not as the OpenAPI document describes it. */
function assertDocumented(received: Received[]): void {
  const message = undocumented(received)
  if (message !== undefined) throw new Error(message)
}
