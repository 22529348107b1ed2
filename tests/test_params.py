"""Every chapter parameter is validated before any work, with a message naming it."""
from __future__ import annotations

import pytest

from plateaus.params import CHAPTERS, SCALES, chapter_params


#: What the chapters state the paper used (paper scale must match): n_v, n_h, instances and
#: the coupling variances of Figs. 3-5 (typicality.md, unitary-plateau.md,
#: boltzmann-plateau.md, escaping.md; intro.md: "the paper's own sizes and 1000 instances").
PAPER = {
    "typicality": dict(n_visible=1, instances=1000, t=10.0, onsite_var=0.01, offsite_var=1.0),
    "unitary-plateau": dict(n_visible=3, n_hidden=[1, 2, 3, 4], instances=1000, onsite_var=0.01,
                            offsite_var=1.0),
    "boltzmann-plateau": dict(n_visible=3, n_hidden=[1, 2, 3, 4], instances=1000,
                              onsite_var=0.01, offsite_var=1.0),
    "escaping": dict(n_visible=3, n_hidden=[1, 2, 3, 4], instances=1000, onsite_var=0.01,
                     offsite_var=1.0),
}

#: The size list and the count of draws of each chapter, for the scale ordering checks.
SIZES = {"typicality": ("n_hidden", "instances"), "models": ("n_hidden", "instances"),
         "area-volume": ("n_hidden", "instances"), "concentration": ("n_qubits", "samples"),
         "unitary-plateau": ("n_hidden", "instances"), "unitary-assumptions": ("visible_sizes", "instances"),
         "boltzmann-plateau": ("n_hidden", "instances"), "escaping": ("n_hidden", "instances"),
         "benchmarks": ("t2_qubits", "repeats")}


@pytest.mark.parametrize("chapter", sorted(CHAPTERS))
@pytest.mark.parametrize("scale", SCALES)
def test_params_are_the_table_and_a_copy(chapter, scale):
    params = chapter_params(chapter, scale)
    table = CHAPTERS[chapter][scale]
    assert {k: v for k, v in params.items() if k not in ("chapter", "scale")} == table
    for value in params.values():
        if isinstance(value, list):
            value.append(99)  # a caller that edits its copy must not change the table
    assert chapter_params(chapter, scale) == {"chapter": chapter, "scale": scale, **table}


@pytest.mark.parametrize("chapter", sorted(PAPER))
def test_paper_scale_uses_the_papers_sizes(chapter):
    params = chapter_params(chapter, "paper")
    assert {k: params[k] for k in PAPER[chapter]} == PAPER[chapter]


def test_every_chapter_has_its_size_keys():
    assert set(SIZES) == set(CHAPTERS)


@pytest.mark.parametrize("chapter", sorted(SIZES))
def test_scales_grow_quick_paper_extended(chapter):
    """quick is no larger than paper; extended runs every paper size, and no fewer draws."""
    sizes, draws = SIZES[chapter]
    quick, paper, extended = (chapter_params(chapter, s) for s in SCALES)
    assert max(quick[sizes]) <= max(paper[sizes]) and quick[draws] <= paper[draws]
    assert set(paper[sizes]) <= set(extended[sizes]) and paper[draws] <= extended[draws]


@pytest.mark.parametrize("chapter, key",
                         [(c, k) for c in sorted(CHAPTERS) for k in sorted(CHAPTERS[c]["paper"])])
def test_every_override_is_checked(chapter, key):
    """No parameter takes an arbitrary object: each has a rule that names it."""
    with pytest.raises(ValueError, match=rf"^parameter '{key}' = <object .*> is not allowed; expected "):
        chapter_params(chapter, "quick", **{key: object()})


@pytest.mark.parametrize("chapter", sorted(CHAPTERS))
def test_parameters_of_other_chapters_are_unknown(chapter):
    """A name with a rule, but not in this chapter's table, is refused all the same."""
    names = {k for c in CHAPTERS for k in CHAPTERS[c]["paper"]}
    for foreign in sorted(names - set(CHAPTERS[chapter]["paper"])):
        with pytest.raises(ValueError, match=rf"unknown parameter\(s\) \['{foreign}'\] for chapter '{chapter}'"):
            chapter_params(chapter, "quick", **{foreign: 1})


@pytest.mark.parametrize(
    "overrides, match",
    [
        (dict(instances=0), r"'instances' = 0 .*integer >= 1"),
        (dict(instances=-5), r"'instances' = -5"),
        (dict(instances=10.0), r"'instances' = 10.0 .*integer"),
        (dict(instances=True), r"'instances' = True"),
        (dict(n_hidden=[0, 1]), r"'n_hidden' = \[0, 1\]"),
        (dict(n_hidden=[]), r"'n_hidden' = \[\]"),
        (dict(n_hidden=[2, 1]), r"increasing"),
        (dict(n_hidden=[1.5]), r"'n_hidden'"),
        (dict(n_hidden=3), r"'n_hidden' = 3"),
        (dict(seed=-1), r"'seed' = -1"),
        (dict(n_visible=0), r"'n_visible' = 0"),
        (dict(not_a_parameter=1), r"unknown parameter.*not_a_parameter.*allowed"),
    ],
)
def test_bad_values_name_the_parameter(overrides, match):
    with pytest.raises(ValueError, match=match):
        chapter_params("models", "quick", **overrides)


def test_unknown_scale_and_chapter():
    with pytest.raises(ValueError, match=r"scale = 'huge' .*'quick', 'paper', 'extended'"):
        chapter_params("models", "huge")
    with pytest.raises(ValueError, match=r"chapter = 'nope'"):
        chapter_params("nope", "quick")


def test_overrides_are_validated_and_applied():
    assert chapter_params("models", "quick", instances=7)["instances"] == 7


#: Every count with an upper bound, and that bound (instances=10**9 once ran out of memory).
COUNTS = {"instances": "MAX_INSTANCES", "scan_instances": "MAX_INSTANCES",
          "fd_instances": "MAX_INSTANCES", "design_instances": "MAX_INSTANCES",
          "target_draws": "MAX_INSTANCES", "train_seeds": "MAX_INSTANCES",
          "chunk_size": "MAX_INSTANCES", "samples": "MAX_SAMPLES", "train_steps": "MAX_STEPS",
          "train_every": "MAX_STEPS", "t1_batch": "MAX_BATCH", "t2_batch": "MAX_BATCH",
          "t2_fd_batch": "MAX_BATCH", "t3_batch": "MAX_BATCH"}


@pytest.mark.parametrize("key", sorted(COUNTS))
def test_huge_counts_are_refused_with_the_range(key):
    from plateaus import params as module

    limit = getattr(module, COUNTS[key])
    chapter = next(c for c in sorted(CHAPTERS) if key in CHAPTERS[c]["paper"])
    assert chapter_params(chapter, "quick", **{key: limit})[key] == limit
    for value in (limit + 1, 10**9 * limit):
        with pytest.raises(ValueError, match=rf"^parameter '{key}' = {value} is not allowed; "
                                             rf"expected an integer >= \d+ and <= {limit}$"):
            chapter_params(chapter, "quick", **{key: value})


def test_limits_are_generous_for_every_scale():
    """The largest published scale stays at least 100x below every count's bound."""
    from plateaus import params as module

    for chapter, tables in CHAPTERS.items():
        for scale, table in tables.items():
            for key, name in COUNTS.items():
                if key in table:
                    assert 100 * table[key] <= getattr(module, name), (chapter, scale, key)
