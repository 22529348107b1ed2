r"""T1: a Haar-random state on n qubits, reduced to one visible qubit, trace distance to I/2.

The quantity of Proposition 2 and Figs. 3(a), 4: :math:`T(\rho_v, I/2)` with
:math:`\rho_v = \mathrm{Tr}_h|\psi\rangle\langle\psi|`, :math:`\psi` Haar random.

Same numbers: every implementation reduces the *same* state vectors (drawn by the project from
the seed) and must return the project's distances. Timing: the whole task, each library with its
own Haar sampler, then its partial trace and trace distance:

* project: ``haar_states`` (normalised complex Gaussian vectors), ``reduced_state``,
  ``trace_distance``, batched over ``batch`` instances in one call; and one instance per call;
* QuTiP: ``rand_ket(dims, distribution="haar")`` (its only Haar sampler: a Haar unitary applied
  to a basis state, O(D^3); the ``"fill"`` option draws uniform entries, which is not Haar),
  ``Qobj.ptrace``, ``tracedist``; and the same reduction of a Gaussian vector drawn by numpy,
  to separate the sampler from the reduction;
* quimb: ``rand_ket`` (normalised Gaussian, Haar; its ``rand_haar_state`` is O(D^3) like
  QuTiP's), ``ptr``, ``trace_distance``;
* numpy, naive: one state at a time, the full :math:`D \times D` density matrix
  ``np.outer(psi, psi.conj())``, partial trace by ``einsum``, ``eigvalsh``.
"""
from __future__ import annotations

import numpy as np

from .harness import Implementation, Prepared

TASK = "T1"
TITLE = "Haar state on n qubits, one visible qubit, trace distance to I/2"
N_VISIBLE = 1


class Problem:
    def __init__(self, n: int, batch: int, check: int, seed: int):
        import plateaus as pl

        self.n, self.batch, self.seed = n, batch, seed
        self.states = pl.haar_states(n, check, np.random.default_rng([seed, n]))


def n_terms(n: int) -> int:
    return 0


def _project(batch_of):
    def prepare(p: Problem) -> Prepared:
        import plateaus as pl

        half = np.eye(2) / 2
        m = p.batch if batch_of is None else batch_of
        rng = np.random.default_rng([p.seed, p.n, 1])

        def timed():
            psi = pl.haar_states(p.n, m, rng)
            return pl.trace_distance(pl.reduced_state(psi, N_VISIBLE), half)

        return Prepared(lambda: pl.trace_distance(pl.reduced_state(p.states, N_VISIBLE), half), timed, m)

    return prepare


def _qutip(sampler: str):
    def prepare(p: Problem) -> Prepared:
        import qutip

        dims = [[2] * p.n, [1] * p.n]
        half = qutip.qeye(2) / 2
        rng = np.random.default_rng([p.seed, p.n, 2])

        def distance(ket):
            return qutip.tracedist(ket.ptrace(0), half)

        def check():
            return np.array([distance(qutip.Qobj(s[:, None], dims=dims)) for s in p.states])

        def timed():
            if sampler == "haar":
                ket = qutip.rand_ket([2] * p.n, distribution="haar", seed=rng)
            else:
                v = rng.standard_normal(2**p.n) + 1j * rng.standard_normal(2**p.n)
                ket = qutip.Qobj((v / np.linalg.norm(v))[:, None], dims=dims)
            return distance(ket)

        return Prepared(check, timed, 1)

    return prepare


def _quimb(p: Problem) -> Prepared:
    import quimb as qu

    dims = [2] * p.n
    half = qu.eye(2) / 2
    rng = np.random.default_rng([p.seed, p.n, 3])

    def distance(ket):
        return qu.trace_distance(qu.ptr(ket, dims, 0), half)

    def check():
        return np.array([distance(qu.qu(s[:, None])) for s in p.states])

    def timed():
        return distance(qu.rand_ket(2**p.n, seed=int(rng.integers(2**31))))

    return Prepared(check, timed, 1)


def _naive_distance(psi: np.ndarray, n: int) -> float:
    rho = np.outer(psi, psi.conj())
    rho_v = np.einsum("ihjh->ij", rho.reshape(2, 2 ** (n - 1), 2, 2 ** (n - 1)))
    return 0.5 * float(np.abs(np.linalg.eigvalsh(rho_v - np.eye(2) / 2)).sum())


def _naive(p: Problem) -> Prepared:
    rng = np.random.default_rng([p.seed, p.n, 4])

    def timed():
        v = rng.standard_normal(2**p.n) + 1j * rng.standard_normal(2**p.n)
        return _naive_distance(v / np.linalg.norm(v), p.n)

    return Prepared(lambda: np.array([_naive_distance(s, p.n) for s in p.states]), timed, 1)


IMPLEMENTATIONS = (
    Implementation("project", "plateaus, batched", "plateaus", ("plateaus",), _project(None),
                   role="project"),
    Implementation("project-single", "plateaus, one state per call", "plateaus", ("plateaus",),
                   _project(1), role="project-variant"),
    Implementation("qutip", "QuTiP (rand_ket haar, ptrace, tracedist)", "qutip", ("qutip",),
                   _qutip("haar"), rtol=1e-8, atol=1e-10),
    Implementation("qutip-gaussian", "QuTiP (numpy Gaussian state, ptrace, tracedist)", "qutip",
                   ("qutip",), _qutip("gaussian"), rtol=1e-8, atol=1e-10),
    Implementation("quimb", "quimb (rand_ket, ptr, trace_distance)", "quimb", ("quimb",), _quimb,
                   rtol=1e-8, atol=1e-10),
    Implementation("numpy-naive", "numpy, naive (full density matrix)", "numpy", ("numpy",),
                   _naive, role="baseline", max_n=13),
)
