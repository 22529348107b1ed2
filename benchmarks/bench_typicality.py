"""Timing of the chapter *Typicality* (a measurement, not a test).

    python benchmarks/bench_typicality.py               # both parts, 2 worker processes
    python benchmarks/bench_typicality.py --jobs 1      # the chapter in one process
    python benchmarks/bench_typicality.py --no-chapter  # only the batched Haar call

1. 1000 Haar-random states at n = 12 (one visible qubit), drawn, reduced and measured
   (T(rho_v, I/2), purity, entropy) in one batched call: best of a few repeats, one BLAS thread.
2. The chapter's whole compute at the paper's scale (both tables of
   plateaus.experiments.typicality, recomputed into a scratch data directory), in total and per
   model and hidden size, so that a slow cell can be found. The target (issue 4) is well
   under a minute on 2 cores.

The machine may be shared: the load average is printed with the numbers, so that a slow number
can be read against it.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np
from threadpoolctl import threadpool_limits

import plateaus as pl
from plateaus.parallel import spawn_seeds


def best_of(fn, repeat=3):
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def haar_batch(n_qubits=12, size=1000, seed=1):
    psi = pl.haar_states(n_qubits, size, seed)
    rho = pl.reduced_state(psi, 1)
    return pl.trace_distance(rho, np.eye(2) / 2), pl.purity(rho), pl.entropy(rho)


def per_cell(params):
    """Seconds per 1000 instances of every model and size, in this process (chunks of 100)."""
    from plateaus.experiments import typicality as ty

    rows = []
    for model in params["models"]:
        sizes = params["boltzmann_n_hidden"] if model == "boltzmann" else params["n_hidden"]
        for n_h in sizes:
            seeds = spawn_seeds([1, n_h], 100)
            t0 = time.perf_counter()
            ty._chunk(seeds, model=model, n_visible=params["n_visible"], n_hidden=n_h, t=params["t"],
                      theta_low=params["theta_low"], theta_high=params["theta_high"],
                      onsite_var=params["onsite_var"], offsite_var=params["offsite_var"])
            rows.append((model, n_h, 10 * (time.perf_counter() - t0)))
    return rows


def chapter(jobs):
    from plateaus.experiments import typicality as ty
    from plateaus.params import chapter_params

    params = chapter_params("typicality", "paper")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PLATEAUS_DATA"] = tmp
        t0 = time.perf_counter()
        ty.trace_distances(params, recompute=True, n_jobs=jobs)
        t1 = time.perf_counter()
        ty.angle_scan(params, recompute=True, n_jobs=jobs)
        t2 = time.perf_counter()
    return t1 - t0, t2 - t1, params


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the chapter (default 2)")
    parser.add_argument("--no-chapter", action="store_true", help="only the batched Haar call")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with threadpool_limits(1):
        t = best_of(haar_batch)
    print(f"1000 Haar states, n = 12, drawn + reduced + T, purity, entropy in one call: {t:.3f} s")
    if args.no_chapter:
        return
    t_table, t_scan, params = chapter(args.jobs)
    print(f"chapter at scale=paper on {args.jobs} worker(s): trace-distance {t_table:.1f} s, "
          f"angle-scan {t_scan:.1f} s, total {t_table + t_scan:.1f} s "
          f"(load average now {os.getloadavg()[0]:.1f})")
    with threadpool_limits(1):
        rows = per_cell(params)
    print("seconds per 1000 instances, one process:")
    for model, n_h, sec in rows:
        print(f"  {model:22s} n_h = {n_h:2d}: {sec:6.2f}")


if __name__ == "__main__":
    main()
