import { buildApp } from './app.js'
import { configWith } from './config.js'

/**
 * The OpenAPI document exactly as the app serves it, rendered for the committed files
 * (openapi/openapi.json and .yaml). Building the app needs a database, but not a migrated
 * or seeded one: a throw-away in-memory PGlite is enough.
 */
export async function renderOpenApi(): Promise<{ json: string; yaml: string }> {
  const app = await buildApp(
    configWith({ DATA_DIR: 'memory://', DATABASE_URL: undefined, MIGRATE_ON_START: false, SEED_ON_EMPTY: false }),
    { logger: false },
  )
  try {
    return { json: `${JSON.stringify(app.swagger(), null, 2)}\n`, yaml: app.swagger({ yaml: true }) }
  } finally {
    await app.close()
  }
}
