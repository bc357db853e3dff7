/**
 * JSON of the API (and of the CLI's --json): bigints become decimal strings of raw units, typed,
 * so a response is checked against its schema without casts.
 */
import type { PositionResult } from '../core/types.js'
import type { WalletRead } from '../report/wallet-report.js'
import type { RatioLiquidation } from '../risk/ratio-liquidation.js'

/** `T` as JSON: every bigint a decimal string, `undefined` fields dropped. */
export type Json<T> = T extends bigint
  ? string
  : T extends string | number | boolean | null | undefined
    ? T
    : T extends (infer U)[]
      ? Json<U>[]
      : T extends readonly (infer U)[]
        ? readonly Json<U>[]
        : T extends object
          ? { [K in keyof T]: Json<T[K]> }
          : T

/** A JSON-safe copy of `value`: bigints become decimal strings (one serialize pass). */
export function toJson<T>(value: T): Json<T> {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))) as Json<T>
}

/** A position as JSON: bigints become decimal strings. */
export function serializePosition(p: PositionResult) {
  if (p.status === 'unavailable') return p
  // Not in the response schema yet: the rule (bigints) and the label (served in details).
  const { liquidationRule: _rule, marketLabel: _label, ...rest } = p
  return {
    ...rest,
    healthFactorWad: p.healthFactorWad === null ? null : p.healthFactorWad.toString(),
    legs: p.legs.map((l) => ({ ...l, amount: l.amount.toString() })),
  }
}

/** The wallet summary over readable positions (USD floats). */
export function summarize(positions: readonly PositionResult[]) {
  let collateralUsd = 0
  let debtUsd = 0
  let minHealthFactor: number | null = null
  let ok = 0
  for (const p of positions) {
    if (p.status !== 'ok') continue
    ok++
    collateralUsd += p.collateralUsd
    debtUsd += p.debtUsd
    if (p.healthFactor !== null && (minHealthFactor === null || p.healthFactor < minHealthFactor)) {
      minHealthFactor = p.healthFactor
    }
  }
  return {
    collateralUsd,
    debtUsd,
    netWorthUsd: collateralUsd - debtUsd,
    minHealthFactor,
    positions: ok,
    unavailable: positions.length - ok,
  }
}

/**
 * The wallet answer (`GET /v1/wallets/{address}`, `stacklens wallet --json`) of a wallet read;
 * `liquidationRatios`, one list per row of `read.positions`, go on the rows that have any.
 */
export function walletReportJson(read: WalletRead, liquidationRatios?: readonly RatioLiquidation[][]) {
  return {
    ...read.pinned,
    chains: read.chains,
    positions: read.positions.map((p, i) => {
      const row = serializePosition(p)
      const ratios = liquidationRatios?.[i]
      return row.status === 'ok' && ratios && ratios.length > 0 ? { ...row, liquidationRatios: ratios } : row
    }),
    summary: summarize(read.positions),
    accounts: read.accounts,
    ...(read.accountNotes.length > 0 ? { accountNotes: read.accountNotes } : {}),
  }
}
