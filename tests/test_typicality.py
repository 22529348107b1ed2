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
from scipy import integrate, optimize, stats

import plateaus as pl
from plateaus import analysis, haar
from plateaus.experiments import ensembles
from plateaus.experiments import typicality as ty
from plateaus.models import BoltzmannMachine, gue_hamiltonians, gue_states, sample_couplings
from plateaus.params import chapter_params
from plateaus.terms import pauli_matrix

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
        raw = ensembles.draw(seeds, lambda rng: sample_couplings(3, 1, rng, 0.01, 1.0)[0])
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
    """The chapter's tables at quick scale (the union of ``trace-distance`` and
    ``trace-distance-added``, and ``angle-scan``), in a scratch data store."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLATEAUS_DATA", str(tmp_path_factory.mktemp("data")))
        params = chapter_params("typicality", "quick")
        yield params, ty.all_trace_distances(params), ty.angle_scan(params)


class TestChapterQuick:
    def test_shape(self, tables):
        params, df, scan = tables
        n_rows = params["instances"] * (4 * len(params["n_hidden"]) + len(params["boltzmann_n_hidden"])
                                         + len(params["added_models"]) * len(params["n_hidden"])
                                         + len(params["boltzmann_n_hidden_added"]))
        assert len(df) == n_rows and not df["trace_distance"].isna().any()
        assert len(scan) == 2 * params["scan_instances"] * len(params["theta_highs"])
        assert ((df.trace_distance >= 0) & (df.trace_distance <= 0.5 + 1e-12)).all()
        assert list(dict.fromkeys(df["model"])) == params["models"] + params["added_models"]
        bm = df[df.model == "boltzmann"]
        assert sorted(bm["n_hidden"].unique()) == params["boltzmann_n_hidden"] + params["boltzmann_n_hidden_added"]

    def test_committed_tables_keep_their_keys(self, tables):
        """The parameters added later are not part of the first tables' cache keys, and the
        seeds of every model are those they were drawn with (MODELS before the reversed order)."""
        from plateaus import store

        params, _, _ = tables
        entries = store.manifest("typicality", "quick")["experiments"]
        for name in (ty.EXPERIMENT, ty.SCAN):
            assert not set(ty.ADDED_KEYS) & set(entries[name]["parameters"])
        assert set(ty.ADDED_KEYS) <= set(entries[ty.ADDED]["parameters"])
        assert [ty.SEED_INDEX[m] for m in ("haar", "gue", "unitary", "unitary-random-order", "boltzmann")] == \
            [0, 1, 2, 3, 4]

    def test_added_rows_continue_the_seeds(self, tables):
        """Instance i of a model at n_h draws from the i-th child of [seed, 2, SEED_INDEX[model], n_h]:
        the added Boltzmann sizes are what one run over every size would have drawn, and the
        reversed order is the unitary model with its gates applied last term first."""
        params, df, _ = tables
        n_h = params["boltzmann_n_hidden_added"][0]
        seeds = pl.parallel.spawn_seeds([params["seed"], 2, ty.SEED_INDEX["boltzmann"], n_h], params["instances"])
        rho = ensembles.visible_states("boltzmann", 1, n_h, seeds)
        got = df[(df.model == "boltzmann") & (df.n_hidden == n_h)].sort_values("instance")["trace_distance"]
        assert_allclose(got, pl.trace_distance(rho, np.eye(2) / 2), atol=1e-13)
        n_h = params["n_hidden"][0]
        seeds = pl.parallel.spawn_seeds([params["seed"], 2, ty.SEED_INDEX["unitary-reversed-order"], n_h], 3)
        qnn = pl.UnitaryQNN(1, n_h)
        theta = np.stack([np.random.default_rng(s).uniform(0.0, 1.0, qnn.n_params) for s in seeds])
        got = df[(df.model == "unitary-reversed-order") & (df.n_hidden == n_h)].sort_values("instance")
        for b in range(3):  # dense: exp(-i theta_k P_k) applied for k = N-1, ..., 0
            psi = np.zeros(2 ** (1 + n_h), dtype=complex)
            psi[0] = 1.0
            for k in reversed(range(qnn.n_params)):
                psi = sl.expm(-1j * theta[b, k] * pauli_matrix(qnn.terms[k])) @ psi
            m = psi.reshape(2, -1)
            assert_allclose(got["trace_distance"].iloc[b], pl.trace_distance(m @ m.conj().T, np.eye(2) / 2),
                            atol=1e-12)

    def test_added_parameters_are_checked(self, tables):
        params, _, _ = tables
        with pytest.raises(ValueError, match="added_models"):
            ty.added_trace_distances({**params, "added_models": ["unitary"]})
        with pytest.raises(ValueError, match="boltzmann_n_hidden_added"):
            ty.added_trace_distances({**params, "boltzmann_n_hidden_added": params["boltzmann_n_hidden"][:1]})

    def test_haar_like_models_agree_with_the_exact_mean(self, tables):
        _, df, _ = tables
        s = ty.summary(df)
        close = s[s.model.isin(["haar", "gue", "unitary-random-order"])]
        assert (close["z_haar"].abs() < Z).all(), close[["model", "n_hidden", "z_haar"]]

    def test_reproducible(self, tables):
        params, df, _ = tables
        again = ty.all_trace_distances(params, recompute=True)
        pd.testing.assert_frame_equal(df, again)

    def test_histograms_draw_each_models_sizes_and_the_haar_density(self, tables):
        import matplotlib.pyplot as plt

        from plateaus.figures import typicality as figures

        _, df, _ = tables
        fig = figures.histograms(df, bins=40, lo=10**-3.6, hi=0.5)
        panels = [m for m, _ in figures.PANELS]
        assert len(fig.axes) == 6 and all(ax.axison for ax in fig.axes)  # 6 panels, one figure legend
        every = sorted(df["n_hidden"].unique())
        labels = [t.get_text() for t in fig.legends[0].get_texts()]
        assert labels[:-1] == [f"$n_h = {n}$" for n in every] and "Haar" in labels[-1]
        edges = np.logspace(-3.6, np.log10(0.5), 41)
        for ax, model in zip(fig.axes, panels):
            assert ax.get_title() == dict(figures.PANELS)[model]
            assert ax.get_xscale() == "log" and ax.get_xlabel() == r"$T(\rho_v, I/2)$ (log scale)"
            sub = df[df.model == model]
            sizes = sorted(sub["n_hidden"].unique())
            assert len(ax.patches) == 2 * len(sizes)  # a filled and an outlined histogram each
            # one colour per n_h, the same in every panel
            for n_h, step in zip(sizes, ax.patches[1::2]):
                assert_allclose(step.get_edgecolor()[:3], figures.size_color(n_h))
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

    def test_linear_histograms(self, tables):
        import matplotlib.pyplot as plt

        from plateaus.figures import typicality as figures

        _, df, _ = tables
        fig = figures.histograms_linear(df, bins=30, quantile=0.995)
        for ax, (model, title) in zip(fig.axes, figures.PANELS):
            assert ax.get_title() == title and ax.get_xscale() == "linear"
            sub = df[df.model == model]
            hi = min(0.5, np.quantile(sub["trace_distance"], 0.995) * 1.05)
            assert_allclose(ax.get_xlim(), (0.0, hi))
            edges = np.linspace(0.0, hi, 31)
            sizes = sorted(sub["n_hidden"].unique())
            for n_h, step in zip(sizes, ax.patches[1::2]):
                heights, _ = np.histogram(np.clip(sub.loc[sub.n_hidden == n_h, "trace_distance"], 0, hi), edges,
                                          density=True)
                drawn = step.get_xy()[:, 1]
                assert_allclose(np.unique(np.round(drawn, 9)), np.unique(np.round(np.r_[0.0, heights], 9)))
                assert_allclose(step.get_edgecolor()[:3], figures.size_color(n_h))
            dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
            for n_h, line in zip(sizes, dashed):
                assert_allclose(line.get_ydata(), haar.trace_distance_pdf(line.get_xdata(), 2**int(n_h)))
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
        for model in ("gue", "unitary", "unitary-random-order", "unitary-reversed-order", "boltzmann"):
            g = s[s.model == model]
            label = figures.model_label(model)
            assert_allclose(peaks[label].get_xdata(), g["registers"])
            assert_allclose(peaks[label].get_ydata(), g["peak"])
            assert_allclose(np.asarray(means[label].get_ydata(), float), g["mean"])
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
        sizes = params["boltzmann_n_hidden"] + params["boltzmann_n_hidden_added"]
        assert [c.get_label() for c in ax.collections] == [f"$n_h = {n}$" for n in sizes]
        for n_h, points in zip(sizes, ax.collections):
            g = sub[sub.n_hidden == n_h]
            assert_allclose(points.get_offsets(), g[["first_order", "trace_distance"]].to_numpy())
            assert_allclose(points.get_facecolor()[0][:3], figures.size_color(n_h))
        plt.close(fig)


def synthetic_table(seed=0, instances=200):
    """A small ``trace-distance`` table whose means are known: Haar-like models decaying with
    slope -1/2 per register in log2, a flat one, and a Boltzmann machine with a curved decay,
    its first-order column and operator norms."""
    rng = np.random.default_rng(seed)
    rows = []
    for model, n_hidden, scale in [("haar", [2, 3, 4, 5], None), ("gue", [2, 3, 4, 5], None),
                                   ("unitary", [2, 3, 4, 5], 0.39), ("boltzmann", [2, 3, 4, 5], "curved")]:
        for n_h in n_hidden:
            d_h = 2**n_h
            if scale is None:
                mean = haar.trace_distance_mean(d_h)
            elif scale == "curved":
                mean = 0.02 / (1 + n_h) ** 1.5
            else:
                mean = scale
            t = mean * rng.uniform(0.5, 1.5, instances)
            first = t * rng.uniform(0.95, 1.05, instances) if model == "boltzmann" else np.nan
            norm = (1 + n_h) ** 1.5 * rng.uniform(0.9, 1.1, instances) if model == "boltzmann" else np.nan
            rows.append(pd.DataFrame({"model": model, "n_visible": 1, "n_hidden": n_h, "registers": 1 + n_h,
                                      "instance": np.arange(instances), "trace_distance": t,
                                      "purity": 0.5 + 2 * t**2, "entropy_nats": 0.6, "h_norm": norm,
                                      "first_order": first}))
    return pd.concat(rows, ignore_index=True)


def weighted_log2_fit(x, values):
    """Independent oracle: scipy's curve_fit of log2 mean with delta-method errors and absolute
    sigma, the covariance enlarged by chi^2/dof only when that exceeds 1 (the book's convention,
    analysis 92d9d06: an interval is never narrower than the points' errors imply), and the t
    interval with n - 2 dof."""
    x = np.asarray(x, float)
    means = np.array([v.mean() for v in values])
    se = np.array([v.std(ddof=1) / np.sqrt(v.size) for v in values])
    y, sigma = np.log2(means), se / (means * np.log(2))
    (slope, _), cov = optimize.curve_fit(lambda x, a, b: a * x + b, x, y, sigma=sigma, absolute_sigma=True)
    t = stats.t.ppf(0.975, x.size - 2)
    chi2 = (((y - np.polyval(np.polyfit(x, y, 1, w=1 / sigma), x)) / sigma) ** 2).sum()
    chi2_dof = chi2 / (x.size - 2)
    half = t * np.sqrt(cov[0, 0] * max(1.0, chi2_dof))
    return slope, slope - half, slope + half, chi2_dof


class TestFits:
    def test_mean_fits_against_curve_fit(self):
        df = synthetic_table()
        fits = ty.mean_fits(df)
        assert list(fits.index) == ["haar", "gue", "unitary", "boltzmann"]  # the order of the text
        for model in fits.index:
            sub = df[df.model == model]
            values = [g.to_numpy() for _, g in sub.groupby("registers")["trace_distance"]]
            slope, low, high, chi2_dof = weighted_log2_fit(sorted(sub["registers"].unique()), values)
            row = fits.loc[model]
            assert_allclose([row.slope_log2, row.low_log2, row.high_log2, row.chi2_dof],
                            [slope, low, high, chi2_dof], rtol=1e-6, atol=1e-9)
            assert row.dof == 2
        assert abs(fits.loc["haar", "slope_log2"] + 0.5) < 0.1 and abs(fits.loc["unitary", "slope_log2"]) < 0.05

    def test_exact_haar_fit_is_unweighted(self):
        s = ty.summary(synthetic_table())
        fit = ty.exact_haar_fit(s)
        ref = s[s.model == "haar"]
        assert_allclose(fit.slope, np.polyfit(ref["registers"], np.log2(ref["haar_mean"]), 1)[0], rtol=1e-12)
        assert not fit.weighted and np.isnan(fit.chi2_dof)

    def test_model_table(self):
        df = synthetic_table()
        s = ty.summary(df)
        table = ty.model_table(s, ty.mean_fits(df))
        assert list(table.index) == ["haar", "gue", "unitary", "boltzmann"]
        haar_rows = df[df.model == "haar"]
        means = haar_rows.groupby("n_hidden")["trace_distance"].mean()
        sems = haar_rows.groupby("n_hidden")["trace_distance"].sem()
        exact = haar.trace_distance_mean(2 ** means.index.to_numpy())
        assert_allclose(table.loc["haar", "max_ratio"], (means / (0.5 * np.sqrt(2 / 2.0**means.index))).max())
        assert_allclose(table.loc["haar", "max_abs_z"], np.abs((means - exact) / sems).max())
        assert table.loc["haar", "registers"] == "3-6"
        assert table["line_rejected"].dtype == bool
        # Sidak: the smallest of k p-values, corrected; Haar-like = every |z| <= 3 and corrected p >= 0.05
        p = s[s.model == "haar"]["ks_haar"]
        assert_allclose(table.loc["haar", "ks_p_corrected"], 1 - (1 - p.min()) ** 4, rtol=1e-12)
        # the synthetic samples are uniform around the exact mean, not Haar-distributed: KS tells them apart
        assert not table["haar_like"].any()

    def test_haar_like_needs_both_tests(self):
        df = synthetic_table()
        s = ty.summary(df)
        fits = ty.mean_fits(df)
        gue = s.model == "gue"
        good = s.assign(z_haar=np.where(gue, 2.9, 0.0), ks_haar=np.where(gue, 0.02, 0.5))  # corrected ~ 0.078
        assert ty.model_table(good, fits).loc["gue", "haar_like"]
        far = good.assign(z_haar=np.where(gue, -3.1, 0.0))  # one mean 3.1 SE below
        assert not ty.model_table(far, fits).loc["gue", "haar_like"]
        low_p = good.assign(ks_haar=np.where(gue, 0.01, 0.5))  # corrected 1 - 0.99^4 ~ 0.039
        assert not ty.model_table(low_p, fits).loc["gue", "haar_like"]

    def test_sidak(self):
        assert_allclose(ty.sidak(0.05, 5), 1 - 0.95**5)
        assert_allclose(ty.sidak(0.3, 1), 0.3)
        with pytest.raises(ValueError):
            ty.sidak(0.1, 0)


class TestAngleScan:
    def scan(self, offsets, n_hidden=3, instances=50):
        """Instances whose mean is the exact Haar mean plus ``offset`` standard errors."""
        exact = haar.trace_distance_mean(2**n_hidden)
        spread = np.tile([-1.0, 1.0], instances // 2) * 0.01  # mean 0, sem 0.01 * sqrt(n/(n-1)) / sqrt(n)
        sem = spread.std(ddof=1) / np.sqrt(instances)
        rows = [pd.DataFrame({"model": "unitary-random-order", "n_visible": 1, "n_hidden": n_hidden,
                              "theta_high": theta, "instance": np.arange(instances),
                              "trace_distance": exact + off * sem + spread})
                for theta, off in zip([0.1, 0.3, 1.0, 3.0, 5.0], offsets)]
        return pd.concat(rows, ignore_index=True)

    @pytest.mark.parametrize("offsets, expected", [
        ([10.0, 1.0, 5.0, 2.0, -2.9], [False, False, False, True, True]),  # a far point at 1.0 breaks the run
        ([1.0, 1.0, 1.0, 1.0, 1.0], [True] * 5),
        ([1.0, 1.0, 1.0, 1.0, 3.5], [False] * 5),  # the largest range is not Haar-like: none is
    ])
    def test_haar_like_means_within_three_se_at_every_larger_range(self, offsets, expected):
        stats_ = ty.scan_summary(self.scan(offsets))
        assert_allclose(stats_["z"], offsets, rtol=1e-9)
        assert stats_["haar_like"].tolist() == expected


class TestBoltzmann:
    def test_steps_against_the_means(self):
        df = synthetic_table()
        steps = ty.boltzmann_steps(df, seed=7)
        sub = df[df.model == "boltzmann"]
        by = sub.groupby("n_hidden")
        assert steps[["n_hidden_from", "n_hidden_to"]].to_numpy().tolist() == [[2, 3], [3, 4], [4, 5]]
        assert_allclose(steps["step"], np.diff(np.log2(by["trace_distance"].mean())), rtol=1e-12)
        assert_allclose(steps["step_first"], np.diff(np.log2(by["first_order"].mean())), rtol=1e-12)
        n = np.arange(3, 7)
        assert_allclose(steps["exponent"], np.diff(np.log(by["h_norm"].mean())) / np.diff(np.log(n)), rtol=1e-12)
        assert ((steps["low"] < steps["step"]) & (steps["step"] < steps["high"])).all()
        assert ((steps["exponent_low"] < 1.5) & (1.5 < steps["exponent_high"])).all()  # norms ~ n^1.5
        # the bootstrap's width is the delta method's, 2 x 1.96 SE of the difference of logs, to 15 %
        log_se = by["trace_distance"].sem() / (by["trace_distance"].mean() * np.log(2))
        delta = 2 * 1.96 * np.hypot(log_se.to_numpy()[1:], log_se.to_numpy()[:-1])
        assert_allclose(steps["high"] - steps["low"], delta, rtol=0.15)
        pd.testing.assert_frame_equal(steps, ty.boltzmann_steps(df, seed=7))
        assert not steps.equals(ty.boltzmann_steps(df, seed=8))

    def test_first_order_stats(self):
        df = synthetic_table()
        bm = ty.boltzmann_first_order_stats(df)
        sub = df[df.model == "boltzmann"]
        assert_allclose(bm["median_ratio"], np.median(sub["trace_distance"] / sub["first_order"]))
        norms = sub.groupby("n_hidden")["h_norm"].mean()
        assert_allclose([bm["norm_min"], bm["norm_max"]], [norms.iloc[0], norms.iloc[-1]])
        values = [g.to_numpy() for _, g in sub.groupby("registers")["first_order"]]
        slope, low, high, _ = weighted_log2_fit(range(3, 7), values)
        assert_allclose([bm["first_order_fit"].slope, bm["first_order_fit"].slope_low], [slope, low], rtol=1e-6)
        assert bm["norm_fit"].slope_low < 1.5 < bm["norm_fit"].slope_high

    def test_no_boltzmann_rows(self):
        df = synthetic_table()
        with pytest.raises(ValueError, match="Boltzmann"):
            ty.boltzmann_steps(df[df.model != "boltzmann"], seed=0)


class TestQuoted:
    def test_numbers_at_quick_scale(self, tables):
        params, df, scan = tables
        n = ty.quoted(params, df, scan)
        fits = ty.mean_fits(df)
        for model in ("haar", "gue", "unitary", "unitary-random-order", "boltzmann"):
            sub = df[df.model == model]
            values = [g.to_numpy() for _, g in sub.groupby("registers")["trace_distance"]]
            slope, low, high, chi2_dof = weighted_log2_fit(sorted(sub["registers"].unique()), values)
            assert_allclose([n[f"slope_{model}"], n[f"slope_low_{model}"], n[f"slope_high_{model}"],
                             n[f"chi2_dof_{model}"]], [slope, low, high, chi2_dof], rtol=1e-5, atol=1e-7)
            assert n[f"fit_text_{model}"] == fits.loc[model, "fit"].text()
            assert n[f"dof_{model}"] == len(values) - 2
        assert n["line_boltzmann"] == ("rejected" if n["p_line_boltzmann"] < 0.01 else "not rejected")
        assert n["bm_norm_line"] == ("rejected" if n["bm_norm_p_line"] < 0.01 else "not rejected")
        assert n["bm_first_order_line"] == ("rejected" if n["bm_first_order_p_line"] < 0.01 else "not rejected")
        close = df[df.model.isin(["haar", "gue", "unitary-random-order"])]
        means = close.groupby(["model", "n_hidden"])["trace_distance"].mean().reset_index()
        ratio = means["trace_distance"] / (0.5 * np.sqrt(2 / 2.0 ** means["n_hidden"]))
        assert n["cells_close"] == len(means) and n["cells_below"] == int((ratio < 1).sum())
        assert_allclose(n["max_ratio_close"], ratio.max())
        assert n["sizes"] == len(params["n_hidden"]) and n["reg_max"] == 1 + max(params["n_hidden"])
        sub = df[df.model == "boltzmann"]
        assert_allclose(n["bm_median_ratio"], np.median(sub["trace_distance"] / sub["first_order"]))
        m = sub.groupby("n_hidden")["trace_distance"].mean()
        assert_allclose([n["bm_first_step"], n["bm_last_step"]],
                        [np.log2(m.iloc[1] / m.iloc[0]), np.log2(m.iloc[-1] / m.iloc[-2])], rtol=1e-12)
        assert n["bm_first_step_from"] == min(params["boltzmann_n_hidden"])
        norms = sub.groupby("registers")["h_norm"]
        ln_n = np.log(np.array(sorted(norms.groups), float))
        ln_mean = np.log(norms.mean().to_numpy())
        ln_se = (norms.sem() / norms.mean()).to_numpy()
        a = np.polyfit(ln_n, ln_mean, 1, w=1 / ln_se)[0]
        assert_allclose(n["bm_norm_exponent"], a, rtol=1e-10)
        n0 = 1 + min(params["boltzmann_n_hidden"])
        # the norm's steps: -log2 of the mean norm from n0 to n0 + 1, and from the last-but-one size to the last
        norm_means = norms.mean().to_numpy()
        assert_allclose([n["bm_first_step_norm"], n["bm_last_step_norm"]],
                        [-np.log2(norm_means[1] / norm_means[0]), -np.log2(norm_means[-1] / norm_means[-2])],
                        rtol=1e-10)
        for which in ("first", "last"):
            assert n[f"bm_{which}_step_norm_low"] < n[f"bm_{which}_step_norm"] < n[f"bm_{which}_step_norm_high"]
        assert "bm_first_step_power" not in n  # the rejected single power is not used for the steps
        assert n["bm_flattens"].startswith("are disjoint" if n["bm_last_step_low"] > n["bm_first_step_high"]
                                           else "overlap")
        local = np.diff(ln_mean) / np.diff(ln_n)
        assert_allclose([n["bm_exponent_min"], n["bm_exponent_max"]], [local.min(), local.max()], rtol=1e-10)
        eq11 = scan[scan.model == "unitary"].groupby("theta_high")["trace_distance"].mean()
        assert_allclose(n["scan_eq11_min"], eq11.min())
        ro = scan[scan.model == "unitary-random-order"].groupby("theta_high")["trace_distance"]
        z = (ro.mean() - haar.trace_distance_mean(2 ** params["scan_n_hidden"])) / ro.sem()
        like = [bool((z.abs().to_numpy()[i:] <= 3).all()) for i in range(len(z))]
        expected = z.index[like].min() if any(like) else np.nan
        assert_allclose(n["scan_first_haarlike"], expected)
        assert n["prefix_error"] < 1e-13
        assert (n["prefix_check_n"], n["prefix_check_instances"]) == (1 + ty.PREFIX_CHECK[0], ty.PREFIX_CHECK[1])
        table = ty.model_table(ty.summary(df), fits)
        tested = ["gue", "unitary-random-order"]
        assert n["haar_like_tested"] == 2
        assert n["haar_like_passed"] == sum(n[f"haar_like_{m}"] for m in tested)
        for model in table.index:
            k = df.loc[df.model == model, "n_hidden"].nunique()
            assert_allclose(n[f"ks_corrected_{model}"], 1 - (1 - n[f"ks_{model}"]) ** k, rtol=1e-12)
            assert n[f"haar_like_{model}"] == (n[f"z_{model}"] <= 3 and n[f"ks_corrected_{model}"] >= 0.05)
        assert not n["haar_like_unitary"] and not n["haar_like_boltzmann"]
        assert_allclose(n["exact_ratio_max"], max(haar.trace_distance_mean(2**h) / (0.5 * np.sqrt(2 / 2**h))
                                                  for h in params["n_hidden"]))

    def test_reversed_numbers(self, tables):
        params, df, scan = tables
        n = ty.quoted(params, df, scan)
        sub = df[df.model == "unitary-reversed-order"]
        fit = ty.mean_fits(df).loc["unitary-reversed-order", "fit"]
        for name, ref in (("half", -0.5), ("flat", 0.0)):
            t = (fit.slope - ref) / fit.slope_se
            assert_allclose([n[f"rev_t_{name}"], n[f"rev_p_{name}"]], [t, 2 * stats.t.sf(abs(t), fit.dof)], rtol=1e-10)
        last = sub[sub.n_hidden == max(params["n_hidden"])]["trace_distance"]
        half = stats.t.ppf(0.975, last.size - 1) * last.std(ddof=1) / np.sqrt(last.size)
        assert_allclose([n["rev_mean_last"], n["rev_mean_last_low"], n["rev_mean_last_high"]],
                        [last.mean(), last.mean() - half, last.mean() + half], rtol=1e-12)
        assert_allclose(n["rev_over_haar_last"], last.mean() / haar.trace_distance_mean(2 ** max(params["n_hidden"])))
        m = sub.groupby("n_hidden")["trace_distance"].mean()
        assert_allclose([n["rev_first_step"], n["rev_last_step"]],
                        [np.log2(m.iloc[1] / m.iloc[0]), np.log2(m.iloc[-1] / m.iloc[-2])], rtol=1e-12)
        assert_allclose([n["rev_factor"], n["rev_factor_low"], n["rev_factor_high"]],
                        2.0 ** np.array([fit.slope, fit.slope_low, fit.slope_high]), rtol=1e-12)
        ratio = m / (0.5 * np.sqrt(2 / 2.0 ** m.index.to_numpy()))
        assert_allclose(n["rev_ratio_min"], ratio.min())
        assert n["rev_bound_words"].startswith("stays above" if ratio.min() > 1 else "falls below")
        assert n["rev_reading"] == ty.reversed_reading(fit)
        assert (n["rev_summary"], n["rev_summary_clause"]) == ty.REVERSED_WORDS[ty.reversed_place(fit)][1:]
        assert n["rev_follows_bound"] == ("does not follow the bound" if ratio.min() > 1 else "comes below the bound")
        n_h = max(params["n_hidden"])
        assert (n["rev_prefix_gates"], n["rev_collision_gates"], n["rev_onsite_gates"]) == \
            (9 * n_h * (n_h - 1) // 2, 9 * n_h, 3 * (n_h + 1))
        assert_allclose(n["rev_bath_last"], ty.reversed_bath_purity(1, n_h, ty.BATH_INSTANCES, params["seed"] + n_h).mean())
        assert n["bm_nh_max"] == max(params["boltzmann_n_hidden_added"])
        assert n["bm_covers_paper"] == "covers"

    def test_results_rows(self, tables):
        params, df, scan = tables
        n = ty.quoted(params, df, scan)
        rows = ty.results_rows(n)
        # three rows per model (slope, ratio to the bound, Haar-likeness; two for Haar states) and three
        # for the reversed order
        assert len(rows) == 3 * 6 - 1 + 3
        assert all(set(r) == {"result", "figure", "quantity", "paper", "ours"} for r in rows)
        by_quantity = {r["quantity"]: r for r in rows}
        gue = by_quantity["slope of log2 E T(ρ_v, I/2) per hidden qubit, GUE, t = 10"]
        assert gue["ours"] == n["fit_text_gue"] and gue["figure"] == "3(a), 4(a)"
        ratio = by_quantity["largest ratio of mean T to the bound ½√(D_v/D_h), Haar states"]["ours"]
        assert ratio.startswith(f"{n['ratio_haar']:.3f} [{n['ratio_low_haar']:.3f}, {n['ratio_high_haar']:.3f}] at n_h = ")
        assert f"exact Haar law {n['exact_ratio_min']:.3f}" in ratio
        bm = by_quantity["slope of log2 E T(ρ_v, I/2) per hidden qubit, Boltzmann machine"]
        assert bm["figure"] == "4(c)"  # the paper's Fig. 3(a) does not draw the Boltzmann machine
        assert bm["ours"].startswith(n["fit_text_boltzmann"])
        assert ("per-step differences" in bm["ours"]) == (n["line_boltzmann"] == "rejected")
        assert not any("3(a)" in r["figure"] for r in rows if "Boltzmann" in r["quantity"])
        # a rejected line brings its first and last steps into the row
        forced = {r["quantity"]: r["ours"] for r in ty.results_rows({**n, "line_boltzmann": "rejected"})}
        text = forced["slope of log2 E T(ρ_v, I/2) per hidden qubit, Boltzmann machine"]
        assert n["bm_first_step_text"] in text and n["bm_last_step_text"] in text
        rev = [r for r in rows if r["result"] == "Theorem 3 (product order)"]
        assert len(rev) == 3 and n["rev_reading"] in rev[0]["ours"]
        assert f"{n['rev_bath_last']:.3f} [{n['rev_bath_last_low']:.3f}, {n['rev_bath_last_high']:.3f}]" in rev[2]["ours"]
        like = by_quantity[[q for q in by_quantity if q.startswith("Haar-like") and "reversed" in q][0]]["ours"]
        assert like.startswith(n["haar_like_text_unitary-reversed-order"])


class TestReversedOrder:
    """The structure of the reversed Eq. (11) order, against dense matrices."""

    @pytest.mark.parametrize("n_hidden", [2, 3, 4])
    def test_hidden_prefix(self, n_hidden):
        prefix = ty.reversed_hidden_prefix(1, n_hidden)
        terms = pl.two_local_terms(1 + n_hidden)
        assert len(prefix) == 9 * n_hidden * (n_hidden - 1) // 2
        assert prefix == tuple(terms[::-1][:len(prefix)]) and all(p[0] == "I" for p in prefix)
        assert terms[::-1][len(prefix)][0] != "I"  # the next gate touches the visible qubit

    def test_bath_purity_against_dense(self):
        n_hidden, instances, seed = 3, 4, 11
        prefix = ty.reversed_hidden_prefix(1, n_hidden)
        theta = np.random.default_rng(seed).uniform(0.0, 1.0, (instances, len(prefix)))
        expected = []
        for b in range(instances):
            psi = np.zeros(2 ** (1 + n_hidden), dtype=complex)
            psi[0] = 1.0
            for k, label in enumerate(prefix):
                psi = sl.expm(-1j * theta[b, k] * pauli_matrix(label)) @ psi
            rho = np.outer(psi, psi.conj()).reshape((2,) * (2 * (1 + n_hidden)))
            purities = []
            for j in range(1, 1 + n_hidden):  # trace out every qubit but j
                keep = np.trace(np.moveaxis(np.moveaxis(rho, j, 0), 1 + n_hidden + j, 1 + n_hidden).reshape(
                    2, 2 ** n_hidden, 2, 2 ** n_hidden), axis1=1, axis2=3)
                purities.append(np.real(np.trace(keep @ keep)))
            expected.append(np.mean(purities))
        assert_allclose(ty.reversed_bath_purity(1, n_hidden, instances, seed), expected, rtol=1e-10)
        # before any pair gate (one hidden qubit) the hidden register is |0>: pure
        assert_allclose(ty.reversed_bath_purity(1, 1, 3, seed), 1.0)

    def test_reading_in_words(self):
        def fit(slope, low, high):
            return analysis.LineFit(slope, 0.0, 0.01, 0.0, low, high, 5, 3, 1.0, 0.3, 0.8, True, 0.95, "log2")

        cases = [((-0.2, -0.25, -0.15), "between"), ((-0.48, -0.55, -0.41), "haar"),
                 ((0.01, -0.05, 0.07), "flat"), ((-0.3, -0.9, 0.3), "undecided"), ((-0.7, -0.8, -0.6), "steeper"),
                 ((0.2, 0.1, 0.3), "rising")]
        for args, place in cases:
            assert ty.reversed_place(fit(*args)) == place
            assert ty.reversed_reading(fit(*args)) == ty.REVERSED_WORDS[place][0]
        assert ty.reversed_reading(fit(-0.2, -0.25, -0.15)).endswith("it lies between the two")
