/**
 * src/assets/pendle-deployments-data.ts is what scripts/gen-pendle-deployments.ts generates from
 * `@pendle/core-v2` (deployments/<chainId>-core.json, `router` and `pyYtLpOracle`). The package is
 * not a dependency: the regeneration check runs when its tarball or folder is present
 * (PENDLE_CORE_V2, default /tmp/pendle-core-v2-6.11.0.tgz) and is SKIPPED otherwise (reason in
 * the test name). The Ethereum row is checked always: Router 0x888888888889758F76e7103c6CbF23ABbF58F946
 * and PendlePYLpOracle 0x5542be50420E88dd7D5B4a3D488FA6ED82F6DAc2 (deployments/1-core.json of 6.11.0).
 */
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  defaultPendlePackage,
  PENDLE_DEPLOYMENTS_PATH,
  pendleDeploymentRows,
  readPendlePackage,
  renderPendleDeployments,
} from '../../../scripts/gen-pendle-deployments.js'
import { pendleDeploymentOf } from '../../../src/assets/registry.js'

describe('the Pendle deployments table', () => {
  it('Ethereum: the published Router and PendlePYLpOracle; an unknown chain has none', () => {
    expect(pendleDeploymentOf(1)).toEqual({
      chainId: 1,
      router: '0x888888888889758F76e7103c6CbF23ABbF58F946',
      pyYtLpOracle: '0x5542be50420E88dd7D5B4a3D488FA6ED82F6DAc2',
    })
    expect(pendleDeploymentOf(31_337)).toBeUndefined()
  })

  const pkg = defaultPendlePackage()
  it.skipIf(!existsSync(pkg))(
    `equals its regeneration from ${pkg} (skipped when that package is absent)`,
    () => {
      const p = readPendlePackage(pkg)
      const text = renderPendleDeployments(pendleDeploymentRows(p), p.version)
      expect(readFileSync(PENDLE_DEPLOYMENTS_PATH, 'utf8')).toBe(text)
    },
  )
})
