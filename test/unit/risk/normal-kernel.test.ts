/**
 * The WebAssembly normal kernels (src/risk/normal-kernel.wat, bytes in normal-kernel-wasm.ts)
 * against the JS ones in src/risk/random.ts: the same numbers bit for bit (add and fill, passes
 * longer than one 4096-draw chunk, offsets inside the buffer), the generator left in the same
 * state; the committed bytes are those wat2wasm makes from the .wat (when wat2wasm is installed).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { NORMAL_KERNEL_WASM } from '../../../src/risk/normal-kernel-wasm.js'
import { NormalBuffer, Rng } from '../../../src/risk/random.js'

describe('NormalBuffer', () => {
  it('runs WebAssembly on Node, and the JS kernels when asked', () => {
    expect(new NormalBuffer(10).native).toBe(true)
    expect(new NormalBuffer(10, false).native).toBe(false)
  })

  it('add and fill give the JS kernels numbers, bit for bit, and the same final state', () => {
    const n = 9_000
    const wasm = new NormalBuffer(n)
    const js = new NormalBuffer(n, false)
    wasm.values.fill(0.5)
    js.values.fill(0.5)
    const rw = new Rng('kernel')
    const rj = new Rng('kernel')
    for (let s = 0; s < 5; s++) {
      wasm.add(rw, 0, 512, -1e-5, 0.01)
      js.add(rj, 0, 512, -1e-5, 0.01)
    }
    wasm.add(rw, 100, n, 0.001, 0.2) // two full chunks and a part
    js.add(rj, 100, n, 0.001, 0.2)
    wasm.fill(rw, 7, 5_000)
    js.fill(rj, 7, 5_000)
    expect(wasm.values).toEqual(js.values)
    expect(rw.nextUint32()).toBe(rj.nextUint32())
    // Against a plain fillNormal: the same stream.
    const z = new Rng(3).fillNormal(new Float64Array(4_000))
    const w = new NormalBuffer(4_000)
    w.fill(new Rng(3), 0, 4_000)
    expect(w.values).toEqual(z)
    // Slow-path draws happened (about 1%), so the JS fix-up was exercised.
    expect(z.some((x) => Math.abs(x) > 3.654152885361009)).toBe(true)
  })

  it('a released buffer hands its kernel instance to the next one: that starts from zeros and draws the same numbers; the released one refuses use', () => {
    const n = 3_000
    const first = new NormalBuffer(n)
    first.values.fill(7)
    first.add(new Rng('a'), 0, n, 0, 1)
    first.release()
    expect(() => first.add(new Rng('a'), 0, 10, 0, 1)).toThrow(RangeError)
    expect(() => first.fill(new Rng('a'), 0, 10)).toThrow(RangeError)
    // Larger than the released one: the reused instance's memory grows.
    const reused = new NormalBuffer(2 * n)
    expect(reused.native).toBe(true)
    // The same instance (its exports: the call targets V8 specializes on).
    const kernelOf = (b: NormalBuffer) => (b as unknown as { k: unknown }).k
    expect(kernelOf(reused)).toBe(kernelOf(first))
    expect(reused.values.every((x) => x === 0)).toBe(true)
    reused.add(new Rng('b'), 0, 2 * n, 0.01, 0.5)
    const js = new NormalBuffer(2 * n, false)
    js.add(new Rng('b'), 0, 2 * n, 0.01, 0.5)
    expect(reused.values).toEqual(js.values)
    reused.release()
    reused.release() // twice is harmless
  })

  const wat2wasm = spawnSync('wat2wasm', ['--version'], { encoding: 'utf8' }).status === 0
  it.skipIf(!wat2wasm)(
    'the committed bytes are wat2wasm of src/risk/normal-kernel.wat (skipped without wabt)',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'normal-kernel-test-'))
      try {
        const src = fileURLToPath(new URL('../../../src/risk/normal-kernel.wat', import.meta.url))
        execFileSync('wat2wasm', [src, '-o', join(dir, 'k.wasm')])
        expect(new Uint8Array(readFileSync(join(dir, 'k.wasm')))).toEqual(NORMAL_KERNEL_WASM)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  )
})
