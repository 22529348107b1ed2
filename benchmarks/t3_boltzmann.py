r"""T3: every sensitivity of the Boltzmann machine, exact against finite differences.

:math:`\rho(J) = e^{-H(J)}/\mathrm{Tr}\,e^{-H(J)}`, :math:`H(J) = \sum_k J_k P_k` over the
:math:`K` terms of Eq. (11) on :math:`n = n_v + n_h` qubits, :math:`n_v = 3`; couplings drawn as
in Fig. 3(c) (on-site variance 0.01, off-site 1) and normalised once by the operator norm. For
every term, the sensitivity of the visible state

.. math::

    g_k = \tfrac12 \bigl\| \mathrm{Tr}_h\, \partial\rho/\partial J_k \bigr\|_1
        = \lim_{\varepsilon\to0} T\bigl(\rho_v(J), \rho_v(J + \varepsilon e_k)\bigr)/\varepsilon .

Implementations (each checked against the project's exact values; the finite differences to
``rtol`` 1e-4, their O(epsilon) error):

* project, exact: ``BoltzmannMachine.sensitivity`` (Daleckii-Krein, adjoint form, one ``eigh``
  per instance), batched; and one instance per call;
* the paper's method, finite differences: one ``eigh`` per perturbed term (K + 1 per instance),
  partial trace and trace distance (``plateaus.experiments.boltzmann_plateau.
  finite_difference_sensitivities``, one-sided step epsilon);
* QuTiP, finite differences: ``H`` as a sum of ``Qobj`` Pauli strings, ``(-H).expm()`` for each
  of the K + 1 points, ``ptrace``, ``tracedist``.
"""
from __future__ import annotations

import numpy as np

from .harness import Implementation, Prepared

TASK = "T3"
TITLE = "all K sensitivities of the Boltzmann machine, 3 visible qubits"
N_VISIBLE = 3


def n_terms(n: int) -> int:
    return 3 * n + 9 * n * (n - 1) // 2


class Problem:
    def __init__(self, n: int, batch: int, check: int, seed: int, eps: float):
        from plateaus.models import BoltzmannMachine

        self.n, self.batch, self.eps = n, batch, eps
        self.qbm = BoltzmannMachine(N_VISIBLE, n - N_VISIBLE)
        raw = self.qbm.sample_couplings(max(batch, check), np.random.default_rng([seed, n]))
        self.J = self.qbm.normalise(raw)
        self.check_J = self.J[:check]


def _exact(batch_of=None):
    def prepare(p: Problem) -> Prepared:
        m = p.batch if batch_of is None else batch_of
        J = p.J[:m]
        return Prepared(lambda: p.qbm.sensitivity(p.check_J), lambda: p.qbm.sensitivity(J), m)

    return prepare


def _finite_differences(p: Problem) -> Prepared:
    from plateaus.experiments.boltzmann_plateau import finite_difference_sensitivities

    def run(J):
        return finite_difference_sensitivities(J, p.qbm.terms, N_VISIBLE, p.eps, "fixed-point")

    return Prepared(lambda: run(p.check_J), lambda: run(p.J[:1]), 1)


def _qutip(p: Problem) -> Prepared:
    import qutip

    single = {"I": qutip.qeye(2), "X": qutip.sigmax(), "Y": qutip.sigmay(), "Z": qutip.sigmaz()}
    paulis = [qutip.tensor([single[c] for c in label]) for label in p.qbm.terms]
    keep = list(range(N_VISIBLE))

    def visible(H):
        rho = (-H).expm()
        return (rho / rho.tr()).ptrace(keep)

    def sensitivities(J):
        H = sum(j * P for j, P in zip(J, paulis))
        base = visible(H)
        return np.array([qutip.tracedist(base, visible(H + p.eps * P)) / p.eps for P in paulis])

    return Prepared(lambda: np.stack([sensitivities(J) for J in p.check_J]),
                    lambda: sensitivities(p.J[0]), 1)


IMPLEMENTATIONS = (
    Implementation("project", "plateaus, exact, batched", "plateaus", ("plateaus",), _exact(),
                   role="project"),
    Implementation("project-single", "plateaus, exact, one instance per call", "plateaus",
                   ("plateaus",), _exact(1), role="project-variant"),
    Implementation("finite-differences", "finite differences (the paper's method)", "plateaus",
                   ("plateaus",), _finite_differences, role="paper", rtol=1e-4, atol=1e-6),
    Implementation("qutip-fd", "QuTiP, finite differences (expm)", "qutip", ("qutip",), _qutip,
                   rtol=1e-4, atol=1e-6),
)
