"""Execute every book chapter in quick mode and check what it glued.

Each ``chapters/*.md`` is run with papermill (``quick=True``) into
``executed/<stem>.ipynb`` -- the same copies `make test` then builds the book
from.  After a successful run, ``CHECKS[stem]`` (if any) receives the dict of
values the chapter stored with ``myst_nb.glue(name, value)``, parsed by
``scripts.book.glued_values``.  Glue plain Python numbers (``float(x)``), bools,
strings, or lists/dicts of those; anything else arrives as its repr string.
"""

from pathlib import Path

import numpy as np
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
    # The three-way check of the verification protocol (conventions.md), as the chapter recorded it.
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
    # 2N = 12 ReLU ramps on 6 points: two vanish on the data, two are the same linear feature
    assert glued["ch1_relu_candidates"] == 12 and glued["ch1_relu_dropped"] == 3


def check_sign_networks(glued: dict) -> None:
    # Only the order of the data matters: identical matrices, identical optima.
    assert glued["ch3_same_matrix"] is True
    assert glued["ch3_order_value_difference"] < 1e-10
    assert glued["ch3_order_fitted_difference"] < 1e-8
    # Library sizes are sums of binomials C(11, t), t <= m1 (m1 = 1, 2, 3, 5, 11 on N = 12).
    assert glued["ch3_sizes"] == glued["ch3_size_formula"] == [11, 66, 231, 1023, 2047]
    values = glued["ch3_m1_objectives"]
    assert all(np.diff(values) <= 1e-10), "nested libraries cannot do worse"
    assert values[0] > values[-1] + 0.1
    assert glued["ch3_reconstruction_error"] < 1e-8
    assert glued["ch3_cg_error"] < 1e-8
    assert glued["ch3_max_gap"] < 1e-8
    assert glued["ch3_large_gap"] < 1e-8 and glued["ch3_large_reconstruction_error"] < 1e-8
    assert glued["ch3_large_generated"] < 200
    # m1 >= N - 1: minimum norm = (max y - min y)/2; two layers pay strictly more.
    assert glued["ch3_range_error"] < 1e-8 and glued["ch3_range_network_error"] < 1e-8
    assert glued["ch3_range_two_layer_excess"] > 0
    # ... and for beta > 0 the optimum is the data clipped (closed form = materialised Lasso).
    assert glued["ch3_clip_objective_error"] < 1e-9 and glued["ch3_clip_fit_error"] < 1e-8
    assert glued["ch3_clip_big_gap"] < 1e-9


def check_square_wave(glued: dict) -> None:
    # Closed forms (closed_forms.py) equal the certified solver everywhere they were compared.
    assert glued["ch4_curve_error"] < 1e-7
    assert glued["ch4_boundary_max_error"] < 1e-7
    assert glued["ch4_boundary_max_objective_error"] < 1e-7
    assert glued["ch4_n_checks"] >= 20
    # 5% past a boundary the other regime's formula is off by about 0.04 or more: the boundaries are sharp.
    assert glued["ch4_min_neighbour_error"] > 0.035
    assert glued["ch4_first_regime_value_error"] < 1e-8
    # N_B = 6, T = 2, beta = 1: end block -(1 - 1/4), interior 1 - 1/2: the ends are fit better.
    end, interior = glued["ch4_end_vs_interior"]
    assert abs(end + 0.75) < 1e-9 and abs(interior - 0.5) < 1e-9


def check_your_data(glued: dict) -> None:
    # The command line succeeded, and a bad column is a one-line error with a non-zero status.
    assert glued["ch6_cli_exit"] == 0
    assert glued["ch6_bad_exit"] == 1 and glued["ch6_bad_lines"] == 1
    # Certified optimum; the CLI's objective and network J (its --json), the estimator's network J and
    # the JSON agree with it.
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


def check_deep_reflections(glued: dict) -> None:
    from math import factorial

    # a capped ramp to the reflection 4 = 2*2 - 0 is half the data ramp 2->6 on the data
    assert abs(glued["ch2_reflection_combination_norm"] - 0.5) < 1e-9
    # z-shape minimum norm: 1.5 with ramps (L = 2), 0.75 with one capped ramp (L = 3, 4)
    for got, want in zip(glued["ch2_z_min_norm"], [1.5, 0.75, 0.75], strict=True):
        assert abs(got - want) < 1e-9, glued["ch2_z_min_norm"]
    assert abs(glued["ch2_z_min_norm_2"] - 1.5) < 1e-9 and abs(glued["ch2_z_min_norm_3"] - 0.75) < 1e-9
    assert min(glued["ch2_depth_gain"]) > 1e-3, "depth 3 should fit strictly better at every beta shown"
    assert glued["ch2_depth_reconstruction"] < 1e-8
    # certified abs examples (v4 Theorem 3.2 needs both families): 10/9 -> 13/12 and 1.0625 -> 1.05909
    without, full = glued["ch2_cert_without"], glued["ch2_cert_full"]
    assert abs(without[0] - 10 / 9) < 1e-9 and abs(full[0] - 13 / 12) < 1e-9
    assert abs(without[1] - 1.0625) < 1e-9 and abs(full[1] - 1.05909) < 1e-5
    assert (glued["ch2_cert_without_text"], glued["ch2_cert_full_text"]) == ("10/9", "13/12")
    assert glued["ch2_depth5_pinnings"] == 1014  # independent pinnings of depth-5 abs units (N^4 term)
    for network, lasso in zip(glued["ch2_cert_network"], full, strict=True):
        assert abs(network - lasso) < 1e-8 * lasso
    assert glued["ch2_cert_winner_kinks"] == [1.0, 3.0, 5.0] and "reflection" in glued["ch2_cert_winner"]
    for n, name, formula, candidates, distinct in glued["ch2_sizes"]:
        assert distinct <= candidates <= formula
        if name in ("3-layer relu", "3-layer abs"):
            assert candidates == formula, (n, name)
    # Adam never beats the global optimum (Figure 2 data)
    for adam, lasso in zip(glued["ch2_fig2_adam"], glued["ch2_fig2_lasso"], strict=True):
        assert adam >= lasso - 1e-9 * max(1.0, lasso)
    # Figure 3: min norms 2, 1, 1; the optimum is not unique; the paper's ramp 5->8 interpolates
    for got, want in zip(glued["ch2_fig3_norms"], [2.0, 1.0, 1.0], strict=True):
        assert abs(got - want) < 1e-9
    assert max(glued["ch2_fig3_bands"]) > 0.5
    assert glued["ch2_fig3_paper_l4_interpolates"] is True
    toys = {(name, depth): value for name, depth, value in glued["ch2_toy_norms"]}
    assert abs(toys["z-shape", 3] - 0.75) < 1e-9 and abs(toys["z-shape", 4] - 0.75) < 1e-9
    assert abs(toys["bounce", 4] - 4.0) < 1e-9 and abs(glued["ch2_toy_bounce_4"] - 4.0) < 1e-9
    # against the paper's recorded objectives 1.5e-8 and 3e-8 at beta = 1e-8 (z-shape, L = 3, 4)
    assert glued["ch2_toy_z_text"] == "0.75 and 0.75" and glued["ch2_toy_z_ratio_text"] == "0.5 and 0.25"
    # leaky ReLU (v4 Theorem 3.7) on the Figure 2 data: slope 0 is ReLU (1.5, 0.75, 0.75); slope 0.5
    # gains at every depth (3, 27/16, 15/11); every kink of a solution is a data point
    norms = {(slope, depth): value for slope, depth, value in glued["ch2_leaky_min_norms"]}
    for slope, want in [(0.0, [1.5, 0.75, 0.75]), (0.5, [3.0, 27 / 16, 15 / 11])]:
        for depth, value in zip((2, 3, 4), want, strict=True):
            assert abs(norms[slope, depth] - value) < 1e-9, (slope, depth, norms)
    for slope in (0.01, 0.5):
        assert norms[slope, 2] > norms[slope, 3] > norms[slope, 4] + 1e-6
    assert glued["ch2_leaky_half_text"] == "3, 27/16, 15/11" and glued["ch2_leaky_relu_text"] == "1.5, 0.75, 0.75"
    columns = {(slope, depth): value for slope, depth, value in glued["ch2_leaky_columns"]}
    assert columns[0.0, 3] == columns[0.0, 4] == 6  # the N(N - 1)/2 capped ramps on 4 points
    assert glued["ch2_leaky_reconstruction"] < 1e-8 and glued["ch2_leaky_kinds"] == ["data"]
    for n, depth, candidates, bound in glued["ch2_leaky_bound"]:
        assert candidates == (2 * n) ** (depth - 1) and bound == n ** (depth - 1) * 2**depth * factorial(depth)
    assert glued["ch2_leaky_bound_ratio_text"] == "12 and 48"
    # symmetrized ReLU (v4 Theorem 3.12, our definition): generalized reflections needed on the example
    for got, want in zip(glued["ch2_sym_full"], [2.0, 7 / 12], strict=True):
        assert abs(got - want) < 1e-9, glued["ch2_sym_full"]
    for got, want in zip(glued["ch2_sym_earlier"], [169 / 83, 20591 / 34038], strict=True):
        assert abs(got - want) < 1e-9, glued["ch2_sym_earlier"]
    for network, lasso in zip(glued["ch2_sym_network"], glued["ch2_sym_full"], strict=True):
        assert abs(network - lasso) < 1e-8 * lasso
    assert glued["ch2_sym_winner_kinks"] == [1.0, 2.0, 7.0, 8.0] and glued["ch2_sym_generalized_kink"] == 7.0
    assert glued["ch2_sym_winner_kinds"].count("generalized reflection") == 1
    texts = [glued[k] for k in ("ch2_sym_earlier_min_text", "ch2_sym_full_min_text", "ch2_sym_full_beta_text")]
    assert texts == ["169/83", "2", "7/12"] and abs(glued["ch2_sym_earlier_beta"] - 20591 / 34038) < 1e-9, texts


def check_bitcoin(glued: dict) -> None:
    rmse = glued["ch5_test_rmse"]
    assert rmse and all(np.isfinite(v) and v > 0 for v in rmse.values()), rmse
    # Independent of the chapter's code: the random walk forecasts a zero return, so its test
    # RMSE is the root mean square of the last test-block returns of the shipped series.
    from lmirrors.datasets import load_bitcoin

    returns = load_bitcoin().log_returns
    months = glued["ch5_test_months"]
    expected = float(np.sqrt(np.mean(returns[-months:] ** 2)))
    assert abs(rmse["log return | random walk"] - expected) < 1e-12
    convex, network, adam = (
        glued[k] for k in ("ch5_convex_objectives", "ch5_network_objectives", "ch5_adam_objectives")
    )
    assert len(convex) == len(network) == len(adam) == 3
    for c, n, a in zip(convex, network, adam, strict=True):
        assert abs(n - c) <= 1e-8 * c, "reconstructed network J differs from the convex optimum"
        assert a >= c - 1e-9 * c, f"Adam {a} went below the convex optimum {c}"


# chapter stem -> function(glued values dict); raise AssertionError on failure.
CHECKS = {
    "00_introduction": check_intro,
    "01_two_layer_ramps": check_two_layer_ramps,
    "03_sign_networks": check_sign_networks,
    "04_square_wave": check_square_wave,
    "05_bitcoin": check_bitcoin,
    "06_your_data": check_your_data,
    "02_deep_reflections": check_deep_reflections,
}


def test_widget_cells_are_skipped_in_batch_runs():
    # nbclient can wait forever on a cell that builds an ipywidgets Output (seen three times
    # here, under ipykernel 6 and 7): interactive cells carry `skip-execution`, so papermill
    # never runs them; tests/test_widgets.py drives the explorer's callbacks instead.
    import jupytext

    for path in CHAPTER_PATHS:
        for cell in jupytext.read(path).cells:
            if cell.cell_type == "code" and ("explore(" in cell.source or "widgets.interact" in cell.source):
                assert "skip-execution" in cell.metadata.get("tags", []), f"{path.name}: {cell.source[:60]!r}"


def test_chapters_found():
    assert CHAPTER_PATHS, f"no chapters in {CHAPTERS}"


@pytest.mark.parametrize("path", CHAPTER_PATHS, ids=[p.stem for p in CHAPTER_PATHS])
def test_chapter(path: Path):
    executed = execute_chapter(path, quick=True)  # raises if a cell fails
    assert executed.is_file()
    check = CHECKS.get(path.stem)
    if check is not None:
        check(glued_values(executed))
