/**
 * Shared setup of the POST /v1/analyze option tests (test/api/analyze-options.test.ts,
 * analyze-montecarlo.test.ts): an app with no chain configured (manual legs only, nothing read
 * from a chain), a poster that validates the answer against the route's response schema, and the
 * legs whose Black-Scholes values those tests compute by hand.
 */
import { createApp } from '../../src/api/app.js'
import { AnalyzeReportSchema } from '../../src/api/option-schemas.js'
import { configFromEnv } from '../../src/config.js'

const YEAR_MS = 365 * 24 * 3600 * 1000

/** An app with no chain configured. */
export function analyzeApp() {
  return createApp({ config: configFromEnv({}) })
}

/** POSTs `{ legs }` to `/v1/analyze<query>`; `report()` parses the 200 body, `error()` the 4xx one. */
export async function postLegs(app: ReturnType<typeof createApp>, query: string, legs: unknown[]) {
  const res = await app.request(`/v1/analyze${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ legs }),
  })
  const json: unknown = await res.json()
  return {
    status: res.status,
    /** The body, validated against the route's response schema. */
    report: () => AnalyzeReportSchema.parse(json),
    error: () => (json as { error: { code: string; message: string } }).error,
  }
}

/** An ISO expiry `years` (365-day years) from now. */
export const expiryIn = (years: number) => new Date(Date.now() + years * YEAR_MS).toISOString()

/** A long call: K 3500, T 0.25 y, size 2, vol 0.6, ETH at 3000 (worth 374.157948 at r = 0). */
export const ethCall = () => ({
  kind: 'option',
  underlying: 'ETH',
  type: 'call',
  strike: 3500,
  expiry: expiryIn(0.25),
  size: 2,
  impliedVol: 0.6,
  spotPrice: 3000,
})

/** A written put: K 2500, T 0.5 y, size -1, vol 0.7, ETH at 3000. */
export const ethPut = () => ({
  kind: 'option',
  underlying: 'ETH',
  type: 'put',
  strike: 2500,
  expiry: expiryIn(0.5),
  size: -1,
  impliedVol: 0.7,
  spotPrice: 3000,
})
