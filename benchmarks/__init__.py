"""Side-by-side timings of the project's kernels and the peer libraries (``make bench``).

    python -m benchmarks                       # every task at scale=paper, saved to data/benchmarks/paper/
    python -m benchmarks --scale quick         # tiny sizes, seconds (what the tests run)
    python -m benchmarks --tasks T2 --only lightning-adjoint --no-save

Tasks (one module each; the project's implementation first, the reference of the others):

* T1 (:mod:`benchmarks.t1_typicality`): a Haar-random state on n qubits (n = 12 and smaller),
  reduced to one visible qubit, trace distance to I/2: the project batched, QuTiP, quimb, and
  naive numpy;
* T2 (:mod:`benchmarks.t2_unitary`): the full gradient of the unitary model (Eq. (11) terms,
  observable on the 3 visible qubits) at n = 4..10: the project's adjoint sweep, the paper's
  finite differences, PennyLane default.qubit (backprop) and lightning.qubit (adjoint), and
  Qiskit's reverse-mode statevector gradient; plus lightning's device call alone, and
  (T2-forward) the objective alone by the same libraries, to show where the time goes;
* T3 (:mod:`benchmarks.t3_boltzmann`): all sensitivities of the Boltzmann machine at n = 4..7,
  exact (the project) against finite differences (the paper's method, and QuTiP).

Before any timing, every implementation computes the task on shared inputs and must give the
project's numbers (:mod:`benchmarks.harness`); an implementation that differs is reported and
not timed, and the command exits with status 1. Peers that are not installed (the ``bench``
extra: ``pip install -e ".[bench]"``) are reported as such. Sizes, batches and repeats are the
``benchmarks`` entry of :mod:`plateaus.params`. The results (``timings.csv``,
``environment.csv`` and their manifest) are what the book's appendix page *Benchmarks* shows; the
page never re-runs them.
"""
