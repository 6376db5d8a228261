import fp from 'fastify-plugin'
import type { Config } from '../config.js'

/** The channel the outbox trigger notifies on each committed event (migration 20261204000000). */
const OUTBOX_CHANNEL = 'broadsheet_outbox'

/**
 * Runs the delivery worker in this server process (services/deliveries.ts): fan out committed
 * outbox events, then start what is due in the free sending slots (WEBHOOK_CONCURRENCY), until
 * nothing is due or no slot is free. It wakes when an event is committed (LISTEN, from any
 * process), when an attempt ends and frees its slot, every DELIVERY_POLL_MS for retries that
 * fall due (one statement when there is nothing to do), and at start (what an earlier process
 * left). One run at a time per process (a run only starts attempts; it does not wait for them);
 * several processes share the queue safely. Closing the app waits for the attempts in flight.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const { deliveries } = app.services
    let running: Promise<void> | undefined
    let again = false
    let fanOut = true
    let closing = false

    // A run fans out new events (when one was notified, and on every tenth poll in case a
    // notification was missed), then fills the free slots with what is due, until nothing is
    // left or no slot is free; each attempt wakes the worker again when it ends.
    const drain = async () => {
      do {
        again = false
        if (fanOut) {
          fanOut = false
          while (!closing && (await deliveries.dispatch()) > 0);
        }
        while (!closing) {
          const { claimed, attempts } = await deliveries.startDue()
          for (const attempt of attempts) void attempt.then(slotFreed)
          if (claimed === 0) break
        }
      } while (again && !closing)
    }
    const run = (withFanOut: boolean) => {
      if (closing) return
      fanOut ||= withFanOut
      if (running) {
        again = true
        return
      }
      running = drain()
        .catch((error: unknown) => {
          fanOut = true
          app.log.warn({ err: error }, 'delivery worker: a run failed; it runs again at the next wake-up')
        })
        .finally(() => {
          running = undefined
        })
    }
    // Notifications may arrive in the context of the transaction whose commit sent them (PGlite
    // calls back from inside it): the worker runs detached from it.
    const wake = () => app.db.detached(() => run(true))
    const slotFreed = () => app.db.detached(() => run(false))
    let polls = 0
    let listening = false
    const poll = () => app.db.detached(() => run(!listening || ++polls % 10 === 0))

    let stopListening: (() => Promise<void>) | undefined
    let timer: NodeJS.Timeout | undefined
    app.addHook('onReady', async () => {
      if (!config.RUN_BACKGROUND_JOBS) return
      stopListening = await app.db.listen(OUTBOX_CHANNEL, wake).catch((error: unknown) => {
        app.log.warn({ err: error }, 'delivery worker: cannot LISTEN for new events; polling only')
        return undefined
      })
      listening = stopListening !== undefined
      timer = setInterval(poll, config.DELIVERY_POLL_MS).unref()
      wake()
    })
    // After the routes have finished (onClose runs in reverse order), before the database closes.
    app.addHook('onClose', async () => {
      closing = true
      clearInterval(timer)
      await stopListening?.()
      await running
      await deliveries.settled()
    })
  },
  { name: 'deliveries', dependencies: ['services'] },
)
