/**
 * Seeded generator and normal sampler: reproducibility, ranges, moments of 1e6 draws against
 * N(0, 1) (tolerances are about 5 standard errors: mean 1/sqrt(n), variance sqrt(2/n), skewness
 * sqrt(6/n), excess kurtosis sqrt(24/n)) and a Kolmogorov-Smirnov statistic against normCdf.
 */
import { describe, expect, it } from 'vitest'
import { normCdf } from '../../../src/risk/black-scholes.js'
import { hashSeed, Rng, SplitMix32 } from '../../../src/risk/random.js'

const N = 1_000_000

function moments(a: Float64Array) {
  let m = 0
  for (const x of a) m += x
  m /= a.length
  let v = 0
  let s = 0
  let k = 0
  for (const x of a) {
    const d = x - m
    const d2 = d * d
    v += d2
    s += d2 * d
    k += d2 * d2
  }
  v /= a.length
  return { mean: m, variance: v, skew: s / a.length / v ** 1.5, kurtosis: k / a.length / (v * v) }
}

function ksNormal(a: Float64Array): number {
  const s = a.slice().sort()
  let d = 0
  for (let i = 0; i < s.length; i++) {
    const f = normCdf(s[i]!)
    d = Math.max(d, Math.abs(f - i / s.length), Math.abs((i + 1) / s.length - f))
  }
  return d
}

describe('seeding', () => {
  it('same seed, same stream; different seeds, different streams', () => {
    const a = new Rng(42)
    const b = new Rng(42)
    const c = new Rng(43)
    const xa = Array.from({ length: 100 }, () => a.nextUint32())
    expect(Array.from({ length: 100 }, () => b.nextUint32())).toEqual(xa)
    expect(Array.from({ length: 100 }, () => c.nextUint32())).not.toEqual(xa)
    const s1 = new Rng('wallet 0xabc').fillNormal(new Float64Array(1000))
    const s2 = new Rng('wallet 0xabc').fillNormal(new Float64Array(1000))
    const s3 = new Rng('wallet 0xabd').fillNormal(new Float64Array(1000))
    expect(s2).toEqual(s1)
    expect(s3).not.toEqual(s1)
  })

  it('hashes numbers by value and strings by content', () => {
    expect(hashSeed(1)).toBe(hashSeed(1.0))
    expect(hashSeed(0)).toBe(hashSeed(-0))
    expect(hashSeed(1)).not.toBe(hashSeed(2))
    expect(hashSeed(0.5)).not.toBe(hashSeed(0.25))
    expect(hashSeed('1')).not.toBe(hashSeed(1))
    expect(hashSeed('')).not.toBe(hashSeed('a'))
    expect(() => hashSeed(Number.NaN)).toThrow(RangeError)
    expect(() => new Rng(Number.POSITIVE_INFINITY)).toThrow(RangeError)
  })

  it('splitmix32 outputs are uint32 and deterministic', () => {
    const a = new SplitMix32(7)
    const b = new SplitMix32(7)
    for (let i = 0; i < 100; i++) {
      const x = a.next()
      expect(x).toBe(b.next())
      expect(Number.isInteger(x) && x >= 0 && x < 2 ** 32).toBe(true)
    }
  })

  it('bulk fills are deterministic for the same sequence of calls', () => {
    const fill = (seed: number) => {
      const r = new Rng(seed)
      const out = new Float64Array(10_000)
      r.fillNormal(out, 0, 3_000)
      r.fillNormal(out, 3_000, 10_000)
      return out
    }
    expect(fill(9)).toEqual(fill(9))
    // Within one pass (4096 draws) the fast-path values (~99%) do not depend on where the call
    // ends; the slow-path ones are drawn after the pass, so they do.
    const whole = new Rng(9).fillNormal(new Float64Array(10_000))
    const split = fill(9)
    let same = 0
    for (let i = 0; i < 3_000; i++) if (split[i] === whole[i]) same++
    expect(same).toBeGreaterThan(2_940)
    const u1 = new Rng(5).fillUniform(new Float64Array(100))
    const r2 = new Rng(5)
    expect(Float64Array.from({ length: 100 }, () => r2.nextFloat())).toEqual(u1)
  })
})

describe('addNormals', () => {
  it('adds a + b z with the very draws of fillNormal (bit for bit), slow-path draws included', () => {
    // 3 x 700 draws: passes of 700 (one chunk each); ~1% take the slow path (7 per pass).
    const a = -1.5e-5
    const b = 0.011
    const viaFill = new Float64Array(700).fill(0.25)
    const fused = new Float64Array(700).fill(0.25)
    const r1 = new Rng('fused')
    const r2 = new Rng('fused')
    const z = new Float64Array(700)
    for (let s = 0; s < 3; s++) {
      r1.fillNormal(z, 0, 700)
      for (let k = 0; k < 700; k++) viaFill[k] = viaFill[k]! + a + b * z[k]!
      r2.addNormals(fused, 0, 700, a, b)
    }
    expect(fused).toEqual(viaFill)
    // Both generators end in the same state.
    expect(r2.nextUint32()).toBe(r1.nextUint32())
    // A sub-range leaves the rest untouched.
    const part = new Float64Array(10)
    new Rng(1).addNormals(part, 3, 6, 1, 0)
    expect(Array.from(part)).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0])
  })
})

describe('uniforms', () => {
  it('nextFloat / nextDouble / nextOpenFloat / fillUniform stay in range with mean 1/2, variance 1/12', () => {
    const r = new Rng(1)
    const u = r.fillUniform(new Float64Array(N))
    let min = 1
    let max = 0
    for (const x of u) {
      min = Math.min(min, x)
      max = Math.max(max, x)
    }
    expect(min).toBeGreaterThanOrEqual(0)
    expect(max).toBeLessThan(1)
    const m = moments(u)
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / N))
    expect(Math.abs(m.variance - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / N))
    let inRange = true
    for (let i = 0; i < 100_000; i++) {
      const d = r.nextDouble()
      const o = r.nextOpenFloat()
      const f = r.nextFloat()
      inRange &&= d >= 0 && d < 1 && o > 0 && o < 1 && f >= 0 && f < 1
    }
    expect(inRange).toBe(true)
    // 10 equal bins: chi-square with 9 degrees of freedom, 0.1% critical value 27.9
    const bins = new Array(10).fill(0)
    for (const x of u) bins[Math.floor(x * 10)]++
    const chi = bins.reduce((s, c) => s + (c - N / 10) ** 2 / (N / 10), 0)
    expect(chi).toBeLessThan(27.9)
  })
})

describe('normals', () => {
  it('1e6 bulk normals: moments of N(0, 1) within ~5 standard errors', () => {
    const m = moments(new Rng(2024).fillNormal(new Float64Array(N)))
    expect(Math.abs(m.mean)).toBeLessThan(5 / Math.sqrt(N))
    expect(Math.abs(m.variance - 1)).toBeLessThan(5 * Math.sqrt(2 / N))
    expect(Math.abs(m.skew)).toBeLessThan(5 * Math.sqrt(6 / N))
    expect(Math.abs(m.kurtosis - 3)).toBeLessThan(5 * Math.sqrt(24 / N))
  })

  it('Kolmogorov-Smirnov against normCdf: D < 1.95/sqrt(n) (0.1% level), bulk and single draws', () => {
    expect(ksNormal(new Rng('ks').fillNormal(new Float64Array(N)))).toBeLessThan(1.95 / Math.sqrt(N))
    const r = new Rng('ks single')
    const single = Float64Array.from({ length: 200_000 }, () => r.normal())
    expect(ksNormal(single)).toBeLessThan(1.95 / Math.sqrt(200_000))
  })

  it('tail frequencies beyond the ziggurat base (|z| > 3.654) and beyond 4 match the normal', () => {
    const n = 4 * N
    const z = new Rng(77).fillNormal(new Float64Array(n))
    for (const t of [3, 3.654152885361009, 4]) {
      let c = 0
      for (const x of z) if (Math.abs(x) > t) c++
      const p = 2 * normCdf(-t)
      expect(Math.abs(c / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n))
    }
  })
})
