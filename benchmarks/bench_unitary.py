"""Timing of the unitary model's exact gradient (a measurement, not a test).

    python benchmarks/bench_unitary.py                # n = 7 (n_v = 3, n_h = 4, 210 parameters)
    python benchmarks/bench_unitary.py --no-figure    # skip the whole Fig. 3(b) run

Prints, for one instance of the unitary network at n = 7 amortised over a batch, the time of
the forward state alone and of the exact (adjoint) gradient of the fidelity, both gate-order
readings, in one process and on 2 worker processes with one BLAS thread each (how
plateaus.parallel runs ensembles), and their ratio. Targets (issue 5): gradient <= 0.5 ms per
instance on 2 cores, <= 4x the forward state. Then it times the whole Fig. 3(b) at the paper's
scale (1000 instances, n_h = 1..4, fidelity, random order; and both readings) through the
chapter's experiment, in a scratch data directory. Best of a few repeats: the machine may be
shared, and the load average is printed so that a slow number can be read against it.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from plateaus.experiments import unitary_plateau as ex
from plateaus.models import UnitaryQNN
from plateaus.objectives import Fidelity
from plateaus.params import chapter_params


def best_of(fn, repeat=3):
    fn()  # warm-up (caches, page faults)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _setup(n_visible, n_hidden, batch, seed):
    qnn = UnitaryQNN(n_visible, n_hidden)
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=(batch, qnn.n_params))
    orders = qnn.random_orders(batch, rng)
    target = ex.thermal_target(2021, n_visible, 0.01, 1.0)
    return qnn, theta, orders, Fidelity(target)


def _work(args):
    """One worker's share: (kind, reading, n_visible, n_hidden, batch, seed, repeat) -> seconds."""
    kind, reading, n_visible, n_hidden, batch, seed, repeat = args
    with threadpool_limits(limits=1):
        qnn, theta, orders, fid = _setup(n_visible, n_hidden, batch, seed)
        order = orders if reading == "random" else None
        if kind == "forward":
            return best_of(lambda: qnn.state(theta, order=order), repeat)
        return best_of(lambda: qnn.gradient(theta, fid, order=order), repeat)


def per_instance(kind, reading, n_visible, n_hidden, batch, workers, repeat):
    """Seconds per instance, amortised over ``batch`` instances split evenly over ``workers``
    processes that run at the same time (the slowest worker's best repeat / batch)."""
    share = batch // workers
    jobs = [(kind, reading, n_visible, n_hidden, share, seed, repeat) for seed in range(workers)]
    if workers == 1:
        return _work(jobs[0]) / share
    with ProcessPoolExecutor(workers) as pool:
        times = list(pool.map(_work, jobs))
    return max(times) / (share * workers)


def figure_run(models, objectives, n_jobs):
    """Wall time of the chapter's gradient table for Fig. 3(b) at the paper's scale."""
    params = chapter_params("unitary-plateau", "paper", n_hidden_beyond=[1, 2, 3, 4],
                               models=models, objectives=objectives)
    with tempfile.TemporaryDirectory() as root:
        os.environ["PLATEAUS_DATA"] = root
        os.environ["PLATEAUS_N_JOBS"] = str(n_jobs)
        t0 = time.perf_counter()
        ex.gradients(params, recompute=True)
        return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-visible", type=int, default=3)
    parser.add_argument("--n-hidden", type=int, default=4)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-figure", action="store_true")
    args = parser.parse_args()

    n = args.n_visible + args.n_hidden
    k = UnitaryQNN(args.n_visible, args.n_hidden).n_params
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"unitary model, n = {n} ({k} parameters), batch {args.batch}; ms per instance")
    print(f"{'reading':>8} {'workers':>7} {'forward':>9} {'gradient':>9} {'ratio':>6}")
    for reading in ("fixed", "random"):
        for workers in (1, 2):
            fwd = per_instance("forward", reading, args.n_visible, args.n_hidden, args.batch, workers, args.repeat)
            grad = per_instance("gradient", reading, args.n_visible, args.n_hidden, args.batch, workers, args.repeat)
            print(f"{reading:>8} {workers:>7} {fwd * 1e3:9.3f} {grad * 1e3:9.3f} {grad / fwd:6.2f}")
    if not args.no_figure:
        print("whole Fig. 3(b) at the paper's scale (1000 instances, n_h = 1..4), 2 workers:")
        t = figure_run(["unitary-random-order"], ["fidelity"], 2)
        print(f"  fidelity, random order:                      {t:6.1f} s")
        t = figure_run(["unitary", "unitary-random-order"], ["fidelity", "root-fidelity", "observable"], 2)
        print(f"  both readings x three objectives (chapter):  {t:6.1f} s")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
