import fp from 'fastify-plugin'
import type { Config } from '../config.js'

interface Job {
  name: string
  everyMs: number
  /** Does the work; may ask to run again sooner than `everyMs` (a scheduled go-live). */
  run(): Promise<Date | void>
  /** After every run, failed or not: a sooner moment the job was asked to run at meanwhile. */
  wakeUp?(now: number): number | undefined
  /** Hears of such moments as they are asked for, between runs. */
  onWakeUp?(listener: (at: number) => void): void
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
    const { trash, previews, idempotency, deliveries, goLive } = app.services
    const sweep = config.TRASH_PURGE_INTERVAL_SECONDS * 1000
    const jobs: Job[] = [
      {
        // Scheduled articles go live by the clock on every read; this announces it (the
        // article.published event, webhooks and purges) at that moment, exactly once
        // (services/go-live.ts), and at once when a publish here scheduled one.
        name: 'scheduled go-live',
        everyMs: 30_000,
        async run() {
          const { announced, next } = await goLive.sweep()
          if (announced.length > 0)
            app.log.info({ count: announced.length, ids: announced }, 'scheduled articles went live')
          return next
        },
        wakeUp: (now) => goLive.wakeUp(now),
        onWakeUp: (listener) => goLive.onWakeUp(listener),
      },
      {
        name: 'delivered outbox events',
        everyMs: 60 * 60 * 1000,
        async run() {
          const count = await deliveries.prune(new Date(Date.now() - config.OUTBOX_RETENTION_DAYS * 86_400_000))
          if (count > 0) app.log.info({ count }, 'pruned settled outbox events and their delivery log')
        },
      },
      {
        name: 'trash retention',
        everyMs: sweep,
        async run() {
          const ids = await trash.purge()
          if (ids.length > 0)
            app.log.info(
              { count: ids.length, ids },
              'destroyed articles whose time in the trash (TRASH_RETENTION_DAYS) was over',
            )
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
    const timers = new Map<Job, { timer: NodeJS.Timeout; at: number }>()
    const running = new Set<Promise<void>>()

    const schedule = (job: Job, at: number) => {
      if (closing) return
      clearTimeout(timers.get(job)?.timer)
      // Node's timers hold 32-bit milliseconds; a later moment is reached by re-planning.
      const timer = setTimeout(
        () => {
          timers.delete(job)
          const run = job
            .run()
            .then(
              (sooner) => nextRun(job, sooner?.getTime()),
              (error: unknown) => {
                app.log.warn({ err: error, job: job.name }, 'maintenance job failed; it runs again at the next tick')
                nextRun(job)
              },
            )
            .finally(() => running.delete(run))
          running.add(run)
        },
        Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1),
      )
      timer.unref()
      timers.set(job, { timer, at })
    }
    /** After a run: its own interval, or sooner when the job or a wake-up asks for it. */
    const nextRun = (job: Job, sooner?: number) => {
      const now = Date.now()
      schedule(job, Math.min(now + job.everyMs, sooner ?? Infinity, job.wakeUp?.(now) ?? Infinity))
    }
    // A wake-up (a go-live scheduled by this process) brings the job's next run forward (other
    // processes find it within everyMs). It is told from inside the publishing request: the
    // timer must not inherit that request's transaction.
    for (const job of jobs) {
      job.onWakeUp?.((at) => {
        if (!config.RUN_BACKGROUND_JOBS) return
        app.db.detached(() => {
          const planned = timers.get(job)
          if (planned && at < planned.at) schedule(job, at)
        })
      })
    }

    app.addHook('onReady', async () => {
      if (config.RUN_BACKGROUND_JOBS) for (const job of jobs) schedule(job, Date.now())
    })
    app.addHook('onClose', async () => {
      closing = true
      for (const { timer } of timers.values()) clearTimeout(timer)
      await Promise.allSettled([...running])
    })
  },
  { name: 'maintenance', dependencies: ['services'] },
)
