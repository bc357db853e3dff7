/**
 * The Morpho Blue deployment table stacklens ships (src/protocols/morpho-blue/deployments-data.ts)
 * is exactly what scripts/gen-morpho-deployments.ts generates from the installed
 * `@morpho-org/blue-sdk`, and every configured chain's singleton and start block equal the SDK's
 * `addresses[chainId].morpho` and `deployments[chainId].morpho` (the test may import the SDK:
 * tests are not bundled into the Worker).
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { addresses, deployments } from '@morpho-org/blue-sdk'
import { describe, expect, it } from 'vitest'
import {
  blueSdkVersion,
  MORPHO_DEPLOYMENTS_PATH,
  type MorphoSdkRegistry,
  morphoDeploymentRows,
  renderMorphoDeployments,
} from '../../../../scripts/gen-morpho-deployments.js'
import { CHAINS } from '../../../../src/chains/registry.js'
import {
  MORPHO_BLUE,
  MORPHO_BLUE_SOURCE,
  MORPHO_LOGS_BLOCK_SPAN,
} from '../../../../src/protocols/morpho-blue/markets.js'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const sdk = { addresses, deployments } as unknown as MorphoSdkRegistry

describe('Morpho Blue deployment table', () => {
  it('names the installed blue-sdk version, the one package.json pins', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
      devDependencies: Record<string, string>
    }
    expect(pkg.devDependencies['@morpho-org/blue-sdk']).toBe(blueSdkVersion())
    expect(MORPHO_BLUE_SOURCE).toContain(`@morpho-org/blue-sdk ${blueSdkVersion()}`)
  })

  it(`${MORPHO_DEPLOYMENTS_PATH} equals its regeneration (npx tsx scripts/gen-morpho-deployments.ts)`, () => {
    const text = renderMorphoDeployments(morphoDeploymentRows(sdk), blueSdkVersion())
    expect(readFileSync(`${ROOT}${MORPHO_DEPLOYMENTS_PATH}`, 'utf8')).toBe(text)
  })

  it('every registry chain the SDK lists is configured, with the SDK address and deployment block', () => {
    const real = Object.values(CHAINS).filter((c) => c.key !== 'local')
    const expected = real
      .filter((c) => addresses[c.chainId as keyof typeof addresses]?.morpho !== undefined)
      .map((c) => c.key)
      .sort()
    expect(MORPHO_BLUE.map((m) => m.chain).sort()).toEqual(expected)
    // The chains issue 14 names as served: the five pre-existing registry chains with Morpho and
    // the three added to the registry for it.
    expect(expected).toEqual(
      ['arbitrum', 'base', 'ethereum', 'katana', 'optimism', 'polygon', 'unichain', 'worldchain'].sort(),
    )
    for (const m of MORPHO_BLUE) {
      const chainId = CHAINS[m.chain as keyof typeof CHAINS].chainId
      const a = addresses[chainId as keyof typeof addresses] as { morpho: string }
      const d = deployments[chainId as keyof typeof deployments] as { morpho: bigint }
      expect(m.morpho.toLowerCase()).toBe(a.morpho.toLowerCase())
      expect(m.fromBlock).toBe(BigInt(d.morpho))
      expect(m.logsBlockSpan).toBe(MORPHO_LOGS_BLOCK_SPAN)
      expect(m.source).toBe(MORPHO_BLUE_SOURCE)
    }
  })

  it('a registry chain Morpho does not list has no entry (Gnosis, Avalanche)', () => {
    for (const key of ['gnosis', 'avalanche'] as const) {
      expect(addresses[CHAINS[key].chainId as keyof typeof addresses]).toBeUndefined()
      expect(MORPHO_BLUE.some((m) => m.chain === key)).toBe(false)
    }
  })

  it('skips a chain id the SDK lists without a deployment block (the generator never guesses one)', () => {
    const rows = morphoDeploymentRows(
      {
        addresses: { 1: { morpho: '0x1111111111111111111111111111111111111111' }, 2: {} },
        deployments: { 2: { morpho: 5n } },
      },
      [1, 2],
    )
    expect(rows).toEqual([])
  })
})
