import type { Address } from '../core/address.js'

/** A DEX pool for a cascade's price impact. */
export interface DexPoolConfig {
  /** The risk asset whose sales it prices, e.g. "ETH". */
  riskAsset: string
  kind: 'uniswap-v3'
  pool: Address
  /** The token sold into it (WETH for ETH). */
  token: Address
  /** A label for responses, e.g. "Uniswap v3 WETH/USDC 0.05%". */
  label: string
}

/**
 * Known DEX pools on real chains, by chain key: Uniswap v3 USDC/WETH 0.05% on Ethereum (the
 * deepest ETH/USD pool on chain).
 */
export const DEX_POOLS: Readonly<Record<string, DexPoolConfig[]>> = {
  ethereum: [
    {
      riskAsset: 'ETH',
      kind: 'uniswap-v3',
      pool: '0x88e6A0c2dDD26FEEb64F039a2c41296FcB3f5640',
      token: '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2',
      label: 'Uniswap v3 USDC/WETH 0.05%',
    },
  ],
}
