"""plateaus.analysis: every fit and interval against closed forms or independent computations."""
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from plateaus import analysis as an


class TestFitLine:
    def test_exact_line_weighted(self):
        x = np.arange(1.0, 5.0)
        fit = an.fit_line(x, 2.0 * x + 1.0, np.full(4, 0.1))
        assert_allclose([fit.slope, fit.intercept], [2.0, 1.0], atol=1e-12)
        assert fit.chi2 == pytest.approx(0.0, abs=1e-20)
        assert fit.slope_se == pytest.approx(0.1 / np.sqrt(5.0))  # the errors' own: 0.1 / sqrt(Sxx)
        assert fit.p_value == pytest.approx(1.0)
        assert fit.dof == 2 and fit.weighted and not fit.rejected()

    def test_weighted_against_lstsq(self):
        rng = np.random.default_rng(1)
        x = np.arange(6.0)
        se = rng.uniform(0.05, 0.3, 6)
        y = -0.4 * x + 0.3 + rng.normal(0, se)
        fit = an.fit_line(x, y, se)
        # independent: solve the whitened system, covariance (A^T A)^-1
        a = np.stack([x, np.ones_like(x)], axis=1) / se[:, None]
        coef, *_ = np.linalg.lstsq(a, y / se, rcond=None)
        cov = np.linalg.inv(a.T @ a)
        chi2 = float(np.sum(((y - a @ coef * se) / se) ** 2))
        assert_allclose([fit.slope, fit.intercept], coef, rtol=1e-12)
        assert fit.chi2 == pytest.approx(chi2, rel=1e-10)
        assert fit.p_value == pytest.approx(stats.chi2.sf(chi2, 4), rel=1e-10)
        inflate = max(1.0, chi2 / 4)
        assert fit.slope_se == pytest.approx(np.sqrt(cov[0, 0] * inflate), rel=1e-10)
        t = stats.t.ppf(0.975, 4)
        assert_allclose([fit.slope_low, fit.slope_high],
                        [fit.slope - t * fit.slope_se, fit.slope + t * fit.slope_se], rtol=1e-12)

    def test_unweighted_is_linregress(self):
        rng = np.random.default_rng(2)
        x = np.linspace(0, 3, 7)
        y = 1.5 * x + rng.normal(0, 0.2, 7)
        fit, ref = an.fit_line(x, y), stats.linregress(x, y)
        assert_allclose([fit.slope, fit.intercept, fit.slope_se, fit.intercept_se],
                        [ref.slope, ref.intercept, ref.stderr, ref.intercept_stderr], rtol=1e-10)
        assert np.isnan(fit.chi2_dof) and not fit.rejected()

    def test_rejects_a_curve(self):
        x = np.arange(1.0, 5.0)
        fit = an.fit_line(x, x**2, np.full(4, 0.01))
        assert fit.rejected() and fit.chi2_dof > 100
        assert "line rejected" in fit.text() and "e+" not in fit.text()

    def test_interval_text(self):
        assert an.interval_text(-0.4361, -0.4832, -0.3894) == "-0.436 [-0.483, -0.389]"
        assert an.interval_text(0.5, float("nan"), 1.0) == "0.500"
        assert an.interval_text(float("nan"), 0.0, 1.0) == "–"
        fit = an.fit_line([1, 2, 3, 4], [0.1, -0.3, -1.1, -1.3], [0.1] * 4)
        assert fit.interval_text() == an.interval_text(fit.slope, fit.slope_low, fit.slope_high)

    def test_chi2_text(self):
        assert [an.chi2_text(v) for v in (0.534, 14.23, 231.4, float("nan"))] == ["0.53", "14.2", "231", "n/a"]

    def test_coverage_of_the_interval(self):
        # 95 % intervals of a correct model cover the true slope at least 95 % of the time (t with
        # two dof, never narrower than the errors imply); four points as in the book.
        rng = np.random.default_rng(3)
        x, se = np.arange(1.0, 5.0), np.array([0.02, 0.03, 0.05, 0.08])
        cover = np.mean([
            (lambda f: f.slope_low <= -0.5 <= f.slope_high)(an.fit_line(x, -0.5 * x + rng.normal(0, se), se))
            for _ in range(2000)
        ])
        assert cover >= 0.95

    def test_two_points_have_no_interval(self):
        fit = an.fit_line([0.0, 1.0], [1.0, 3.0])
        assert fit.slope == pytest.approx(2.0) and fit.dof == 0 and np.isnan(fit.slope_low)

    @pytest.mark.parametrize("kwargs, word", [
        (dict(x=[1, 2, 3], y=[1, 2]), "x and y"),
        (dict(x=[1, 1, 1], y=[1, 2, 3]), "x must take"),
        (dict(x=[1, 2, 3], y=[1, 2, 3], y_se=[1, 0, 1]), "y_se"),
        (dict(x=[1, 2, 3], y=[1, np.inf, 3]), "finite"),
        (dict(x=[1, 2, 3], y=[1, 2, 3], level=1.5), "level"),
    ])
    def test_bad_input_names_the_parameter(self, kwargs, word):
        with pytest.raises(ValueError, match=word):
            an.fit_line(**kwargs)


class TestLogFit:
    def test_delta_method_and_bases(self):
        x = np.arange(1.0, 5.0)
        values = 3.0 * 2.0 ** (-0.5 * x)
        se = 0.01 * values
        fit = an.log_fit(x, values, se, base=2)
        assert fit.log == "log2" and fit.slope == pytest.approx(-0.5)
        ln = fit.in_base("ln")
        assert ln.slope == pytest.approx(-0.5 * np.log(2))
        assert ln.slope_se == pytest.approx(fit.slope_se * np.log(2))
        assert ln.chi2_dof == fit.chi2_dof
        direct = an.log_fit(x, values, se, base="e")
        assert_allclose([direct.slope, direct.slope_low, direct.slope_high],
                        [ln.slope, ln.slope_low, ln.slope_high], rtol=1e-10, atol=1e-14)
        y, y_se = an.log_values(values, se, 2)
        assert_allclose(y_se, 0.01 / np.log(2))

    def test_in_base_refuses_a_fit_of_no_logarithm(self):
        with pytest.raises(ValueError, match="log"):
            an.fit_line([1, 2, 3], [1, 2, 4]).in_base("ln")

    def test_non_positive_values(self):
        with pytest.raises(ValueError, match="> 0"):
            an.log_fit([1, 2, 3], [1.0, 0.0, 2.0])


class TestMomentErrors:
    def test_mean_se_is_sem(self):
        v = np.random.default_rng(4).normal(size=50)
        assert an.mean_se(v) == pytest.approx(stats.sem(v))

    def test_variance_se_of_a_gaussian(self):
        # for normal data Var(s^2) = 2 sigma^4 / (n - 1)
        n, sigma = 400, 1.7
        v = np.random.default_rng(5).normal(0, sigma, (200, n))
        se = an.variance_se(v, axis=1)
        assert np.mean(se) == pytest.approx(np.sqrt(2 / (n - 1)) * sigma**2, rel=0.03)
        # and it is the spread of s^2 over repetitions
        assert np.std(v.var(axis=1, ddof=1)) == pytest.approx(np.mean(se), rel=0.15)

    def test_group_stats(self):
        df = pd.DataFrame({"g": [0] * 5 + [1] * 5, "v": np.arange(10.0)})
        out = an.group_stats(df, "g", "v").set_index("g")
        assert_allclose(out["mean"], [2.0, 7.0])
        assert_allclose(out["var"], [2.5, 2.5])
        assert_allclose(out["se"], np.sqrt(2.5 / 5))
        with pytest.raises(ValueError, match="value"):
            an.group_stats(df, "g", "w")


class TestLogFits:
    def test_one_row_per_group_and_both_bases(self):
        rng = np.random.default_rng(6)
        rows = [{"model": m, "n_hidden": h, "g": 2.0 ** (-0.5 * h) * rng.exponential()}
                for m in ("a", "b") for h in (1, 2, 3, 4) for _ in range(200)]
        out = an.log_fits(pd.DataFrame(rows), "model", "g")
        assert list(out["model"]) == ["a", "b"]
        assert_allclose(out["slope_ln"], out["slope_log2"] * np.log(2))
        assert np.all(out["low_log2"] < -0.5) and np.all(out["high_log2"] > -0.5)
        var = an.log_fits(pd.DataFrame(rows), "model", "g", statistic="var", sizes=(2, 3, 4))
        assert set(var["sizes"]) == {"2..4"}
        assert np.all(np.abs(var["slope_log2"] + 1.0) < 0.3)  # variance falls twice as fast


class TestBootstrap:
    def samples(self, seed=7):
        rng = np.random.default_rng(seed)
        return {h: 2.0 ** (-0.5 * h) * rng.exponential(size=400) for h in (1, 2, 3, 4)}

    def test_seeded_and_consistent(self):
        s = self.samples()
        a = an.bootstrap_log_fit(s, seed=11, n_boot=500)
        b = an.bootstrap_log_fit(s, seed=11, n_boot=500)
        c = an.bootstrap_log_fit(s, seed=12, n_boot=500)
        assert a.slope_low == b.slope_low and a.slope_low != c.slope_low
        means = np.log2([s[h].mean() for h in sorted(s)])
        assert a.slope == pytest.approx(stats.linregress([1, 2, 3, 4], means).slope)
        assert_allclose(a.steps["step"], np.diff(means))
        assert a.slope_low < -0.5 < a.slope_high

    def test_width_matches_the_delta_method(self):
        s = self.samples()
        boot = an.bootstrap_log_fit(s, seed=1, n_boot=4000)
        h = np.array(sorted(s))
        delta = an.step_differences(h, [s[k].mean() for k in h], [an.mean_se(s[k]) for k in h])
        assert_allclose(boot.steps["high"] - boot.steps["low"], delta["high"] - delta["low"], rtol=0.15)

    def test_variance_statistic(self):
        boot = an.bootstrap_log_fit(self.samples(), statistic="var", seed=0, n_boot=500)
        assert boot.slope_low < -1.0 < boot.slope_high

    @pytest.mark.parametrize("kwargs, word", [
        (dict(statistic="median"), "statistic"), (dict(n_boot=10), "n_boot"),
        (dict(seed=-1), "seed"), (dict(base=1), "base"),
    ])
    def test_bad_input(self, kwargs, word):
        with pytest.raises(ValueError, match=word):
            an.bootstrap_log_fit(self.samples(), **kwargs)


class TestDistances:
    def test_z_scores(self):
        assert_allclose(an.z_scores([1.0, 2.0], [0.5, 0.5], 1.5), [-1.0, 1.0])

    def test_slope_distance_is_students_t(self):
        fit = an.fit_line([1, 2, 3, 4], [0.1, -0.3, -1.1, -1.3], [0.1] * 4)
        out = an.slope_distance(fit, -0.5)
        t = (fit.slope + 0.5) / fit.slope_se
        assert out["t"] == pytest.approx(t)
        assert out["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), 2))

    def test_t_quantile(self):
        assert an.t_quantile(2) == pytest.approx(4.302652729911275)
        with pytest.raises(ValueError, match="dof"):
            an.t_quantile(0)


class TestChapter:
    """plateaus.chapter: the one helper a chapter's cells call."""

    def test_keys_and_validation(self):
        from plateaus.chapter import PREFIXES, Chapter

        ch = Chapter("models", "quick")
        assert ch.key("slope_haar") == f"{PREFIXES['models']}-slope-haar"
        assert ch.params["scale"] == "quick"
        with pytest.raises(ValueError, match="scale"):
            Chapter("models", "huge")
        with pytest.raises(ValueError, match="unknown parameter"):
            Chapter("models", "quick", no_such_parameter=1)
        assert Chapter("intro", "paper").params == {"chapter": "intro", "scale": "paper"}
        with pytest.raises(ValueError, match="scale"):
            Chapter("intro", "huge")
        with pytest.raises(ValueError, match="name"):
            Chapter("no-such-page", "quick")

    def test_provenance_needs_a_figure_first(self):
        from plateaus.chapter import Chapter

        with pytest.raises(ValueError, match="figure"):
            Chapter("models", "quick").provenance()

    def test_glue_all_glues_numbers_and_text_only(self, monkeypatch):
        from plateaus import chapter

        seen = {}
        monkeypatch.setattr(chapter, "_glue", lambda key, value: seen.__setitem__(key, value))
        ch = chapter.Chapter("models", "quick")
        ch.glue_all({"a_b": np.float64(0.5), "n": np.int64(3), "s": "x", "t": pd.DataFrame(), "f": True})
        assert seen == {"mo-a-b": 0.5, "mo-n": 3, "mo-s": "x"}
        assert type(seen["mo-a-b"]) is float and type(seen["mo-n"]) is int


class TestResultsTable:
    """plateaus.results: rows recorded per chapter, collected in book order for the introduction."""

    def test_record_collect_and_book_table(self, tmp_path, monkeypatch):
        from plateaus import results

        monkeypatch.setenv("PLATEAUS_DATA", str(tmp_path))
        row = dict(result="Theorem 3", figure="3(b)", quantity="slope", paper="-0.441", ours="-0.4 [-0.5, -0.3]")
        results.record("unitary-plateau", "quick", [row])
        results.record("models", "quick", [dict(row, result="Proposition 1", figure="(book)")])
        table = results.book_table("quick", ["models", "typicality", "unitary-plateau"])
        assert list(table.columns) == ["Result", "Quantity", "Paper", "Ours"]
        assert list(table["Result"]) == ["Proposition 1 (book)", "Theorem 3 (Fig. 3(b))"]
        assert table["Ours"].iloc[1] == "-0.4 [-0.5, -0.3]"
        with pytest.raises(ValueError, match="keys"):
            results.record("models", "quick", [{"result": "x"}])
