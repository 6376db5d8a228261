import swaggerUi, { type FastifySwaggerUiConfigOptions, type FastifySwaggerUiOptions } from '@fastify/swagger-ui'
import fp from 'fastify-plugin'

type SwaggerUIPlugin = NonNullable<FastifySwaggerUiConfigOptions['plugins']>[number]

const TITLE = 'Broadsheet API'

/** The document the UI loads and shows in its top bar: the one the swagger plugin serves. */
const DOCUMENT_URL = '/openapi.json'
const CONFIG_URL = '/docs/swagger-config.json'

/**
 * /docs gets its own policy instead of helmet's `default-src 'none'` for JSON: everything from
 * this origin, nothing inline, nothing from elsewhere (the UI's assets ship in the npm package).
 * Unlike @fastify/swagger-ui's `staticCSP: true` policy: no `https:` sources (no CDN), no
 * validator.swagger.io, and no `upgrade-insecure-requests`, which would send the UI's requests
 * to https:// when the server is reached over plain http at an address other than localhost.
 */
const CSP: Record<string, string[]> = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  // swagger-ui.css draws some icons as data: images.
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
}

/** A "B" on the top bar's dark grey, instead of Swagger's favicon. */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="6" fill="#1b1b1b"/>
<path fill="#fff" d="M9 6h8.5c4 0 6.5 2 6.5 5.2 0 2.2-1.2 3.7-3.1 4.3 2.5.5 4.1 2.3 4.1 4.9 0 3.6-2.8 5.6-7.2 5.6H9zm4 3.3v5h4c1.9 0 3-.9 3-2.5s-1.1-2.5-3-2.5zm0 8.2v5.2h4.4c2.1 0 3.3-.9 3.3-2.6s-1.2-2.6-3.3-2.6z"/>
</svg>`

/**
 * Code for the browser, as text. @fastify/swagger-ui writes each function in `uiConfig` into
 * /docs/static/swagger-initializer.js with `fn.toString()`; a function compiled here would not
 * survive that (tsx's esbuild adds `__name()` calls, which the browser does not have).
 */
function browserPlugin(source: string): SwaggerUIPlugin {
  return Object.assign(() => ({}), { toString: () => source })
}

/**
 * Swagger UI's plugin replacing the top bar's logo with the name. The standalone preset draws
 * Swagger's SVG logo with an inline <style> element, which the policy above refuses: a console
 * error on every load (@fastify/swagger-ui only swaps its own logo in after that first render).
 */
const topBarLogo = browserPlugin(`function broadsheetTopBar(system) {
  return {
    components: {
      Logo: function Logo() {
        return system.React.createElement('span', { className: 'broadsheet-logo' }, ${JSON.stringify(TITLE)})
      }
    }
  }
}`)

/**
 * Swagger UI's plugin for operations that need no token. The document says so the OpenAPI way:
 * `security: [{}, {bearerAuth: []}]` (anonymous, or with a token, which shows more: drafts,
 * emails), so the UI sends the token there once authorized. But Swagger UI counts the empty
 * requirement as always satisfied and draws a closed padlock on every such operation, as if it
 * needed a token. This draws their summaries as for `security: [{}]`: no padlock. Only the
 * summary is drawn so: what Execute sends still follows the document.
 */
const optionalAuth = browserPlugin(`function broadsheetOptionalAuth() {
  return {
    wrapComponents: {
      OperationSummary: function (Original, system) {
        return function OperationSummary(props) {
          var security = props.operationProps && props.operationProps.get('security')
          var anonymous = security && security.filter(function (requirement) { return requirement.isEmpty() })
          if (!anonymous || anonymous.size === 0) return system.React.createElement(Original, props)
          return system.React.createElement(Original, Object.assign({}, props, { operationProps: props.operationProps.set('security', anonymous) }))
        }
      }
    }
  }
}`)

// null is "no logo" to @fastify/swagger-ui (lib/swagger-initializer.js); its types leave null out.
const NO_LOGO = null as unknown as FastifySwaggerUiOptions['logo']

/** Swagger UI at /docs, on the document the swagger plugin builds (assets ship in the npm package). */
export default fp(
  async (app) => {
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      uiConfig: {
        deepLinking: true,
        persistAuthorization: true,
        tryItOutEnabled: false,
        // null: the UI would otherwise fetch a badge from an outside validator service.
        validatorUrl: null,
        // @fastify/swagger-ui sets `url` to its own /docs/json after this config; the config
        // fetched from `configUrl` is merged over that, so the UI loads /openapi.json and its
        // top bar shows the URL the rest of the documentation names.
        configUrl: CONFIG_URL,
        // Swagger UI's presets stay (DownloadUrl, the top bar's URL box, is part of them).
        plugins: [topBarLogo, optionalAuth],
      },
      logo: NO_LOGO,
      theme: {
        title: TITLE,
        favicon: [{ filename: 'favicon.svg', rel: 'icon', sizes: 'any', type: 'image/svg+xml', content: FAVICON }],
      },
      staticCSP: CSP,
    })

    app.get(CONFIG_URL, { schema: { hide: true } }, async () => ({ url: DOCUMENT_URL }))
  },
  { name: 'swagger-ui', dependencies: ['swagger'] },
)
