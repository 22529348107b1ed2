"""The chapter *Area and volume laws*: the numbers its page quotes (``quoted``), its rows of the
results table and its shown tables, checked against independent computations on a synthetic
table, and once end to end on a quick-scale run in a scratch data store."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from plateaus.experiments import area_volume as av
from plateaus.haar import page_entropy
from plateaus.params import chapter_params

LN2 = np.log(2.0)


def synthetic_params(**over):
    p = dict(seed=7, instances=12, visible_sizes=[1, 2], n_hidden=[1, 2, 3, 4, 5], depths=[1, 2],
             depth_per_qubit=2, chunk_size=100, scale="quick", chapter="area-volume")
    p.update(over)
    return p


def synthetic_table(params, *, seed=0, haar_curve=None, haar_noise=0.1) -> pd.DataFrame:
    """A table with the columns of ``families``: product states exact; every other state an
    objective ``base * (1 + noise)`` and an entropy that puts it at a ratio in [0.5, 0.95] of its
    bound. Haar means fall like ``2**(-(n_h - n_v)/2)`` (or ``haar_curve(n_v, n_h)``)."""
    rng = np.random.default_rng(seed)
    rows = []
    for family, n_v, n_h, parameter in av.grid(params):
        n = params["instances"]
        if family == "product":
            obj, ent = np.full(n, 2 * (1 - 2.0**-n_v)), np.zeros(n)
        else:
            if family == "haar":
                base = haar_curve(n_v, n_h) if haar_curve else 0.5 * 2.0 ** (-(n_h - n_v) / 2)
                obj = base * (1 + haar_noise * rng.standard_normal(n))
            else:
                obj = 0.3 * (1 + 0.1 * rng.standard_normal(n)) / (1 + 0.1 * parameter)
            bound = obj / rng.uniform(0.5, 0.95, n)
            ent = n_v * LN2 - bound**2 / 2
        rows.append(pd.DataFrame({"family": family, "parameter": parameter, "n_visible": n_v, "n_hidden": n_h,
                                  "instance": np.arange(n), "entropy_nats": ent, "max_objective": obj}))
    return pd.concat(rows, ignore_index=True)[av.COLUMNS]


@pytest.fixture(scope="module")
def table():
    params = synthetic_params()
    return params, av.with_bound(synthetic_table(params))


@pytest.fixture(scope="module")
def numbers(table):
    params, df = table
    return av.quoted(params, df)


def wls(x, y, se):
    """Independent weighted line: numpy's polyfit (weights 1/se). Its covariance is scaled by
    chi^2/dof; the book's fits scale only when chi^2/dof > 1 (an error is never below what the
    points' errors imply), so the unscaled ('unscaled' covariance) one is used below that."""
    coef, cov = np.polyfit(x, y, 1, w=1 / se, cov=True)
    chi2 = float((((y - np.polyval(coef, x)) / se) ** 2).sum())
    chi2_dof = chi2 / (len(x) - 2)
    if chi2_dof < 1:
        _, cov = np.polyfit(x, y, 1, w=1 / se, cov="unscaled")
    return coef[0], np.sqrt(cov[0, 0]), chi2_dof


class TestBound:
    def test_with_bound_is_pinsker(self):
        df = pd.DataFrame({"n_visible": [1, 2, 1], "entropy_nats": [0.0, 0.5, LN2],
                           "max_objective": [1.0, 0.6, 0.0]})
        out = av.with_bound(df)
        assert_allclose(out["bound"], [np.sqrt(2 * LN2), np.sqrt(2 * (2 * LN2 - 0.5)), 0.0])
        assert_allclose(out["ratio"][:2], [1 / np.sqrt(2 * LN2), 0.6 / np.sqrt(2 * (2 * LN2 - 0.5))])
        assert np.isnan(out["ratio"][2])

    def test_product_ratio(self):
        assert_allclose(av.product_ratio([1, 2, 3]), [0.8493218002880191, 0.9008418065898374, 0.8581232975435844])

    def test_equal_schmidt_curves(self):
        curves = av.equal_schmidt_curves([1, 2])
        assert sorted(curves) == [1, 2]
        c = curves[2]
        assert_allclose(c["max_objective"], [1.5, 1.0, 0.5, 0.0])
        assert_allclose(c["bound"], np.sqrt(2 * np.log(4 / np.arange(1, 5))))

    def test_ratio_summary(self, table):
        _, df = table
        s = av.ratio_summary(df, digits=12)
        part = df[(df.n_visible == 2) & (df.family == "schmidt")]
        assert s.loc[(2, "schmidt"), "count"] == len(part)
        assert_allclose(s.loc[(2, "schmidt"), "min"], part["ratio"].min(), rtol=1e-10)
        assert_allclose(s.loc[(2, "schmidt"), "mean"], part["ratio"].mean(), rtol=1e-10)
        assert_allclose(s.loc[(2, "schmidt"), "max"], part["ratio"].max(), rtol=1e-10)


class TestVolumeLawFits:
    @pytest.mark.parametrize("family", ["haar", "brickwork-linear"])
    def test_against_polyfit(self, table, family):
        _, df = table
        fits = av.volume_law_fits(df, family).set_index("n_visible")
        for n_v in (1, 2):
            part = df[(df.family == family) & (df.n_visible == n_v) & (df.n_hidden >= n_v)]
            g = part.groupby("n_hidden")["max_objective"]
            mean, se = g.mean(), g.std(ddof=1) / np.sqrt(g.size())
            slope, slope_se, chi2_dof = wls(mean.index.to_numpy(float), np.log2(mean.to_numpy()),
                                            (se / (mean * LN2)).to_numpy())
            row = fits.loc[n_v]
            dof = mean.size - 2
            assert row["dof"] == dof
            assert_allclose(row["slope_log2"], slope, rtol=1e-10)
            assert_allclose(row["se_log2"], slope_se, rtol=1e-8)
            assert_allclose(row["chi2_dof"], chi2_dof, rtol=1e-8)
            t = stats.t.ppf(0.975, dof)
            assert_allclose([row["low_log2"], row["high_log2"]], [slope - t * slope_se, slope + t * slope_se],
                            rtol=1e-8)
            t_half = (slope + 0.5) / slope_se
            assert_allclose(row["t_half"], t_half, rtol=1e-8)
            assert_allclose(row["p_half"], 2 * stats.t.sf(abs(t_half), dof), rtol=1e-6)
            last = part[part.n_hidden == part.n_hidden.max()]["max_objective"]
            assert_allclose(row["scaled_at_largest"], last.mean() * np.sqrt(2.0 ** (part.n_hidden.max() - n_v)))

    def test_tail_fit_starts_later(self, table):
        _, df = table
        fits = av.volume_law_fits(df, "haar", skip=2).set_index("n_visible")
        # n_v = 1: n_h = 3..5; n_v = 2 would have two sizes only (4, 5) and is left out
        assert list(fits.index) == [1] and fits.loc[1, "sizes"] == "3..5"
        part = df[(df.family == "haar") & (df.n_visible == 1) & (df.n_hidden >= 3)]
        g = part.groupby("n_hidden")["max_objective"]
        mean, se = g.mean(), g.std(ddof=1) / np.sqrt(g.size())
        slope, _, _ = wls(mean.index.to_numpy(float), np.log2(mean.to_numpy()), (se / (mean * LN2)).to_numpy())
        assert_allclose(fits.loc[1, "slope_log2"], slope, rtol=1e-10)
        with pytest.raises(ValueError, match="skip"):
            av.volume_law_fits(df, "haar", skip=-1)
        with pytest.raises(ValueError, match="fewer than three"):
            av.volume_law_fits(df, "haar", skip=3)

    def test_haar_slope_near_a_half(self, table):
        fits = av.volume_law_fits(table[1], "haar")
        assert ((fits["low_log2"] < -0.5) & (fits["high_log2"] > -0.5)).all(), fits

    def test_fits_start_at_nh_equal_nv(self, table):
        fits = av.volume_law_fits(table[1], "haar").set_index("n_visible")
        assert fits.loc[1, "sizes"] == "1..5" and fits.loc[2, "sizes"] == "2..5"

    def test_bad_family(self, table):
        with pytest.raises(ValueError, match="family"):
            av.volume_law_fits(table[1], "nope")

    def test_table(self, table):
        t = av.volume_law_table(table[1])
        # from n_h >= n_v (both sizes), then from n_h >= n_v + 2 (n_v = 1 only)
        assert list(t["family"]) == ["haar", "haar", "brickwork-linear", "brickwork-linear",
                                     "haar", "brickwork-linear"]
        assert list(t["D_v"]) == [2, 4, 2, 4, 2, 2]
        assert list(t["n_h"]) == ["1..5", "2..5", "1..5", "2..5", "3..5", "3..5"]
        fit = av.volume_law_fits(table[1], "haar").iloc[0]["fit"]
        assert t.iloc[0]["slope (log2), 95 %"] == fit.interval_text(3)


class TestSteps:
    def test_rejected_line_is_reported_with_its_steps(self):
        # a curved Haar mean with tiny noise: the straight line is rejected
        params = synthetic_params()
        df = synthetic_table(params, haar_curve=lambda v, h: 0.5 * 2.0 ** (-((h - v) ** 2) / 4), haar_noise=0.01)
        fits = av.volume_law_fits(df, "haar")
        assert fits["rejected"].all()
        steps = av.volume_law_steps(df, "haar", 1, seed=3)
        means = df[(df.family == "haar") & (df.n_visible == 1)].groupby("n_hidden")["max_objective"].mean()
        assert_allclose(steps["step"], np.diff(np.log2(means.to_numpy())), rtol=1e-10)
        assert ((steps["low"] <= steps["step"]) & (steps["step"] <= steps["high"])).all()
        pd.testing.assert_frame_equal(steps, av.volume_law_steps(df, "haar", 1, seed=3))
        q = av.quoted(params, df)
        assert q["lines_rejected"] >= 2
        assert q["lines_verdict"].startswith("the straight line is rejected for haar at D_v = 2")
        assert f"{steps['step'].iloc[0]:.3f}" in q["lines_verdict"]

    def test_no_rejection_is_said(self, numbers):
        assert numbers["lines_rejected"] == 0
        assert numbers["lines_verdict"].startswith("no straight line is rejected")


class TestSaturationAndPage:
    def test_saturation_z(self, table):
        _, df = table
        sat = av.saturation(df).set_index(["depth", "n_visible"])
        part = df[(df.family == "brickwork") & (df.parameter == 2) & (df.n_visible == 1)]
        a = part[part.n_hidden == 2]["max_objective"]
        b = part[part.n_hidden == 5]["max_objective"]
        z = (b.mean() - a.mean()) / np.hypot(a.std(ddof=1) / np.sqrt(a.size), b.std(ddof=1) / np.sqrt(b.size))
        assert sat.loc[(2, 1), "n_hidden_first"] == 2
        assert_allclose(sat.loc[(2, 1), "z"], z, rtol=1e-10)
        assert len(sat) == 4

    def test_page_check(self, table):
        _, df = table
        page = av.page_check(df).set_index(["n_visible", "n_hidden"])
        h = df[(df.family == "haar") & (df.n_visible == 2) & (df.n_hidden == 3)]["entropy_nats"]
        exact = page_entropy(4, 8)
        assert_allclose(page.loc[(2, 3), "page"], exact)
        assert_allclose(page.loc[(2, 3), "z"], (h.mean() - exact) / (h.std(ddof=1) / np.sqrt(h.size)), rtol=1e-10)


class TestQuoted:
    def test_counts(self, table, numbers):
        params, df = table
        assert numbers["states"] == len(df)
        assert numbers["points"] == len(av.grid(params))
        assert numbers["nh_min"] == 1 and numbers["nh_max"] == 5 and numbers["nv"] == 2

    def test_violations_are_counted(self, table):
        params, df = table
        bad = df.copy()
        bad.loc[[3, 40, 41], "max_objective"] = bad.loc[[3, 40, 41], "bound"] * 1.01 + 1e-3
        assert av.quoted(params, bad)["violations"] == 3

    def test_ratios(self, table, numbers):
        _, df = table
        assert_allclose(numbers["max_ratio"], df["ratio"].max())
        assert_allclose(numbers["min_ratio"], df["ratio"].min())
        assert_allclose(numbers["semicircle"], 8 / (3 * np.pi))
        assert_allclose(numbers["max_ratio_gap"], 1 - df["ratio"].max())
        top = df.loc[df["ratio"].idxmax()]
        assert numbers["max_ratio_family"] == top["family"] and numbers["max_ratio_nh"] == top["n_hidden"]
        for v in (1, 2):
            assert_allclose(numbers[f"max_ratio_{v}"], df[df.n_visible == v]["ratio"].max())
            haar = df[(df.family == "haar") & (df.n_visible == v) & (df.n_hidden == 5)]["ratio"]
            assert_allclose(numbers[f"haar_ratio_{v}"], haar.mean())
            assert_allclose(numbers[f"product_ratio_{v}"], 2 * (1 - 2.0**-v) / np.sqrt(2 * v * LN2))
            low = df[df.n_visible == v].sort_values("ratio").iloc[0]
            assert_allclose(numbers[f"min_ratio_{v}"], low["ratio"])
            assert numbers[f"min_ratio_family_{v}"] == low["family"]
            assert numbers[f"min_ratio_state_{v}"] == av.state_name(low["family"], int(low["parameter"]))

    def test_state_name(self):
        assert av.state_name("schmidt", 3) == "a Schmidt state of rank 3"
        assert av.state_name("brickwork-linear", 8) == "a brickwork state of depth 8"
        assert av.state_name("product", 1) == "a product state"
        with pytest.raises(ValueError, match="family"):
            av.state_name("nope", 1)

    def test_area_against_volume(self, table, numbers):
        _, df = table
        at = df[(df.n_visible == 2) & (df.n_hidden == 5)]
        brick1 = at[(at.family == "brickwork") & (at.parameter == 1)]["max_objective"].mean()
        haar = at[at.family == "haar"]["max_objective"].mean()
        assert_allclose(numbers["brick_min"], brick1)
        assert_allclose(numbers["haar_last"], haar)
        h = at[at.family == "haar"]["max_objective"]
        assert_allclose(numbers["haar_last_se"], h.std(ddof=1) / np.sqrt(h.size))
        assert_allclose(numbers["area_over_volume"], brick1 / haar)
        assert_allclose(numbers["schmidt_last"],
                        at[(at.family == "schmidt") & (at.parameter == 4)]["max_objective"].mean())
        assert_allclose(numbers["sqrt_ratio"], np.sqrt(4 / 32))

    def test_slopes_match_the_fits(self, table, numbers):
        _, df = table
        fits = av.volume_law_fits(df, "haar").set_index("n_visible")
        for v in (1, 2):
            f = fits.loc[v, "fit"]
            assert numbers[f"slope_{v}"] == f.slope and numbers[f"slope_low_{v}"] == f.slope_low
            assert numbers[f"slope_dof_{v}"] == 5 - v - 1
            assert numbers[f"slope_text_{v}"] == f.text(3)
        far = fits["t_half"].abs().idxmax()
        assert numbers["slope_t_nv"] == far
        assert_allclose(numbers["slope_t_max"], abs(fits.loc[far, "t_half"]))
        assert_allclose(numbers["slope_excess_max"], (fits["slope_log2"] + 0.5).max())
        assert numbers["half_inside"] == 2 and numbers["haar_fits"] == 2
        assert numbers["lines_fitted"] == 4
        linear = av.volume_law_fits(df, "brickwork-linear")
        assert_allclose(numbers["linear_t_min"], linear["t_half"].abs().min())

    def test_tail_slopes(self, table, numbers):
        _, df = table
        tail = av.volume_law_fits(df, "haar", skip=2).set_index("n_visible")
        assert numbers["tail_skip"] == 2 and numbers["tail_fits"] == 1
        assert numbers["tail_slope_1"] == tail.loc[1, "slope_log2"]
        assert numbers["tail_slope_dof_1"] == 1
        assert numbers["tail_half_inside"] == int(tail.loc[1, "low_log2"] <= -0.5 <= tail.loc[1, "high_log2"])
        # n_v = 2 has too few sizes for a tail fit: NaN, no dof, said in words
        assert np.isnan(numbers["tail_slope_2"]) and numbers["tail_slope_dof_2"] == 0
        assert numbers["tail_slope_text_2"] == "not fitted"
        linear = av.volume_law_fits(df, "brickwork-linear", skip=2)
        assert_allclose([numbers["linear_tail_min"], numbers["linear_tail_max"]],
                        [linear["slope_log2"].min(), linear["slope_log2"].max()])

    def test_scaled_against_the_gaussian_limit(self, table, numbers):
        _, df = table
        h = df[(df.family == "haar") & (df.n_visible == 1) & (df.n_hidden == 5)]["max_objective"]
        factor = np.sqrt(2.0**4)
        assert_allclose(numbers["scaled_1"], h.mean() * factor)
        assert_allclose(numbers["scaled_se_1"], h.std(ddof=1) / np.sqrt(h.size) * factor)
        assert_allclose(numbers["haar_limit_1"], np.sqrt(2 / np.pi))
        assert_allclose(numbers["scaled_z_1"],
                        (numbers["scaled_1"] - np.sqrt(2 / np.pi)) / numbers["scaled_se_1"])

    def test_exact_checks(self, numbers):
        assert numbers["product_entropy"] == 0.0
        assert numbers["product_range_error"] == 0.0
        assert numbers["page_points"] == 10

    def test_results_rows(self, table, numbers):
        rows = av.results_rows(numbers)
        assert [set(r) for r in rows] == [{"result", "figure", "quantity", "paper", "ours"}] * 7
        assert rows[0]["ours"] == f"0 of {len(table[1])}"
        assert rows[1]["quantity"].endswith("D_v = 2, 4")
        assert rows[2]["ours"].startswith(f"D_v = 2: {numbers['slope_text_1']}; D_v = 4: {numbers['slope_text_2']}; ")
        assert rows[2]["ours"].endswith("every interval contains -1/2")
        assert "t with 3 dof" in rows[2]["ours"] and "χ²/dof" in rows[2]["ours"]
        assert rows[3]["quantity"].startswith("same, from n_h >= n_v + 2") and rows[3]["quantity"].endswith("D_v = 2")
        assert rows[3]["ours"].startswith(f"D_v = 2: {numbers['tail_slope_text_1']}")
        assert rows[4]["ours"].startswith(f"D_v = 2: {numbers['linear_slope_text_1']}")
        assert rows[5]["quantity"].startswith("deficit ln D_v - S(rho_v) in nats")
        assert rows[5]["ours"].startswith(f"mean {numbers['deficit']:.3f} [{numbers['deficit_low']:.3f}, ")
        assert f"= {numbers['deficit_bits']:.3f} bits" in rows[5]["ours"]
        assert rows[6]["ours"] == (f"{numbers['brick_min']:.3f} ± {numbers['brick_min_se']:.3f} vs "
                                   f"{numbers['haar_last']:.4f} ± {numbers['haar_last_se']:.4f}")

    def test_deficit_in_one_unit(self, table, numbers):
        """ln D_v - S in nats from the table's entropies, with a t interval; the same in bits."""
        params, df = table
        sub = df[(df.family == "brickwork") & (df.parameter == 1) & (df.n_visible == 2) & (df.n_hidden == 5)]
        d = 2 * LN2 - sub["entropy_nats"].to_numpy()
        half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
        assert numbers["deficit_depth"] == 1 and numbers["nv"] == 2
        assert_allclose([numbers["deficit"], numbers["deficit_low"], numbers["deficit_high"]],
                        [d.mean(), d.mean() - half, d.mean() + half], rtol=1e-12)
        assert_allclose(numbers["deficit_bits"], np.log2(4) - sub["entropy_nats"].mean() / LN2, rtol=1e-12)
        assert_allclose([numbers["deficit_min"], numbers["deficit_bound"], numbers["deficit_floor"]],
                        [d.min(), np.sqrt(2 * d.mean()), LN2], rtol=1e-12)
        assert np.isnan(av.area_deficit(df, 2, 5, 2)["deficit_floor"])
        with pytest.raises(ValueError, match="brickwork states of depth 3"):
            av.area_deficit(df, 2, 5, 3)

    def test_results_rows_say_which_interval_excludes_a_half(self, numbers):
        n = dict(numbers, slope_low_2=-0.49, slope_high_2=-0.48, slope_t_half_2=4.25, slope_p_half_2=0.0081)
        ours = av.results_rows(n)[2]["ours"]
        assert ours.endswith("D_v = 4 excludes -1/2 (t = 4.2 with 2 dof, p = 0.0081)"), ours

    def test_ratio_text(self):
        assert av._ratio_text(0.99999998) == "1 - 2.0e-08"
        assert av._ratio_text(0.5) == "0.5000"


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """The chapter's table at quick scale, in a scratch data store."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLATEAUS_DATA", str(tmp_path_factory.mktemp("data")))
        params = chapter_params("area-volume", "quick")
        yield params, av.with_bound(av.families(params))


class TestQuickRun:
    def test_every_state_under_the_bound(self, quick):
        params, df = quick
        q = av.quoted(params, df)
        assert q["violations"] == 0 and q["max_ratio"] <= 1
        assert q["product_entropy"] < 1e-10 and q["product_range_error"] < 1e-12
        assert q["states"] == params["instances"] * len(av.grid(params))
        assert len(av.results_rows(q)) == 7  # the tail fit exists for n_v = 1 (n_h = 3..5)
        # depth 1: one gate across the cut, S(rho_v) <= ln 2, so every deficit >= (n_v - 1) ln 2
        assert q["deficit_depth"] == 1 and q["deficit_min"] >= q["deficit_floor"] - 1e-10

    def test_fixed_depth_saturates(self, quick):
        _, df = quick
        sat = av.saturation(df)
        # the light cone: the distribution of rho_v does not depend on n_h once n_h >= depth
        assert (sat["z"].abs() < 5).all(), sat
