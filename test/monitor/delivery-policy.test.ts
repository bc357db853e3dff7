/**
 * The outbound policy (src/monitor/delivery/target-policy.ts): every refused range (IANA special
 * purpose registries, RFC 1918, RFC 6598, RFC 3927, RFC 4193, RFC 4291), URL forms WHATWG URL
 * normalizes to them (decimal, hex, short IPv4, bracketed IPv6), names, schemes, credentials,
 * production https, and DNS rebinding through the injected resolver.
 */
import { describe, expect, it } from 'vitest'
import {
  checkResolvedTarget,
  checkTargetUrl,
  parseIpv6,
  refusedAddress,
  type TargetPolicy,
  targetPolicyFromEnv,
} from '../../src/monitor/delivery/target-policy.js'

const STRICT: TargetPolicy = { allowPrivate: false, requireHttps: false }
const PROD: TargetPolicy = { allowPrivate: false, requireHttps: true }
const OPEN: TargetPolicy = { allowPrivate: true, requireHttps: false }

const reason = (url: string, policy = STRICT) => {
  const v = checkTargetUrl(url, policy)
  return v.ok ? null : v.reason
}

describe('checkTargetUrl', () => {
  it.each([
    ['http://127.0.0.1/hook', /loopback/],
    ['http://127.255.255.254:9000/hook', /loopback/],
    ['http://2130706433/hook', /loopback/], // decimal 127.0.0.1
    ['http://0x7f.0.0.1/hook', /loopback/], // hex octet
    ['http://127.1/hook', /loopback/], // short form
    ['http://[::1]/hook', /loopback/],
    ['http://10.1.2.3/', /private.*10\.0\.0\.0\/8/],
    ['http://172.16.0.1/', /172\.16\.0\.0\/12/],
    ['http://172.31.255.255/', /172\.16\.0\.0\/12/],
    ['http://192.168.1.1/', /192\.168/],
    ['http://169.254.169.254/latest/meta-data/', /link-local.*metadata/],
    ['http://[fe80::1]/', /link-local.*fe80/],
    ['http://[fc00::1]/', /fc00::\/7/],
    ['http://[fd12:3456::1]/', /fc00::\/7/],
    ['http://0.0.0.0/', /unspecified/],
    ['http://[::]/', /unspecified/],
    ['http://100.64.0.1/', /carrier-grade NAT/],
    ['http://100.127.255.255/', /carrier-grade NAT/],
    ['http://[::ffff:127.0.0.1]/', /IPv4-mapped/],
    ['http://[::ffff:8.8.8.8]/', /IPv4-mapped/],
    ['http://[::127.0.0.1]/', /IPv4-compatible/],
    ['http://[64:ff9b::10.0.0.1]/', /NAT64.*private/],
    ['http://[2002:a00:1::]/', /6to4.*private/],
    ['http://224.0.0.1/', /multicast/],
    ['http://255.255.255.255/', /broadcast/],
    ['http://[ff02::1]/', /multicast/],
    ['http://192.0.2.10/', /documentation/],
    ['http://localhost:9000/hook', /this machine/],
    ['http://LOCALHOST./hook', /this machine/],
    ['http://api.localhost/hook', /\.localhost/],
    ['http://printer.local/', /\.local/],
    ['http://metadata.google.internal/', /\.internal/],
    ['http://intranet/', /single-label/],
    ['ftp://hooks.example.com/', /scheme ftp/],
    ['file:///etc/passwd', /scheme file/],
    ['javascript:alert(1)', /scheme javascript/],
    ['https://user:pass@hooks.example.com/', /credentials/],
    ['https://user@hooks.example.com/', /credentials/],
    ['not a url', /absolute URL/],
    ['/relative/hook', /absolute URL/],
  ])('refuses %s', (url, why) => {
    expect(reason(url)).toMatch(why)
  })

  it.each([
    'https://hooks.example.com/stacklens',
    'http://hooks.example.com:8080/x?y=1',
    'https://8.8.8.8/hook',
    'https://[2606:4700:4700::1111]/hook',
    'https://172.32.0.1/', // just outside 172.16/12
    'https://100.128.0.1/', // just outside 100.64/10
    'https://[64:ff9b::8.8.8.8]/', // NAT64 of a public address
  ])('allows %s', (url) => {
    expect(reason(url)).toBeNull()
  })

  it('requires https in production mode; allowPrivate keeps scheme and credential rules', () => {
    expect(reason('http://hooks.example.com/', PROD)).toMatch(/https in production/)
    expect(reason('https://hooks.example.com/', PROD)).toBeNull()
    expect(reason('http://127.0.0.1:9000/hook', OPEN)).toBeNull()
    expect(reason('ftp://127.0.0.1/', OPEN)).toMatch(/scheme/)
    expect(reason('http://a:b@127.0.0.1/', OPEN)).toMatch(/credentials/)
  })

  it('reads the policy from the environment', () => {
    expect(targetPolicyFromEnv({})).toEqual({ allowPrivate: false, requireHttps: false })
    expect(targetPolicyFromEnv({ STACKLENS_WEBHOOK_ALLOW_PRIVATE: '1', NODE_ENV: 'production' })).toEqual({
      allowPrivate: true,
      requireHttps: true,
    })
    expect(targetPolicyFromEnv({ STACKLENS_WEBHOOK_ALLOW_PRIVATE: '0' }).allowPrivate).toBe(false)
  })
})

describe('IPv6 parsing', () => {
  it('expands compressed and IPv4-tailed forms (hand expansion)', () => {
    expect(parseIpv6('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1])
    expect(parseIpv6('[2001:db8::8:800:200c:417a]')).toEqual([0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a])
    expect(parseIpv6('::ffff:192.168.0.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0xc0a8, 0x0001])
    expect(parseIpv6('fe80::1%eth0')).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1])
    expect(parseIpv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(parseIpv6('1::2::3')).toBeNull()
    expect(parseIpv6('1:2:3:4:5:6:7:8:9')).toBeNull()
    expect(parseIpv6('12345::')).toBeNull()
    expect(refusedAddress('example.com')).toBeUndefined()
  })
})

describe('checkResolvedTarget (DNS)', () => {
  const resolverOf = (table: Record<string, string[]>) => async (host: string) => {
    const a = table[host]
    if (!a) throw new Error('ENOTFOUND')
    return a
  }

  it('allows a name whose every address is public', async () => {
    const v = await checkResolvedTarget(
      'https://hooks.example.com/x',
      STRICT,
      resolverOf({ 'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'] }),
    )
    expect(v.ok).toBe(true)
  })

  it('refuses a name with ANY private address (DNS rebinding)', async () => {
    const resolve = resolverOf({ 'rebind.example.com': ['93.184.215.14', '127.0.0.1'] })
    const v = await checkResolvedTarget('https://rebind.example.com/hook', STRICT, resolve)
    expect(v).toEqual({ ok: false, reason: expect.stringMatching(/resolves to 127\.0\.0\.1, a loopback/) })
    const metadata = await checkResolvedTarget(
      'https://m.example.com/',
      STRICT,
      resolverOf({ 'm.example.com': ['169.254.169.254'] }),
    )
    expect(metadata.ok).toBe(false)
    const mapped = await checkResolvedTarget(
      'https://v6.example.com/',
      STRICT,
      resolverOf({ 'v6.example.com': ['::ffff:10.0.0.1'] }),
    )
    expect(mapped.ok).toBe(false)
  })

  it('a rebinding name passes the creation check (no DNS) but not the delivery check', async () => {
    // The answer changes between creation and delivery: that is why delivery resolves again.
    let answer = ['93.184.215.14']
    const resolve = async () => answer
    expect(checkTargetUrl('https://flip.example.com/', STRICT).ok).toBe(true)
    expect((await checkResolvedTarget('https://flip.example.com/', STRICT, resolve)).ok).toBe(true)
    answer = ['10.0.0.5']
    expect((await checkResolvedTarget('https://flip.example.com/', STRICT, resolve)).ok).toBe(false)
  })

  it('refuses a name that does not resolve; does not resolve literals or when private targets are allowed', async () => {
    let calls = 0
    const counting = async (h: string) => {
      calls++
      return resolverOf({})(h)
    }
    expect((await checkResolvedTarget('https://nx.example.com/', STRICT, counting)).ok).toBe(false)
    expect(calls).toBe(1)
    expect((await checkResolvedTarget('https://8.8.8.8/', STRICT, counting)).ok).toBe(true)
    expect((await checkResolvedTarget('http://127.0.0.1:1/', OPEN, counting)).ok).toBe(true)
    expect(calls).toBe(1)
    // Without a resolver (Workers): the literal check only.
    expect((await checkResolvedTarget('https://hooks.example.com/', STRICT, null)).ok).toBe(true)
    expect((await checkResolvedTarget('https://10.0.0.1/', STRICT, null)).ok).toBe(false)
  })
})
