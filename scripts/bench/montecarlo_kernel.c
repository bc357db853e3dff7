/*
 * C anchor of the stacklens Monte Carlo kernel (scripts/bench/montecarlo.ts compiles and runs it
 * side by side with the TypeScript kernel). Our own port of src/risk/random.ts and the one-asset
 * path of gbmTerminalLogReturns in src/risk/montecarlo.ts, operation for operation:
 *
 * - seed: the float64 bit pattern hashed with fmix32, expanded with splitmix32;
 * - xoshiro128** 1.1 on four 32-bit words;
 * - a 256-layer ziggurat (low 8 bits: layer, high 24 bits: signed abscissa), the same tables;
 * - paths in blocks of 512; per block and step, one pass of draws for the block's paths (fast path
 *   added at once, the ~1% slow-path draws redone after the pass in index order), each draw added
 *   as x = x + a + b * z (compile with -ffp-contract=off: no fused multiply-add, like JS);
 * - terminal value S0 * exp(x) per path.
 *
 * So with the same paths, steps and seed it draws the same numbers as the TypeScript kernel
 * (its sums can differ in the last bits only where libm's exp/log differ from V8's in a slow-path
 * draw). Prints one JSON line: seconds (CLOCK_MONOTONIC), cpuSeconds (CLOCK_PROCESS_CPUTIME_ID),
 * meanLogReturn, varLogReturn.
 *
 * Usage: montecarlo_kernel <paths> <steps> <seed> [vol=0.65] [horizonDays=30]
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BLOCK 512
#define ZIG_N 256

static int32_t KN[ZIG_N];
static double WN[ZIG_N];
static double FN[ZIG_N];

static void zig_init(void) {
  const double R = 3.654152885361009, V = 4.92867323399e-3, SCALE = 8388608.0; /* 2^23 */
  double dn = R, tn = dn;
  double q = V / exp(-0.5 * dn * dn);
  KN[0] = (int32_t)floor((dn / q) * SCALE);
  KN[1] = 0;
  WN[0] = q / SCALE;
  WN[ZIG_N - 1] = dn / SCALE;
  FN[0] = 1;
  FN[ZIG_N - 1] = exp(-0.5 * dn * dn);
  for (int i = ZIG_N - 2; i >= 1; i--) {
    dn = sqrt(-2 * log(V / dn + exp(-0.5 * dn * dn)));
    KN[i + 1] = (int32_t)floor((dn / tn) * SCALE);
    tn = dn;
    FN[i] = exp(-0.5 * dn * dn);
    WN[i] = dn / SCALE;
  }
}

static uint32_t fmix32(uint32_t h) {
  h = (h ^ (h >> 16)) * 0x85ebca6bu;
  h = (h ^ (h >> 13)) * 0xc2b2ae35u;
  return h ^ (h >> 16);
}

static uint32_t hash_seed(double seed) {
  if (seed == 0) seed = 0; /* -0 and 0 are the same seed */
  uint32_t w[2];
  memcpy(w, &seed, 8); /* little-endian: w[0] low word, w[1] high word */
  return fmix32(w[0] ^ fmix32(w[1] + 0x9e3779b9u));
}

typedef struct {
  uint32_t s0, s1, s2, s3;
} rng_t;

static inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

static inline uint32_t next_u32(rng_t *g) {
  uint32_t s0 = g->s0, s1 = g->s1, s2 = g->s2, s3 = g->s3;
  uint32_t r = rotl(s1 * 5, 7) * 9;
  uint32_t t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  g->s0 = s0;
  g->s1 = s1;
  g->s2 = s2;
  g->s3 = s3;
  return r;
}

static void rng_seed(rng_t *g, double seed) {
  uint32_t s = hash_seed(seed);
  uint32_t st[4];
  for (int k = 0; k < 4; k++) {
    s += 0x9e3779b9u;
    st[k] = fmix32(s);
  }
  g->s0 = st[0];
  g->s1 = st[1];
  g->s2 = st[2];
  g->s3 = st[3];
  if ((g->s0 | g->s1 | g->s2 | g->s3) == 0) g->s0 = 1;
}

static const double TWO_POW_M32 = 2.3283064365386963e-10;

static double normal_slow(rng_t *g, int32_t j, int i) {
  const double R = 3.654152885361009;
  for (;;) {
    double x = j * WN[i];
    if (i == 0) {
      double tx, ty;
      do {
        tx = -log(((double)next_u32(g) + 0.5) * TWO_POW_M32) / R;
        ty = -log(((double)next_u32(g) + 0.5) * TWO_POW_M32);
      } while (ty + ty < tx * tx);
      return j > 0 ? R + tx : -R - tx;
    }
    if (FN[i] + (double)next_u32(g) * TWO_POW_M32 * (FN[i - 1] - FN[i]) < exp(-0.5 * x * x)) return x;
    uint32_t u = next_u32(g);
    i = (int)(u & 255);
    j = (int32_t)u >> 8;
    if ((j < 0 ? -j : j) < KN[i]) return j * WN[i];
  }
}

/* x[k] = x[k] + a + b * z_k for k < count: one pass of draws, slow path after the pass. */
static void add_normals(rng_t *g, double *restrict x, int count, double a, double b, int32_t *restrict slow) {
  uint32_t s0 = g->s0, s1 = g->s1, s2 = g->s2, s3 = g->s3;
  int ns = 0;
  for (int k = 0; k < count; k++) {
    uint32_t r = rotl(s1 * 5, 7) * 9;
    uint32_t t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    int i = (int)(r & 255);
    int32_t j = (int32_t)r >> 8;
    if ((j < 0 ? -j : j) < KN[i]) {
      double z = j * WN[i];
      x[k] = x[k] + a + b * z;
    } else {
      slow[ns++] = k;
      slow[ns++] = (int32_t)r;
    }
  }
  g->s0 = s0;
  g->s1 = s1;
  g->s2 = s2;
  g->s3 = s3;
  for (int q = 0; q < ns; q += 2) {
    int32_t r = slow[q + 1];
    double z = normal_slow(g, r >> 8, r & 255);
    x[slow[q]] = x[slow[q]] + a + b * z;
  }
}

static double now(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s <paths> <steps> <seed> [vol] [horizonDays]\n", argv[0]);
    return 2;
  }
  long paths = atol(argv[1]);
  long steps = atol(argv[2]);
  double seed = atof(argv[3]);
  double vol = argc > 4 ? atof(argv[4]) : 0.65;
  double horizon = argc > 5 ? atof(argv[5]) : 30.0;
  double s0 = 3000.0;
  zig_init();
  double dt = horizon / 365.0 / steps;
  double a = (0.0 - 0.5 * vol * vol) * dt;
  double b = vol * sqrt(dt);
  double *terminal = malloc(sizeof(double) * paths);
  double x[BLOCK];
  int32_t slow[2 * BLOCK];
  rng_t g;

  double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
  rng_seed(&g, seed);
  for (long start = 0; start < paths; start += BLOCK) {
    int count = (int)(paths - start < BLOCK ? paths - start : BLOCK);
    memset(x, 0, sizeof x);
    for (long s = 0; s < steps; s++) add_normals(&g, x, count, a, b, slow);
    for (int p = 0; p < count; p++) terminal[start + p] = s0 * exp(x[p]);
  }
  double seconds = now(CLOCK_MONOTONIC) - t0, cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;

  double m = 0, v = 0;
  for (long p = 0; p < paths; p++) m += log(terminal[p] / s0);
  m /= paths;
  for (long p = 0; p < paths; p++) {
    double d = log(terminal[p] / s0) - m;
    v += d * d;
  }
  v /= paths - 1;
  printf("{\"paths\":%ld,\"steps\":%ld,\"seconds\":%.6f,\"cpuSeconds\":%.6f,\"meanLogReturn\":%.17g,\"varLogReturn\":%.17g}\n",
         paths, steps, seconds, cpu, m, v);
  free(terminal);
  return 0;
}
