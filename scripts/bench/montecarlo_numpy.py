"""numpy anchor for scripts/bench/montecarlo.ts: single-asset GBM, terminal values only.

The same work as stacklens' kernel (gbmTerminalLogReturns, one asset): log m += (mu - sigma^2/2) dt
+ sigma sqrt(dt) Z over `steps` steps for every path, then S0 * exp(log m). No path matrix is kept:
the paths' running log-prices live in one vector and the normals are drawn for a block of steps at
a time (a (steps in block) x paths buffer of ~8 MB, reused), summed over the block's steps
(np.sum along axis 0, pairwise), scaled and added; the drift is added once per block. numpy's
Generator (PCG64 + ziggurat) draws the normals, in float64 or, with the float32 argument,
float32 throughout (standard_normal(dtype=np.float32), a float32 running sum).

Prints one JSON line.

Usage: python3 scripts/bench/montecarlo_numpy.py <paths> <steps> <seed> [float64|float32] [vol=0.65] [horizonDays=30]
"""

import json
import math
import sys
import time

import numpy as np


def main() -> None:
    paths, steps, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    dtype = np.float32 if len(sys.argv) > 4 and sys.argv[4] == "float32" else np.float64
    vol = float(sys.argv[5]) if len(sys.argv) > 5 else 0.65
    horizon_days = float(sys.argv[6]) if len(sys.argv) > 6 else 30.0
    s0, mu = 3000.0, 0.0
    dt = horizon_days / 365.0 / steps
    a = (mu - 0.5 * vol * vol) * dt
    b = vol * math.sqrt(dt)
    k = max(1, min(steps, 1_000_000 // paths))  # steps per block: ~1e6 draws (8 MB in float64)
    rng = np.random.default_rng(seed)
    buf = np.empty((k, paths), dtype=dtype)
    acc = np.empty(paths, dtype=dtype)

    t0 = time.perf_counter()
    c0 = time.process_time()
    x = np.zeros(paths, dtype=dtype)
    done = 0
    while done < steps:
        m = min(k, steps - done)
        z = buf[:m]
        rng.standard_normal(out=z, dtype=dtype)
        np.sum(z, axis=0, out=acc)
        acc *= dtype(b)
        acc += dtype(a * m)
        x += acc
        done += m
    terminal = s0 * np.exp(x)
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0

    log_ret = np.log(terminal.astype(np.float64) / s0)
    print(
        json.dumps(
            {
                "paths": paths,
                "steps": steps,
                "dtype": np.dtype(dtype).name,
                "seconds": seconds,
                "cpuSeconds": cpu_seconds,
                "pathStepsPerSec": paths * steps / seconds,
                "meanLogReturn": float(log_ret.mean()),
                "varLogReturn": float(log_ret.var(ddof=1)),
                "numpy": np.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
