"""Every chapter parameter is validated before any work, with a message naming it."""
from __future__ import annotations

import pytest

from plateaus.params import CHAPTERS, SCALES, chapter_params


@pytest.mark.parametrize("chapter", sorted(CHAPTERS))
@pytest.mark.parametrize("scale", SCALES)
def test_every_table_validates(chapter, scale):
    params = chapter_params(chapter, scale)
    assert params["scale"] == scale and params["chapter"] == chapter


@pytest.mark.parametrize("chapter", sorted(CHAPTERS))
def test_scales_share_keys(chapter):
    keys = [set(CHAPTERS[chapter][s]) for s in SCALES]
    assert keys[0] == keys[1] == keys[2]


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
