/**
 * `npm run db:diff`: prints the SQL that takes the committed migrations to what
 * prisma/schema.prisma describes (nothing when they agree). Save it as
 * prisma/migrations/<timestamp>_<name>/migration.sql. Works offline, on Prisma's
 * WebAssembly schema engine; `prisma migrate dev` does the same on a connected machine.
 */
import { diffMigrationsToSchema } from '../src/db/migrate.js'

const diff = await diffMigrationsToSchema()
if (diff) console.log(diff)
else console.error('schema.prisma and prisma/migrations agree: nothing to migrate.')
