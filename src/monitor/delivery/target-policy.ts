/**
 * Which webhook URLs stacklens may call (server-side request forgery guard). Pure: the host
 * resolver is injected (Node: `dns.promises.lookup(host, { all: true })`, see
 * `node-resolver.ts`; Workers: none, literal hosts only).
 *
 * Refused unless {@link TargetPolicy.allowPrivate}: loopback (127/8, ::1), private (10/8,
 * 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16 incl. the cloud metadata address,
 * fe80::/10), unspecified (0.0.0.0/8, ::), CGNAT (100.64/10), IPv4-mapped and IPv4-compatible
 * IPv6 (::ffff:0:0/96, ::/96), the other non-global ranges (multicast, reserved, documentation,
 * benchmarking, broadcast, NAT64/6to4/Teredo that embed a refused IPv4), and `localhost`-style names
 * (`localhost`, `*.localhost`, `*.local`, `*.internal`, ...). Always refused: a scheme other than
 * http/https, credentials in the URL, and http when {@link TargetPolicy.requireHttps}.
 * At delivery the host is resolved and refused if ANY of its addresses is refused (DNS rebinding),
 * and the accepted addresses are returned so the connection goes to one of them (Node:
 * `pinned-fetch.ts`); a Worker's fetch cannot be pinned and relies on Cloudflare's egress
 * (`src/worker.ts`).
 */

/** The outbound policy of a deployment. */
export interface TargetPolicy {
  /** Allow loopback/private/link-local targets (`STACKLENS_WEBHOOK_ALLOW_PRIVATE=1`; tests). */
  allowPrivate: boolean
  /** Refuse `http:` targets (production mode, `NODE_ENV=production`). */
  requireHttps: boolean
}

/** Resolves a host name to every IPv4/IPv6 address it has (textual form). */
export type HostResolver = (host: string) => Promise<string[]>

/** A refused target: the reason, for the API's 4xx message or a delivery's log. */
export interface TargetRefusal {
  ok: false
  reason: string
}

/**
 * The verdict on one URL. An accepted host name checked through the resolver carries the
 * `addresses` it resolved to (every one of them allowed): the connection must go to one of these,
 * not to a fresh resolution (DNS rebinding; Node pins it, see `pinned-fetch.ts`).
 */
export type TargetVerdict = { ok: true; url: URL; addresses?: string[] } | TargetRefusal

/** Builds the policy from the environment: `STACKLENS_WEBHOOK_ALLOW_PRIVATE=1`, `NODE_ENV=production`. */
export function targetPolicyFromEnv(env: {
  STACKLENS_WEBHOOK_ALLOW_PRIVATE?: string | undefined
  NODE_ENV?: string | undefined
}): TargetPolicy {
  const allow = env.STACKLENS_WEBHOOK_ALLOW_PRIVATE?.trim().toLowerCase()
  return {
    allowPrivate: allow === '1' || allow === 'true',
    requireHttps: env.NODE_ENV === 'production',
  }
}

/** Parses dotted-quad IPv4 (as WHATWG URL normalizes it) to 4 bytes, or null. */
export function parseIpv4(text: string): number[] | null {
  const parts = text.split('.')
  if (parts.length !== 4) return null
  const bytes: number[] = []
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null
    const n = Number(p)
    if (n > 255) return null
    bytes.push(n)
  }
  return bytes
}

/** Parses an IPv6 address (optionally bracketed, optionally with a dotted IPv4 tail or a zone) to 8 groups, or null. */
export function parseIpv6(text: string): number[] | null {
  let s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  const zone = s.indexOf('%')
  if (zone >= 0) s = s.slice(0, zone)
  if (!s.includes(':')) return null
  let tail: number[] = []
  const lastColon = s.lastIndexOf(':')
  const last = s.slice(lastColon + 1)
  if (last.includes('.')) {
    const v4 = parseIpv4(last)
    if (!v4) return null
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!]
    s = `${s.slice(0, lastColon + 1)}${tail.length ? '0:0' : ''}`
  }
  const halves = s.split('::')
  if (halves.length > 2) return null
  const parse = (part: string): number[] | null => {
    if (part === '') return []
    const groups: number[] = []
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null
      groups.push(Number.parseInt(g, 16))
    }
    return groups
  }
  const head = parse(halves[0]!)
  const rest = halves.length === 2 ? parse(halves[1]!) : []
  if (!head || !rest) return null
  let groups: number[]
  if (halves.length === 2) {
    const fill = 8 - head.length - rest.length
    if (fill < 1) return null
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest]
  } else {
    groups = head
  }
  if (groups.length !== 8) return null
  if (tail.length) {
    groups[6] = tail[0]!
    groups[7] = tail[1]!
  }
  return groups
}

/** Why an IPv4 address is not a public unicast target, or null when it is. */
export function refusedIpv4(b: readonly number[]): string | null {
  const [a, c] = [b[0]!, b[1]!]
  if (a === 0) return 'an unspecified address (0.0.0.0/8)'
  if (a === 127) return 'a loopback address (127.0.0.0/8)'
  if (a === 10) return 'a private address (10.0.0.0/8)'
  if (a === 172 && c >= 16 && c <= 31) return 'a private address (172.16.0.0/12)'
  if (a === 192 && c === 168) return 'a private address (192.168.0.0/16)'
  if (a === 169 && c === 254) return 'a link-local address (169.254.0.0/16, incl. cloud metadata)'
  if (a === 100 && c >= 64 && c <= 127) return 'a carrier-grade NAT address (100.64.0.0/10)'
  if (a === 192 && c === 0 && b[2] === 0) return 'an IETF protocol address (192.0.0.0/24)'
  if (a === 192 && c === 0 && b[2] === 2) return 'a documentation address (192.0.2.0/24)'
  if (a === 198 && c === 51 && b[2] === 100) return 'a documentation address (198.51.100.0/24)'
  if (a === 203 && c === 0 && b[2] === 113) return 'a documentation address (203.0.113.0/24)'
  if (a === 198 && (c === 18 || c === 19)) return 'a benchmarking address (198.18.0.0/15)'
  if (a >= 224 && a <= 239) return 'a multicast address (224.0.0.0/4)'
  if (a >= 240) return 'a reserved or broadcast address (240.0.0.0/4)'
  return null
}

/** Why an IPv6 address (8 groups) is not a public unicast target, or null when it is. */
export function refusedIpv6(g: readonly number[]): string | null {
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0)
  if (zeroUpTo(8)) return 'the unspecified address (::)'
  if (zeroUpTo(7) && g[7] === 1) return 'the loopback address (::1)'
  if (zeroUpTo(5) && g[5] === 0xffff) return 'an IPv4-mapped address (::ffff:0:0/96)'
  if (zeroUpTo(6)) return 'an IPv4-compatible address (::/96)'
  const first = g[0]!
  if ((first & 0xfe00) === 0xfc00) return 'a unique-local (private) address (fc00::/7)'
  if ((first & 0xffc0) === 0xfe80) return 'a link-local address (fe80::/10)'
  if ((first & 0xffc0) === 0xfec0) return 'a site-local address (fec0::/10)'
  if ((first & 0xff00) === 0xff00) return 'a multicast address (ff00::/8)'
  if (first === 0x2001 && g[1] === 0x0db8) return 'a documentation address (2001:db8::/32)'
  if (first === 0x2001 && g[1] === 0) return 'a Teredo address (2001::/32)'
  if (first === 0x0100 && zeroUpTo(4)) return 'a discard-only address (100::/64)'
  const embedded = (hi: number, lo: number) => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]
  if (first === 0x0064 && g[1] === 0xff9b) {
    const why = refusedIpv4(embedded(g[6]!, g[7]!))
    if (why) return `a NAT64 address embedding ${why}`
  }
  if (first === 0x2002) {
    const why = refusedIpv4(embedded(g[1]!, g[2]!))
    if (why) return `a 6to4 address embedding ${why}`
  }
  return null
}

/** Why an IP address literal (v4 or v6 text) is refused, or null when public; undefined when not an IP literal. */
export function refusedAddress(ip: string): string | null | undefined {
  const v4 = parseIpv4(ip)
  if (v4) return refusedIpv4(v4)
  const v6 = parseIpv6(ip)
  if (v6) return refusedIpv6(v6)
  return undefined
}

/** Names that mean this machine or a private network whatever DNS says. */
const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa', '.lan', '.intranet', '.corp']
const LOCAL_NAMES = new Set([
  'localhost',
  'localhost.localdomain',
  'ip6-localhost',
  'ip6-loopback',
  'broadcasthost',
])

function refusedName(host: string): string | null {
  const h = host.replace(/\.$/, '')
  if (LOCAL_NAMES.has(h)) return `"${h}" names this machine`
  const suffix = LOCAL_SUFFIXES.find((s) => h.endsWith(s))
  if (suffix) return `"${h}" is a local-network name (*${suffix})`
  if (!h.includes('.')) return `"${h}" is a single-label (local) name`
  return null
}

/**
 * Checks a webhook URL without DNS: scheme, credentials, https in production, and the host if it
 * is an IP literal or a local name. Used when a watch is created or updated, and before every
 * delivery (then followed by {@link checkResolvedTarget}).
 */
export function checkTargetUrl(raw: string, policy: TargetPolicy): TargetVerdict {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { ok: false, reason: 'is not an absolute URL' }
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, reason: `scheme ${url.protocol.replace(/:$/, '')} is not allowed (http or https)` }
  }
  if (policy.requireHttps && url.protocol !== 'https:') {
    return { ok: false, reason: 'must be https in production mode' }
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, reason: 'must not carry credentials (user:password@)' }
  }
  if (policy.allowPrivate) return { ok: true, url }
  const host = url.hostname.toLowerCase()
  const ip = refusedAddress(host)
  if (ip === undefined) {
    const name = refusedName(host)
    if (name) return { ok: false, reason: `host ${name}` }
  } else if (ip !== null) {
    return { ok: false, reason: `host ${host} is ${ip}` }
  }
  return { ok: true, url }
}

/**
 * Checks a URL at delivery time: {@link checkTargetUrl}, then, for a host name, every address the
 * resolver returns; ANY refused address refuses the target (a name that resolves to a public and a
 * private address is how DNS rebinding gets in). A resolver failure refuses too.
 */
export async function checkResolvedTarget(
  raw: string,
  policy: TargetPolicy,
  resolve: HostResolver | null,
): Promise<TargetVerdict> {
  const verdict = checkTargetUrl(raw, policy)
  if (!verdict.ok || policy.allowPrivate || resolve === null) return verdict
  const host = verdict.url.hostname.toLowerCase()
  if (refusedAddress(host) !== undefined) return verdict
  let addresses: string[]
  try {
    addresses = await resolve(host)
  } catch {
    return { ok: false, reason: `host ${host} did not resolve` }
  }
  if (addresses.length === 0) return { ok: false, reason: `host ${host} did not resolve` }
  for (const a of addresses) {
    const why = refusedAddress(a)
    if (why === undefined) return { ok: false, reason: `host ${host} resolved to a non-address (${a})` }
    if (why !== null) return { ok: false, reason: `host ${host} resolves to ${a}, ${why}` }
  }
  return { ok: true, url: verdict.url, addresses }
}
