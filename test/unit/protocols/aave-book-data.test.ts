/**
 * The Aave address-book data modules stacklens ships (src/protocols/aave-v3/book-data.ts,
 * src/protocols/aave-v4/book-data.ts, src/assets/aave-book-data.ts) are exactly what
 * scripts/gen-aave-book.ts generates from the installed `@aave-dao/aave-address-book`: a book
 * upgrade without a regeneration fails here, naming the stale file.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as book from '@aave-dao/aave-address-book'
import { describe, expect, it } from 'vitest'
import { bookVersion, renderAaveBookData } from '../../../scripts/gen-aave-book.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

describe('Aave address-book data modules', () => {
  const version = bookVersion()
  const files = renderAaveBookData(book as Record<string, unknown>, version)

  it('name the installed book version, the one package.json pins', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
      dependencies: Record<string, string>
    }
    expect(pkg.dependencies['@aave-dao/aave-address-book']).toBe(version)
    expect(Object.keys(files).sort()).toEqual([
      'src/assets/aave-book-data.ts',
      'src/protocols/aave-v3/book-data.ts',
      'src/protocols/aave-v4/book-data.ts',
    ])
    for (const text of Object.values(files))
      expect(text).toContain(`from @aave-dao/aave-address-book ${version}: do not edit`)
  })

  for (const [path, text] of Object.entries(files)) {
    it(`${path} equals its regeneration (npx tsx scripts/gen-aave-book.ts)`, () => {
      expect(readFileSync(`${ROOT}${path}`, 'utf8')).toBe(text)
    })
  }
})
