"""Lemma 5: the exact law of a Pauli expectation on Haar states, its moments, the bounds.

Oracles: numpy's own Beta sampler, numerical integration of the density, sampled Haar states,
dense Pauli matrices, and the inequalities themselves on a grid of sizes and thresholds.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import integrate

import plateaus as pl
from plateaus.experiments import concentration as cc


class TestExactTail:
    def test_qubit_is_uniform(self):
        # D = 2: <Z> of a Haar qubit is uniform on [-1, 1] (Archimedes), so Pr[|f| >= e] = 1 - e.
        eps = np.linspace(0.05, 0.95, 7)
        assert_allclose(cc.exact_tail(2, eps), 1 - eps, atol=1e-14)

    @pytest.mark.parametrize("dim", [4, 16, 64])
    def test_against_numpy_beta_sampler(self, dim):
        x = np.random.default_rng(dim).beta(dim / 2, dim / 2, 400_000)
        f = 2 * x - 1
        for eps in (0.1, 0.3, 0.5):
            p = cc.exact_tail(dim, eps)
            emp = np.mean(np.abs(f) >= eps)
            assert abs(emp - p) <= 5 * np.sqrt(p * (1 - p) / f.size) + 1e-6

    @pytest.mark.parametrize("dim,eps", [(8, 0.3), (32, 0.5), (256, 0.4)])
    def test_against_integrated_density(self, dim, eps):
        tail, _ = integrate.quad(lambda t: 2 * cc.exact_density(dim, t), eps, 1, epsabs=1e-300, epsrel=1e-10)
        assert_allclose(cc.exact_tail(dim, eps), tail, rtol=1e-7)

    def test_deep_tail_is_positive_and_monotone(self):
        t = cc.exact_tail(4096, np.linspace(0.05, 0.5, 10))
        assert (t > 0).all() and (np.diff(t) < 0).all()
        assert t[-1] < 1e-200

    def test_beyond_one_is_zero(self):
        assert cc.exact_tail(8, 1.5) == 0

    @pytest.mark.parametrize("dim", [1, 3, 0, 6.5])
    def test_bad_dim(self, dim):
        with pytest.raises(ValueError, match="dim"):
            cc.exact_tail(dim, 0.1)

    def test_bad_eps(self):
        with pytest.raises(ValueError, match="eps"):
            cc.exact_tail(4, 0.0)


class TestLogTail:
    @pytest.mark.parametrize("dim", [2, 4, 16, 256, 4096])
    def test_matches_the_incomplete_beta_where_it_is_representable(self, dim):
        eps = np.linspace(0.01, 0.99, 99)
        t = cc.exact_tail(dim, eps)
        keep = t > 1e-290
        assert keep.sum() > 5
        assert_allclose(cc.log10_exact_tail(dim, eps)[keep], np.log10(t[keep]), rtol=1e-11, atol=1e-12)

    def test_closed_form_for_two_qubits(self):
        # D = 4: density (3/4)(1 - f^2), so Pr[|f| >= e] = 1 - 3e/2 + e^3/2
        e = np.linspace(0.05, 0.95, 10)
        assert_allclose(10 ** cc.log10_exact_tail(4, e), 1 - 1.5 * e + 0.5 * e**3, rtol=1e-12)

    @pytest.mark.parametrize("dim, eps, x", [(1024, 0.9, (1, 20)), (4096, 0.8, (1, 10)), (512, 0.98, (1, 100))])
    def test_underflowing_tail_in_exact_integer_arithmetic(self, dim, eps, x):
        """Where the double underflows: 2 sum_j C(D-1, j) p^j q^(D-1-j), p = (1-eps)/2 = a/b,
        as a ratio of Python integers, whose log10 is exact to rounding."""
        from math import comb, log10

        a, b = x
        assert a / b == pytest.approx((1 - eps) / 2)
        n = dim - 1
        numerator = sum(comb(n, j) * a**j * (b - a) ** (n - j) for j in range(dim // 2, dim))
        expected = log10(2) + log10(numerator) - n * log10(b)
        assert expected < -320  # below the smallest double
        assert np.isclose(float(cc.log10_exact_tail(dim, eps)), expected, rtol=1e-12)
        assert cc.exact_tail(dim, eps) == 0.0  # what the double gives

    def test_beyond_one(self):
        assert cc.log10_exact_tail(8, [1.0, 1.2]).tolist() == [-np.inf, -np.inf]


class TestExactDensity:
    @pytest.mark.parametrize("dim", [2, 4, 10, 128])
    def test_normalised(self, dim):
        total, _ = integrate.quad(lambda t: cc.exact_density(dim, t), -1, 1)
        assert_allclose(total, 1, rtol=1e-9)

    def test_qubit_is_flat(self):
        assert_allclose(cc.exact_density(2, [-0.9, 0.0, 0.7]), 0.5, atol=1e-15)


class TestExactVariance:
    @pytest.mark.parametrize("dim", [2, 8, 64])
    def test_against_integrated_density(self, dim):
        var, _ = integrate.quad(lambda t: t**2 * cc.exact_density(dim, t), -1, 1)
        assert_allclose(cc.exact_variance(dim), var, rtol=1e-9)

    @pytest.mark.parametrize("label,n", [("Z", 4), ("XY", 5), ("YZX", 3)])
    def test_against_haar_states(self, label, n):
        # Any non-identity Pauli on the visible qubits: E f = 0, Var f = 1/(D+1).
        f = cc.pauli_expectations(pl.haar_states(n, 40_000, 9), label)
        dim = 2**n
        fourth = 3 / ((dim + 1) * (dim + 3))
        se_var = np.sqrt((fourth - 1 / (dim + 1) ** 2) / f.size)
        assert abs(f.mean()) < 5 * np.sqrt(1 / (dim + 1) / f.size)
        assert abs(f.var() - 1 / (dim + 1)) < 5 * se_var


class TestExactFourthMoment:
    @pytest.mark.parametrize("dim", [2, 8, 64])
    def test_against_integrated_density(self, dim):
        m4, _ = integrate.quad(lambda t: t**4 * cc.exact_density(dim, t), -1, 1)
        assert_allclose(cc.exact_fourth_moment(dim), m4, rtol=1e-9)

    def test_moments_table(self):
        values = cc.sample_expectations(3, 4000, 1)
        m = cc.moments(cc.tail_table(values, 3, cc.eps_grid(10)))
        assert_allclose(m.loc[8, "var_ratio"], values.var(ddof=1) * 9)
        assert abs(m.loc[8, "var_z"]) < 5 and abs(m.loc[8, "mean_z"]) < 5


class TestPauliExpectations:
    def test_against_dense(self, rng):
        psi = pl.haar_states(3, 5, rng)
        dense = np.kron(pl.pauli_matrix("XZ"), np.eye(2))
        expected = np.einsum("bi,ij,bj->b", psi.conj(), dense, psi).real
        assert_allclose(cc.pauli_expectations(psi, "XZ"), expected, atol=1e-14)

    @pytest.mark.parametrize("bad", ["", "II", "ZQ", "ZZZZ"])
    def test_bad_observable(self, bad):
        with pytest.raises(ValueError, match="observable"):
            cc.pauli_expectations(pl.haar_states(3, 1, 0), bad)


class TestLipschitzConstant:
    def test_value(self):
        assert cc.lipschitz_constant() == 2.0
        assert cc.lipschitz_constant(0.5) == 1.0

    def test_holds_on_random_pairs(self, rng):
        a, b = pl.haar_states(4, 2000, rng), pl.haar_states(4, 2000, rng)
        # Include close pairs, where the ratio is largest.
        c = a + 1e-3 * (b - a)
        c /= np.linalg.norm(c, axis=1, keepdims=True)
        for x, y in ((a, b), (a, c)):
            ratio = np.abs(cc.pauli_expectations(x, "Z") - cc.pauli_expectations(y, "Z")) / np.linalg.norm(x - y, axis=1)
            assert ratio.max() <= 2 + 1e-9

    def test_attained(self):
        # At psi = (|0> + |1>)/sqrt 2 (<Z> = 0), moving towards |0> changes <Z> at rate 2.
        psi = np.array([[1, 1]]) / np.sqrt(2)
        phi = np.array([[np.cos(np.pi / 4 - 1e-6), np.sin(np.pi / 4 - 1e-6)]])
        ratio = abs(cc.pauli_expectations(psi, "Z") - cc.pauli_expectations(phi, "Z")) / np.linalg.norm(psi - phi)
        assert_allclose(ratio, 2, rtol=1e-5)

    def test_bad(self):
        with pytest.raises(ValueError, match="eta"):
            cc.lipschitz_constant(-1)


class TestBounds:
    dims = 2 ** np.arange(1, 15)
    eps = np.linspace(0.01, 0.99, 99)

    @pytest.mark.parametrize("bound", [cc.chebyshev_bound, cc.levy_bound_hlw, cc.levy_bound_curvature])
    def test_every_bound_holds_against_the_exact_law(self, bound):
        d, e = np.meshgrid(self.dims, self.eps)
        assert (bound(d, e) >= cc.exact_tail(d, e)).all()

    @pytest.mark.parametrize("name", cc.BOUNDS)
    def test_every_bound_holds_in_logarithms(self, name):
        """The same, where the doubles underflow: a vacuous 0 >= 0 above is a real check here."""
        d, e = np.meshgrid(self.dims, self.eps)
        log_exact = cc.log10_exact_tail(d, e)
        assert (log_exact < -320).sum() > 50  # points the check above could not see
        assert (cc.log10_bound(name, d, e) >= log_exact).all()

    @pytest.mark.parametrize("name, fn", [("chebyshev", cc.chebyshev_bound), ("levy_hlw", cc.levy_bound_hlw),
                                          ("levy_curvature", cc.levy_bound_curvature)])
    def test_log_bounds_are_the_bounds(self, name, fn):
        d, e = np.meshgrid(self.dims[:8], self.eps)
        assert_allclose(cc.log10_bound(name, d, e), np.log10(fn(d, e)), atol=1e-12)
        with pytest.raises(ValueError, match="name"):
            cc.log10_bound("markov", 4, 0.5)

    def test_closed_forms(self):
        assert_allclose(cc.chebyshev_bound(64, 0.5), 4 / 65)
        assert_allclose(cc.levy_bound_hlw(2**20, 0.5), 2 * np.exp(-2 * 2**20 * 0.25 / (9 * np.pi**3 * 4)))
        assert_allclose(cc.levy_bound_curvature(128, 0.2), 2 * np.exp(-127 * 0.04 / 4))

    def test_hlw_is_vacuous_below_its_crossover(self):
        x = cc.hlw_crossover()
        assert cc.levy_bound_hlw(256, 1.0) == 1.0  # D eps^2 = 256 < 387
        c = 2 / (9 * np.pi**3 * 4)
        assert_allclose(2 * np.exp(-c * x["nontrivial"]), 1, rtol=1e-12)
        assert_allclose(2 * np.exp(-c * x["beats_chebyshev"]), 1 / x["beats_chebyshev"], rtol=1e-9)
        assert x["beats_chebyshev"] > x["nontrivial"]


class TestTailTable:
    def test_counts(self):
        values = np.array([0.05, -0.2, 0.35, -0.6, 0.9])
        t = cc.tail_table(values, 3, np.array([0.1, 0.35, 0.95]))
        assert t["count"].tolist() == [4, 3, 0]
        assert_allclose(t["tail_empirical"], [0.8, 0.6, 0.0])
        assert (t["dim"] == 8).all() and set(cc.COLUMNS) <= set(t.columns)

    def test_wilson_interval(self):
        df = pd.DataFrame({"samples": [100, 100, 1000], "tail_empirical": [0.0, 0.5, 0.01]})
        lo, hi = cc.wilson_interval(df)
        assert (lo >= 0).all() and (hi <= 1).all()
        assert (lo <= df["tail_empirical"]).all() and (hi >= df["tail_empirical"]).all()


class TestSampleExpectations:
    def test_independent_of_chunk_size(self):
        a = cc.sample_expectations(3, 50, 4, chunk_size=7)
        b = cc.sample_expectations(3, 50, 4, chunk_size=50)
        assert_allclose(a, b, atol=0)

    def test_observable_too_large(self):
        with pytest.raises(ValueError, match="more than n_qubits"):
            cc.sample_expectations(2, 10, 0, observable="ZZZ")


# --------------------------------------------------------------------------- the page's numbers


def _table(seed=3, samples=5000, sizes=(2, 4, 6), eps_points=20):
    """A small tail table from sampled Haar states, with the values it was built from."""
    values = {n: cc.sample_expectations(n, samples, [seed, n]) for n in sizes}
    eps = cc.eps_grid(eps_points)
    return pd.concat([cc.tail_table(v, n, eps) for n, v in values.items()], ignore_index=True), values


def _beta_table(dims=(4, 16, 64), samples=20000, eps_points=20, seed=1, law_dims=None):
    """A tail table of samples of 2X - 1, X ~ Beta(D'/2, D'/2) with D' from ``law_dims``
    (the true law when None), labelled with the sizes ``dims``."""
    rng = np.random.default_rng(seed)
    eps = cc.eps_grid(eps_points)
    frames = []
    for k, dim in enumerate(dims):
        true = (law_dims or dims)[k]
        f = 2 * rng.beta(true / 2, true / 2, samples) - 1
        frames.append(cc.tail_table(f, int(np.log2(dim)), eps))
    return pd.concat(frames, ignore_index=True)


class TestBinnedGof:
    def test_against_a_hand_computation(self):
        from scipy import stats

        df = _beta_table(dims=(16,), samples=3000, eps_points=10)
        g = cc.binned_gof(df, min_expected=5).iloc[0]
        # the bins of |f| between the thresholds 0.1, ..., 0.9, straight from the counts
        counts = np.r_[3000, df["count"].to_numpy(), 0]
        obs = -np.diff(counts)
        exp = -np.diff(np.r_[1.0, df["tail_exact"].to_numpy(), 0.0]) * 3000
        # pool from the small-|f| end until each bin expects 5: here the last bins
        pooled_obs, pooled_exp, o, e = [], [], 0, 0
        for ok, ek in zip(obs, exp):
            o, e = o + ok, e + ek
            if e >= 5:
                pooled_obs.append(o), pooled_exp.append(e)
                o, e = 0, 0
        pooled_obs[-1] += o
        pooled_exp[-1] += e
        chi2 = sum((a - b) ** 2 / b for a, b in zip(pooled_obs, pooled_exp))
        assert g["bins"] == len(pooled_obs) < len(obs)
        assert_allclose([g["chi2"], g["p_value"]], [chi2, stats.chi2.sf(chi2, len(pooled_obs) - 1)], rtol=1e-12)
        assert_allclose(sum(pooled_exp), 3000)

    def test_accepts_the_true_law_and_rejects_a_wrong_one(self):
        right = cc.binned_gof(_beta_table())
        assert (right["p_value"] > 1e-3).all()
        wrong = cc.binned_gof(_beta_table(law_dims=(4, 16, 80)))  # the last size sampled with D = 80
        assert wrong["p_value"].iloc[-1] < 1e-6 and (wrong["p_value"].iloc[:2] > 1e-3).all()


def test_sidak_max():
    from scipy import stats

    assert_allclose(cc.sidak_max(1.96, 1), 2 * stats.norm.sf(1.96))
    z = np.abs(np.random.default_rng(0).standard_normal((20000, 8))).max(axis=1)
    assert abs(np.mean(z >= 2.4) - cc.sidak_max(2.4, 8)) < 0.01


class TestTailZScores:
    def test_against_a_hand_computation(self):
        df, _ = _table()
        z = cc.tail_z_scores(df, min_expected=20)
        keep = df["tail_exact"] * df["samples"] >= 20
        assert len(z) == keep.sum() > 0
        p, n = df.loc[keep, "tail_exact"], df.loc[keep, "samples"]
        assert_allclose(z["z"], (df.loc[keep, "tail_empirical"] - p) / np.sqrt(p * (1 - p) / n), rtol=1e-12)
        # honest samples: no point is far out (a wrong law or a wrong error would be)
        assert z["z"].abs().max() < 5

    def test_bad_threshold(self):
        df, _ = _table(samples=100, sizes=(2,))
        with pytest.raises(ValueError, match="min_expected"):
            cc.tail_z_scores(df, min_expected=0)


@pytest.fixture(scope="module")
def setup():
    df, values = _table()
    params = {"scale": "quick", "samples": 5000, "n_qubits": [2, 4, 6], "quote_qubits": 4,
              "quote_eps": 0.3, "eps_points": 20}
    return df, values, params, cc.quoted(params, df)


class TestQuoted:

    def test_values_against_the_samples(self, setup):
        df, values, params, q = setup
        f = values[4]
        eps = 0.3  # on the grid k/20
        assert q["q-n"] == 4 and q["q-eps"] == pytest.approx(eps)
        assert q["q-count"] == int(np.sum(np.abs(f) >= eps - 1e-12))
        assert_allclose(q["q-empirical"], np.mean(np.abs(f) >= eps - 1e-12))
        assert_allclose(q["q-exact"], cc.exact_tail(16, eps), rtol=1e-12)
        assert_allclose(q["q-cheb"], 1 / (17 * eps**2), rtol=1e-12)
        assert_allclose(q["q-orders"], np.log10(q["q-cheb"] / q["q-exact"]), rtol=1e-12)
        assert q["big-n"] == 6
        assert_allclose(q["big-curv"], 2 * np.exp(-63 * eps**2 / 4), rtol=1e-12)
        assert q["q-curv-vs-cheb"] == ("above" if 2 * np.exp(-15 * eps**2 / 4) > 1 / (17 * eps**2) else "below")
        # the moments against numpy: |mean| / sqrt(Var/N) with the exact variance 1/(D+1)
        mean_z = max(abs(v.mean()) / np.sqrt(1 / (2**n + 1) / v.size) for n, v in values.items())
        assert_allclose(q["mean-z"], mean_z, rtol=1e-9)
        var_dev = max(abs(v.var(ddof=1) * (2**n + 1) - 1) for n, v in values.items())
        assert_allclose(q["var-dev"], var_dev, rtol=1e-9)
        assert_allclose(q["resolution"], 1 / 5000) and q["rule-of-three"] == pytest.approx(3 / 5000)
        assert_allclose(q["c-hlw"], 2 / (9 * np.pi**3))
        assert q["n-beats"] == 13  # 2^12 < 5158 < 2^13
        assert q["check-points"] == len(df)
        # every bound holds everywhere; the HLW bound is vacuous at these sizes (D eps^2 < 387)
        assert q["above-chebyshev"] == q["above-levy_hlw"] == q["above-levy_curvature"] == len(df)
        assert q["nontrivial-levy_hlw"] == 0 and q["hlw-margin-text"] == ""
        assert q["nontrivial-levy_curvature"] == int((df["levy_curvature"] < 1).sum())
        # the quoted tail's 95 % Wilson interval, from scipy
        from scipy import stats

        ci = stats.binomtest(q["q-count"], 5000).proportion_ci(0.95, method="wilson")
        assert_allclose([q["q-empirical-low"], q["q-empirical-high"]], [ci.low, ci.high], rtol=1e-6)
        assert_allclose(q["q-hlw-raw"], 2 * np.exp(-16 * eps**2 / (18 * np.pi**3)), rtol=1e-12)
        gof = cc.binned_gof(df)
        assert q["gof-p-min"] == gof["p_value"].min() and q["sizes"] == 3
        assert q["gof-rejected"] == int((gof["p_value"] < 0.01).sum())
        assert_allclose(q["var-z-p"], cc.sidak_max(q["var-z"], 3))

    def test_results_rows(self, setup):
        *_, q = setup
        rows = cc.results_rows(q)
        assert rows[4]["ours"].startswith(f"p from {q['gof-p-min']:.2g} to {q['gof-p-max']:.2g} over 3 sizes")
        assert len(rows) == 5 and all(set(r) == {"result", "figure", "quantity", "paper", "ours"} for r in rows)
        assert "D = 2^4, eps = 0.30" in rows[0]["quantity"]
        assert rows[0]["ours"] == f"{q['q-orders']:.1f} (exact), {q['q-orders-emp']:.1f} (sampled)"
        assert rows[2]["ours"] == "5158"
        n = len(setup[0])
        assert rows[3]["ours"] == f"chebyshev {n}/{n}, levy_hlw {n}/{n}, levy_curvature {n}/{n}"

    def test_every_glued_key_of_the_page_is_quoted(self, setup):
        import re
        from pathlib import Path

        *_, q = setup
        page = (Path(__file__).parents[1] / "chapters" / "concentration.md").read_text()
        used = set(re.findall(r"\{glue:text\}`co-([^`:]+)", page))
        assert used and used <= {k.replace("_", "-") for k in q}
