"""Scratch timing of plateaus.thermal (development aid, not a test).

Usage: python benchmarks/bench_thermal_dev.py [--batch 32] [--sizes 4 5 6 7] [--threads 1 2]

Reports, per n (n_visible = 3, Eq. (11) terms), the amortised time per instance of
thermal_sensitivity (all K terms), of the forward route (every V^dag P_k V), of a
finite-difference sweep (one eigh per perturbed term, the paper's protocol), and the ratio.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from plateaus import thermal
from plateaus.terms import hamiltonian_matrix, two_local_terms


def best_of(fn, repeat=3):
    fn()  # warm-up (caches, page faults)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
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
    for b in range(J.shape[0]):
        Jp = J[b] + eps * np.vstack([np.zeros(len(labels)), np.eye(len(labels))])
        E, V = np.linalg.eigh(hamiltonian_matrix(Jp, labels))
        w = np.exp(-(E - E[:, :1]))
        rho = (V * (w / w.sum(-1, keepdims=True))[:, None, :]) @ np.conj(np.swapaxes(V, -1, -2))
        rv = thermal._hidden_trace(rho, d_v)
        out[b] = 0.5 * np.abs(np.linalg.eigvalsh(rv[1:] - rv[0])).sum(-1) / eps
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4, 5, 6, 7])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--n-visible", type=int, default=3)
    parser.add_argument("--fd", action="store_true", help="also time the finite-difference sweep")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    nv = args.n_visible
    for n in args.sizes:
        labels = two_local_terms(n)
        J = rng.standard_normal((args.batch, len(labels)))
        J /= np.linalg.norm(hamiltonian_matrix(J, labels), ord=2, axis=(-2, -1))[:, None]
        for threads in args.threads:
            with threadpool_limits(threads):
                ts = best_of(lambda: thermal.thermal_sensitivity(J, labels, nv)) / args.batch
                tv = best_of(lambda: thermal.visible_derivatives(J, labels, nv)) / args.batch
                tf = best_of(lambda: forward_route(J, labels, nv), repeat=1) / args.batch
                tg = best_of(lambda: thermal.thermal_eigh(J, labels)) / args.batch
                line = (
                    f"n={n} K={len(labels):3d} threads={threads}: sensitivity {1e3 * ts:7.3f} ms"
                    f" | visible_derivatives {1e3 * tv:7.3f} | forward route {1e3 * tf:7.3f}"
                    f" | eigh alone {1e3 * tg:6.3f}"
                )
                if args.fd:
                    nb = min(args.batch, 4)
                    tfd = best_of(lambda: fd_sweep(J[:nb], labels, nv), repeat=1) / nb
                    line += f" | FD sweep {1e3 * tfd:8.2f} ms, ratio {tfd / ts:6.1f}x"
                print(line, flush=True)


if __name__ == "__main__":
    main()
