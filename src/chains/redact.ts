/**
 * Keeps RPC secrets out of every text stacklens shows or logs: an RPC URL often carries an API key
 * in its path, query or userinfo (`https://eth.example/v2/<key>`, `?apikey=`, `user:pass@`), and
 * viem's error texts embed the URL and the request body. Everything shown is reduced to the
 * endpoint's host.
 */

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi

/** Secret-looking parts shorter than this are not searched for on their own (too many false hits). */
const MIN_SECRET_LENGTH = 6

/**
 * `url` reduced to `scheme://host[:port]` (no userinfo, path, query or fragment); "an RPC
 * endpoint" when it does not parse.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}`
  } catch {
    return 'an RPC endpoint'
  }
}

/** The parts of a URL that may be secret: userinfo, path segments, query values, fragment. */
function secretParts(url: string): string[] {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return []
  }
  const parts = [
    u.username,
    u.password,
    ...u.pathname.split('/'),
    ...[...u.searchParams.values()],
    u.search.slice(1),
    u.hash.slice(1),
  ]
  for (const p of [...parts]) {
    try {
      parts.push(decodeURIComponent(p))
    } catch {
      // keep the raw part only
    }
  }
  return [...new Set(parts.filter((p) => p.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length)
}

/**
 * `text` with every URL in it reduced to its host (see {@link redactUrl}) and, for each of
 * `knownUrls` (the RPC URLs configured for the chain or named by the error), every occurrence of
 * its secret parts (path segments, query values, userinfo of 6+ characters) replaced by
 * `[redacted]`, wherever they appear (a node that echoes the key in its own error text).
 */
export function redactSecrets(text: string, knownUrls: readonly string[] = []): string {
  let out = text.replace(URL_IN_TEXT, (m) => {
    const trail = /[),.;:\]]+$/.exec(m)?.[0] ?? ''
    return redactUrl(trail ? m.slice(0, -trail.length) : m) + trail
  })
  for (const url of knownUrls) {
    for (const part of secretParts(url)) out = out.split(part).join('[redacted]')
  }
  return out
}

/** The URLs an error chain names (viem's HttpRequestError / RpcRequestError carry `url`). */
export function urlsOfError(err: unknown): string[] {
  const urls: string[] = []
  let e: unknown = err
  for (let depth = 0; depth < 10 && e && typeof e === 'object'; depth++) {
    const url = (e as { url?: unknown }).url
    if (typeof url === 'string') urls.push(url)
    e = (e as { cause?: unknown }).cause
  }
  return urls
}
