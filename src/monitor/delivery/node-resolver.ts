/**
 * The Node host resolver of the outbound policy: every address the system resolver gives
 * (`dns.promises.lookup(host, { all: true })`, the same lookup Node's http client uses). Node only.
 */
import { lookup } from 'node:dns/promises'
import type { HostResolver } from './target-policy.js'

/** Resolves a host to all its IPv4 and IPv6 addresses. */
export const resolveHostNode: HostResolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)
