/**
 * Per-asset request keys (shocks, vols, jumps, betas) checked against the names they can mean:
 * a key that matches nothing would silently leave the answer unmoved.
 */
import { BaseError } from '../core/errors.js'
import type { Exposure } from '../resolve/types.js'
import { DEFAULT_MARKET_PARAMS } from '../risk/defaults.js'

/** The risk assets a request may name: the wallet's own and every one the default table knows (not USD). */
export function knownRiskAssets(exposure: Pick<Exposure, 'contributions'>): string[] {
  return [
    ...new Set([...exposure.contributions.map((c) => c.riskAsset), ...Object.keys(DEFAULT_MARKET_PARAMS)]),
  ].filter((a) => a !== 'USD')
}

/**
 * @throws BaseError INVALID_REQUEST naming `param` and the first key of `record` that is not one
 *   of `known` (case-insensitive).
 */
export function assertKnownKeys(
  record: Readonly<Record<string, unknown>> | undefined,
  known: readonly string[],
  param: string,
): void {
  if (!record) return
  const upper = new Set(known.map((k) => k.toUpperCase()))
  for (const key of Object.keys(record)) {
    if (!upper.has(key.toUpperCase())) {
      throw new BaseError(
        'INVALID_REQUEST',
        `${param}: "${key.slice(0, 32)}" is not a known risk asset (known: ${known.join(', ')})`,
      )
    }
  }
}
