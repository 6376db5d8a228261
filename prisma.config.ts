import { defineConfig } from 'prisma/config'

// The Prisma CLI would download a native schema engine before `generate` or `db seed`,
// although neither runs it. Offline machines cannot, so name an existing file instead.
// Migrations never go through the CLI here: see src/db/migrate.ts and `npm run db:migrate`.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= new URL(import.meta.url).pathname
process.env.CHECKPOINT_DISABLE ??= '1'

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: {
    path: 'prisma/migrations',
    seed: 'tsx prisma/seed.ts',
  },
})
