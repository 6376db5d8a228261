import t from 'tap'
import { ConfigError, loadConfig } from '../../src/config.js'

t.test('defaults: embedded database under ./.data on 127.0.0.1:3000', async (t) => {
  const config = loadConfig({})
  t.equal(config.PORT, 3000)
  t.equal(config.HOST, '127.0.0.1')
  t.equal(config.DATA_DIR, './.data')
  t.equal(config.DATABASE_URL, undefined)
  t.equal(config.LOG_LEVEL, 'info')
  t.equal(config.MIGRATE_ON_START, true)
})

t.test('values are converted from text; empty strings count as unset', async (t) => {
  const config = loadConfig({ PORT: '8080', DB_POOL_SIZE: '3', SEED_ON_EMPTY: 'false', DATABASE_URL: '' })
  t.equal(config.PORT, 8080)
  t.equal(config.DB_POOL_SIZE, 3)
  t.equal(config.SEED_ON_EMPTY, false)
  t.equal(config.DATABASE_URL, undefined)
})

t.test('a bad value is one error naming the variable and the value', async (t) => {
  t.throws(() => loadConfig({ PORT: 'abc' }), { name: 'ConfigError', message: /PORT must be integer \(got "abc"\)/ })
  t.throws(() => loadConfig({ PORT: '70000' }), /PORT/)
  t.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL must be one of fatal, error, warn, info/)
})

t.test('every bad variable is named at once', async (t) => {
  const error = t.throws(() => loadConfig({ PORT: 'x', DB_CONNECT_TIMEOUT_MS: '-1', LOG_LEVEL: 'x' })) as ConfigError
  t.match(error.message, /PORT/)
  t.match(error.message, /DB_CONNECT_TIMEOUT_MS/)
  t.match(error.message, /LOG_LEVEL/)
})

t.test('secrets are named but never echoed', async (t) => {
  const error = t.throws(() =>
    loadConfig({ ADMIN_TOKEN: 'hunter2', DATABASE_URL: 'mysql://u:pw-secret@h/db' }),
  ) as Error
  t.match(error.message, /ADMIN_TOKEN/)
  t.match(error.message, /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ connection string/)
  t.notMatch(error.message, /hunter2/)
  t.notMatch(error.message, /pw-secret/)
})
