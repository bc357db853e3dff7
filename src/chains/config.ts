/**
 * @deprecated The configuration moved to `src/config.ts` (chains/ knows only chains). This
 * re-export is kept only for `scripts/bench/*`, which import `localChainRuntime` from here;
 * delete it once they import `src/config.js`.
 */
export { localChainRuntime } from '../config.js'
