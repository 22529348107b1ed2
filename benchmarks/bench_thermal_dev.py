"""Scratch timing of plateaus.thermal (a development aid, not a test).

    python benchmarks/bench_thermal_dev.py                 # n = 4..7, n_visible = 3
    python benchmarks/bench_thermal_dev.py --sizes 7 --fd  # plus the finite-difference sweep

For each n (Eq. (11) terms, J normalised by the operator norm as in Fig. 3(c)) it prints the
time per instance, amortised over a batch, of thermal_sensitivity (all K terms) with 1 BLAS
thread, with 2 BLAS threads in one process, and with 2 worker processes of 1 BLAS thread each
(how plateaus.parallel runs ensembles); the forward route (every V^dag P_k V, for comparison);
and optionally the paper's finite-difference sweep (one eigh per perturbed term, K + 1 per
instance) and the ratio. Best of a few repeats: the machine may be shared.
"""
from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from plateaus import thermal
from plateaus.terms import hamiltonian_matrix, two_local_terms


def best_of(fn, repeat=3, clock=time.perf_counter):
    """Best time of ``repeat`` runs after a warm-up (caches, page faults)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return min(times)


def forward_route(J, labels, n_visible):
    """Tr_h d rho / dJ_k by forming every X_k = V^dag P_k V (for comparison only)."""
    perms, phases, _, _ = thermal._pauli_tables(labels)
    E, V = thermal._spectrum(J, labels)
    p, Lt = thermal._boltzmann(E)
    rho = thermal._density(V, p)
    B, D, _ = V.shape
    d_v = 2**n_visible
    d_h = D // d_v
    Vh = np.conj(np.swapaxes(V, -1, -2))
    Vb = V.reshape(B, d_v, d_h, D)
    # Mt[b, (j, i), (a, c)] = sum_h V_{(a,h), j} conj(V_{(c,h), i}) = (Tr_h V E_ji V^dag)_{ac}
    Mt = np.einsum("bahj,bchi->bjiac", Vb, np.conj(Vb)).reshape(B, D * D, d_v * d_v)
    out = np.empty((B, len(labels), d_v * d_v), dtype=complex)
    for k in range(len(labels)):
        PV = phases[k][:, None] * V[:, perms[k], :]
        X = Lt * (Vh @ PV)
        out[:, k] = (X.reshape(B, 1, D * D) @ Mt)[:, 0]
    out = out.reshape(B, len(labels), d_v, d_v)
    expect = thermal._pauli_traces(rho, labels).real
    return out + thermal._hidden_trace(rho, d_v)[:, None] * expect[:, :, None, None]


def fd_sweep(J, labels, n_visible, eps=1e-6):
    """The paper's g_k = T(rho_v(J), rho_v(J + eps e_k)) / eps: one eigh per perturbed term."""
    d_v = 2**n_visible
    out = np.empty(J.shape)
    steps = eps * np.vstack([np.zeros(len(labels)), np.eye(len(labels))])
    for b in range(J.shape[0]):
        E, V = np.linalg.eigh(hamiltonian_matrix(J[b] + steps, labels))
        w = np.exp(-(E - E[:, :1]))
        rho = (V * (w / w.sum(-1, keepdims=True))[:, None, :]) @ np.conj(np.swapaxes(V, -1, -2))
        rv = thermal._hidden_trace(rho, d_v)
        out[b] = 0.5 * np.abs(np.linalg.eigvalsh(rv[1:] - rv[0])).sum(-1) / eps
    return out


# ---------------------------------------------------------------- two worker processes


def _init_worker():
    threadpool_limits(1)


def _worker_time(task):
    """Run fn(J) `repeat` times in a worker; return the start/stop stamps of each run."""
    name, J, labels, n_visible, repeat = task
    fn = {"sensitivity": thermal.thermal_sensitivity, "fd": fd_sweep}[name]
    fn(J[:1], labels, n_visible)  # warm-up
    stamps = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(J, labels, n_visible)
        stamps.append((t0, time.perf_counter()))
    return stamps


def two_process_time(pool, name, J, labels, n_visible, repeat=3):
    """Amortised wall time per instance with the batch split over two processes."""
    halves = np.array_split(J, 2)
    results = list(pool.map(_worker_time, [(name, h, labels, n_visible, repeat) for h in halves]))
    # Both workers start together; take the best repeat of the slower of the two.
    walls = [max(r[i][1] - r[i][0] for r in results) for i in range(repeat)]
    return min(walls) / J.shape[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4, 5, 6, 7])
    parser.add_argument("--n-visible", type=int, default=3)
    parser.add_argument("--fd", action="store_true", help="also time the finite-difference sweep")
    parser.add_argument("--no-forward", action="store_true", help="skip the forward route")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    nv = args.n_visible
    print(f"load average before: {os.getloadavg()}")
    with ProcessPoolExecutor(2, initializer=_init_worker) as pool:
        for n in args.sizes:
            labels = two_local_terms(n)
            onsite = np.array([sum(c != "I" for c in lab) == 1 for lab in labels])
            J = rng.standard_normal((args.batch, len(labels))) * np.where(onsite, 0.1, 1.0)
            J /= np.linalg.norm(hamiltonian_matrix(J, labels), ord=2, axis=(-2, -1))[:, None]
            res = {}
            for threads in (1, 2):
                with threadpool_limits(threads):
                    res[f"sens {threads}thr"] = best_of(
                        lambda: thermal.thermal_sensitivity(J, labels, nv)
                    ) / args.batch
            res["sens 2proc"] = two_process_time(pool, "sensitivity", J, labels, nv)
            with threadpool_limits(1):
                # CPU time of this process: robust when other jobs share the cores.
                res["sens 1thr cpu"] = best_of(
                    lambda: thermal.thermal_sensitivity(J, labels, nv), clock=time.process_time
                ) / args.batch
                res["eigh 1thr"] = best_of(lambda: thermal.thermal_eigh(J, labels)) / args.batch
                if not args.no_forward:
                    res["forward 1thr"] = best_of(
                        lambda: forward_route(J, labels, nv), repeat=1
                    ) / args.batch
            if args.fd:
                nb = min(args.batch, 4)
                with threadpool_limits(1):
                    res["FD 1thr"] = best_of(lambda: fd_sweep(J[:nb], labels, nv), repeat=1) / nb
                    res["FD 1thr cpu"] = best_of(
                        lambda: fd_sweep(J[:nb], labels, nv), repeat=1, clock=time.process_time
                    ) / nb
                res["FD 2proc"] = two_process_time(pool, "fd", J[: 2 * nb], labels, nv, repeat=1)
            line = f"n={n} K={len(labels):3d} | " + " | ".join(
                f"{k} {1e3 * v:8.3f} ms" for k, v in res.items()
            )
            if args.fd:
                line += (
                    f" | ratio FD/sens: 1thr {res['FD 1thr'] / res['sens 1thr']:5.1f}x,"
                    f" cpu {res['FD 1thr cpu'] / res['sens 1thr cpu']:5.1f}x,"
                    f" 2proc {res['FD 2proc'] / res['sens 2proc']:5.1f}x"
                )
            print(line, flush=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
