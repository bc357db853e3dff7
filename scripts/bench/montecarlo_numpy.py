"""numpy reference for scripts/bench/montecarlo.ts: single-asset GBM, terminal values.

Same model as stacklens' gbmTerminalLogReturns: log m += (mu - sigma^2/2) dt + sigma sqrt(dt) Z
over `steps` steps. numpy's Generator (PCG64 + ziggurat) draws the normals in chunks of paths into
one reused buffer; the cumulative log-price is an in-place cumsum along the steps; the terminal
value is S0 * exp(last column). Prints one JSON line.

Usage: python3 scripts/bench/montecarlo_numpy.py <paths> <steps> <seed> [vol=0.65] [horizonDays=30]
"""

import json
import math
import sys
import time

import numpy as np


def main() -> None:
    paths, steps, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    vol = float(sys.argv[4]) if len(sys.argv) > 4 else 0.65
    horizon_days = float(sys.argv[5]) if len(sys.argv) > 5 else 30.0
    s0, mu = 1.0, 0.0
    dt = horizon_days / 365.0 / steps
    a = (mu - 0.5 * vol * vol) * dt
    b = vol * math.sqrt(dt)
    chunk = max(1, min(paths, 4_000_000 // steps))  # ~32 MB of float64 per chunk
    rng = np.random.default_rng(seed)
    buf = np.empty((chunk, steps), dtype=np.float64)
    terminal = np.empty(paths, dtype=np.float64)

    t0 = time.perf_counter()
    c0 = time.process_time()
    for start in range(0, paths, chunk):
        c = min(chunk, paths - start)
        z = buf[:c]
        rng.standard_normal(out=z)
        z *= b
        z += a
        np.cumsum(z, axis=1, out=z)
        np.exp(z[:, -1], out=terminal[start : start + c])
    terminal *= s0
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0

    log_ret = np.log(terminal / s0)
    print(
        json.dumps(
            {
                "paths": paths,
                "steps": steps,
                "seconds": seconds,
                "cpuSeconds": cpu_seconds,
                "pathStepsPerSec": paths * steps / seconds,
                "meanLogReturn": float(log_ret.mean()),
                "varLogReturn": float(log_ret.var()),
                "numpy": np.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
