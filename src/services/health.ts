import type { PrismaClient } from '../generated/prisma/client.js'

export function createHealthService(prisma: PrismaClient) {
  return {
    /** True when the database answers a trivial query within `timeoutMs`. */
    async databaseAnswers(timeoutMs: number): Promise<boolean> {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs)
      })
      // Twice: after a database restart the first try may draw a dead pooled connection
      // (which the pool then discards); that says nothing about the database now.
      const once = () => prisma.$queryRaw`SELECT 1`.then(
        () => true,
        () => false,
      )
      const ping = once().then((ok) => ok || once())
      try {
        return await Promise.race([ping, timeout])
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

export type HealthService = ReturnType<typeof createHealthService>
