"""Tests of the escaping chapter's models, objectives, initialisations and training loop.

Every exact gradient is checked against central finite differences of an independent dense
implementation (Kronecker products of 2x2 Paulis, scipy.linalg.expm / logm / sqrtm), never
against the package's own kernels.
"""
from __future__ import annotations

from functools import lru_cache, reduce

import numpy as np
import pytest
from numpy.testing import assert_allclose
import pandas as pd
from scipy import linalg, stats

from plateaus import analysis, area_law, haar, training
from plateaus.experiments import escaping
from plateaus.models import BoltzmannMachine, UnitaryQNN
from plateaus.objectives import Fidelity, Observable, RelativeEntropy

PAULI = {
    "I": np.eye(2),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.diag([1.0, -1.0]).astype(complex),
}
STEP = 1e-5


# --------------------------------------------------------------------------- dense oracles


@lru_cache(maxsize=None)
def dense_pauli(label: str) -> np.ndarray:
    return reduce(np.kron, [PAULI[a] for a in label])


def dense_visible(terms, theta, order, n_visible: int) -> np.ndarray:
    """rho_v of prod_j exp(-i theta P) |0...0>, gates in ``order``, by dense matrices.

    exp(-i t P) = cos t I - i sin t P for a Pauli string (P^2 = I), checked against expm below.
    """
    n = len(terms[0])
    psi = np.zeros(2**n, dtype=complex)
    psi[0] = 1.0
    for k in order:
        psi = np.cos(theta[k]) * psi - 1j * np.sin(theta[k]) * (dense_pauli(terms[k]) @ psi)
    m = psi.reshape(2**n_visible, -1)
    return m @ m.conj().T


def dense_thermal_visible(terms, J, n_visible: int) -> np.ndarray:
    H = sum(j * dense_pauli(t) for j, t in zip(J, terms))
    rho = linalg.expm(-H)
    rho /= np.trace(rho)
    d_v = 2**n_visible
    d_h = rho.shape[0] // d_v
    return np.einsum("ahbh->ab", rho.reshape(d_v, d_h, d_v, d_h))


def dense_fidelity(rho, sigma) -> float:
    s = linalg.sqrtm(sigma)
    return float(np.real(np.trace(linalg.sqrtm(s @ rho @ s))) ** 2)


def dense_relative_entropy(data, rho) -> float:
    return float(np.real(np.trace(data @ linalg.logm(data)) - np.trace(data @ linalg.logm(rho))))


def central_differences(f, x, step=STEP) -> np.ndarray:
    out = np.empty_like(x)
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = step
        out[k] = (f(x + e) - f(x - e)) / (2 * step)
    return out


def test_dense_rotation_is_expm():
    t, label = 0.37, "XZY"
    assert_allclose(np.cos(t) * np.eye(8) - 1j * np.sin(t) * dense_pauli(label),
                    linalg.expm(-1j * t * dense_pauli(label)), atol=1e-13)


@pytest.fixture(scope="module")
def target2():
    """A full-rank thermal target on two visible qubits."""
    return escaping.thermal_target(7, 2, 0.01, 1.0)


# --------------------------------------------------------------------------- the root fidelity


class TestRootFidelity:
    """The root-fidelity rows are the chain rule applied to the fidelity rows: checked against
    central finite differences of sqrt(F) computed with dense matrices and scipy's sqrtm."""

    def test_rows_against_finite_differences_of_the_root(self, target2):
        qnn = UnitaryQNN(2, 2)  # D_h = D_v: rho_v of full rank, where sqrtm is well conditioned
        rng = np.random.default_rng(3)
        theta = rng.normal(0.0, 1.0, (3, qnn.n_params))
        order = np.stack([rng.permutation(qnn.n_params) for _ in range(3)])
        fid = Fidelity(target2)
        grad = qnn.gradient(theta, fid, order=order)
        hidden = escaping.touches_hidden(qnn.terms, 2)
        rows = pd.DataFrame({
            "model": "unitary", "init": "typical", "objective": "fidelity", "n_visible": 2, "n_hidden": 2,
            "n_params": qnn.n_params, "instance": np.arange(3), "value": fid.value(qnn.reduced_state(theta, order=order)),
            "entropy": 0.0, "inf_norm": np.abs(grad).max(axis=1), "inf_visible": np.abs(grad[:, ~hidden]).max(axis=1),
            "inf_hidden": np.abs(grad[:, hidden]).max(axis=1)})
        out = escaping.with_root_fidelity(rows)
        root = out[out.objective == "root-fidelity"].reset_index(drop=True)
        assert len(out) == 6 and (out[out.objective == "fidelity"].reset_index(drop=True) == rows).all().all()
        for b in range(3):
            fd = central_differences(
                lambda x: np.sqrt(dense_fidelity(dense_visible(qnn.terms, x, order[b], 2), target2)), theta[b])
            assert_allclose(root.loc[b, "value"], np.sqrt(dense_fidelity(dense_visible(qnn.terms, theta[b], order[b], 2),
                                                                         target2)), rtol=1e-8)
            assert_allclose(root.loc[b, ["inf_norm", "inf_visible", "inf_hidden"]].to_numpy(float),
                            [np.abs(fd).max(), np.abs(fd[~hidden]).max(), np.abs(fd[hidden]).max()], rtol=1e-6)

    def test_refuses_twice_and_a_zero_fidelity(self):
        rows = pd.DataFrame({"objective": ["fidelity"], "value": [0.25], "inf_norm": [1.0], "inf_visible": [1.0],
                             "inf_hidden": [0.5]})
        once = escaping.with_root_fidelity(rows)
        assert_allclose(once.iloc[1][["value", "inf_norm", "inf_hidden"]].to_numpy(float), [0.5, 1.0, 0.5])
        with pytest.raises(ValueError, match="already"):
            escaping.with_root_fidelity(once)
        with pytest.raises(ValueError, match="> 0"):
            escaping.with_root_fidelity(rows.assign(value=0.0))


# --------------------------------------------------------------------------- area law


class TestBrickworkTerms:
    @pytest.mark.parametrize("n, layers", [(2, 1), (4, 2), (7, 3)])
    def test_count_and_locality(self, n, layers):
        terms = area_law.brickwork_terms(n, layers)
        assert len(terms) == layers * (3 * n + 9 * (n - 1))
        for label in terms:
            support = [q for q, a in enumerate(label) if a != "I"]
            assert len(support) in (1, 2)
            assert support[-1] - support[0] <= 1

    @pytest.mark.parametrize("layers, expected", [(1, 1), (2, 3), (3, 5)])
    def test_light_cone_of_three_visible_qubits(self, layers, expected):
        assert area_law.light_cone_hidden(3, layers) == expected

    def test_bad_input(self):
        with pytest.raises(ValueError, match="layers"):
            area_law.brickwork_terms(4, 0)
        with pytest.raises(ValueError, match="n_qubits"):
            area_law.brickwork_terms(1, 1)


class TestAreaLawQNN:
    @pytest.mark.parametrize("n_hidden, layers", [(2, 1), (3, 2)])
    def test_gradient_against_dense_finite_differences(self, target2, n_hidden, layers):
        qnn = area_law.area_law_qnn(2, n_hidden, layers)
        theta = np.random.default_rng(3).normal(size=qnn.n_params)
        order = np.arange(qnn.n_params)
        for objective, value in (
            (Fidelity(target2), lambda r: dense_fidelity(r, target2)),
            (Observable(dense_pauli("ZX")), lambda r: float(np.real(np.trace(dense_pauli("ZX") @ r)))),
        ):
            exact = qnn.gradient(theta, objective)
            fd = central_differences(lambda t: value(dense_visible(qnn.terms, t, order, 2)), theta)
            assert_allclose(exact, fd, atol=1e-7)

    def test_entropy_bounded_by_the_cut(self):
        # one layer crosses the cut with one two-qubit unitary: Schmidt rank <= 4, S <= 2 ln 2
        qnn = area_law.area_law_qnn(3, 4, 1)
        theta = np.random.default_rng(4).normal(size=(50, qnn.n_params))
        w = np.linalg.eigvalsh(qnn.reduced_state(theta))
        assert np.all((w > 1e-10).sum(axis=1) <= 4)
        s = -np.sum(np.where(w > 1e-14, w * np.log(np.clip(w, 1e-14, None)), 0.0), axis=1)
        assert np.all(s <= 2 * np.log(2) + 1e-9)

    def test_gates_outside_the_light_cone_have_zero_gradient(self, target2):
        qnn = area_law.area_law_qnn(3, 4, 1)
        cone = area_law.backward_light_cone(qnn.terms, 3)
        theta = np.random.default_rng(5).normal(size=(4, qnn.n_params))
        target = escaping.thermal_target(1, 3, 0.01, 1.0)
        grad = qnn.gradient(theta, Fidelity(target))
        outside = np.array([not ({q for q, a in enumerate(t) if a != "I"} & cone) for t in qnn.terms])
        assert outside.any()
        assert_allclose(grad[:, outside], 0.0, atol=1e-13)
        assert np.all(np.abs(grad[:, ~outside]).max(axis=1) > 1e-3)


# --------------------------------------------------------------------------- initialisations


class TestIdentityBlock:
    def test_starts_at_the_identity(self):
        qnn = UnitaryQNN(2, 2)
        rng = np.random.default_rng(6)
        theta = rng.normal(size=(3, qnn.n_params))
        orders = np.stack([rng.permutation(qnn.n_params) for _ in range(3)])
        terms2, theta2, order2 = training.identity_block(qnn.terms, theta, orders)
        psi = UnitaryQNN(2, 2, terms=terms2).state(theta2, order=order2)
        expected = np.zeros(psi.shape[1])
        expected[0] = 1.0
        assert_allclose(np.abs(psi), np.broadcast_to(expected, psi.shape), atol=1e-12)

    def test_gradient_against_dense_finite_differences(self):
        # an observable, since the fidelity is not differentiable at the pure start in the
        # directions that raise the rank of rho_v
        qnn = UnitaryQNN(2, 1)
        rng = np.random.default_rng(7)
        theta = rng.normal(size=(1, qnn.n_params))
        order = rng.permutation(qnn.n_params)[None]
        terms2, theta2, order2 = training.identity_block(qnn.terms, theta, order)
        model = UnitaryQNN(2, 1, terms=terms2)
        O = dense_pauli("XY") + 0.5 * dense_pauli("ZX")
        exact = model.gradient(theta2[0], Observable(O), order=order2[0])
        fd = central_differences(
            lambda t: float(np.real(np.trace(O @ dense_visible(terms2, t, order2[0], 2)))), theta2[0])
        assert_allclose(exact, fd, atol=1e-8)
        assert np.abs(exact).max() > 1e-2

    def test_observable_with_the_start_as_eigenvector_has_zero_gradient(self):
        qnn = UnitaryQNN(2, 1)
        rng = np.random.default_rng(8)
        theta = rng.normal(size=(2, qnn.n_params))
        terms2, theta2, order2 = training.identity_block(qnn.terms, theta, None)
        grad = UnitaryQNN(2, 1, terms=terms2).gradient(theta2, Observable(dense_pauli("ZI")), order=order2)
        assert_allclose(grad, 0.0, atol=1e-12)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="theta"):
            training.identity_block(("XI", "ZZ"), np.zeros((2, 3)))


class TestBoltzmannInitialisations:
    def test_typical_are_the_boltzmann_plateau_draws_and_weak_rescales_them(self):
        from plateaus.models import sample_couplings
        from plateaus.parallel import spawn_seeds

        seeds = spawn_seeds([1, 2], 3)
        inits = escaping.boltzmann_initialisations(2, 1, seeds, onsite_var=0.01, offsite_var=1.0,
                                                   weak_onsite_var=1.0, weak_offsite_var=0.01)
        qbm, J = inits["typical"]
        raw = np.stack([sample_couplings(3, 1, np.random.default_rng(s), 0.01, 1.0)[0] for s in seeds])
        assert_allclose(J, qbm.normalise(raw), rtol=1e-12)
        _, Jw = inits["weak-coupling"]
        norms = np.abs(np.linalg.eigvalsh(qbm.hamiltonian(Jw))).max(axis=1)
        assert_allclose(norms, 1.0, rtol=1e-12)
        onsite = np.arange(qbm.n_params) < 9
        ratio = Jw / J  # proportional per class: on-site x10, off-site x0.1, then one norm
        for mask in (onsite, ~onsite):
            assert_allclose(ratio[:, mask], np.broadcast_to(ratio[:, mask][:, :1], ratio[:, mask].shape),
                            rtol=1e-10)
        assert_allclose(ratio[:, onsite][:, 0] / ratio[:, ~onsite][:, 0], 100.0, rtol=1e-10)


# --------------------------------------------------------------------------- relative entropy


class TestRelativeEntropy:
    def test_value_against_logm(self, target2):
        rng = np.random.default_rng(9)
        a = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
        rho = a @ a.conj().T
        rho /= np.trace(rho)
        assert_allclose(RelativeEntropy(target2).value(rho), dense_relative_entropy(target2, rho), atol=1e-10)
        assert_allclose(RelativeEntropy(target2).value(target2), 0.0, atol=1e-10)

    def test_boltzmann_gradient_against_dense_finite_differences(self, target2):
        qbm = BoltzmannMachine(2, 1)
        J = qbm.normalise(qbm.sample_couplings(1, 10)[0])
        exact = qbm.gradient(J, RelativeEntropy(target2))
        fd = central_differences(
            lambda j: dense_relative_entropy(target2, dense_thermal_visible(qbm.terms, j, 2)), J)
        assert_allclose(exact, fd, atol=1e-7)

    def test_near_the_maximally_mixed_state_it_is_dv_times_the_overlap(self, target2):
        # ln(I/D + d) = -ln D + D d + O(d^2): the gradients differ by the factor -D_v
        qbm = BoltzmannMachine(2, 2)
        J = 1e-4 * qbm.sample_couplings(1, 11)[0]
        g_rel = qbm.gradient(J, RelativeEntropy(target2))
        g_lin = qbm.gradient(J, Observable(target2))
        assert_allclose(g_rel, -4.0 * g_lin, atol=1e-3 * np.abs(g_lin).max())


# --------------------------------------------------------------------------- training loop


class TestDescend:
    A = np.diag([1.0, 3.0])

    def grad(self, x):
        return x @ self.A

    def loss(self, x):
        return 0.5 * np.einsum("bi,ij,bj->b", x, self.A, x)

    def test_gradient_descent_is_the_closed_form(self):
        x0 = np.array([[1.0, 1.0], [2.0, -1.0]])
        x, steps, losses = training.descend(self.grad, x0, steps=7, lr=0.1, loss=self.loss, every=3)
        assert_allclose(x, x0 * (1 - 0.1 * np.diag(self.A)) ** 7, rtol=1e-12)
        assert steps.tolist() == [0, 3, 6, 7]
        assert losses.shape == (4, 2)
        assert np.all(np.diff(losses, axis=0) < 0)

    def test_adam_first_step_moves_by_lr_along_the_sign(self):
        x0 = np.array([[1.0, -2.0]])
        x, _, _ = training.descend(self.grad, x0, steps=1, lr=0.01, optimiser="adam")
        assert_allclose(x, x0 - 0.01 * np.sign(self.grad(x0)), rtol=1e-6)

    def test_runs_are_independent(self):
        x0 = np.array([[1.0, 1.0], [5.0, -3.0]])
        both, _, _ = training.descend(self.grad, x0, steps=5, lr=0.05, optimiser="adam")
        alone, _, _ = training.descend(self.grad, x0[1:], steps=5, lr=0.05, optimiser="adam")
        assert_allclose(both[1:], alone, rtol=1e-14)

    def test_bad_input(self):
        x0 = np.zeros((1, 2))
        with pytest.raises(ValueError, match="lr"):
            training.descend(self.grad, x0, steps=1, lr=0.0)
        with pytest.raises(ValueError, match="optimiser"):
            training.descend(self.grad, x0, steps=1, lr=0.1, optimiser="sgd")
        with pytest.raises(ValueError, match="steps"):
            training.descend(self.grad, x0, steps=0, lr=0.1)


class TestStepsToReach:
    def test_first_recorded_step_or_nan(self):
        steps = np.array([0, 5, 10])
        losses = np.array([[1.0, 1.0], [0.04, 0.5], [0.01, 0.2]])
        assert_allclose(training.steps_to_reach(steps, losses, 0.05), [5.0, np.nan])


# --------------------------------------------------------------------------- the chapter's tables


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """The quick-scale tables, computed into a temporary data root."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLATEAUS_DATA", str(tmp_path_factory.mktemp("data")))
        yield escaping.gradients({"scale": "quick"}), escaping.training({"scale": "quick"})


class TestQuickScale:

    def test_training_lowers_the_loss(self, tables):
        _, tr = tables
        for _, g in tr.groupby(["model", "init", "loss_name", "n_hidden", "run"]):
            g = g.sort_values("step")
            assert g["loss"].iloc[-1] < g["loss"].iloc[0]

    def test_every_initialisation_and_objective_is_there(self, tables):
        df, _ = tables
        inits = set(df[df.model == "unitary"].init)
        assert inits == {"typical", "area-law", "small-angle-0.03", "small-angle-0.1", "identity-block"}
        assert set(df[df.model == "boltzmann"].objective) == set(escaping.BOLTZMANN_OBJECTIVES)
        assert (df.groupby(["model", "init", "objective", "n_hidden"]).size() == 8).all()
        # the identity block starts at a pure product state
        assert_allclose(df[df.init == "identity-block"].entropy, 0.0, atol=1e-9)

    def test_slopes_of_the_typical_unitary_fidelity_decay(self, tables):
        df, _ = tables
        s = escaping.slopes(df)
        row = s[(s.model == "unitary") & (s.init == "typical") & (s.objective == "fidelity")].iloc[0]
        assert row.slope_log2 < 0
        assert row.low_log2 < row.slope_log2 < row.high_log2
        assert_allclose(row.slope_ln, row.slope_log2 * np.log(2))
        # the identity block's observable gradient is zero to round-off: no slope, a reason
        zero = s[(s.init == "identity-block") & (s.objective == "observable")].iloc[0]
        assert np.isnan(zero.slope_log2) and zero.fit is None and "round-off" in zero.reason


# --------------------------------------------------------------------------- statistics


def weighted_line(x, y, sigma):
    """Independent weighted fit: numpy's polyfit with weights 1/sigma and its unscaled
    covariance (the errors' own), enlarged by chi^2/dof when that exceeds 1 (never narrowed
    below the points' errors), t interval with n - 2 dof; chi^2/dof by hand."""
    (slope, intercept), cov = np.polyfit(x, y, 1, w=1 / np.asarray(sigma), cov="unscaled")
    dof = len(x) - 2
    chi2 = np.sum(((np.asarray(y) - slope * np.asarray(x) - intercept) / sigma) ** 2)
    half = stats.t.ppf(0.975, dof) * np.sqrt(cov[0, 0] * max(1.0, chi2 / dof))
    return slope, slope - half, slope + half, chi2 / dof


def synthetic_gradients(seed=0, n=200, sizes=(1, 2, 3, 4)):
    """A gradient table with known means: 2**(-0.4 n_h) (unitary, typical), a curve
    2**(-0.1 n_h**2) (area law) and zeros (identity block, observable), lognormal noise."""
    rng = np.random.default_rng(seed)
    frames = []
    for init, objective, law in (("typical", "fidelity", lambda h: 2.0 ** (-0.4 * h)),
                                 ("area-law", "fidelity", lambda h: 2.0 ** (-0.1 * h * h)),
                                 ("identity-block", "observable", lambda h: 0.0 * h)):
        for h in sizes:
            noise = rng.lognormal(0.0, 0.3, n)
            frames.append(pd.DataFrame({
                "model": "unitary", "init": init, "objective": objective, "n_hidden": h,
                "instance": np.arange(n), "inf_norm": law(h) * noise + (1e-16 if law(h) == 0 else 0.0),
                "inf_hidden": 0.5 * law(h) * noise, "entropy": 0.1 * h}))
    return pd.concat(frames, ignore_index=True)


class TestSlopes:
    def test_weighted_fit_against_polyfit(self):
        df = synthetic_gradients()
        s = escaping.slopes(df).set_index("init")
        for init in ("typical", "area-law"):
            g = df[df.init == init].groupby("n_hidden")["inf_norm"]
            m, se = g.mean(), g.std(ddof=1) / np.sqrt(g.size())
            y, sigma = np.log2(m), se / (m * np.log(2))
            slope, low, high, chi2_dof = weighted_line(m.index.to_numpy(float), y.to_numpy(), sigma.to_numpy())
            row = s.loc[init]
            assert_allclose([row.slope_log2, row.low_log2, row.high_log2, row.chi2_dof],
                            [slope, low, high, chi2_dof], rtol=1e-9)
            assert row.dof == 2 and row.reason == ""
        assert_allclose(s.loc["typical", "slope_log2"], -0.4, atol=0.05)
        # a curve (log2 m = -0.1 n_h^2) is rejected as a straight line; the true line is not
        assert s.loc["area-law", "rejected"] and not s.loc["typical", "rejected"]

    def test_zero_gradient_has_nan_slope_and_a_reason(self):
        s = escaping.slopes(synthetic_gradients()).set_index("init")
        row = s.loc["identity-block"]
        assert np.isnan(row.slope_log2) and np.isnan(row.low_log2) and row.fit is None
        assert not row.rejected
        assert "zero to round-off" in row.reason and "1e-12" in row.reason

    def test_steps_are_differences_of_log_means_with_intervals(self):
        df = synthetic_gradients()
        st = escaping.slope_steps(df, seed=3, n_boot=400)
        assert set(st.init) == {"typical", "area-law"}  # the zero gradient is left out
        for init, g in st.groupby("init"):
            m = df[df.init == init].groupby("n_hidden")["inf_norm"].mean()
            assert_allclose(g.sort_values("x_from")["step"], np.diff(np.log2(m.to_numpy())), rtol=1e-12)
            assert (g["low"] <= g["step"]).all() and (g["step"] <= g["high"]).all()
        # the curve's steps are -0.1 (2 n_h + 1): -0.3, -0.5, -0.7, up to noise
        area = st[st.init == "area-law"].sort_values("x_from")["step"].to_numpy()
        assert_allclose(area, [-0.3, -0.5, -0.7], atol=0.1)
        again = escaping.slope_steps(df, seed=3, n_boot=400)
        pd.testing.assert_frame_equal(st, again)  # seeded

    def test_ratio_fit_is_paired(self):
        rng = np.random.default_rng(5)
        rows = []
        for h in (1, 2, 3):
            b = rng.lognormal(0.0, 0.5, 300) * 2.0 ** (-0.3 * h)
            a = 8 * b * rng.lognormal(0.0, 0.05, 300)  # strongly correlated with b
            for obj, v in (("relative-entropy", a), ("overlap", b)):
                rows.append(pd.DataFrame({"model": "boltzmann", "init": "typical", "objective": obj,
                                          "n_hidden": h, "instance": np.arange(300), "inf_hidden": v}))
        df = pd.concat(rows, ignore_index=True)
        table, fit = escaping.ratio_fit(df, "boltzmann", "typical", "relative-entropy", "overlap")
        for h, row in table.set_index("n_hidden").iterrows():
            g = df[df.n_hidden == h]
            a = g[g.objective == "relative-entropy"].sort_values("instance").inf_hidden.to_numpy()
            b = g[g.objective == "overlap"].sort_values("instance").inf_hidden.to_numpy()
            ma, mb, n = a.mean(), b.mean(), a.size
            c = np.cov(a, b)  # delta method with the covariance
            se = (ma / mb) * np.sqrt((c[0, 0] / ma**2 + c[1, 1] / mb**2 - 2 * c[0, 1] / (ma * mb)) / n)
            assert_allclose([row.ratio, row.se], [ma / mb, se], rtol=1e-10)
            # pairing matters: the unpaired error is several times larger
            assert se < 0.5 * (ma / mb) * np.sqrt((c[0, 0] / ma**2 + c[1, 1] / mb**2) / n)
        assert fit.slope_low < 0 < fit.slope_high  # the same slope within the errors
        with pytest.raises(ValueError, match="objectives"):
            escaping.ratio_fit(df, "boltzmann", "typical", "fidelity", "overlap")

    def test_mean_change_against_the_delta_method(self):
        df = synthetic_gradients()
        c = escaping.mean_change(df, "unitary", "typical", "fidelity")
        g = df[df.init == "typical"].groupby("n_hidden")["inf_norm"]
        m, se = g.mean(), g.std(ddof=1) / np.sqrt(g.size())
        assert_allclose(c["factor"], m.loc[1] / m.loc[4], rtol=1e-12)
        half = 1.959963984540054 * np.hypot(se.loc[1] / m.loc[1], se.loc[4] / m.loc[4])
        assert_allclose([c["low"], c["high"]], [c["factor"] * np.exp(-half), c["factor"] * np.exp(half)],
                        rtol=1e-9)


def synthetic_training(hits, steps=np.arange(0, 42, 2)):
    """A training table whose runs cross the threshold 0.05 first at the steps in ``hits``
    (``{(init, n_hidden): [step or None per run]}``): infidelity 1 before, 0.01 from then on."""
    frames = []
    for (init, h), runs in hits.items():
        for run, hit in enumerate(runs):
            inf = np.where((hit is not None) & (steps >= (hit if hit is not None else 0)), 0.01, 1.0)
            frames.append(pd.DataFrame({"model": "unitary", "init": init, "loss_name": "infidelity",
                                        "n_hidden": h, "run": run, "step": steps, "loss": inf,
                                        "infidelity": inf}))
    return pd.concat(frames, ignore_index=True)


class TestTrainingStatistics:
    def test_bootstrap_medians(self):
        boot = analysis.bootstrap_medians([[4.0, 4.0, 4.0], [1.0, 2.0, 3.0, 100.0], [np.nan, np.nan, 1.0]],
                                          seed=1, n_boot=500)
        assert boot.shape == (500, 3)
        assert_allclose(boot[:, 0], 4.0)
        assert boot[:, 1].min() >= 1.0 and boot[:, 1].max() <= 100.0
        assert np.isinf(boot[:, 2]).any()  # a never-reaching run counts as infinitely slow
        assert_allclose(boot, analysis.bootstrap_medians([[4.0, 4.0, 4.0], [1.0, 2.0, 3.0, 100.0],
                                                          [np.nan, np.nan, 1.0]], seed=1, n_boot=500))
        with pytest.raises(ValueError, match="n_boot"):
            analysis.bootstrap_medians([[1.0]], n_boot=10)

    def test_steps_table_and_change(self):
        tr = synthetic_training({("typical", 1): [10, 8, 8, 12], ("typical", 4): [34, 30, 40, 38],
                                 ("area-law", 1): [6, 6, 6, 6], ("area-law", 4): [6, None, None, None],
                                 ("identity-block", 1): [6, 8, 10, 12], ("identity-block", 4): [10, 12, 14, 16]})
        st = escaping.steps_table(tr, 0.05).set_index(["init", "n_hidden"])
        assert_allclose(st.loc[("typical", 1), "median_steps"], np.median([10, 8, 8, 12]))
        assert_allclose(st.loc[("typical", 4), "median_steps"], np.median([34, 30, 40, 38]))
        assert st.loc[("typical", 1), ["fastest", "slowest"]].tolist() == [8, 12]
        assert st.loc[("area-law", 1), ["median_steps", "fastest", "slowest"]].tolist() == [6, 6, 6]
        assert np.isnan(st.loc[("area-law", 4), "median_steps"])  # fewer than half reach it
        assert st.loc[("area-law", 4), "fastest"] == 6 and np.isnan(st.loc[("area-law", 4), "slowest"])
        assert st.loc[("area-law", 4), "reached"] == 1 and st.loc[("area-law", 4), "runs"] == 4
        assert_allclose(st.loc[("typical", 4), "final"], 0.01)
        assert_allclose(st["coverage"], 0.875)  # four runs: 1 - 2 (1/2)^4
        st = st.reset_index()
        change = escaping.steps_change(st, "unitary", "typical", "infidelity")
        assert_allclose([change["difference"], change["ratio"]], [36 - 9, 36 / 9])
        assert_allclose([change["ratio_lowest"], change["ratio_highest"]], [30 / 12, 40 / 8])
        assert change["order"] == "slower"
        assert_allclose(change["p_separation"], 1 / 35)
        overlap = escaping.steps_change(st, "unitary", "identity-block", "infidelity")
        assert overlap["order"] == "overlap"  # 10 and 12 at n_h = 4 are not slower than 12 at n_h = 1
        never = escaping.steps_change(st, "unitary", "area-law", "infidelity")
        assert never["order"] == "overlap" and np.isnan(never["ratio"]) and np.isnan(never["ratio_highest"])
        table = escaping.steps_display(st)
        assert table.loc["unitary: typical (infidelity)", 1] == "9 (8–12)"
        assert table.loc["unitary: typical (infidelity)", 4] == "36 (30–40)"
        assert table.loc["unitary: area-law (infidelity)", 4] == "not reached"

    @pytest.mark.parametrize("n", [1, 2, 4, 8])
    def test_median_range_coverage_by_enumeration(self, n):
        # the range misses the median only if every run lies on one side of it
        from itertools import product

        miss = sum(all(s) or not any(s) for s in product([False, True], repeat=n)) / 2**n
        assert_allclose(escaping.median_range_coverage(n), 1 - miss)
        with pytest.raises(ValueError):
            escaping.median_range_coverage(0)

    @pytest.mark.parametrize("n, m", [(1, 1), (2, 3), (4, 4)])
    def test_separation_chance_by_enumeration(self, n, m):
        from itertools import combinations

        splits = list(combinations(range(n + m), n))  # ranks of the first group, all equally likely
        separated = sum(s == tuple(range(n)) or s == tuple(range(m, n + m)) for s in splits)
        assert_allclose(escaping.separation_chance(n, m), min(1.0, separated / len(splits)))


def test_steps_text():
    steps = pd.DataFrame({"x_from": [2, 1], "step": [-0.3, -0.2], "low": [-0.35, -0.25], "high": [-0.25, -0.15]})
    assert escaping.steps_text(steps) == "-0.200 [-0.250, -0.150] and -0.300 [-0.350, -0.250]"
    three = pd.concat([steps, pd.DataFrame({"x_from": [3], "step": [0.01], "low": [-0.02], "high": [0.04]})])
    assert escaping.steps_text(three, 2) == "-0.20 [-0.25, -0.15], -0.30 [-0.35, -0.25] and 0.01 [-0.02, 0.04]"


def test_rank_floor_is_the_best_fidelity_of_a_low_rank_state(target2):
    """The floor against an independent fidelity: the best state of rank k is the target
    projected on its top k eigenvectors; random rank-k states do no better."""
    w, v = np.linalg.eigh(target2)
    rng = np.random.default_rng(3)
    for k in (1, 2, 3):
        p = v[:, -k:] @ v[:, -k:].conj().T
        best = p @ target2 @ p / np.trace(p @ target2 @ p).real
        floor = escaping.rank_floor(target2, k)
        assert_allclose(floor, 1 - dense_fidelity(target2, best), atol=1e-8)
        for _ in range(20):
            a = rng.normal(size=(4, k)) + 1j * rng.normal(size=(4, k))
            sigma = a @ a.conj().T
            assert 1 - dense_fidelity(target2, sigma / np.trace(sigma).real) >= floor - 1e-9
    assert escaping.rank_floor(target2, 4) == 0.0


@pytest.fixture(scope="module")
def numbers(tables):
    df, tr = tables
    return escaping.quoted({"scale": "quick"}, df, tr, n_boot=200)


class TestQuoted:
    def test_values_against_the_tables(self, tables, numbers):
        df, tr = tables
        params = escaping.chapter_params("escaping", "quick")
        sizes = params["n_hidden"]
        typ = df[(df.model == "unitary") & (df.init == "typical") & (df.objective == "fidelity")]
        g = typ.groupby("n_hidden")["inf_norm"]
        m, se = g.mean(), g.std(ddof=1) / np.sqrt(g.size())
        slope, low, high, chi2_dof = weighted_line(np.array(sizes, float), np.log2(m.to_numpy()),
                                                   (se / (m * np.log(2))).to_numpy())
        assert_allclose([numbers["u-typical-fidelity"], numbers["u-typical-fidelity-low"],
                         numbers["u-typical-fidelity-high"], numbers["u-typical-fidelity-chi2-dof"]],
                        [slope, low, high, chi2_dof], rtol=1e-9)
        assert_allclose(numbers["u-typical-fidelity-ln"], slope * np.log(2), rtol=1e-12)
        assert numbers["u-typical-fidelity-line"] == (
            "rejected" if numbers["u-typical-fidelity-p-line"] < 0.01 else "not rejected")
        assert_allclose(numbers["u-typical-g-min"], m.loc[min(sizes)], rtol=1e-12)
        assert_allclose(numbers["u-typical-fidelity-factor"], m.loc[min(sizes)] / m.loc[max(sizes)], rtol=1e-12)
        assert_allclose(numbers["u-typical-fidelity-step-first"], np.log2(m.iloc[1] / m.iloc[0]), rtol=1e-10)
        assert np.isnan(numbers["u-identity-block-observable"])
        assert "round-off" in numbers["u-identity-block-observable-reason"]
        assert_allclose(numbers["page-S-max"], haar.page_entropy(8, 2 ** max(sizes)), rtol=1e-12)
        b = df[(df.model == "boltzmann") & (df.init == "typical") & (df.n_hidden == max(sizes))]
        ratio = (b[b.objective == "relative-entropy"].inf_hidden.mean() / b[b.objective == "overlap"].inf_hidden.mean())
        assert_allclose(numbers["b-typical-ratio-last"], ratio, rtol=1e-12)
        hits = [training.steps_to_reach(w.index.to_numpy(), w.to_numpy(), params["train_threshold"])
                for _, w in ((k, g.pivot(index="step", columns="run", values="infidelity").sort_index())
                             for k, g in tr.groupby(["model", "init", "loss_name", "n_hidden"]))]
        assert numbers["t-reached"] == sum(int(np.isfinite(h).sum()) for h in hits)
        assert numbers["t-runs"] == sum(h.size for h in hits)
        # the ratio of the two objectives' gradients from the largest to the smallest size,
        # delta method with the covariance of the paired instances, independent sizes
        logs, vars_ = [], []
        for h in (min(sizes), max(sizes)):
            g = df[(df.model == "boltzmann") & (df.init == "typical") & (df.n_hidden == h)]
            a = g[g.objective == "relative-entropy"].sort_values("instance").inf_hidden.to_numpy()
            c = g[g.objective == "overlap"].sort_values("instance").inf_hidden.to_numpy()
            cov = np.cov(a, c) / a.size
            logs.append(np.log(a.mean() / c.mean()))
            vars_.append(cov[0, 0] / a.mean() ** 2 + cov[1, 1] / c.mean() ** 2 - 2 * cov[0, 1] / (a.mean() * c.mean()))
        half = stats.norm.ppf(0.975) * np.sqrt(sum(vars_))
        change = logs[1] - logs[0]
        assert_allclose([numbers["b-typical-ratio-change"], numbers["b-typical-ratio-change-low"],
                         numbers["b-typical-ratio-change-high"]],
                        np.exp([change, change - half, change + half]), rtol=1e-9)
        # training: medians and ranges of the runs' first steps at or below the threshold
        t = tr[(tr.model == "unitary") & (tr.init == "typical")]
        for end, h in (("min", min(sizes)), ("max", max(sizes))):
            w = t[t.n_hidden == h].pivot(index="step", columns="run", values="infidelity").sort_index()
            first = np.array([w.index[np.argmax(w[c].to_numpy() <= params["train_threshold"])]
                              if (w[c] <= params["train_threshold"]).any() else np.inf for c in w])
            med = np.median(first)
            got = numbers[f"t-u-typical-steps-{end}"]
            assert (np.isnan(got) and not np.isfinite(med)) or got == med
            assert numbers[f"t-u-typical-steps-{end}-fastest"] == first.min() or not np.isfinite(first.min())
        assert_allclose(numbers["t-coverage"], 1 - 2 * 0.5 ** params["train_seeds"])
        assert numbers["rank-floor"] >= 0 and numbers["area-bound"] == pytest.approx(2 * params["area_layers"] * np.log(2))
        assert numbers["u-typical-root-fidelity-paper"] == (
            "contains" if numbers["u-typical-root-fidelity-low"] <= -0.441 <= numbers["u-typical-root-fidelity-high"]
            else "does not contain")
        # the paper's slope against the root fidelity's fit: t from the slope's standard error
        root = escaping.with_root_fidelity(df)
        fit = escaping.slopes(root[(root.model == "unitary") & (root.init == "typical")
                                   & (root.objective == "root-fidelity")]).iloc[0]["fit"]
        t = (fit.slope + 0.441) / fit.slope_se
        assert_allclose(numbers["u-typical-root-fidelity-t-paper"], t, rtol=1e-12)
        assert_allclose(numbers["u-typical-root-fidelity-p-paper"], 2 * stats.t.sf(abs(t), fit.dof), rtol=1e-10)
        assert numbers["nh-min"] == min(sizes) and numbers["nh-max"] == max(sizes)
        assert numbers["cone"] == area_law.light_cone_hidden(3, params["area_layers"])

    def test_every_glued_key_of_the_page_is_quoted(self, numbers):
        import re
        from pathlib import Path

        page = (Path(__file__).parents[1] / "chapters" / "escaping.md").read_text()
        used = set(re.findall(r"\{glue:text\}`es-([^`:]+)", page))
        assert used and used <= set(numbers)

    def test_results_rows(self, numbers):
        rows = escaping.results_rows(numbers)
        assert len(rows) == 9
        assert all(set(r) == {"result", "figure", "quantity", "paper", "ours"} for r in rows)
        # the paper's Fig. 3(b) slope stands beside the root fidelity only, read in log2
        assert "√F" in rows[0]["quantity"] and "-0.441" in rows[0]["paper"] and "log2" in rows[0]["paper"]
        assert rows[0]["ours"].startswith(numbers["u-typical-root-fidelity-text"] + "; from the paper's slope: t = ")
        assert "t with" in rows[0]["ours"] and "χ²/dof" in rows[0]["ours"]
        assert rows[1]["ours"] == numbers["u-typical-fidelity-text"] and "-0.441" not in rows[1]["paper"]
        assert not any("not stated" in r["paper"] for r in rows)
        assert rows[-1]["ours"].startswith(f"median {numbers['t-u-typical-steps-min']:.0f} (runs ")
        assert rows[-1]["ours"].endswith(numbers["t-u-typical-steps-order-text"])
        assert rows[7]["ours"].startswith(f"{numbers['b-typical-ratio-change']:.3f} [")


class TestAxisLabels:
    """Every gradient axis names the objective whose gradient it draws."""

    def test_unitary_and_boltzmann_panels(self, tables):
        import matplotlib.pyplot as plt

        from plateaus.figures import escaping as figures

        df, _ = tables
        fig = figures.unitary_panels(df)
        assert [ax.get_ylabel() for ax in fig.axes[:2]] == [
            r"mean $\|\nabla F\|_\infty$", r"mean $\|\nabla \mathrm{Tr}(Z_1\rho_v)\|_\infty$"]
        plt.close(fig)
        fig = figures.boltzmann_panels(df)
        for ax in fig.axes[:2]:
            assert "nabla L" in ax.get_ylabel() and "nabla F" not in ax.get_ylabel()
        assert any("relative entropy" in t.get_text() for t in fig.legends[0].get_texts())
        plt.close(fig)
        summary = escaping.summary_slopes(escaping.with_root_fidelity(df))
        fig = figures.slope_summary(summary, paper={escaping.ROOT_FIDELITY_GROUP: ("paper", -0.441, 0.003)})
        assert "nabla L" in fig.axes[-1].get_xlabel()
        # the paper's band only in the root-fidelity panel, the first
        assert [len(ax.patches) for ax in fig.axes] == [1] + [0] * (len(fig.axes) - 1)
        plt.close(fig)


class TestTables:
    def test_slope_table(self):
        summary = escaping.summary_slopes(synthetic_gradients())
        table = escaping.slope_table(summary)
        row = summary[summary.label == "typical"].iloc[0]
        text = table[table.initialisation == "typical"].iloc[0]["slope, log2 [95 %]"]
        assert text == f"{row.slope_log2:.3f} [{row.low_log2:.3f}, {row.high_log2:.3f}]"
        assert set(table["line"]) <= {"rejected", "not rejected"}

    def test_slope_summary_draws_the_intervals(self):
        import matplotlib.pyplot as plt

        from plateaus.figures import escaping as figures

        summary = escaping.summary_slopes(synthetic_gradients())
        fig = figures.slope_summary(summary)
        ax = fig.axes[0]
        row = summary.iloc[0]
        segments = [c for c in ax.collections if hasattr(c, "get_segments")]
        ends = sorted(tuple(np.round(seg[:, 0], 9)) for c in segments for seg in c.get_segments())
        assert (round(row.low_log2, 9), round(row.high_log2, 9)) in ends
        plt.close(fig)
