import type { LookupAddress } from 'node:dns'
import { lookup } from 'node:dns/promises'
import http, { type IncomingMessage } from 'node:http'
import https from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { performance } from 'node:perf_hooks'
import ipaddr from 'ipaddr.js'

/**
 * The one way out: every request the CMS makes to a URL someone configured (webhook
 * deliveries, CDN purges) goes through `send`, so the rules against server-side request
 * forgery live in one place. A URL may only reach public unicast addresses unless the operator
 * allow-lists a private range; the name is resolved once and the socket is pinned to the address
 * that was checked; redirects are never followed; time and response size are bounded.
 */

type Address = ipaddr.IPv4 | ipaddr.IPv6
type Cidr = [Address, number]

declare const brand: unique symbol
/** Made by `parseAllowList` only: the brand keeps an arbitrary array from passing for one. */
export type AllowList = readonly Cidr[] & { readonly [brand]: 'AllowList' }

/** A comma list of CIDRs or single IPs (v4 or v6), e.g. "127.0.0.0/8,::1/128,10.1.2.3": private targets that are nevertheless allowed. */
export function parseAllowList(text: string): AllowList {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
  return entries.map(parseEntry) as readonly Cidr[] as AllowList
}

/**
 * ipaddr.js also reads IPv4 shorthands ("10.1" is 10.0.0.1), which would make "10.1/16" mean
 * something other than what its writer meant; an allow list takes four-part IPv4 only.
 */
function parseEntry(entry: string): Cidr {
  const cidr = entry.includes('/') ? entry : `${entry}/${ipaddr.IPv6.isValid(entry) ? 128 : 32}`
  if (ipaddr.IPv6.isValidCIDR(cidr) || ipaddr.IPv4.isValidCIDRFourPartDecimal(cidr)) return ipaddr.parseCIDR(cidr)
  throw new Error(`allow list entry "${entry}" is not an IP address or CIDR range`)
}

export type RefusalReason = 'invalid-url' | 'scheme' | 'credentials' | 'fragment' | 'blocked-address' | 'unresolvable'

/** A target the rules forbid. The message names the rule, never an address or a resolver error. */
export class OutboundRefused extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message)
    this.name = 'OutboundRefused'
  }
}

/** An allowed target that did not answer (timeout, refused, reset, TLS); the message is a short reason, the cause is kept for logs. */
export class OutboundFailed extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'OutboundFailed'
  }
}

/**
 * URL shape rules, checked without DNS: http or https only, no username or password, no
 * fragment (it is never sent, so a URL with one says something other than what is requested).
 * The WHATWG parser already refuses an http(s) URL without a host.
 */
export function checkUrlShape(text: string): URL {
  if (!URL.canParse(text)) throw new OutboundRefused('invalid-url', 'the URL is not valid')
  const url = new URL(text)
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new OutboundRefused('scheme', 'the URL must use http or https')
  if (url.username !== '' || url.password !== '') {
    throw new OutboundRefused('credentials', 'the URL must not contain a username or password')
  }
  if (url.hash !== '' || url.href.endsWith('#'))
    throw new OutboundRefused('fragment', 'the URL must not contain a fragment')
  return url
}

export interface Target {
  url: URL
  address: string
  family: 4 | 6
}

/**
 * Shape rules, then the host resolved once (an IP literal is not looked up) and every address
 * it resolves to checked: a name with one public and one private address is refused, since the
 * connection could land on either.
 */
export async function resolveTarget(text: string, allow: AllowList): Promise<Target> {
  const url = checkUrlShape(text)
  const host = bareHostname(url)
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolveAll(host)
  if (addresses.some(({ address }) => !permitted(address, allow))) {
    throw new OutboundRefused(
      'blocked-address',
      "the URL's host is a private, local or reserved address; to allow it, list its network (a CIDR) in the server's " +
        'WEBHOOK_ALLOW_PRIVATE_NETWORKS setting',
    )
  }
  const [first] = addresses as [LookupAddress]
  return { url, address: first.address, family: first.family as 4 | 6 }
}

/** `URL.hostname` keeps the brackets of an IPv6 literal; sockets and TLS want the bare address. */
function bareHostname(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
}

async function resolveAll(host: string): Promise<LookupAddress[]> {
  const addresses = await lookup(host, { all: true }).catch(() => [])
  if (addresses.length === 0) throw new OutboundRefused('unresolvable', "the URL's host name does not resolve")
  return addresses
}

/** Everything ipaddr.js calls plain unicast is in 2000::/3 today; outside it (IPv4-compatible ::a.b.c.d, say) is not public. */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3')

/**
 * An IPv4-mapped address is its IPv4 (`process`). An address that carries an IPv4 inside it
 * (6to4, Teredo, NAT64) is judged with that IPv4 too: allow-listing a NAT64 prefix must not
 * open 64:ff9b::a9fe:a9fe, which the translator forwards to 169.254.169.254.
 */
function permitted(text: string, allow: AllowList): boolean {
  return withEmbedded(ipaddr.process(text)).every((address) => isPublic(address) || covers(allow, address))
}

function isPublic(address: Address): boolean {
  if (address.range() !== 'unicast') return false
  return address instanceof ipaddr.IPv4 || address.match(GLOBAL_UNICAST_V6)
}

function covers(allow: AllowList, address: Address): boolean {
  return allow.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits))
}

function withEmbedded(address: Address): Address[] {
  if (address instanceof ipaddr.IPv4) return [address]
  const bytes = address.toByteArray()
  const ipv4At = (offset: number, mask = 0) =>
    new ipaddr.IPv4(bytes.slice(offset, offset + 4).map((byte) => byte ^ mask))
  switch (address.range()) {
    case '6to4':
      return [address, ipv4At(2)]
    case 'teredo':
      // The Teredo server, then the client, whose address is stored inverted.
      return [address, ipv4At(4), ipv4At(12, 0xff)]
    case 'rfc6052':
    case 'rfc6145':
      return [address, ipv4At(12)]
    default:
      return [address]
  }
}

export interface OutboundRequest {
  url: string
  method: 'POST' | 'PURGE' | 'GET'
  headers: Record<string, string>
  body?: string
}

export interface OutboundOptions {
  allow: AllowList
  timeoutMs: number
  maxResponseBytes: number
}

export interface OutboundResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The first `maxResponseBytes` bytes of the body, as UTF-8. */
  body: string
  /** The same bytes as received (the body may be binary, compressed or not UTF-8). */
  bytes: Buffer
  truncated: boolean
  /** The whole attempt: resolution, connection, headers and the body read. */
  latencyMs: number
  /** The address the request was sent to. */
  address: string
}

/**
 * One request to the vetted address, bounded by `timeoutMs` from resolution to the last byte
 * read. A 3xx is returned as it is: following it would reach a URL nobody checked.
 */
export async function send(request: OutboundRequest, options: OutboundOptions): Promise<OutboundResponse> {
  const started = performance.now()
  const deadline = new AbortController()
  const timer = setTimeout(
    () => deadline.abort(new OutboundFailed(`timed out after ${options.timeoutMs} ms`)),
    options.timeoutMs,
  )
  try {
    const target = await beforeDeadline(resolveTarget(request.url, options.allow), deadline.signal)
    const answer = await exchange(target, request, options.maxResponseBytes, deadline.signal)
    return { ...answer, latencyMs: performance.now() - started, address: target.address }
  } finally {
    clearTimeout(timer)
  }
}

/** A lookup cannot be cancelled, but the caller need not wait for it. */
function beforeDeadline<T>(work: Promise<T>, deadline: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    deadline.addEventListener('abort', () => reject(deadline.reason), { once: true })
    work.then(resolve, reject)
  })
}

type Answer = Pick<OutboundResponse, 'status' | 'headers' | 'body' | 'bytes' | 'truncated'>

/**
 * The socket is opened by host name, so the Host header and TLS server name (and certificate
 * check) stay the URL's, but its lookup answers with the vetted address only: a DNS answer that
 * changed since the check (rebinding) is never asked for. No agent: a pooled socket would skip
 * the lookup.
 */
function exchange(target: Target, request: OutboundRequest, maxBytes: number, deadline: AbortSignal): Promise<Answer> {
  const { url } = target
  const hostname = bareHostname(url)
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request({
      hostname,
      port: url.port,
      path: `${url.pathname}${url.search}`,
      method: request.method,
      headers: { ...request.headers, host: url.host },
      lookup: pinnedLookup(target),
      agent: false,
      // RFC 6066 forbids an IP address as the server name; TLS then checks the certificate against the IP.
      ...(isIP(hostname) ? {} : { servername: hostname }),
    })
    const fail = (error: Error) => {
      req.destroy()
      reject(failure(error))
    }
    deadline.addEventListener('abort', () => fail(deadline.reason as Error), { once: true })
    req.on('error', fail)
    req.on('response', (res) => {
      readCapped(res, maxBytes).then(
        ({ bytes, truncated }) =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: bytes.toString('utf8'),
            bytes,
            truncated,
          }),
        fail,
      )
    })
    req.end(request.body)
  })
}

function pinnedLookup({ address, family }: Target): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address, family }])
    else callback(null, address, family)
  }
}

/** Reads at most `maxBytes`; past it the socket is destroyed, so an endless body costs one chunk more. */
function readCapped(res: IncomingMessage, maxBytes: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      size += chunk.length
      if (size > maxBytes) {
        res.destroy()
        resolve({ bytes: Buffer.concat(chunks).subarray(0, maxBytes), truncated: true })
      }
    })
    res.on('end', () => resolve({ bytes: Buffer.concat(chunks), truncated: false }))
    res.on('error', reject)
  })
}

const SOCKET_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
}

/** A short reason a delivery log can show; the original error stays as the cause. */
function failure(error: Error): OutboundFailed {
  if (error instanceof OutboundFailed) return error
  const code = (error as NodeJS.ErrnoException).code ?? ''
  const reason = SOCKET_FAILURES[code] ?? (/CERT|TLS|SSL/.test(code) ? 'TLS handshake failed' : 'request failed')
  return new OutboundFailed(reason, { cause: error })
}
