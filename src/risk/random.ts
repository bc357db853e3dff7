/**
 * Seeded, reproducible random numbers for simulation (Monte Carlo). Pure float64 / int32 code.
 *
 * - Generator: xoshiro128** 1.1 (Blackman and Vigna, 2018) on four 32-bit words: period 2^128 - 1,
 *   passes BigCrush, only 32-bit integer operations (fast in JS engines).
 * - Seeding: a number (its float64 bit pattern) or a string (FNV-1a over UTF-16 code units) is
 *   hashed to 32 bits and expanded to the 128-bit state with splitmix32, so nearby seeds give
 *   unrelated streams.
 * - Normals: a 256-layer ziggurat (Marsaglia and Tsang, 2000) built at module load; one 32-bit draw
 *   gives the layer (low 8 bits) and a signed 24-bit abscissa (high 24 bits), so the layer and the
 *   value use disjoint bits. About 99% of draws take the fast path (one draw, one compare, one multiply).
 *
 * The same seed always gives the same sequence, on every JS engine (no Math.random, no platform-
 * dependent math in the fast path; the rare slow path uses Math.exp / Math.log, which are
 * correctly rounded in practice on V8, SpiderMonkey and JavaScriptCore).
 */

import { NORMAL_KERNEL_WASM } from './normal-kernel-wasm.js'

/** A seed: any finite number (its float64 bit pattern is used, so 1 and 1.0 agree) or any string. */
export type Seed = number | string

const TWO_POW_M32 = 2 ** -32
const TWO_POW_M53 = 2 ** -53
/** Draws per pass of {@link Rng.fillNormal} (bounds its scratch list of slow-path draws). */
const FILL_CHUNK = 4096

function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) | 0
}

/**
 * Hash a seed to a 32-bit integer (int32). Numbers hash their float64 bits (both halves), strings
 * hash their UTF-16 code units with FNV-1a and a final avalanche.
 * @throws RangeError for a non-finite number.
 */
export function hashSeed(seed: Seed): number {
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`)
    const f = new Float64Array(1)
    f[0] = seed === 0 ? 0 : seed // -0 and 0 are the same seed
    const w = new Uint32Array(f.buffer)
    return fmix32((w[0]! ^ fmix32((w[1]! + 0x9e3779b9) | 0)) | 0)
  }
  if (typeof seed !== 'string') throw new RangeError('seed must be a number or a string')
  let h = 0x811c9dc5 | 0
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193)
  return fmix32((h ^ seed.length) | 0)
}

/**
 * splitmix32: a tiny 32-bit generator used only to expand a 32-bit seed into a larger state
 * (each output is a full-avalanche hash of a Weyl sequence).
 */
export class SplitMix32 {
  private s: number
  /** @param seed any 32-bit integer (int32 or uint32). */
  constructor(seed: number) {
    this.s = seed | 0
  }
  /** Next output, an unsigned 32-bit integer in [0, 2^32). */
  next(): number {
    this.s = (this.s + 0x9e3779b9) | 0
    return fmix32(this.s) >>> 0
  }
}

// ---- ziggurat tables (256 layers; abscissa scale 2^23 for a signed 24-bit draw) ----
const ZIG_N = 256
const ZIG_R = 3.654152885361009 // right edge of the base layer
const ZIG_V = 4.92867323399e-3 // area of each layer
const ZIG_SCALE = 2 ** 23
/** kn[i]: |j| < kn[i] means the draw lies wholly under the curve (fast accept). */
const KN = new Int32Array(ZIG_N)
/** wn[i]: abscissa per unit of j in layer i. */
const WN = new Float64Array(ZIG_N)
/** fn[i]: density exp(-x_i^2/2) at the layer's right edge. */
const FN = new Float64Array(ZIG_N)
/**
 * xn[i] = kn[i] * wn[i]: |j * wn[i]| < xn[i] exactly when |j| < kn[i] (|j|, kn[i] < 2^24 and
 * wn[i] > 0, so rounding cannot close the gap of one wn[i]); the fast test on the float value.
 */
const XN = new Float64Array(ZIG_N)
{
  let dn = ZIG_R
  let tn = dn
  const q = ZIG_V / Math.exp(-0.5 * dn * dn)
  KN[0] = Math.floor((dn / q) * ZIG_SCALE)
  KN[1] = 0
  WN[0] = q / ZIG_SCALE
  WN[ZIG_N - 1] = dn / ZIG_SCALE
  FN[0] = 1
  FN[ZIG_N - 1] = Math.exp(-0.5 * dn * dn)
  for (let i = ZIG_N - 2; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIG_V / dn + Math.exp(-0.5 * dn * dn)))
    KN[i + 1] = Math.floor((dn / tn) * ZIG_SCALE)
    tn = dn
    FN[i] = Math.exp(-0.5 * dn * dn)
    WN[i] = dn / ZIG_SCALE
  }
  for (let i = 0; i < ZIG_N; i++) XN[i] = KN[i]! * WN[i]!
}

/**
 * xoshiro128** generator with uniform and standard normal draws, single or in bulk. Instances are
 * independent; the bulk methods keep the state in locals for speed. {@link Rng.fillUniform}
 * gives the same numbers as that many {@link Rng.nextFloat} calls.
 */
export class Rng {
  private s0: number
  private s1: number
  private s2: number
  private s3: number
  private readonly slow = new Int32Array(2 * FILL_CHUNK)
  private readonly slowX = new Float64Array(FILL_CHUNK)

  /** @param seed a {@link Seed}; the same seed always gives the same stream. */
  constructor(seed: Seed) {
    const sm = new SplitMix32(hashSeed(seed))
    this.s0 = sm.next() | 0
    this.s1 = sm.next() | 0
    this.s2 = sm.next() | 0
    this.s3 = sm.next() | 0
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1 // the one forbidden state
  }

  /** Next raw output as a signed 32-bit integer (int32), all 32 bits uniform. */
  nextInt32(): number {
    const s0 = this.s0
    const s1 = this.s1
    let s2 = this.s2
    let s3 = this.s3
    const x = Math.imul(s1, 5)
    const r = Math.imul((x << 7) | (x >>> 25), 9)
    const t = s1 << 9
    s2 ^= s0
    s3 ^= s1
    this.s1 = s1 ^ s2
    this.s0 = s0 ^ s3
    this.s2 = s2 ^ t
    this.s3 = (s3 << 11) | (s3 >>> 21)
    return r
  }

  /** Next unsigned 32-bit integer in [0, 2^32). */
  nextUint32(): number {
    return this.nextInt32() >>> 0
  }

  /** Uniform float in [0, 1) with 32 bits of resolution (one draw). */
  nextFloat(): number {
    return (this.nextInt32() >>> 0) * TWO_POW_M32
  }

  /** Uniform float in [0, 1) with 53 bits of resolution (two draws). */
  nextDouble(): number {
    const hi = this.nextInt32() >>> 5 // 27 bits
    const lo = this.nextInt32() >>> 6 // 26 bits
    return (hi * 67108864 + lo) * TWO_POW_M53
  }

  /** Uniform float in the open interval (0, 1), 32-bit resolution: safe under Math.log. */
  nextOpenFloat(): number {
    return ((this.nextInt32() >>> 0) + 0.5) * TWO_POW_M32
  }

  /** One standard normal draw N(0, 1) (ziggurat). */
  normal(): number {
    const u = this.nextInt32()
    const i = u & 255
    const j = u >> 8
    if ((j < 0 ? -j : j) < KN[i]!) return j * WN[i]!
    return this.normalSlow(j, i)
  }

  /** The ziggurat's rare path: wedges and the tail beyond ZIG_R (Marsaglia's tail method). */
  private normalSlow(j: number, i: number): number {
    for (;;) {
      const x = j * WN[i]!
      if (i === 0) {
        let tx: number
        let ty: number
        do {
          tx = -Math.log(this.nextOpenFloat()) / ZIG_R
          ty = -Math.log(this.nextOpenFloat())
        } while (ty + ty < tx * tx)
        return j > 0 ? ZIG_R + tx : -ZIG_R - tx
      }
      if (FN[i]! + this.nextFloat() * (FN[i - 1]! - FN[i]!) < Math.exp(-0.5 * x * x)) return x
      const u = this.nextInt32()
      i = u & 255
      j = u >> 8
      if ((j < 0 ? -j : j) < KN[i]!) return j * WN[i]!
    }
  }

  /** Writes the generator's state (four int32 words) to `into[at..at + 4)` (for {@link NormalBuffer}). */
  saveState(into: Int32Array, at: number): void {
    into[at] = this.s0
    into[at + 1] = this.s1
    into[at + 2] = this.s2
    into[at + 3] = this.s3
  }

  /** Sets the generator's state from `from[at..at + 4)` (written by {@link Rng.saveState} and advanced by a kernel). */
  loadState(from: Int32Array, at: number): void {
    this.s0 = from[at]! | 0
    this.s1 = from[at + 1]! | 0
    this.s2 = from[at + 2]! | 0
    this.s3 = from[at + 3]! | 0
  }

  /**
   * The normal of a raw draw `r` (int32) that failed the ziggurat's fast test, drawing more from
   * this stream as {@link Rng.fillNormal}'s slow path does (for kernels that list such draws).
   */
  slowNormal(r: number): number {
    return this.normalSlow(r >> 8, r & 255)
  }

  /**
   * Fill `out[start..end)` with uniform floats in [0, 1) (32-bit resolution, one draw each).
   * @param start first index (default 0); @param end one past the last (default out.length).
   */
  fillUniform(out: Float64Array, start = 0, end = out.length): Float64Array {
    let s0 = this.s0
    let s1 = this.s1
    let s2 = this.s2
    let s3 = this.s3
    for (let k = start; k < end; k++) {
      const x = Math.imul(s1, 5)
      const r = Math.imul((x << 7) | (x >>> 25), 9)
      const t = s1 << 9
      s2 ^= s0
      s3 ^= s1
      s1 ^= s2
      s0 ^= s3
      s2 ^= t
      s3 = (s3 << 11) | (s3 >>> 21)
      out[k] = (r >>> 0) * TWO_POW_M32
    }
    this.s0 = s0
    this.s1 = s1
    this.s2 = s2
    this.s3 = s3
    return out
  }

  /**
   * `out[k] = out[k] + a + b * z_k` for k in `[start, end)`, with z the standard normal draws that
   * {@link Rng.fillNormal} would write for the same call (the same stream, the same slow-path
   * order): one step of a log-price `x += a + b Z` fused with its draws, no scratch array.
   * @param a the deterministic increment per draw (e.g. (mu - sigma^2/2) dt, log units).
   * @param b the scale of the normal (e.g. sigma sqrt(dt), log units).
   */
  addNormals(out: Float64Array, start: number, end: number, a: number, b: number): Float64Array {
    const xn = XN
    const wn = WN
    const slow = this.slow
    const slowX = this.slowX
    for (let c0 = start; c0 < end; c0 += FILL_CHUNK) {
      const c1 = Math.min(end, c0 + FILL_CHUNK)
      let s0 = this.s0
      let s1 = this.s1
      let s2 = this.s2
      let s3 = this.s3
      let ns = 0
      for (let k = c0; k < c1; k++) {
        const x = Math.imul(s1, 5)
        const r = Math.imul((x << 7) | (x >>> 25), 9)
        const t = s1 << 9
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 11) | (s3 >>> 21)
        const i = r & 255
        const z = (r >> 8) * wn[i]!
        // Branch-free store (V8 runs this loop faster than a branch around it); a slow-path draw
        // keeps the previous value so the fix-up below recomputes it from the same operands.
        const old = out[k]!
        out[k] = old + a + b * z
        if (Math.abs(z) >= xn[i]!) {
          slow[ns] = k
          slow[ns + 1] = r
          slowX[ns >> 1] = old
          ns += 2
        }
      }
      this.s0 = s0
      this.s1 = s1
      this.s2 = s2
      this.s3 = s3
      for (let q = 0; q < ns; q += 2) {
        const r = slow[q + 1]!
        out[slow[q]!] = slowX[q >> 1]! + a + b * this.normalSlow(r >> 8, r & 255)
      }
    }
    return out
  }

  /**
   * Fill `out[start..end)` with standard normal draws N(0, 1). Deterministic for a seed, and
   * faster than {@link Rng.normal} in a loop: the ziggurat's fast path is taken for every draw
   * without a branch, and the ~1% of draws that need the slow path are redone afterwards in index
   * order, after each pass of up to 4096 draws. So the numbers depend on how a sequence of draws
   * is split into calls (and differ from that many `normal()` calls), never on anything else:
   * the same seed and the same calls give the same numbers.
   * @param start first index (default 0); @param end one past the last (default out.length).
   */
  fillNormal(out: Float64Array, start = 0, end = out.length): Float64Array {
    const kn = KN
    const wn = WN
    const slow = this.slow
    for (let c0 = start; c0 < end; c0 += FILL_CHUNK) {
      const c1 = Math.min(end, c0 + FILL_CHUNK)
      let s0 = this.s0
      let s1 = this.s1
      let s2 = this.s2
      let s3 = this.s3
      let ns = 0
      for (let k = c0; k < c1; k++) {
        const x = Math.imul(s1, 5)
        const r = Math.imul((x << 7) | (x >>> 25), 9)
        const t = s1 << 9
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 11) | (s3 >>> 21)
        const i = r & 255
        const j = r >> 8
        out[k] = j * wn[i]!
        if (Math.abs(j) >= kn[i]!) {
          slow[ns++] = k
          slow[ns++] = r
        }
      }
      this.s0 = s0
      this.s1 = s1
      this.s2 = s2
      this.s3 = s3
      for (let q = 0; q < ns; q += 2) {
        const r = slow[q + 1]!
        out[slow[q]!] = this.normalSlow(r >> 8, r & 255)
      }
    }
    return out
  }
}

// ---- the same kernels in WebAssembly (src/risk/normal-kernel.wat) ----
const WASM_STATE = 6144
const WASM_VALUES = 73728
interface KernelExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number }
  add(off: number, count: number, a: number, b: number): number
  fill(off: number, count: number): number
  addSteps(off: number, count: number, steps: number, a: number, b: number): void
  corrStep(
    n: number,
    count: number,
    stride: number,
    zOff: number,
    xOff: number,
    starts: number,
    coefs: number,
    zcols: number,
    means: number,
  ): void
  check(
    n: number,
    count: number,
    stride: number,
    xOff: number,
    lo: number,
    hi: number,
    G: number,
    pairs: number,
    pairLo: number,
    marks: number,
    out: number,
  ): number
}
/** The part of the WebAssembly global used here (the project's TS lib has no WebAssembly types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: unknown }
}
const WASM = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly
/** The slow path's exp and log are JS's own, so the draws equal the JS kernels' bit for bit. */
const WASM_IMPORTS = { m: { exp: Math.exp, log: Math.log } }
let kernelModule: object | null | undefined
/** Most kernel instances kept for reuse by {@link NormalBuffer.release}. */
const MAX_IDLE_KERNELS = 4
/** Kernel instances no buffer holds (each with its tables written). */
const IDLE_KERNELS: KernelExports[] = []
/** The compiled module, or null where WebAssembly code cannot be compiled from bytes (e.g. Cloudflare Workers). */
function normalKernelModule(): object | null {
  if (kernelModule === undefined) {
    try {
      kernelModule = WASM ? new WASM.Module(NORMAL_KERNEL_WASM) : null
    } catch {
      kernelModule = null
    }
  }
  return kernelModule
}

/**
 * A float64 buffer that standard normal draws are written to or added into, by the WebAssembly
 * build of the kernels (src/risk/normal-kernel.wat) where the runtime compiles WebAssembly from
 * bytes, else by {@link Rng.addNormals} / {@link Rng.fillNormal}. Either way the numbers are the
 * same, bit for bit (same stream, same operations, JS's Math.exp and Math.log in the slow path).
 */
export class NormalBuffer {
  /** The buffer (length as constructed); a view into the kernel's memory when {@link NormalBuffer.native}. */
  readonly values: Float64Array
  /** True when the WebAssembly kernels run. */
  readonly native: boolean
  private readonly k: KernelExports | undefined
  private readonly i32: Int32Array | undefined
  // Only this flag changes after construction (no field changes type: V8's code specialized on
  // this class's shape stays valid).
  private released = false

  /**
   * @param length the number of float64 values.
   * @param useWasm false forces the JS kernels (tests, comparisons); default: WebAssembly when available.
   */
  constructor(length: number, useWasm = true) {
    const mod = useWasm ? normalKernelModule() : null
    if (!mod) {
      this.values = new Float64Array(length)
      this.native = false
      return
    }
    const k =
      IDLE_KERNELS.pop() ?? (new (WASM as WasmApi).Instance(mod, WASM_IMPORTS).exports as KernelExports)
    const bytes = WASM_VALUES + 8 * length
    const have = k.memory.buffer.byteLength
    if (bytes > have) k.memory.grow(Math.ceil((bytes - have) / 65536))
    const buf = k.memory.buffer
    const f64 = new Float64Array(buf)
    f64.set(WN, 0)
    f64.set(XN, 256)
    f64.set(FN, 512)
    this.k = k
    this.i32 = new Int32Array(buf)
    this.values = new Float64Array(buf, WASM_VALUES, length)
    // A reused instance holds its last user's numbers: start from zeros, as a fresh one does.
    this.values.fill(0)
    this.native = true
  }

  /**
   * Hands the kernel instance back for the next buffer to reuse (the buffer must not be used
   * after this: its methods then throw). Reusing one instance keeps the exported functions every
   * call site sees the same from one simulation to the next, so V8's code specialized on them
   * stays valid (a fresh instance per run deoptimized the callers at each run's start). At most
   * {@link MAX_IDLE_KERNELS} are kept; without release a buffer's instance is simply collected.
   */
  release(): void {
    if (this.released) return
    this.released = true
    if (this.k && IDLE_KERNELS.length < MAX_IDLE_KERNELS) IDLE_KERNELS.push(this.k)
  }

  private live(): void {
    if (this.released) throw new RangeError('NormalBuffer used after release()')
  }

  /** `values[k] = values[k] + a + b * z_k` for k in [start, end): as {@link Rng.addNormals}. */
  add(rng: Rng, start: number, end: number, a: number, b: number): void {
    this.live()
    const k = this.k
    if (!k) {
      rng.addNormals(this.values, start, end, a, b)
      return
    }
    const i32 = this.i32!
    rng.saveState(i32, WASM_STATE >> 2)
    for (let c0 = start; c0 < end; c0 += FILL_CHUNK)
      k.add(WASM_VALUES + 8 * c0, Math.min(end, c0 + FILL_CHUNK) - c0, a, b)
    rng.loadState(i32, WASM_STATE >> 2)
  }

  /**
   * `steps` times {@link NormalBuffer.add}(rng, start, end, a, b) (end - start <= 4096), in one
   * call into the kernel: a block of paths over a whole horizon.
   */
  addSteps(rng: Rng, start: number, end: number, steps: number, a: number, b: number): void {
    this.live()
    const k = this.k
    if (!k || end - start > FILL_CHUNK) {
      for (let s = 0; s < steps; s++) this.add(rng, start, end, a, b)
      return
    }
    const i32 = this.i32!
    rng.saveState(i32, WASM_STATE >> 2)
    k.addSteps(WASM_VALUES + 8 * start, end - start, steps, a, b)
    rng.loadState(i32, WASM_STATE >> 2)
  }

  /**
   * One correlated step of a block (WebAssembly only: call when {@link NormalBuffer.native}): for
   * each asset i < n, {@link NormalBuffer.fill} of `values[zAt + i * stride ..+ count)`, then
   * `x_i[p] = x_i[p] + means[i] + sum_q coefs[q] * z[zcols[q] + p]` over row i's terms
   * `starts[i] .. starts[i + 1] - 1`, each addition rounded to float64 in that order (the sums of
   * one JS pass per term, bit for bit), with `x_i = values[xAt + i * stride ..]`. Every `*At` is
   * an index into {@link NormalBuffer.values} (float64 units); `starts` (n + 1 entries) and
   * `zcols` (one per term: the column's first index relative to zAt, times 8: bytes) are int32 arrays stored
   * there (an Int32Array over the same bytes). count <= 4096.
   */
  corrStep(
    rng: Rng,
    n: number,
    count: number,
    stride: number,
    zAt: number,
    xAt: number,
    startsAt: number,
    coefsAt: number,
    zcolsAt: number,
    meansAt: number,
  ): void {
    this.live()
    const k = this.k
    if (!k) throw new RangeError('corrStep needs the WebAssembly kernels (NormalBuffer.native)')
    const i32 = this.i32!
    const v = WASM_VALUES
    rng.saveState(i32, WASM_STATE >> 2)
    k.corrStep(
      n,
      count,
      8 * stride,
      v + 8 * zAt,
      v + 8 * xAt,
      v + 8 * startsAt,
      v + 8 * coefsAt,
      v + 8 * zcolsAt,
      v + 8 * meansAt,
    )
    rng.loadState(i32, WASM_STATE >> 2)
  }

  /**
   * The liquidation monitor's box check (WebAssembly only: call when {@link NormalBuffer.native}):
   * the paths p < count with `x_i[p]` outside `[lo_i[p], hi_i[p]]` for some asset i < n, or with
   * `x_a[p] - x_b[p] < pairLo_g[p]` for some pair g < G, written in ascending order to the int32
   * array at `outAt`. Arrays of asset i (or pair g) start at `*At + i * stride` and are read two
   * paths at a time (WebAssembly SIMD), count rounded up to even (<= stride, stride even);
   * `pairsAt` holds G int32 pairs (a, b): the assets' first indices relative to `xAt`, times 8
   * (bytes); `marksAt` is a scratch array of `count` (rounded up to even) float64 zeros (left
   * zeroed). Every `*At` is an index into
   * {@link NormalBuffer.values} (float64 units).
   * @returns the number of paths written.
   */
  check(
    n: number,
    count: number,
    stride: number,
    xAt: number,
    loAt: number,
    hiAt: number,
    G: number,
    pairsAt: number,
    pairLoAt: number,
    marksAt: number,
    outAt: number,
  ): number {
    this.live()
    const k = this.k
    if (!k) throw new RangeError('check needs the WebAssembly kernels (NormalBuffer.native)')
    const v = WASM_VALUES
    return k.check(
      n,
      count,
      8 * stride,
      v + 8 * xAt,
      v + 8 * loAt,
      v + 8 * hiAt,
      G,
      v + 8 * pairsAt,
      v + 8 * pairLoAt,
      v + 8 * marksAt,
      v + 8 * outAt,
    )
  }

  /** `values[k] = z_k` for k in [start, end): as {@link Rng.fillNormal}. */
  fill(rng: Rng, start: number, end: number): void {
    this.live()
    const k = this.k
    if (!k) {
      rng.fillNormal(this.values, start, end)
      return
    }
    const i32 = this.i32!
    rng.saveState(i32, WASM_STATE >> 2)
    for (let c0 = start; c0 < end; c0 += FILL_CHUNK)
      k.fill(WASM_VALUES + 8 * c0, Math.min(end, c0 + FILL_CHUNK) - c0)
    rng.loadState(i32, WASM_STATE >> 2)
  }
}
