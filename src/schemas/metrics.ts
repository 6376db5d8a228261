import { Type } from 'typebox'

/** GET /metrics's 200 answer, for the document: text, not JSON, never stored by a cache. */
export const MetricsResponse = Type.Unsafe<string>({
  description: 'The metrics, in the Prometheus text format (version 0.0.4)',
  headers: {
    'Cache-Control': { type: 'string', enum: ['no-store'], description: 'Never stored by any cache.' },
  },
  content: {
    'text/plain': {
      schema: {
        type: 'string',
        description: 'Families prefixed `broadsheet_`, each with `# HELP` and `# TYPE` lines (README, Metrics).',
      },
    },
  },
})
