"""Execute every book chapter in quick mode and check what it glued.

Each ``chapters/*.md`` is run with papermill (``quick=True``) into
``executed/<stem>.ipynb`` -- the same copies `make test` then builds the book
from.  After a successful run, ``CHECKS[stem]`` (if any) receives the dict of
values the chapter stored with ``myst_nb.glue(name, value)``, parsed by
``scripts.book.glued_values``.  Glue plain Python numbers (``float(x)``), bools,
strings, or lists/dicts of those; anything else arrives as its repr string.
"""

from pathlib import Path

import pytest

from scripts.book import CHAPTERS, execute_chapter, glued_values

CHAPTER_PATHS = sorted(CHAPTERS.glob("*.md"))


def check_intro(glued: dict) -> None:
    assert glued["quick"] is True, "the papermill parameter did not reach the kernel"
    versions = glued["versions"]
    assert set(versions) >= {"python", "numpy", "cvxpy", "torch"}
    assert versions["python"].startswith("3.11"), versions["python"]
    assert versions["torch"].startswith("2.13"), versions["torch"]


def check_two_layer_ramps(glued: dict) -> None:
    # The three-way check of DESIGN.md section 6, as the chapter recorded it.
    assert glued["ch1_reconstruction_error"] < 1e-8, "reconstructed network J differs from the Lasso optimum"
    assert glued["ch1_max_gap"] < 1e-8, "a Lasso solution in the table is not certified optimal"
    lasso, adam = glued["ch1_lasso_objectives"], glued["ch1_adam_objectives"]
    assert len(lasso) == len(adam) == 9
    for convex, trained in zip(lasso, adam, strict=True):
        assert trained >= convex - 1e-9 * max(1.0, convex), f"Adam {trained} beat the convex optimum {convex}"
    assert glued["ch1_min_adam_excess"] >= -1e-9
    # Paper Figure 3 data: the minimum norm is 2 (ramps at 5, 7, 10 with 1, -2/3, -1/3: 1 + 2/3 + 1/3),
    # reached by the finite library and by the oracle grid alike, and the network interpolates.
    assert abs(glued["ch1_fig3_min_norm"] - 2.0) < 1e-9
    assert abs(glued["ch1_fig3_network_norm"] - 2.0) < 1e-9
    assert glued["ch1_fig3_interpolation_error"] < 1e-9
    for library_norm, oracle_norm in glued["ch1_min_norm_library_vs_oracle"]:
        assert oracle_norm >= library_norm - 1e-9 * library_norm, "the oracle beat the finite library"
        assert abs(oracle_norm - library_norm) < 1e-7 * library_norm, "the oracle grid misses the data points"
    # Non-uniqueness on Figure 3 data: a capped ramp 5->8 has the same norm, so the band is wide.
    assert glued["ch1_fig3_band"] > 0.5
    assert glued["ch1_path_objectives_monotone"] is True
    assert glued["ch1_path_first_is_constant"] is True


def check_your_data(glued: dict) -> None:
    # The command line succeeded, and a bad column is a one-line error with a non-zero status.
    assert glued["ch6_cli_exit"] == 0
    assert glued["ch6_bad_exit"] == 1 and glued["ch6_bad_lines"] == 1
    # Certified optimum; the CLI's printed objective, the estimator's network J and the JSON agree with it.
    assert glued["ch6_relative_gap"] < 1e-8
    assert glued["ch6_reconstruction_error"] < 1e-8
    assert glued["ch6_cli_vs_estimator"] < 1e-8
    assert abs(glued["ch6_json_objective"] - glued["ch6_lasso_objective"]) < 1e-9 * glued["ch6_lasso_objective"]
    assert glued["ch6_json_difference"] < 1e-10
    assert glued["ch6_torch_difference"] < 1e-10
    # No Adam run beats the convex optimum.
    assert glued["ch6_adam_excess"] >= -1e-9 * glued["ch6_lasso_objective"]
    # GridSearchCV's choice and scores equal a hand-written cross-validation loop.
    assert glued["ch6_best_beta"] == glued["ch6_best_beta_manual"]
    for auto, manual in zip(glued["ch6_cv_scores"], glued["ch6_cv_scores_manual"], strict=True):
        assert abs(auto - manual) < 1e-8
    assert glued["ch6_best_score"] == max(glued["ch6_cv_scores"])


# chapter stem -> function(glued values dict); raise AssertionError on failure.
CHECKS = {
    "00_introduction": check_intro,
    "01_two_layer_ramps": check_two_layer_ramps,
    "06_your_data": check_your_data,
}


def test_chapters_found():
    assert CHAPTER_PATHS, f"no chapters in {CHAPTERS}"


@pytest.mark.parametrize("path", CHAPTER_PATHS, ids=[p.stem for p in CHAPTER_PATHS])
def test_chapter(path: Path):
    executed = execute_chapter(path, quick=True)  # raises if a cell fails
    assert executed.is_file()
    check = CHECKS.get(path.stem)
    if check is not None:
        check(glued_values(executed))
