r"""T2: the full gradient of the unitary model, Observable objective on the visible qubits.

:math:`|\psi(\theta)\rangle = e^{-i\theta_K P_K}\cdots e^{-i\theta_1 P_1}|0\ldots0\rangle` with
one rotation per term of Eq. (11) in the Eq. (11) order (``plateaus.UnitaryQNN``), and
:math:`F(\theta) = \mathrm{Tr}(O\rho_v) = \langle\psi|Z_0|\psi\rangle` with :math:`O = Z\otimes I
\otimes I` on the three visible qubits (the theorems' objective, as in the chapter *Unitary
plateau*); all :math:`K = 3n + 9n(n-1)/2` derivatives :math:`\partial F/\partial\theta_k` at
:math:`\theta \sim N(0, 1)`.

Implementations (each checked against the project's adjoint gradient to 1e-8):

* project, adjoint: ``UnitaryQNN.gradient(theta, Observable(O))``, batched;
  and one instance per call;
* the paper's method, finite differences: ``UnitaryQNN.gradient(..., method="finite-difference")``
  (central differences, step 1e-5, 2K forward passes; batched, with the project's forward pass);
* PennyLane ``default.qubit``, backprop (autograd): a QNode of ``PauliRot(2 theta_k)`` gates,
  ``qml.grad``; and the same with the native gates below;
* PennyLane ``lightning.qubit``, adjoint: the circuit in the gates lightning differentiates
  natively (``RX/RY/RZ``, ``IsingXX/YY/ZZ``, and for mixed pairs a basis change around
  ``IsingZZ``); and with ``PauliRot``, which lightning does not differentiate and so
  decomposes on every call. Each PennyLane device is quoted in its faster form (the keys
  without a suffix), the other form is timed to show that it is the faster; and lightning's
  own call alone (``execute_and_compute_derivatives`` on the device-level tape, built outside
  the timing), which separates its C++ simulation from PennyLane's per-call work in Python;
* Qiskit: ``PauliEvolutionGate`` circuit transpiled to ``rz, rx, ry, cx, h, sx`` (one
  parameter per term), ``qiskit_algorithms.gradients.ReverseEstimatorGradient`` (a reverse-mode
  statevector gradient on ``qiskit.quantum_info.Statevector``).

Qubit order: qubit 0 is the most significant bit here and in PennyLane; Qiskit's is the least
significant, so a label is reversed for Qiskit, and the gradients agree.
"""
from __future__ import annotations

import warnings

import numpy as np

from .harness import Implementation, Prepared

TASK = "T2"
TITLE = "gradient of the unitary model, all K terms, Tr(Z_0 rho_v) on 3 visible qubits"
N_VISIBLE = 3
OBSERVABLE = "ZII"


def n_terms(n: int) -> int:
    return 3 * n + 9 * n * (n - 1) // 2


class Problem:
    def __init__(self, n: int, batch: int, check: int, seed: int, fd_batch: int):
        from plateaus.models import UnitaryQNN
        from plateaus.objectives import Observable
        from plateaus.terms import pauli_matrix

        self.n, self.batch, self.fd_batch = n, batch, fd_batch
        self.qnn = UnitaryQNN(N_VISIBLE, n - N_VISIBLE)
        self.objective = Observable(pauli_matrix(OBSERVABLE))
        rng = np.random.default_rng([seed, n])
        self.theta = rng.standard_normal((max(batch, check), self.qnn.n_params))
        self.check_theta = self.theta[:check]

    def words(self):
        """``(letters, wires)`` of every term, e.g. ``("XY", [0, 3])``."""
        out = []
        for label in self.qnn.terms:
            wires = [q for q, c in enumerate(label) if c != "I"]
            out.append(("".join(label[q] for q in wires), wires))
        return out


def _project(method: str, batch_of=None):
    def prepare(p: Problem) -> Prepared:
        m = (p.fd_batch if method == "finite-difference" else p.batch) if batch_of is None else batch_of
        theta = p.theta[:m]

        def run(t):
            return p.qnn.gradient(t, p.objective, method=method)

        return Prepared(lambda: run(p.check_theta), lambda: run(theta), m)

    return prepare


def _per_instance(p: Problem, gradient) -> Prepared:
    """A peer that works one instance at a time: ``gradient(theta_row) -> (K,)``."""
    theta = p.theta[0]
    return Prepared(lambda: np.stack([gradient(t) for t in p.check_theta]),
                    lambda: gradient(theta), 1)


def _circuit(p: Problem, form: str):
    """The model as a PennyLane quantum function of ``theta``: ``PauliRot(2 theta_k)`` gates
    (``form="paulirot"``) or the gates lightning differentiates natively (``"native"``:
    ``RX/RY/RZ``, ``IsingXX/YY/ZZ``, and for mixed pairs ``IsingZZ`` between basis changes)."""
    import pennylane as qml

    words = p.words()
    rot = {"X": qml.RX, "Y": qml.RY, "Z": qml.RZ}
    ising = {"XX": qml.IsingXX, "YY": qml.IsingYY, "ZZ": qml.IsingZZ}

    def paulirot(t):
        for k, (word, wires) in enumerate(words):
            qml.PauliRot(2 * t[k], word, wires=wires)
        return qml.expval(qml.PauliZ(0))

    def native(t):
        for k, (word, wires) in enumerate(words):
            if len(word) == 1:
                rot[word](2 * t[k], wires=wires)
            elif word in ising:
                ising[word](2 * t[k], wires=wires)
            else:  # rotate X -> Z (H) and Y -> Z (RX(pi/2)), IsingZZ, rotate back
                for c, q in zip(word, wires):
                    if c == "X":
                        qml.Hadamard(q)
                    elif c == "Y":
                        qml.RX(np.pi / 2, q)
                qml.IsingZZ(2 * t[k], wires=wires)
                for c, q in zip(word, wires):
                    if c == "X":
                        qml.Hadamard(q)
                    elif c == "Y":
                        qml.RX(-np.pi / 2, q)
        return qml.expval(qml.PauliZ(0))

    return native if form == "native" else paulirot


def _pennylane(device: str, form: str):
    """``qml.grad`` of a QNode on ``device`` (adjoint on lightning, backprop otherwise)."""

    def prepare(p: Problem) -> Prepared:
        import pennylane as qml
        from pennylane import numpy as pnp

        method = "adjoint" if device == "lightning.qubit" else "backprop"
        qnode = qml.QNode(_circuit(p, form), qml.device(device, wires=p.n), diff_method=method)
        grad = qml.grad(qnode)
        return _per_instance(p, lambda t: np.asarray(grad(pnp.array(t, requires_grad=True))))

    return prepare


def _lightning_device(p: Problem) -> Prepared:
    """lightning's own work alone: the device-level tape (after PennyLane's transforms) is built
    once per instance outside the timing, and only ``execute_and_compute_derivatives`` is
    timed; the angles of the tape are ``2 theta_k``, hence the factor 2."""
    import pennylane as qml
    from pennylane import numpy as pnp

    dev = qml.device("lightning.qubit", wires=p.n)
    qnode = qml.QNode(_circuit(p, "native"), dev, diff_method="adjoint")
    config = dev.setup_execution_config(qml.devices.ExecutionConfig(gradient_method="adjoint"))

    def tape(t):
        batch, _ = qml.workflow.construct_batch(qnode, level="device")(pnp.array(t, requires_grad=True))
        return batch

    def gradient(batch):
        return 2.0 * np.asarray(dev.execute_and_compute_derivatives(batch, config)[1][0])

    timed_tape = tape(p.theta[0])
    return Prepared(lambda: np.stack([gradient(tape(t)) for t in p.check_theta]),
                    lambda: gradient(timed_tape), 1)


def _qiskit_circuit(p: Problem):
    """The model as a Qiskit circuit, one parameter per term, transpiled to ``rz, rx, ry, cx,
    h, sx``: ``Statevector`` then applies small gate matrices (evolving the
    ``PauliEvolutionGate`` circuit directly builds each gate's matrix and is much slower)."""
    from qiskit import QuantumCircuit, transpile
    from qiskit.circuit import ParameterVector
    from qiskit.circuit.library import PauliEvolutionGate
    from qiskit.quantum_info import Pauli, SparsePauliOp

    params = ParameterVector("theta", p.qnn.n_params)
    circuit = QuantumCircuit(p.n)
    for k, label in enumerate(p.qnn.terms):
        circuit.append(PauliEvolutionGate(Pauli(label[::-1]), time=params[k]), range(p.n))
    circuit = transpile(circuit, basis_gates=["rz", "rx", "ry", "cx", "h", "sx", "sxdg", "s", "sdg", "x"],
                        optimization_level=0)
    observable = SparsePauliOp((OBSERVABLE + "I" * (p.n - N_VISIBLE))[::-1])
    return circuit, params, observable


def _qiskit(p: Problem) -> Prepared:
    from qiskit_algorithms.gradients import ReverseEstimatorGradient

    circuit, params, observable = _qiskit_circuit(p)
    estimator_gradient = ReverseEstimatorGradient()
    index = [list(circuit.parameters).index(x) for x in params]  # circuit order of theta_k

    def gradient(t):
        values = np.empty(len(index))
        values[index] = t
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = estimator_gradient.run([circuit], [observable], [values]).result().gradients[0]
        return np.asarray(g)[index]

    return _per_instance(p, gradient)


IMPLEMENTATIONS = (
    Implementation("project", "plateaus, adjoint, batched", "plateaus", ("plateaus",),
                   _project("adjoint"), role="project"),
    Implementation("project-single", "plateaus, adjoint, one instance per call", "plateaus",
                   ("plateaus",), _project("adjoint", 1), role="project-variant"),
    Implementation("finite-differences", "finite differences (the paper's method), batched",
                   "plateaus", ("plateaus",), _project("finite-difference"), role="paper",
                   rtol=1e-6, atol=1e-8),
    Implementation("default-qubit-backprop", "PennyLane default.qubit, backprop", "pennylane",
                   ("pennylane",), _pennylane("default.qubit", "paulirot")),
    Implementation("default-qubit-backprop-native", "PennyLane default.qubit, backprop, native gates",
                   "pennylane", ("pennylane",), _pennylane("default.qubit", "native"),
                   role="peer-variant"),
    Implementation("lightning-adjoint", "PennyLane lightning.qubit, adjoint", "pennylane-lightning",
                   ("pennylane", "pennylane_lightning"), _pennylane("lightning.qubit", "native")),
    Implementation("lightning-adjoint-paulirot", "PennyLane lightning.qubit, adjoint, PauliRot",
                   "pennylane-lightning", ("pennylane", "pennylane_lightning"),
                   _pennylane("lightning.qubit", "paulirot"), role="peer-variant"),
    Implementation("lightning-device", "lightning.qubit adjoint, device call only",
                   "pennylane-lightning", ("pennylane", "pennylane_lightning"), _lightning_device,
                   role="peer-variant"),
    Implementation("qiskit-reverse", "Qiskit Statevector, ReverseEstimatorGradient", "qiskit",
                   ("qiskit", "qiskit_algorithms"), _qiskit),
)


# --------------------------------------------------------------------------- forward only
#
# Not a target: the objective F(theta) alone, by the same implementations, to show how each
# one's gradient compares with its own forward evaluation (the adjoint method costs a few
# forward passes; a per-call overhead shows up in both).

FORWARD_TASK = "T2-forward"
FORWARD_TITLE = "objective value Tr(Z_0 rho_v) of the unitary model (forward pass only)"


def _project_value(batch_of=None):
    def prepare(p: Problem) -> Prepared:
        m = p.batch if batch_of is None else batch_of
        theta = p.theta[:m]

        def run(t):
            return p.objective.value(p.qnn.reduced_state(t))

        return Prepared(lambda: run(p.check_theta), lambda: run(theta), m)

    return prepare


def _pennylane_value(device: str):
    def prepare(p: Problem) -> Prepared:
        import pennylane as qml

        words = p.words()

        def paulirot(t):
            for k, (word, wires) in enumerate(words):
                qml.PauliRot(2 * t[k], word, wires=wires)
            return qml.expval(qml.PauliZ(0))

        qnode = qml.QNode(paulirot, qml.device(device, wires=p.n), diff_method=None)
        return _per_instance(p, lambda t: np.asarray(qnode(t)).reshape(()))

    return prepare


def _qiskit_value(p: Problem) -> Prepared:
    from qiskit.quantum_info import Statevector

    circuit, params, observable = _qiskit_circuit(p)

    def value(t):
        bound = circuit.assign_parameters(dict(zip(params, t)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(Statevector(bound).expectation_value(observable).real)

    return _per_instance(p, value)


FORWARD_IMPLEMENTATIONS = (
    Implementation("project", "plateaus, batched", "plateaus", ("plateaus",), _project_value(),
                   role="project"),
    Implementation("project-single", "plateaus, one instance per call", "plateaus",
                   ("plateaus",), _project_value(1), role="project-variant"),
    Implementation("default-qubit", "PennyLane default.qubit", "pennylane", ("pennylane",),
                   _pennylane_value("default.qubit")),
    Implementation("lightning", "PennyLane lightning.qubit", "pennylane-lightning",
                   ("pennylane", "pennylane_lightning"), _pennylane_value("lightning.qubit")),
    Implementation("qiskit", "Qiskit Statevector", "qiskit", ("qiskit",), _qiskit_value),
)
