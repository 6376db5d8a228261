import t from 'tap'
import { cleanEnv, startServer, tempDir } from '../support/process.js'

t.test('SIGTERM under load: requests already sent complete, then a clean exit 0', async (t) => {
  const dir = await tempDir(t, 'broadsheet-shutdown-')
  const server = await startServer(
    cleanEnv({ DATA_DIR: dir, SHUTDOWN_GRACE_MS: '8000', RATE_LIMIT_PER_MINUTE: '1000000' }),
  )

  let signalledAt = 0
  // Every request with the time the client sent it and how it ended.
  const outcomes: { sentAt: number; outcome: string }[] = []
  const worker = async () => {
    for (;;) {
      const sentAt = Date.now()
      let outcome: string
      try {
        const res = await fetch(`${server.url}/api/v1/articles?include=author&limit=20`, {
          signal: AbortSignal.timeout(10_000),
        })
        await res.text()
        outcome = String(res.status)
      } catch (error) {
        outcome = (error as { cause?: { code?: string } }).cause?.code ?? 'error'
      }
      outcomes.push({ sentAt, outcome })
      if (signalledAt !== 0 && (!/^\d+$/.test(outcome) || Date.now() - signalledAt > 3000)) return
    }
  }
  const workers = Array.from({ length: 8 }, worker)
  await new Promise((resolve) => setTimeout(resolve, 1500))
  signalledAt = Date.now()
  const exit = server.stop('SIGTERM')
  await Promise.all(workers)
  const result = await exit

  // A request sent well before the signal (200 ms: it has surely reached the server) is in
  // flight or done when SIGTERM arrives, and must get its 200. One sent around or after the
  // signal may still be served, get a 503 (the server is closing), or be refused.
  const before = outcomes.filter((o) => o.sentAt < signalledAt - 200).map((o) => o.outcome)
  const around = outcomes.filter((o) => o.sentAt >= signalledAt - 200).map((o) => o.outcome)
  t.ok(before.length > 20, `${before.length} requests sent before the signal`)
  t.same([...new Set(before)], ['200'], 'every request sent before SIGTERM got its 200')
  t.ok(
    around.every((o) => ['200', '503', 'ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET'].includes(o)),
    `around and after it: served, 503 or refused (${[...new Set(around)].join(', ')})`,
  )
  t.equal(result.code, 0, 'exit code 0')
  t.ok(Date.now() - signalledAt < 8000, 'well within the grace period')
  t.match(result.stdout, /"signal":"SIGTERM".*shutting down/)
})
