"""Chapter *Theorem 3: its assumptions*: the closed forms against Haar-random circuits built
from scipy's ``unitary_group``, the samplers against dense constructions, the counterexample
against its defining properties, and the tables and quoted numbers against independent
computations."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.linalg as sla
from numpy.testing import assert_allclose
from scipy.stats import unitary_group

from conftest import dense_state
from plateaus import designs
from plateaus.experiments import unitary_assumptions as ex
from plateaus.experiments import unitary_plateau as up
from plateaus.models import UnitaryQNN
from plateaus.objectives import Observable
from plateaus.params import chapter_params
from plateaus.terms import pauli_matrix, two_local_terms


def _partial_trace_hidden(rho, dv):
    d = rho.shape[-1]
    return np.trace(rho.reshape(*rho.shape[:-2], dv, d // dv, dv, d // dv), axis1=-3, axis2=-1)


def _traceless(rng, dim, scale=1.0):
    a = rng.normal(size=(dim, dim)) + 1j * rng.normal(size=(dim, dim))
    h = a + a.conj().T
    h -= np.trace(h) / dim * np.eye(dim)
    return scale * h / np.linalg.norm(h, 2)


def _haar_circuit_derivatives(dv, dh, O, H, size, seed):
    """d/dtheta Tr[(O x I) rho] for rho = U+ e^{-i theta H} U- |0><0| ..., U+- Haar (scipy),
    theta uniform: by central differences of the dense expectation (step 1e-4, relative
    truncation error ~1e-8)."""
    d = dv * dh
    rng = np.random.default_rng(seed)
    plus = unitary_group.rvs(d, size=size, random_state=rng)
    minus = unitary_group.rvs(d, size=size, random_state=rng)
    X = np.kron(O, np.eye(dh))
    w, v = np.linalg.eigh(H)
    out = np.empty(size)
    h = 1e-4
    for b in range(size):
        theta = rng.uniform(0, 2 * np.pi)
        values = []
        for t in (theta + h, theta - h):
            gate = (v * np.exp(-1j * t * w)) @ v.conj().T
            psi = plus[b] @ gate @ minus[b][:, 0]
            values.append(np.vdot(psi, X @ psi).real)
        out[b] = (values[0] - values[1]) / (2 * h)
    return out


class TestTwoDesignValue:
    def test_pauli_case_is_the_books_haar_rms(self):
        for dv, dh in [(2, 2), (4, 8), (16, 64)]:
            assert_allclose(np.sqrt(ex.two_design_gradient_ms(dv, dh)), up.haar_rms(dv, dh), rtol=1e-13)

    @pytest.mark.parametrize("case", ["pauli", "general"])
    def test_against_haar_random_circuits(self, case):
        """Monte Carlo over U+, U- from scipy's unitary_group, D = 8 (D_v = 2, D_h = 4), and a
        D_v = 4 case with a non-Pauli observable and generator."""
        rng = np.random.default_rng(11)
        if case == "pauli":
            dv, dh = 2, 4
            O, H = pauli_matrix("Z"), pauli_matrix("XYZ")
        else:
            dv, dh = 4, 2
            O = _traceless(rng, dv) + 0.3 * np.eye(dv)  # a trace part must not matter
            H = _traceless(rng, dv * dh, scale=1.7) + 0.5 * np.eye(dv * dh)
        g = _haar_circuit_derivatives(dv, dh, O, H, 4000, 5)
        O0 = O - np.trace(O) / dv * np.eye(dv)
        H0 = H - np.trace(H) / (dv * dh) * np.eye(dv * dh)
        exact = ex.two_design_gradient_ms(dv, dh, np.trace(O0 @ O0).real, np.trace(H0 @ H0).real)
        se = np.std(g**2, ddof=1) / np.sqrt(g.size)
        assert abs(np.mean(g**2) - exact) < 4 * se
        assert abs(np.mean(g)) < 4 * np.std(g) / np.sqrt(g.size)

    def test_goes_the_other_way_in_d_v(self):
        """At fixed D_h the 2-design RMS falls like D_v^(-1/2); the theorem's scale grows like
        D_v^(1/2)."""
        dv = 2.0 ** np.arange(1, 8)
        rms = np.sqrt(ex.two_design_gradient_ms(dv, 2.0**12))
        assert_allclose(np.diff(np.log2(rms)), -0.5, atol=1e-3)
        assert_allclose(np.diff(np.log2(ex.theorem_scale(dv, 2.0**12))), 0.5, atol=1e-13)


class TestScrambledValue:
    def test_against_haar_rotated_generators(self):
        """A fixed state and a fixed objective derivative G; the generator V P V^dag with V
        from unitary_group: E[(d F)^2] = 2D/(D^2-1) Var_psi(G x I)."""
        rng = np.random.default_rng(2)
        dv, dh = 2, 4
        d = dv * dh
        psi = rng.normal(size=d) + 1j * rng.normal(size=d)
        psi /= np.linalg.norm(psi)
        G = _traceless(rng, dv) + 0.2 * np.eye(dv)
        X = np.kron(G, np.eye(dh))
        P = pauli_matrix("XZY")
        vs = unitary_group.rvs(d, size=6000, random_state=3)
        h = vs @ P @ np.conj(np.swapaxes(vs, 1, 2))
        comm = h @ X - X @ h
        g = (1j * np.einsum("i,bij,j->b", psi.conj(), comm, psi)).real
        rho_v = _partial_trace_hidden(np.outer(psi, psi.conj()), dv)
        exact = ex.scrambled_gradient_ms(ex.state_variance(G, rho_v), d)
        assert abs(np.mean(g**2) - exact) < 4 * np.std(g**2, ddof=1) / np.sqrt(g.size)

    def test_state_variance_is_the_variance_on_the_whole_register(self, rng):
        dv, dh = 4, 2
        psi = rng.normal(size=dv * dh) + 1j * rng.normal(size=dv * dh)
        psi /= np.linalg.norm(psi)
        G = _traceless(rng, dv)
        X = np.kron(G, np.eye(dh))
        direct = np.vdot(psi, X @ X @ psi).real - np.vdot(psi, X @ psi).real ** 2
        rho_v = _partial_trace_hidden(np.outer(psi, psi.conj()), dv)
        assert_allclose(ex.state_variance(G, rho_v), direct, rtol=1e-12)


class TestHaarSampler:
    def test_pairs_are_unit_vectors_with_a_real_overlap(self):
        psi, a = ex.haar_derivative_pairs(2, 3, 50, 1)
        assert_allclose(np.linalg.norm(psi, axis=1), 1, atol=1e-12)
        assert_allclose(np.linalg.norm(a, axis=1), 1, atol=1e-12)
        assert_allclose(np.sum(psi.conj() * a, axis=1).imag, 0, atol=1e-12)

    def test_derivatives_match_the_dense_construction(self):
        """E[(d Tr O rho_v)^2], E||X||_1 and E<psi|a>^2 = 1/(D+1) from the sampler against
        psi = U|0>, H = V P V^dag with U, V from unitary_group."""
        dv, dh, n = 2, 4, 4000
        d = dv * dh
        psi, a = ex.haar_derivative_pairs(1, 2, n, 7)
        x = ex.derivative_operator(psi, a, 1)
        u = unitary_group.rvs(d, size=n, random_state=8)
        v = unitary_group.rvs(d, size=n, random_state=9)
        dpsi = u[:, :, 0]
        dh_ = v @ pauli_matrix("ZXI") @ np.conj(np.swapaxes(v, 1, 2))
        da = np.einsum("bij,bj->bi", dh_, dpsi)
        dx = ex.derivative_operator(dpsi, da, 1)
        Z = pauli_matrix("Z")
        for ours, theirs in [(np.einsum("ij,bji->b", Z, x).real ** 2, np.einsum("ij,bji->b", Z, dx).real ** 2),
                             (np.abs(np.linalg.eigvalsh(x)).sum(axis=1), np.abs(np.linalg.eigvalsh(dx)).sum(axis=1)),
                             (np.sum(psi.conj() * a, axis=1).real ** 2, np.sum(dpsi.conj() * da, axis=1).real ** 2)]:
            se = np.hypot(ours.std(ddof=1), theirs.std(ddof=1)) / np.sqrt(n)
            assert abs(ours.mean() - theirs.mean()) < 4 * se
        overlap = np.sum(psi.conj() * a, axis=1).real ** 2
        assert abs(overlap.mean() - 1 / (d + 1)) < 4 * overlap.std(ddof=1) / np.sqrt(n)
        # the observable's mean square is the closed form
        g2 = np.einsum("ij,bji->b", Z, x).real ** 2
        assert abs(g2.mean() - ex.two_design_gradient_ms(dv, dh)) < 4 * g2.std(ddof=1) / np.sqrt(n)

    def test_derivative_operator_is_the_derivative_of_the_visible_state(self, rng):
        """Tr(G X) against central differences of Tr(G rho_v) under e^{-i delta H}, with a dense
        H that maps psi to a; and ||X||_1 is the largest derivative over ||O|| <= 1."""
        dv, dh = 4, 2
        d = dv * dh
        psi = rng.normal(size=d) + 1j * rng.normal(size=d)
        psi /= np.linalg.norm(psi)
        H = sla.expm(1j * _traceless(rng, d)) @ pauli_matrix("XZY")
        H = (H + H.conj().T) / 2
        a = H @ psi
        x = ex.derivative_operator(psi[None], a[None], 2)[0]
        G = _traceless(rng, dv)
        h = 1e-6
        values = []
        for t in (h, -h):
            p = sla.expm(-1j * t * H) @ psi
            values.append(np.trace(G @ _partial_trace_hidden(np.outer(p, p.conj()), dv)).real)
        assert_allclose(np.trace(G @ x).real, (values[0] - values[1]) / (2 * h), rtol=1e-6)
        assert_allclose(np.trace(x), 0, atol=1e-12)
        w, vec = np.linalg.eigh(x)
        best = (vec * np.sign(w)) @ vec.conj().T
        assert_allclose(np.trace(best @ x).real, np.abs(w).sum(), rtol=1e-12)


@pytest.fixture(scope="module")
def sample():
    return ex.decoupled_counterexample(1, 2, 3000, 4, matrices=True)


class TestCounterexample:
    def test_generator_has_the_spectrum_of_a_pauli_string(self, sample):
        _, psi, hs = sample
        for h in hs[:20]:
            assert_allclose(h, h.conj().T, atol=1e-12)
            assert_allclose(h @ h, np.eye(8), atol=1e-10)
            assert_allclose(np.trace(h), 0, atol=1e-10)

    def test_derivative_is_the_finite_difference_and_of_order_one(self, sample):
        g, psi, hs = sample
        X = np.kron(pauli_matrix("Z"), np.eye(4))
        for b in range(5):
            vals = [np.vdot(p, X @ p).real for p in (sla.expm(-1j * t * hs[b]) @ psi[b] for t in (1e-6, -1e-6))]
            assert_allclose(g[b], (vals[0] - vals[1]) / 2e-6, rtol=1e-6)
        var = 1 - np.einsum("bi,ij,bj->b", psi.conj(), X, psi).real ** 2
        assert_allclose(np.abs(g), 2 * np.sqrt(var), rtol=1e-12)
        assert np.mean(np.abs(g)) > 1.5 > ex.theorem_bound(2, 4)

    def test_meets_the_stated_assumption_and_rho_is_haar(self, sample):
        g, psi, hs = sample
        n = len(psi)
        rho = np.einsum("bi,bj->bij", psi, psi.conj())
        product = hs @ rho  # E[H rho] = E[H] E[rho] = 0
        for stat in (product, hs):
            mean = stat.mean(axis=0)
            se = np.sqrt(stat.real.var(axis=0, ddof=1) + stat.imag.var(axis=0, ddof=1)) / np.sqrt(n)
            assert np.all(np.abs(mean) < 5 * se + 1e-12)
        value, se = designs.state_frame_potential(psi)
        assert abs(value - designs.haar_state_frame_potential(8)) < 4 * se


class TestParts:
    def test_products_are_the_circuit_and_its_slices(self, rng):
        labels = two_local_terms(3)
        k = len(labels)
        theta = rng.normal(size=(2, k))
        order = np.argsort(rng.random(k))
        parts = ex.part_unitaries(labels, theta, order)
        assert set(parts) == set(ex.PARTS)
        whole = designs.circuit_unitaries(labels, theta, order)
        assert_allclose(parts["full"], whole, atol=1e-12)
        gates = ex.part_gates(k)
        for name, u in parts.items():
            if name.startswith("first"):
                ref = designs.circuit_unitaries(labels, theta, order, 0, gates[name])
            elif name.startswith("last"):
                ref = designs.circuit_unitaries(labels, theta, order, k - gates[name], k)
            else:
                continue
            assert_allclose(u, ref, atol=1e-12)
        assert gates["first-1/2"] + gates["last-1/2"] == k
        assert gates["first-1/4"] + gates["last-3/4"] == k


# --------------------------------------------------------------------------- tables


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    mp = pytest.MonkeyPatch()
    mp.setenv("PLATEAUS_DATA", str(root))
    params = chapter_params("unitary-assumptions", "quick")
    tables = {"params": params, "scan": ex.visible_scan(params), "terms": ex.parameter_means(params),
              "haar": ex.haar_reference(params), "designs": ex.frame_potentials(params)}
    yield tables
    mp.undo()


class TestTables:
    def test_scan_instance_against_the_dense_oracle(self, quick):
        """One instance per order: the stored gradient statistics of the observable against
        parameter-shift derivatives of a dense simulation."""
        p = quick["params"]
        nv, nh = p["visible_sizes"][1], p["n_hidden"][0]
        qnn = UnitaryQNN(nv, nh)
        from plateaus.parallel import spawn_seeds

        seeds = spawn_seeds([p["seed"], 1, nv, nh], 3)
        theta, random = qnn.sample_instances(seeds[2:], theta_std=p["theta_std"], order="random")
        O = pauli_matrix(ex.observable_label(nv) + "I" * nh)
        scan = quick["scan"]
        for model in p["models"]:
            order = ex.model_order(model, random, qnn.n_params, 1)
            order = np.arange(qnn.n_params) if order is None else order[0]
            grad = np.empty(qnn.n_params)
            for k in range(qnn.n_params):
                vals = []
                for s in (np.pi / 4, -np.pi / 4):
                    t = theta[0].copy()
                    t[k] += s
                    psi = dense_state(qnn.terms, t, order)
                    vals.append(np.vdot(psi, O @ psi).real)
                grad[k] = vals[0] - vals[1]
            row = scan[(scan["model"] == model) & (scan["objective"] == "observable")
                       & (scan["n_visible"] == nv) & (scan["n_hidden"] == nh) & (scan["instance"] == 2)]
            assert len(row) == 1
            assert_allclose(row["inf_norm"].iloc[0], np.abs(grad).max(), rtol=1e-9)
            assert_allclose(row["rms"].iloc[0], np.sqrt(np.mean(grad**2)), rtol=1e-9)
            assert_allclose(row["mean_abs"].iloc[0], np.abs(grad).mean(), rtol=1e-9)

    def test_term_means_average_to_the_scan(self, quick):
        scan, terms = quick["scan"], quick["terms"]
        obs = scan[scan["objective"] == "observable"]
        per_instance = obs.groupby(["model", "n_visible", "n_hidden"])["mean_abs"].mean()
        per_term = terms.groupby(["model", "n_visible", "n_hidden"])["mean_abs"].mean()
        assert_allclose(per_term.sort_index().to_numpy(), per_instance.sort_index().to_numpy(), rtol=1e-10)
        ms = (obs.assign(ms=obs["rms"] ** 2).groupby(["model", "n_visible", "n_hidden"])["ms"].mean())
        assert_allclose(terms.groupby(["model", "n_visible", "n_hidden"])["mean_square"].mean()
                        .sort_index().to_numpy(), ms.sort_index().to_numpy(), rtol=1e-10)

    def test_haar_table_observable_is_the_closed_form(self, quick):
        h = quick["haar"]
        obs = h[h["objective"] == "observable"]
        for (nv, nh), g in obs.groupby(["n_visible", "n_hidden"]):
            d2 = g["derivative"].to_numpy() ** 2
            assert abs(d2.mean() - ex.two_design_gradient_ms(2**nv, 2**nh)) < 5 * d2.std(ddof=1) / np.sqrt(d2.size)
            # the state variance of Z x I in a Haar state has mean D/(D+1)
            d = 2 ** (nv + nh)
            v = g["variance"].to_numpy()
            assert abs(v.mean() - d / (d + 1)) < 5 * v.std(ddof=1) / np.sqrt(v.size)

    def test_design_table(self, quick):
        t = quick["designs"]
        p = quick["params"]
        models = set(p["models"]) | {ex.HAAR_MODEL, ex.FIXED_RANDOM}
        assert set(t["model"]) == models
        assert (t.loc[t["model"] == ex.HAAR_MODEL, "part"] == "full").all()
        assert t["draw"].max() == p["design_orders"] - 1
        assert (t["fp"] >= 0).all() and (t["fp_se"] > 0).all()
        # Eq. (11) order on 3 qubits: the first quarter is the 9 on-site gates, a product of
        # independent one-qubit ensembles, whose frame potentials multiply: F2 >= 2^3
        first = t[(t["model"] == "unitary") & (t["part"] == "first-1/4") & (t["n_qubits"] == 3)]
        assert (first["fp"] + 3 * first["fp_se"] > 8).all()


@pytest.fixture(scope="module")
def read(quick):
    q = quick
    tables = ex.readings(q["params"], q["scan"], q["terms"], q["haar"], q["designs"])
    numbers = ex.quoted(q["params"], q["scan"], q["terms"], q["haar"], q["designs"], tables)
    return tables, numbers


class TestReadings:

    def test_scan_stats_by_hand(self, quick, read):
        stats = read[0]["stats"]
        scan = quick["scan"]
        g = scan[(scan["model"] == "unitary-random-order") & (scan["objective"] == "observable")
                 & (scan["n_visible"] == 2) & (scan["n_hidden"] == 3)]
        row = stats[(stats["model"] == "unitary-random-order") & (stats["objective"] == "observable")
                    & (stats["n_visible"] == 2) & (stats["n_hidden"] == 3)].iloc[0]
        ms = g["rms"].to_numpy() ** 2
        assert_allclose(row["rms"], np.sqrt(ms.mean()), rtol=1e-12)
        assert_allclose(row["rms_se"], ms.std(ddof=1) / np.sqrt(ms.size) / (2 * np.sqrt(ms.mean())), rtol=1e-10)
        assert_allclose(row["inf"], g["inf_norm"].mean(), rtol=1e-12)
        assert_allclose(row["abs_se"], g["mean_abs"].std(ddof=1) / np.sqrt(len(g)), rtol=1e-10)

    def test_fits_against_numpy_polyfit(self, read):
        tables, numbers = read
        stats, fits = tables["stats"], tables["fits"]
        for (model, objective, nh), g in stats.groupby(["model", "objective", "n_hidden"]):
            g = g.sort_values("n_visible")
            y = np.log2(g["rms"].to_numpy())
            w = g["rms"].to_numpy() * np.log(2) / g["rms_se"].to_numpy()  # 1 / sigma of log2
            slope = np.polyfit(g["n_visible"], y, 1, w=w)[0]
            row = fits[(fits["model"] == model) & (fits["objective"] == objective) & (fits["n_hidden"] == nh)
                       & (fits["statistic"] == "rms")].iloc[0]
            assert_allclose(row["slope_log2"], slope, rtol=1e-9)

    def test_exact_slope(self):
        nv = np.array([1, 2, 3, 4])
        y = 0.5 * np.log2(ex.two_design_gradient_ms(2.0**nv, 2.0**6))
        assert_allclose(ex.exact_slope(nv, 6), np.polyfit(nv, y, 1)[0], rtol=1e-12)
        assert -0.5 < ex.exact_slope(nv, 6) < -0.49

    def test_looseness_by_hand(self, quick, read):
        loose = read[0]["loose"]
        terms = quick["terms"]
        for r in loose.itertuples():
            t = terms[(terms["model"] == r.model) & (terms["n_visible"] == r.n_visible) & (terms["n_hidden"] == r.n_hidden)]
            assert_allclose(r.worst, t["mean_abs"].max(), rtol=1e-12)
            assert_allclose(r.worst_ratio, np.sqrt(2 * 2**r.n_visible / 2**r.n_hidden) / t["mean_abs"].max(), rtol=1e-12)
            assert_allclose(r.mean_abs, t["mean_abs"].mean(), rtol=1e-9)

    def test_design_readings_and_first_consistent(self, read):
        d = read[0]["designs"]
        assert_allclose(d["z"], (d["fp"] - 2.0) / d["fp_se"], rtol=1e-12)
        rows = pd.DataFrame({"n_qubits": [3, 3, 4, 4, 5], "z": [0.5, 3.0, 1.0, -1.5, 0.1]})
        assert ex.first_consistent(rows) == 4
        assert ex.first_consistent(rows.assign(z=5.0)) == 0

    def test_numbers_and_rows(self, read):
        _, numbers = read
        assert numbers["counter_abs"] > 1.5 > numbers["counter_bound"]
        assert numbers["fixed_orders_rows"] > 0
        rows = ex.results_rows(numbers)
        assert rows and all(set(r) == {"result", "figure", "quantity", "paper", "ours"} for r in rows)
        assert all(r["ours"] for r in rows)

    def test_target_purities(self, quick):
        purities = ex.target_purities(quick["params"])
        assert 1.0 <= purities[1] < 1.1  # one visible qubit: on-site couplings of variance 0.01 only
        assert all(1.0 <= v <= 2**k for k, v in purities.items())

    def test_prefix_state_verdicts(self, read):
        tables, numbers = read
        d = tables["designs"]
        m = d[d["model"] == ex.FIXED_RANDOM]
        prefixes = m[m["part"].isin(["first-1/4", "first-1/2", "first-3/4", "full"])]
        assert numbers["consistent_fixedrandom_prefix_state"] == ex.first_consistent(prefixes, "state_z")
        # fewer products to pass from the first half on: never later than from the first quarter on
        half = numbers["consistent_fixedrandom_half_prefix_state"]
        quarter = numbers["consistent_fixedrandom_prefix_state"]
        assert quarter == 0 or 0 < half <= quarter
        assert numbers["consistent_fixedrandom_prefix_state_text"]

    def test_pm_large_values_to_units(self):
        assert ex._pm(10349.38, 347.65) == "10349 ± 348"
        assert ex._pm(2.0512, 0.0493) == "2.05 ± 0.05"
