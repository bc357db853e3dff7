/**
 * The devchain state cache's key covers every deploy input: the sources it hashes are the
 * transitive imports of devchain.ts (deployers, seeds, the population, contract artifacts, and
 * the chain registry outside src/devchain), and the deploy options change it.
 */
import { basename } from 'node:path'
import { describe, expect, it } from 'vitest'
import { devchainSources, devchainStateKey } from '../../../src/devchain/state-cache.js'

describe('devchain state cache key', () => {
  it('hashes the transitive sources of the deployment', () => {
    const files = devchainSources().map((f) => basename(f))
    for (const f of [
      'devchain.ts',
      'deploy-aave.ts',
      'deploy-morpho.ts',
      'deploy-uniswap.ts',
      'deploy-comet.ts',
      'deploy-gmx.ts',
      'deploy-vault.ts',
      'deploy-aave-v4.ts',
      'seed.ts',
      'population.ts',
      'tx.ts',
      'anvil.ts',
      'artifacts.ts',
      'compile-morpho.ts',
      'BorrowerFactory.artifact.ts',
      'BatchReader.artifact.ts',
      'AaveV4SpokeDouble.artifact.ts',
      'AaveV4HubDouble.artifact.ts',
      'AaveV4OracleDouble.artifact.ts',
      'registry.ts',
      'state-cache.ts',
    ])
      expect(files).toContain(f)
  })

  it('is stable and changes with the deploy options', () => {
    const a = devchainStateKey({ population: true })
    expect(devchainStateKey({ population: true })).toBe(a)
    expect(devchainStateKey({ population: 40 })).not.toBe(a)
    expect(devchainStateKey({ population: false })).not.toBe(a)
  })
})
