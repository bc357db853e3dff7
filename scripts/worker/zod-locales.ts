/**
 * The Worker bundle's stand-in for zod's locale index (`zod/v4/locales/index.js`), aliased in
 * wrangler.toml: only English, the locale zod registers by default and the only one stacklens
 * uses (every error message stays the same). zod's other 40-odd locales are 364 KiB of source
 * that `export * as locales` keeps in any bundle. `z.locales.en` still works; other locales are
 * absent in the Worker (Node keeps them all).
 */
export { default as en } from 'zod/v4/locales/en.js'
