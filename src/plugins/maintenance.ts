import fp from 'fastify-plugin'
import type { Config } from '../config.js'

interface Job {
  name: string
  everyMs: number
  run(): Promise<void>
}

/**
 * The server's own housekeeping, so no cron job is needed: every process runs each job at
 * start and then every `everyMs`, and the jobs are written so that several processes running
 * them at once do each piece of work exactly once (row locks with SKIP LOCKED, deletes that
 * only one transaction can win). A run never overlaps the previous one of the same job, a
 * failure is logged and retried at the next tick, and closing the app waits for a running job.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const { articles, previews, idempotency } = app.services
    const sweep = config.TRASH_PURGE_INTERVAL_SECONDS * 1000
    const jobs: Job[] = [
      {
        name: 'trash retention',
        everyMs: sweep,
        async run() {
          const ids = await articles.purgeTrash()
          if (ids.length > 0) app.log.info({ count: ids.length, ids }, 'destroyed articles whose time in the trash (TRASH_RETENTION_DAYS) was over')
        },
      },
      {
        name: 'expired preview tokens',
        everyMs: sweep,
        async run() {
          const count = await previews.pruneExpired()
          if (count > 0) app.log.info({ count }, 'deleted expired preview tokens')
        },
      },
      {
        name: 'expired idempotency keys',
        everyMs: 60 * 60 * 1000,
        async run() {
          const count = await idempotency.pruneExpired()
          if (count > 0) app.log.info({ count }, 'pruned expired idempotency keys')
        },
      },
    ]

    let closing = false
    const timers = new Set<NodeJS.Timeout>()
    const running = new Set<Promise<void>>()
    const schedule = (job: Job, delay: number) => {
      if (closing) return
      const timer = setTimeout(() => {
        timers.delete(timer)
        const run = job
          .run()
          .catch((error: unknown) => app.log.warn({ err: error, job: job.name }, 'maintenance job failed; it runs again at the next tick'))
          .finally(() => {
            running.delete(run)
            schedule(job, job.everyMs)
          })
        running.add(run)
      }, delay)
      timer.unref()
      timers.add(timer)
    }

    app.addHook('onReady', async () => {
      for (const job of jobs) schedule(job, 0)
    })
    app.addHook('onClose', async () => {
      closing = true
      for (const timer of timers) clearTimeout(timer)
      await Promise.allSettled([...running])
    })
  },
  { name: 'maintenance', dependencies: ['services'] },
)
