import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { cleanEnv, startServer } from './process.js'

t.test('SIGTERM under load: requests already sent complete, then a clean exit 0', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'broadsheet-shutdown-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const server = await startServer(cleanEnv({ DATA_DIR: dir, SHUTDOWN_GRACE_MS: '8000', RATE_LIMIT_PER_MINUTE: '1000000' }))

  let signalledAt = 0
  const before: number[] = [] // statuses of requests sent before the signal
  const after: string[] = [] // outcomes of requests sent after it
  const worker = async () => {
    for (;;) {
      const sentAt = Date.now()
      const sentBefore = signalledAt === 0
      try {
        const res = await fetch(`${server.url}/api/v1/articles?include=author&limit=20`, { signal: AbortSignal.timeout(10_000) })
        await res.text()
        if (sentBefore) before.push(res.status)
        else after.push(String(res.status))
      } catch (error) {
        if (sentBefore && sentAt < signalledAt) before.push(-1)
        else after.push((error as { cause?: { code?: string } }).cause?.code ?? 'error')
        if (!sentBefore) return
      }
      if (signalledAt !== 0 && Date.now() - signalledAt > 3000) return
    }
  }
  const workers = Array.from({ length: 8 }, worker)
  await new Promise((resolve) => setTimeout(resolve, 1500))
  signalledAt = Date.now()
  const exit = server.stop('SIGTERM')
  await Promise.all(workers)
  const result = await exit

  t.ok(before.length > 20, `${before.length} requests sent before the signal`)
  t.same([...new Set(before)], [200], 'every request sent before SIGTERM got its 200')
  // Sent after the signal: still served if it rode an open connection in time, else refused.
  t.ok(after.every((o) => ['200', '503', 'ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET'].includes(o)), `after it: served, 503 or refused (${[...new Set(after)].join(', ')})`)
  t.equal(result.code, 0, 'exit code 0')
  t.ok(Date.now() - signalledAt < 8000, 'well within the grace period')
  t.match(result.stdout, /"signal":"SIGTERM".*shutting down/)
})
