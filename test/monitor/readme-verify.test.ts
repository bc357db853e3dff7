/**
 * The README's webhook verification snippet (the ```js block of "## Monitoring" that exports
 * `verifyStacklens`), extracted from README.md, written to a temp `verify.mjs` and imported, run
 * against the signer the server uses (src/monitor/delivery/signature.ts): it accepts what the
 * server signs and refuses a wrong secret, a changed body, a stale or future timestamp and a
 * malformed header, with the same 300 s window as `verifySignature`. The demo's receiver command
 * and its curl body use the same secret.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  signatureHeader,
  signPayload,
} from '../../src/monitor/delivery/signature.js'

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const monitoring = README.slice(
  README.indexOf('## Monitoring'),
  README.indexOf('\n## ', README.indexOf('## Monitoring') + 1),
)

type Verify = (
  secret: string,
  header: string | undefined,
  rawBody: string,
  toleranceSeconds?: number,
) => boolean
let verify: Verify
let dir: string

beforeAll(async () => {
  const blocks = [...monitoring.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!)
  const snippet = blocks.find((b) => b.includes('export function verifyStacklens'))
  expect(snippet, 'the README has the verification snippet').toBeDefined()
  dir = mkdtempSync(join(tmpdir(), 'stacklens-readme-'))
  const file = join(dir, 'verify.mjs')
  writeFileSync(file, snippet!)
  verify = ((await import(pathToFileURL(file).href)) as { verifyStacklens: Verify }).verifyStacklens
})
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const SECRET = 'demo-secret-0123456789'
// A payload shaped as the README shows one, with non-ASCII text (the HMAC is over UTF-8 bytes).
const BODY = JSON.stringify({
  type: 'alert',
  id: 'al_readme',
  message: 'health factor 1.00292 < 1.02 · café',
})
const now = () => Math.floor(Date.now() / 1000)

describe("the README's verifyStacklens", () => {
  it("accepts the server's signature of the raw body", async () => {
    expect(verify(SECRET, await signatureHeader(SECRET, now(), BODY), BODY)).toBe(true)
    expect(verify(SECRET, `t=${now()},v1=${await signPayload(SECRET, now(), BODY)}`, BODY)).toBe(true)
  })

  it('refuses a wrong secret, a changed body, a malformed or missing header', async () => {
    const header = await signatureHeader(SECRET, now(), BODY)
    expect(verify('another-secret-0123456', header, BODY)).toBe(false)
    expect(verify(SECRET, header, BODY.replace('1.00292', '1.10292'))).toBe(false)
    expect(verify(SECRET, header, `${BODY} `)).toBe(false)
    expect(verify(SECRET, header.replace(/v1=[0-9a-f]{2}/, 'v1=zz'), BODY)).toBe(false)
    expect(verify(SECRET, header.replace(/v1=[0-9a-f]+/, 'v1=abcd'), BODY)).toBe(false)
    expect(verify(SECRET, `t=${now()}`, BODY)).toBe(false)
    expect(verify(SECRET, 'garbage', BODY)).toBe(false)
    expect(verify(SECRET, undefined, BODY)).toBe(false)
  })

  it("has the server's replay window: inside it accepted, outside it (past or future) refused", async () => {
    const w = DEFAULT_SIGNATURE_TOLERANCE_SECONDS
    expect(w).toBe(300)
    expect(verify(SECRET, await signatureHeader(SECRET, now() - (w - 5), BODY), BODY)).toBe(true)
    expect(verify(SECRET, await signatureHeader(SECRET, now() - (w + 5), BODY), BODY)).toBe(false)
    expect(verify(SECRET, await signatureHeader(SECRET, now() + (w + 5), BODY), BODY)).toBe(false)
    expect(verify(SECRET, await signatureHeader(SECRET, now() - 50, BODY), BODY, 10)).toBe(false)
  })

  it("the demo's receiver verifies with the secret its curl body gives the watch", () => {
    const receiver = /verifyStacklens\('([^']+)'/.exec(monitoring)?.[1]
    const curl = /"secret": "([^"]+)"/.exec(monitoring)?.[1]
    expect(receiver).toBe(SECRET)
    expect(curl).toBe(SECRET)
    expect(monitoring).toContain("import { verifyStacklens } from './verify.mjs'")
  })
})
