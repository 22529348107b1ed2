"""Timing of the Boltzmann-machine sensitivities (chapter *Boltzmann plateau*).

Usage::

    python benchmarks/bench_boltzmann.py [--batch 32] [--repeat 3] [--instances 1000] [--jobs 2]
                                         [--skip-figure]

Prints

1. all 210 sensitivities ``1/2 ||Tr_h d rho / dJ_k||_1`` of one instance at n = 7 (n_v = 3,
   n_h = 4, Eq. (11) terms) by :func:`plateaus.thermal.thermal_sensitivity`: one instance
   alone, and amortised over a batch of ``--batch`` instances, with one and with two BLAS
   threads;
2. the same 210 numbers by the paper's finite-difference sweep (one ``eigh`` per perturbed
   term, :func:`plateaus.experiments.boltzmann_plateau.finite_difference_sensitivities`), and
   the ratio;
3. the whole Fig. 3(c) at paper scale, both readings (1000 instances at n_h = 1..4: the
   ``sensitivity`` experiment), on ``--jobs`` processes, into a temporary data directory.

Targets (issue 6): item 1 <= 10 ms per instance on 2 cores and >= 50x faster than item 2;
item 3 under a minute. The machine's load is printed, since shared machines vary.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np
from threadpoolctl import threadpool_limits

from plateaus import thermal
from plateaus.experiments import boltzmann_plateau as bp
from plateaus.experiments.ensembles import couplings
from plateaus.terms import two_local_terms

N_VISIBLE, N_HIDDEN = 3, 4


def best_of(fn, repeat: int) -> float:
    fn()  # warm-up: caches of Pauli tables, page faults
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def instances(size: int, seed: int = 2021) -> np.ndarray:
    """``size`` normalised instances of Fig. 3(c) at n = 7, shape ``(size, 210)``."""
    n = N_VISIBLE + N_HIDDEN
    rng = np.random.default_rng(seed)
    J = np.stack([couplings(rng, n, 0.01, 1.0) for _ in range(size)])
    E, _ = thermal.thermal_eigh(J, two_local_terms(n))
    return J / np.abs(E).max(axis=1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-figure", action="store_true")
    args = parser.parse_args()

    labels = two_local_terms(N_VISIBLE + N_HIDDEN)
    J = instances(args.batch)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"n = {N_VISIBLE + N_HIDDEN} (n_v = {N_VISIBLE}, n_h = {N_HIDDEN}), "
          f"K = {len(labels)} terms, D = {2 ** (N_VISIBLE + N_HIDDEN)}")

    exact = {}
    for threads in (1, 2):
        with threadpool_limits(threads):
            one = best_of(lambda: thermal.thermal_sensitivity(J[:1], labels, N_VISIBLE), args.repeat)
            many = best_of(lambda: thermal.thermal_sensitivity(J, labels, N_VISIBLE), args.repeat)
        exact[threads] = many / args.batch
        print(f"exact, {threads} thread(s): one instance {1e3 * one:8.2f} ms; "
              f"amortised over {args.batch}: {1e3 * many / args.batch:8.2f} ms per instance")

    with threadpool_limits(1):
        fd = best_of(lambda: bp.finite_difference_sensitivities(
            J[:1], labels, N_VISIBLE, 1e-4, "fixed-point"), max(1, args.repeat - 1))
    best = min(exact.values())
    print(f"finite-difference sweep (paper's protocol), 1 thread: {1e3 * fd:8.1f} ms per instance")
    print(f"speed-up of the exact sensitivities: {fd / best:.0f}x "
          f"(best amortised {1e3 * best:.2f} ms; target <= 10 ms and >= 50x)")

    if args.skip_figure:
        return
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PLATEAUS_DATA"] = tmp
        os.environ["PLATEAUS_N_JOBS"] = str(args.jobs)
        params = {"scale": "paper", "instances": args.instances}
        t0 = time.perf_counter()
        df = bp.sensitivity(params, recompute=True)
        wall = time.perf_counter() - t0
    print(f"Fig. 3(c) at paper scale, both readings ({args.instances} instances x n_h = 1..4, "
          f"{len(df)} rows) on {args.jobs} processes: {wall:.1f} s (target < 60 s)")


if __name__ == "__main__":
    main()
