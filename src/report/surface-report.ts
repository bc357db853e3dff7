/** The surface use case: a wallet read, its positions as stress inputs, the two-asset liquidation surface. */
import { BaseError } from '../core/errors.js'
import type { UnresolvedLayer } from '../resolve/types.js'
import {
  DEFAULT_SURFACE_POINTS,
  DEFAULT_SURFACE_RANGE,
  type LiquidationSurface,
  liquidationSurface,
  validateSurfaceParams,
} from '../risk/surface.js'
import { resolveWalletRead } from './exposure-report.js'
import { assertKnownKeys, knownRiskAssets } from './known-keys.js'
import type { ReportSources } from './report-sources.js'
import { stressInputs } from './stress-report.js'
import { type ReadWalletReportParams, readWalletReport, type WalletRead } from './wallet-report.js'

/** Params of {@link surfaceReport}. */
export interface SurfaceReportParams extends ReadWalletReportParams {
  /** Risk asset of the horizontal axis, upper case (default ETH). */
  x?: string | undefined
  /** Risk asset of the vertical axis, upper case (default BTC). */
  y?: string | undefined
  /** Half-width of each axis, relative move in (0, 0.95] (default 0.5). */
  range?: number | undefined
  /** Grid points per axis, odd, 3..41 (default 21). */
  points?: number | undefined
}

/** A wallet's surface with the wallet answer's header. */
export type SurfaceReport = WalletRead['pinned'] & {
  chains: WalletRead['chains']
  unresolved: UnresolvedLayer[]
  model: string
} & LiquidationSurface

/**
 * Reads a wallet and computes its liquidation surface over x and y.
 * @throws BaseError INVALID_REQUEST for an axis that is not a known risk asset, x = y, or a range /
 *   points out of bounds (checked before the read).
 */
export async function surfaceReport(
  sources: ReportSources,
  params: SurfaceReportParams,
): Promise<SurfaceReport> {
  const x = (params.x ?? 'ETH').toUpperCase()
  const y = (params.y ?? 'BTC').toUpperCase()
  const surface = {
    x,
    y,
    range: params.range ?? DEFAULT_SURFACE_RANGE,
    points: params.points ?? DEFAULT_SURFACE_POINTS,
  }
  try {
    validateSurfaceParams(surface)
  } catch (err) {
    throw new BaseError('INVALID_REQUEST', (err as Error).message)
  }
  const read = await readWalletReport(sources, params)
  const exposure = resolveWalletRead(sources, read)
  const known = knownRiskAssets(exposure)
  assertKnownKeys({ [x]: 1 }, known, 'x')
  assertKnownKeys({ [y]: 1 }, known, 'y')
  const inputs = stressInputs(exposure, read.positions)
  return {
    ...read.pinned,
    chains: read.chains,
    ...liquidationSurface(inputs, surface),
    unresolved: exposure.unresolved,
    model:
      "Every position's health factor at each pair of moves of x and y (wrappers follow their risk asset), under its own protocol's rule; boundaries by bisection on each grid line; cuts over the whole move domain (-100%, +1000%] with the other asset unmoved. Oracles are taken to follow the market.",
  }
}
