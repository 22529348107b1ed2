"""Chapter *Typicality*: exact Haar results against sampling, the fast GUE and Boltzmann
samplers against their direct definitions, and the chapter's experiment at quick scale.

Statistical tolerances are derived from the sample: a mean is compared with its exact value
within ``Z`` standard errors (``Z = 4``: a correct sampler fails with probability 6e-5; the
seeds are fixed, so the tests are deterministic). Each statistical check is paired with one
showing that the same test rejects a wrong value.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.linalg as sl
from numpy.testing import assert_allclose
from scipy import integrate, stats

import plateaus as pl
from plateaus import haar
from plateaus.experiments import ensembles
from plateaus.experiments import typicality as ty
from plateaus.models import BoltzmannMachine, gue_hamiltonians, gue_states
from plateaus.params import chapter_params

Z = 4.0


def haar_sample(n_visible, n_hidden, size, seed):
    rho = pl.reduced_state(pl.haar_states(n_visible + n_hidden, size, seed), n_visible)
    return rho


def within(sample, exact, z=Z):
    sample = np.asarray(sample)
    se = sample.std(ddof=1) / np.sqrt(sample.size)
    return abs(sample.mean() - exact) <= z * se


class TestMeanPurity:
    @pytest.mark.parametrize("n_visible, n_hidden", [(1, 1), (1, 3), (2, 2), (2, 4), (3, 1)])
    def test_haar_moment(self, n_visible, n_hidden):
        p = pl.purity(haar_sample(n_visible, n_hidden, 4000, 11 + n_hidden))
        assert within(p, haar.mean_purity(2**n_visible, 2**n_hidden))

    def test_rejects_a_wrong_dimension(self):
        p = pl.purity(haar_sample(1, 3, 4000, 5))
        assert not within(p, haar.mean_purity(2, 16))

    def test_symmetric_and_limits(self):
        assert haar.mean_purity(4, 8) == haar.mean_purity(8, 4)
        assert haar.mean_purity(2, 1) == 1.0  # no hidden space: pure
        assert_allclose(haar.mean_purity(2, 2**40), 0.5, atol=1e-12)
        assert_allclose(haar.mean_purity([2, 4], 8), [10 / 17, 12 / 33])


class TestTraceDistanceMoments:
    @pytest.mark.parametrize("n_hidden", [1, 2, 4, 6])
    def test_mean_and_second_moment(self, n_hidden):
        t = pl.trace_distance(haar_sample(1, n_hidden, 5000, 100 + n_hidden), np.eye(2) / 2)
        assert within(t, haar.trace_distance_mean(2**n_hidden))
        assert within(t**2, haar.trace_distance_second_moment(2**n_hidden))

    def test_rejects_the_bloch_radius(self):
        # T is half the Bloch radius: E r^2 = 4 E T^2 is far outside the tolerance.
        t = pl.trace_distance(haar_sample(1, 3, 5000, 7), np.eye(2) / 2)
        assert not within((2 * t) ** 2, haar.trace_distance_second_moment(8))

    @pytest.mark.parametrize("d_h", [2, 3, 8, 64, 2**13])
    def test_density_integrates_to_the_closed_forms(self, d_h):
        pdf = lambda x: haar.trace_distance_pdf(x, d_h)  # noqa: E731
        peak = haar.trace_distance_mode(d_h)
        pts = [peak] if d_h > 2 else None
        assert_allclose(integrate.quad(pdf, 0, 0.5, points=pts, limit=200)[0], 1.0, atol=1e-9)
        assert_allclose(integrate.quad(lambda x: x * pdf(x), 0, 0.5, points=pts, limit=200)[0],
                        haar.trace_distance_mean(d_h), rtol=1e-8)
        assert_allclose(integrate.quad(lambda x: x * x * pdf(x), 0, 0.5, points=pts, limit=200)[0],
                        haar.trace_distance_second_moment(d_h), rtol=1e-8)

    @pytest.mark.parametrize("d_h", [2, 5, 32])
    def test_cdf_is_the_integral_of_the_pdf_and_mode_its_peak(self, d_h):
        for x in (0.05, 0.1, 0.3, 0.45):
            assert_allclose(haar.trace_distance_cdf(x, d_h),
                            integrate.quad(lambda s: haar.trace_distance_pdf(s, d_h), 0, x)[0], atol=1e-10)
        grid = np.linspace(0, 0.5, 200001)
        assert_allclose(grid[np.argmax(haar.trace_distance_pdf(grid, d_h))], haar.trace_distance_mode(d_h),
                        atol=1e-5)
        assert haar.trace_distance_pdf(0.6, d_h) == 0.0 and haar.trace_distance_cdf(0.6, d_h) == 1.0

    def test_large_hidden_space_limits(self):
        d_h = 2**20
        assert_allclose(haar.trace_distance_mean(d_h) * np.sqrt(np.pi * d_h), 1.0, rtol=1e-6)
        assert_allclose(haar.trace_distance_std(d_h) ** 2 * d_h, 3 / 8 - 1 / np.pi, rtol=1e-4)

    def test_bounds_in_order(self):
        d_h = 2 ** np.arange(1, 15)
        mean = haar.trace_distance_mean(d_h)
        rms = haar.rms_bound(2, d_h)
        assert_allclose(rms, np.sqrt(haar.trace_distance_second_moment(d_h)), rtol=1e-14)
        assert np.all(mean < rms) and np.all(rms < haar.paper_bound(2, d_h))

    @pytest.mark.parametrize("bad", [1, 0, 2.5, "4", True, [2, 1]])
    def test_bad_hidden_dimension(self, bad):
        with pytest.raises(ValueError, match="d_hidden"):
            haar.trace_distance_mean(bad)


class TestTraceDistanceLaw:
    @pytest.mark.parametrize("n_hidden", [1, 3, 6])
    def test_ks_against_a_large_sample(self, n_hidden):
        t = pl.trace_distance(haar_sample(1, n_hidden, 20000, 31 + n_hidden), np.eye(2) / 2)
        assert stats.kstest(t, lambda x: haar.trace_distance_cdf(x, 2**n_hidden)).pvalue > 1e-3

    def test_ks_rejects_the_neighbouring_size(self):
        t = pl.trace_distance(haar_sample(1, 3, 20000, 2), np.eye(2) / 2)
        assert stats.kstest(t, lambda x: haar.trace_distance_cdf(x, 16)).pvalue < 1e-6


class TestPageEntropy:
    def test_equals_pages_sum(self):
        # Page (1993): sum_{k=N+1}^{mN} 1/k - (m-1)/(2N), m = min, N = max, summed directly
        for dv, dh in [(2, 2), (2, 64), (4, 8), (8, 4)]:
            m, n = min(dv, dh), max(dv, dh)
            direct = sum(1.0 / k for k in range(n + 1, m * n + 1)) - (m - 1) / (2 * n)
            assert_allclose(haar.page_entropy(dv, dh), direct, rtol=1e-12)

    def test_haar_sample(self):
        s = pl.entropy(haar_sample(2, 3, 4000, 9))
        assert within(s, haar.page_entropy(4, 8))


class TestGueTridiagonal:
    @pytest.mark.parametrize("t", [0.5, 10.0, 40.0])
    def test_return_amplitude_equals_expm_of_the_hessenberg_form(self, t):
        for h in gue_hamiltonians(7, 2, 3):
            tri, q = sl.hessenberg(h, calc_q=True)
            assert_allclose(q[:, 0], np.eye(128)[0], atol=1e-14)  # Q|0> = |0>
            a, b = tri.diagonal().real, np.abs(np.diag(tri, 1))
            assert_allclose(ensembles.return_amplitude(a, b, t), sl.expm(-1j * t * h)[0, 0], atol=1e-12)

    def test_truncation_is_used_and_exact(self, monkeypatch):
        rng = np.random.default_rng(4)
        dim = 512
        a = rng.standard_normal(dim) / np.sqrt(dim)
        b = np.sqrt(rng.gamma(np.arange(dim - 1, 0, -1.0)) / dim)
        sizes = []
        real_eigh = sl.eigh_tridiagonal
        monkeypatch.setattr(ensembles.linalg, "eigh_tridiagonal",
                            lambda d, e: sizes.append(d.size) or real_eigh(d, e))
        alpha = ensembles.return_amplitude(a, b, 10.0)
        assert sizes and sizes[0] < dim // 2
        full = sl.expm(-10j * (np.diag(a) + np.diag(b, 1) + np.diag(b, -1)))[0, 0]
        assert_allclose(alpha, full, atol=1e-13)

    @pytest.mark.parametrize("t", [1.0, 10.0])
    def test_same_law_as_the_dense_definition(self, t):
        n, size = 3, 3000
        direct = gue_states(n, size, 1, t=t)
        rng = np.random.default_rng(2)
        fast = np.stack([ensembles.gue_state_tridiagonal(n, rng, t) for _ in range(size)])
        assert_allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-12)
        assert stats.ks_2samp(direct[:, 0].real, fast[:, 0].real).pvalue > 1e-3
        td = [pl.trace_distance(pl.reduced_state(s, 1), np.eye(2) / 2) for s in (direct, fast)]
        assert stats.ks_2samp(*td).pvalue > 1e-3

    def test_the_same_comparison_rejects_a_wrong_scale(self):
        direct = gue_states(3, 3000, 1, t=1.0)
        rng = np.random.default_rng(2)
        fast = np.stack([ensembles.gue_state_tridiagonal(3, rng, 2.0) for _ in range(3000)])
        assert stats.ks_2samp(direct[:, 0].real, fast[:, 0].real).pvalue < 1e-6

    @pytest.mark.parametrize("n, t", [(0, 1.0), (2.0, 1.0), (2, float("nan")), (2, "10")])
    def test_bad_input(self, n, t):
        with pytest.raises(ValueError, match="n_qubits|t ="):
            ensembles.gue_state_tridiagonal(n, np.random.default_rng(0), t)
        if n == 2:
            with pytest.raises(ValueError):
                ensembles.return_amplitude(np.zeros(3), np.ones(3), 1.0)

    def test_bad_method(self):
        with pytest.raises(ValueError, match="gue_method"):
            ensembles.visible_states("gue", 1, 2, pl.parallel.spawn_seeds(1, 2), gue_method="fast")


class TestBoltzmannVisibleStates:
    @pytest.mark.parametrize("n_visible, n_hidden", [(1, 3), (2, 2)])
    def test_equals_the_model(self, n_visible, n_hidden):
        qbm = BoltzmannMachine(n_visible, n_hidden)
        J = qbm.sample_couplings(6, 3)
        rho, norms = ensembles.boltzmann_visible_states(n_visible, n_hidden, J)
        assert_allclose(rho, qbm.reduced_state(qbm.normalise(J)), atol=1e-13)
        assert_allclose(norms, [np.abs(np.linalg.eigvalsh(h)).max() for h in qbm.hamiltonian(J)], rtol=1e-12)

    def test_sub_batches_give_the_same_states(self, monkeypatch):
        J = BoltzmannMachine(1, 2).sample_couplings(5, 8)
        whole = ensembles.boltzmann_visible_states(1, 2, J)
        monkeypatch.setattr(ensembles, "BOLTZMANN_CHUNK_AMPLITUDES", 2 * 64)  # two matrices per sub-batch
        parts = ensembles.boltzmann_visible_states(1, 2, J)
        for a, b in zip(whole, parts):
            assert_allclose(a, b, atol=1e-15)

    def test_first_order_column(self):
        seeds = pl.parallel.spawn_seeds(5, 4)
        df = ty._chunk(seeds, model="boltzmann", n_visible=1, n_hidden=2, t=10.0, theta_low=0.0,
                       theta_high=1.0, onsite_var=0.01, offsite_var=1.0)
        raw = ensembles.draw(seeds, lambda rng: ensembles.couplings(rng, 3, 0.01, 1.0))
        # one visible qubit: the visible-only terms are X, Y, Z on qubit 0; T1 = |J_v| / 2
        assert_allclose(df["first_order"], 0.5 * np.linalg.norm(raw[:, :3], axis=1) / df["h_norm"], rtol=1e-12)
        rho = ensembles.visible_states("boltzmann", 1, 2, seeds)
        assert_allclose(df["trace_distance"], pl.trace_distance(rho, np.eye(2) / 2), atol=1e-13)


class TestGateOrder:
    @pytest.mark.parametrize("n_visible, n_hidden", [(1, 3), (2, 2)])
    def test_gates_after_the_last_visible_one_do_not_matter(self, n_visible, n_hidden):
        assert ty.prefix_check(n_visible, n_hidden, 8, 1) < 1e-13

    def test_prefix_length(self):
        for n in range(2, 8):
            assert ty.prefix_length(1, n - 1) == (3 * n + 9 * (n - 1), 3 * n + 9 * n * (n - 1) // 2)


class TestSummary:
    def test_peak_of_a_known_law(self):
        x = np.random.default_rng(0).normal(0.3, 0.05, 20000)
        assert abs(ty.histogram_peak(x) - 0.3) < 0.01
        with pytest.raises(ValueError, match="values"):
            ty.histogram_peak([1.0, 1.0])

    def test_columns_and_values(self):
        rng = np.random.default_rng(1)
        df = pd.DataFrame({"model": "haar", "n_visible": 1, "n_hidden": 3, "registers": 4,
                           "instance": np.arange(50), "trace_distance": rng.uniform(0, 0.4, 50),
                           "purity": 0.6, "entropy_nats": 0.5})
        s = ty.summary(df)
        row = s.iloc[0]
        assert row["instances"] == 50
        assert_allclose(row["mean"], df["trace_distance"].mean())
        assert_allclose(row["bound"], 0.5 * np.sqrt(2 / 8))
        assert_allclose(row["z_haar"], (row["mean"] - haar.trace_distance_mean(8)) / row["sem"])


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """The chapter's two tables at quick scale, in a scratch data store."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLATEAUS_DATA", str(tmp_path_factory.mktemp("data")))
        params = chapter_params("typicality", "quick")
        yield params, ty.trace_distances(params), ty.angle_scan(params)


class TestChapterQuick:
    def test_shape(self, tables):
        params, df, scan = tables
        n_rows = params["instances"] * (4 * len(params["n_hidden"]) + len(params["boltzmann_n_hidden"]))
        assert len(df) == n_rows and not df["trace_distance"].isna().any()
        assert len(scan) == 2 * params["scan_instances"] * len(params["theta_highs"])
        assert ((df.trace_distance >= 0) & (df.trace_distance <= 0.5 + 1e-12)).all()

    def test_haar_like_models_agree_with_the_exact_mean(self, tables):
        _, df, _ = tables
        s = ty.summary(df)
        close = s[s.model.isin(["haar", "gue", "unitary-random-order"])]
        assert (close["z_haar"].abs() < Z).all(), close[["model", "n_hidden", "z_haar"]]

    def test_reproducible(self, tables):
        params, df, _ = tables
        again = ty.trace_distances(params, recompute=True)
        pd.testing.assert_frame_equal(df, again)

    def test_histograms_draw_each_models_sizes_and_the_haar_density(self, tables):
        import matplotlib.pyplot as plt

        from plateaus.figures import typicality as figures

        _, df, _ = tables
        fig = figures.histograms(df, bins=40, lo=10**-3.6, hi=0.5)
        panels = [m for m, _ in figures.PANELS]
        assert len(fig.axes) == 6 and not fig.axes[5].axison  # 5 panels, the 6th a legend note
        edges = np.logspace(-3.6, np.log10(0.5), 41)
        for ax, model in zip(fig.axes, panels):
            assert ax.get_title() == dict(figures.PANELS)[model]
            assert ax.get_xscale() == "log" and ax.get_xlabel() == r"$T(\rho_v, I/2)$"
            sub = df[df.model == model]
            sizes = sorted(sub["n_hidden"].unique())
            assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"$n_h = {n}$" for n in sizes]
            assert len(ax.patches) == 2 * len(sizes)  # a filled and an outlined histogram each
            for n_h, step in zip(sizes, ax.patches[1::2]):
                values = np.clip(sub.loc[sub.n_hidden == n_h, "trace_distance"], 10**-3.6, 0.5)
                heights, _ = np.histogram(values, bins=edges, density=True)
                heights *= np.diff(edges) / np.diff(np.log10(edges))  # density of log10 T
                drawn, expected = step.get_xy()[:, 1], np.r_[0.0, heights]
                gap = np.abs(drawn[:, None] - expected[None, :])
                assert gap.min(axis=1).max() < 1e-9 and gap.min(axis=0).max() < 1e-9  # same heights
            dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
            assert len(dashed) == len(sizes)
            for n_h, line in zip(sizes, dashed):
                x = line.get_xdata()
                assert_allclose(line.get_ydata(), np.log(10) * x * haar.trace_distance_pdf(x, 2**int(n_h)))
        plt.close(fig)

    def test_scaling_draws_the_summary(self, tables):
        import matplotlib.pyplot as plt

        from plateaus.figures import typicality as figures
        from plateaus.figures.style import MODEL_LABELS

        _, df, _ = tables
        s = ty.summary(df)
        fig = figures.scaling(s)
        left, right = fig.axes
        for ax in (left, right):
            assert ax.get_xlabel() == r"registers $\log_2(D_v D_h)$" and ax.get_yscale() == "log"
            bound = next(line for line in ax.get_lines() if line.get_label().startswith("bound"))
            assert_allclose(bound.get_ydata(), 0.5 * np.sqrt(2 / 2.0 ** (bound.get_xdata() - 1)))
        peaks = {line.get_label(): line for line in left.get_lines()}
        means = {c.get_label(): c.lines[0] for c in right.containers}
        for model in ("gue", "unitary", "unitary-random-order", "boltzmann"):
            g = s[s.model == model]
            assert_allclose(peaks[MODEL_LABELS[model]].get_xdata(), g["registers"])
            assert_allclose(peaks[MODEL_LABELS[model]].get_ydata(), g["peak"])
            assert_allclose(np.asarray(means[MODEL_LABELS[model]].get_ydata(), float), g["mean"])
        haar_rows = s[s.model == "haar"]
        assert_allclose(np.asarray(means[MODEL_LABELS["haar"]].get_ydata(), float), haar_rows["mean"])
        plt.close(fig)

    def test_angle_scan_draws_the_means_per_angle(self, tables):
        import matplotlib.pyplot as plt

        from plateaus.figures import typicality as figures
        from plateaus.figures.style import MODEL_LABELS

        params, _, scan = tables
        fig = figures.angle_scan(scan)
        (ax,) = fig.axes
        assert ax.get_title() == f"$n_h = {params['scan_n_hidden']}$ hidden qubits"
        drawn = {c.get_label(): c.lines[0] for c in ax.containers}
        assert len(drawn) == scan["model"].nunique() == 2
        for model, g in scan.groupby("model"):
            means = g.groupby("theta_high")["trace_distance"].mean()
            assert_allclose(np.asarray(drawn[MODEL_LABELS[model]].get_xdata(), float), means.index)
            assert_allclose(np.asarray(drawn[MODEL_LABELS[model]].get_ydata(), float), means.to_numpy())
        lines = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
        assert_allclose(lines["Haar mean (exact)"], haar.trace_distance_mean(2 ** params["scan_n_hidden"]))
        plt.close(fig)

    def test_boltzmann_first_order_plots_every_instance(self, tables):
        import matplotlib.pyplot as plt

        from plateaus.figures import typicality as figures

        params, df, _ = tables
        fig = figures.boltzmann_first_order(df)
        (ax,) = fig.axes
        sub = df[df.model == "boltzmann"]
        assert [c.get_label() for c in ax.collections] == [f"$n_h = {n}$" for n in params["boltzmann_n_hidden"]]
        for n_h, points in zip(params["boltzmann_n_hidden"], ax.collections):
            g = sub[sub.n_hidden == n_h]
            assert_allclose(points.get_offsets(), g[["first_order", "trace_distance"]].to_numpy())
        plt.close(fig)

    def test_mean_slopes(self, tables):
        from plateaus.figures import typicality as figures

        _, df, _ = tables
        s = ty.summary(df)
        slopes = figures.mean_slopes(s)
        assert set(slopes.model) == set(df["model"]) | {"haar-exact"}
        assert (slopes.loc[slopes.model != "haar-exact", "points"] == 3).all()
