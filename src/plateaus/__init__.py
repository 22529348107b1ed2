"""plateaus: the executable supplement of *Entanglement-induced barren plateaus*.

C. Ortiz Marrero, M. Kieferova, N. Wiebe, PRX Quantum 2, 040316 (2021), arXiv:2010.15968.
"""
from importlib.metadata import PackageNotFoundError, version as _version

from .terms import apply_pauli, hamiltonian_matrix, pauli_matrix, pauli_string, two_local_terms
from .states import haar_states, partial_trace, reduced_state
from .measures import entropy, fidelity, purity, trace_distance
from . import parallel, params, store
from .parallel import map_instances
from .store import StoreError
from . import adjoint, models, objectives
from .models import (
    BoltzmannMachine,
    UnitaryQNN,
    gue_hamiltonians,
    gue_spectra,
    gue_states,
    random_orders,
    sample_couplings,
)

try:
    __version__ = _version("plateaus")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"
