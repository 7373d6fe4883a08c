"""The reproduction report: each item of the paper, where the book treats it, what the book
measured and a verdict, computed from the values the executed chapters glued.

The items (theorems, lemmas, figures and experiments of the paper's latest version, and the
figures of its first version) and the rule that turns measured values into a verdict live here;
``chapters/10_reproduction.md`` renders the table and tests/test_chapters.py pins the verdicts.
A rule reads glued values by name. An item whose chapter section is still being written names
*placeholder* glue values (``pending=True``): while they are missing its verdict is
"not yet in the book"; once they exist it is "not yet judged" until its rule is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

REPRODUCED = "reproduced"
OURS = "reproduced (our formulation)"
DIFFERS = "differs"
NOT_REPRODUCIBLE = "not reproducible"
MISSING = "not yet in the book"
UNJUDGED = "not yet judged"

CHAPTERS = {
    "01_two_layer_ramps": "1 Two-layer ramps",
    "02_deep_reflections": "2 Deep reflections",
    "03_sign_networks": "3 Sign networks",
    "04_square_wave": "4 The square wave",
    "05_bitcoin": "5 Bitcoin",
    "07_training_landscape": "7 Training landscape",
    "08_two_dimensional_data": "8 Two-dimensional data",
}

Judge = Callable[[dict], tuple[str, str]]


@dataclass(frozen=True)
class Item:
    """One item of the paper: its name, the book's chapter and section, the paper's statement,
    the glued values its rule reads, and the rule (values -> verdict, what was measured)."""

    key: str
    name: str
    chapter: str
    section: str
    paper: str
    needs: tuple[str, ...]
    judge: Judge | None = None
    pending: bool = False


@dataclass(frozen=True)
class Row:
    item: Item
    verdict: str
    measured: str


def _e(value: float) -> str:
    """A small error in one significant digit (0 when exact)."""
    return "0" if value == 0 else f"{value:.0e}"


def _g(value: float) -> str:
    return f"{value:.3g}"


def _frac(value: float) -> str:
    return str(Fraction(value).limit_denominator(1000))


def _verdict(ok: bool, good: str = REPRODUCED) -> str:
    return good if ok else DIFFERS


# --------------------------------------------------------------------------
# rules, one per item (each returns the verdict and what the book measured)
# --------------------------------------------------------------------------


def _two_layer(v: dict) -> tuple[str, str]:
    excess = v["ch1_min_adam_excess"]
    oracle = all(abs(o - lib) <= 1e-7 * lib for lib, o in v["ch1_min_norm_library_vs_oracle"])
    ok = v["ch1_max_gap"] < 1e-8 and v["ch1_reconstruction_error"] < 1e-8 and excess >= -1e-9 and oracle
    return _verdict(ok), (
        f"duality gap ≤ {_e(v['ch1_max_gap'])}; rebuilt network J = Lasso optimum to "
        f"{_e(v['ch1_reconstruction_error'])}; {len(v['ch1_adam_objectives'])} Adam settings, smallest excess over "
        f"the optimum {excess:.1e}; a dense oracle of kinks anywhere reaches the same minimum norms"
    )


def _abs_mirrors(v: dict) -> tuple[str, str]:
    without, full = v["ch2_cert_without"], v["ch2_cert_full"]
    ok = all(f < w - 1e-6 for f, w in zip(full, without, strict=True)) and "reflection" in v["ch2_cert_winner"]
    return _verdict(ok), (
        f"certified optimum {_frac(without[0])} without reflection features, {_frac(full[0])} with them; the "
        f"winning unit: {v['ch2_cert_winner']}"
    )


def _leaky(v: dict) -> tuple[str, str]:
    norms = {(s, d): n for s, d, n in v["ch2_leaky_min_norms"]}
    bounded = all(c <= b for _, _, c, b in v["ch2_leaky_bound"])
    deeper = all(norms[s, 2] > norms[s, 3] > norms[s, 4] for s in (0.01, 0.5))
    ok = bounded and deeper and v["ch2_leaky_kinds"] == ["data"] and v["ch2_leaky_reconstruction"] < 1e-8
    return _verdict(ok), (
        f"slope 0.5: minimum norms {v['ch2_leaky_half_text']} at L = 2, 3, 4 (each depth gains); every kink of a "
        f"solution at a data point; candidates within the size bound (bound/candidates {v['ch2_leaky_bound_ratio_text']})"
    )


def _capped_ramps(v: dict) -> tuple[str, str]:
    z = v["ch2_z_min_norm"]
    sizes_ok = all(c == f for _, name, f, c, _ in v["ch2_sizes"] if name == "3-layer relu")
    ok = abs(z[1] - 0.75) < 1e-9 and abs(z[2] - z[1]) < 1e-9 and z[0] > z[1] and sizes_ok
    return _verdict(ok), (
        f"z-shape minimum norms {', '.join(_g(n) for n in z)} at L = 2, 3, 4: capped ramps between data points "
        f"reach the optimum, depth 4 adds nothing to depth 3; the 3-layer library has the O(N²) size of the formula"
    )


def _v1_fourth_layer(v: dict) -> tuple[str, str]:
    columns = {(s, d): c for s, d, c in v["ch2_leaky_columns"]}
    same = columns[0.0, 3] == columns[0.0, 4] and abs(v["ch2_z_min_norm"][2] - v["ch2_z_min_norm"][1]) < 1e-9
    half = abs(v["ch2_reflection_combination_norm"] - 0.5) < 1e-9
    return (DIFFERS if same and half else UNJUDGED), (
        f"depth 4 has the same {columns[0.0, 4]} distinct ReLU features as depth 3 on the Figure 2 data; a capped "
        f"ramp to the reflection 4 is, on the data, a data ramp with coefficient "
        f"{_g(v['ch2_reflection_combination_norm'])}: reflection breakpoints are realisable, never needed "
        f"(as v4 Lemma 3.8 states)"
    )


def _symmetrized(v: dict) -> tuple[str, str]:
    full, earlier = v["ch2_sym_full"], v["ch2_sym_earlier"]
    ok = full[0] < earlier[0] - 1e-6 and "generalized reflection" in v["ch2_sym_winner_kinds"]
    ok = ok and all(abs(n - f) < 1e-8 * f for n, f in zip(v["ch2_sym_network"], full, strict=True))
    return _verdict(ok, OURS), (
        f"minimum norm {v['ch2_sym_earlier_min_text']} without generalized reflections, "
        f"{v['ch2_sym_full_min_text']} with; the winner's kink {_g(v['ch2_sym_generalized_kink'])} is a generalized "
        f"reflection (our definition of the architecture)"
    )


def _sign(v: dict) -> tuple[str, str]:
    ok = v["ch3_same_matrix"] and v["ch3_sizes"] == v["ch3_size_formula"] and v["ch3_max_gap"] < 1e-8
    ok = ok and v["ch3_reconstruction_error"] < 1e-8 and v["ch3_range_error"] < 1e-8
    return _verdict(ok), (
        f"same library for any data with the same order (optimal values agree to "
        f"{_e(v['ch3_order_value_difference'])}); sizes {v['ch3_sizes']} = the binomial sums; with every pattern the "
        f"minimum norm is half the range (error {_e(v['ch3_range_error'])})"
    )


def _rectangular(v: dict) -> tuple[str, str]:
    ok = v["ch3_rect_depth_spread"] < 1e-10 and abs(v["ch3_rect_random_excess"]) < 1e-9 and v["ch3_rect_max_gap"] < 1e-9
    return _verdict(ok, OURS), (
        f"optimal value independent of depth (spread {_e(v['ch3_rect_depth_spread'])}); rebuilt networks attain it and "
        f"{v['ch3_rect_random_count']} random networks never beat it; above the tree relaxation by "
        f"{_g(v['ch3_rect_first_gap'])} at m₁ = 1, equal from m₁ = {v['ch3_rect_first_equal']}"
    )


def _threshold(v: dict) -> tuple[str, str]:
    ok = v["ch3_thr_reflection_extra"] == 0 and abs(v["ch3_thr_norm_ratio"] - 2) < 1e-8
    ok = ok and v["ch3_thr_objective_error"] < 1e-8
    return _verdict(ok, OURS), (
        f"reflection breakpoints add {v['ch3_thr_reflection_extra']} new columns; the threshold network at β is the "
        f"sign network at 2β in {v['ch3_thr_cases']} cases (error {_e(v['ch3_thr_objective_error'])}); minimum norm "
        f"{_g(v['ch3_thr_norm_ratio'])}× the sign network's"
    )


def _min_norm_relu_sign(v: dict) -> tuple[str, str]:
    ok = abs(v["ch1_fig3_min_norm"] - 2) < 1e-9 and v["ch1_fig3_interpolation_error"] < 1e-9
    ok = ok and v["ch3_range_error"] < 1e-8 and v["ch3_range_two_layer_excess"] > 0
    return _verdict(ok), (
        f"ReLU, 2 layers: minimum norm {_g(v['ch1_fig3_min_norm'])} on the Figure 3 data, not unique (band "
        f"{v['ch1_fig3_band_text']}); sign with every pattern: half the range, two layers pay more"
    )


def _min_norm_families(v: dict) -> tuple[str, str]:
    ok = v["ch1_mn_closed_form_error"] < 1e-9 and v["ch1_mn_max_relative_gap"] < 1e-9
    ok = ok and v["ch1_mn_max_interpolation_error"] < 1e-9 and v["ch1_mn_oracle_max"] <= 1 + 1e-9
    return _verdict(ok), (
        f"every 2-layer family ({', '.join(v['ch1_mn_families'])}): certified minimum norms equal a closed form "
        f"to {_e(v['ch1_mn_closed_form_error'])}, no random unit prices above {v['ch1_mn_oracle_max_text']}"
    )


def _path(v: dict) -> tuple[str, str]:
    difference, gap = v["ch1_path_pointwise_difference"], v["ch1_path_max_gap"]
    ok = difference < 1e-9 and gap < 1e-9 and v["ch1_fig3_path_breakpoints"] > 0
    return _verdict(ok), (
        f"the exact homotopy: {v['ch1_fig3_path_breakpoints']} breakpoints on Figure 3 data "
        f"({v['ch1_noisy_path_breakpoints']} on noisy data); between them the solution is linear in β, and read "
        f"off the path it equals a fresh solve to {_e(difference)} (duality gap ≤ {_e(gap)})"
    )


def _square_closed_forms(v: dict) -> tuple[str, str]:
    end, interior = v["ch4_end_vs_interior"]
    ok = v["ch4_curve_error"] < 1e-7 and v["ch4_boundary_max_error"] < 1e-7 and v["ch4_min_neighbour_error"] > 0.035
    return _verdict(ok), (
        f"closed forms = certified solver to {_e(v['ch4_boundary_max_error'])} in {v['ch4_n_checks']} checks at and "
        f"around every regime boundary; the other regime's formula is off by ≥ {_g(v['ch4_min_neighbour_error'])}; "
        f"end blocks fit better ({_g(end)} vs {_g(interior)})"
    )


def _square_generalisation(v: dict) -> tuple[str, str]:
    ratios = [two / three for _, two, three, _, _ in v["ch4_heldout_clean"]]
    noisy = all(three < two for _, two, three, _, _ in v["ch4_noisy_best"])
    beyond = min(min(b2, b3) for _, _, _, b2, b3 in v["ch4_heldout_clean"])
    return _verdict(min(ratios) > 1 and noisy), (
        f"between the data, 3 layers have {_g(min(ratios))}–{_g(max(ratios))}× lower RMSE (clean labels, "
        f"{len(ratios)} block counts) and lower RMSE with noise; beyond the data both fail (RMSE ≥ {_g(beyond)})"
    )


def _stationarity(v: dict) -> tuple[str, str]:
    ok = v["ch7_rebuilt_descent"] < 1e-9 and v["ch7_split_descent"] < 1e-9 and v["ch7_perturbed_descent"] > 1e-2
    return _verdict(ok), (
        f"rebuilt networks of {v['ch7_architectures']} architectures and their splits: steepest one-sided descent "
        f"≤ {_e(max(v['ch7_rebuilt_descent'], v['ch7_split_descent']))} (stationary); perturbed ones descend at "
        f"{_g(v['ch7_perturbed_descent'])}; Adam stops at a non-optimal stationary point {_g(v['ch7_adam_stationary_gap'])} "
        f"above the optimum {v['ch7_optimum_text']}"
    )


def _optimizers_find_reflections(v: dict) -> tuple[str, str]:
    found = v["ch7_adam_reflecting"]
    return _verdict(found >= 1), (
        f"from random starts, {found} of {v['ch7_restarts']} Adam runs use the reflection on the certified example; "
        f"{v['ch2_fig2_random_near_reflection']} of {v['ch2_fig2_random_n']} random starts end near the reflection "
        "on the Figure 2 data"
    )


def _two_d(v: dict) -> tuple[str, str]:
    ok = v["ch8_candidates"] == v["ch8_candidate_formula"] and max(v["ch8_abs_gaps"]) < 1e-6
    return (NOT_REPRODUCIBLE if ok else DIFFERS), (
        f"the paper's statement was not available to us; our own 2-D library ({v['ch8_candidates']} candidates on "
        f"{v['ch8_n']} points) is certified against {v['ch8_oracle_units']:,} random units"
    )


def _bitcoin(v: dict) -> tuple[str, str]:
    low, high = v["ch5_daily_rw_interval"]
    return NOT_REPRODUCIBLE, (
        f"set-up not public; on our series the training optimum is certified (no Adam run below it); best network "
        f"vs the random walk: monthly, {v['ch5_test_months']} test months, Diebold–Mariano p = "
        f"{v['ch5_rw_p_value']:.2f}; daily, {v['ch5_daily_test_days']} test days, RMSE difference "
        f"{v['ch5_daily_rw_difference']:+.2g} (interval [{low:+.2g}, {high:+.2g}]), p = {v['ch5_daily_rw_p_value']:.2f}"
    )


def _fig2_random(v: dict) -> tuple[str, str]:
    near, n = v["ch2_fig2_random_near_reflection"], v["ch2_fig2_random_n"]
    return _verdict(2 * near >= n), (
        f"from random starts of the paper's network and settings, {near} of {n} restarts end with the ramp within "
        f"0.25 of the reflection, {v['ch2_fig2_random_near_6']} near the optimum's data end 6, "
        f"{v['ch2_fig2_random_dead']} collapse to the constant"
    )


# Where the official Fig2 notebook's network first reaches 3, from its output cells (x1 = 0, x1 = -1).
RECORDED_REACHES_3 = (4.2487, 5.0856)


def _fig2_paper_start(v: dict) -> tuple[str, str]:
    left, right = v["ch2_fig2_reaches_3"]
    ok = abs(left - RECORDED_REACHES_3[0]) < 0.25 and v["ch2_fig2_above_bracket"]
    return _verdict(ok), (
        f"started at the reflection, Adam keeps it: x₁ = 0 reaches 3 at {left:.2f} (recorded "
        f"{RECORDED_REACHES_3[0]:.2f}), J = {_g(v['ch2_fig2_left_ratio'])}× the certified optimum; with x₁ = −1 it "
        f"reaches 3 at {right:.2f} after {v['ch2_fig2_drift_epochs_last']:,} epochs (recorded "
        f"{RECORDED_REACHES_3[1]:.2f} after 15,000) and the ramp end drifts toward the data end 6 "
        f"({_g(v['ch2_fig2_drift_first'])} after {v['ch2_fig2_drift_epochs_first']:,} epochs, "
        f"{_g(v['ch2_fig2_drift_last'])} after {v['ch2_fig2_drift_epochs_last']:,}): where it stops depends on when "
        "training stops"
    )


def _fig3(v: dict) -> tuple[str, str]:
    norms = v["ch2_fig3_norms"]
    ok = all(abs(n - w) < 1e-9 for n, w in zip(norms, (2, 1, 1), strict=True)) and v["ch2_fig3_paper_l4_interpolates"]
    ok = ok and v["ch2_fig3_paper_l4_reflection"]
    return _verdict(ok), (
        f"minimum norms {v['ch2_fig3_norms_text']} at L = 2, 3, 4, not unique (band {_g(max(v['ch2_fig3_bands']))}); "
        f"the features of each depth drawn; the paper's depth-4 answer, one capped ramp 5→8 (kink at the reflection "
        f"8 = 2·4 − 0), interpolates with that norm, one optimum among many"
    )


# The paper's recorded Lasso objectives at beta = 1e-8 (official notebooks of the v1 figures).
RECORDED_TOY = {("z-shape", 3): 1.5e-8, ("z-shape", 4): 3e-8, ("bounce", 4): 9e-8}
TOY_BETA = 1e-8


def _figs18_19_recorded(v: dict) -> tuple[str, str]:
    norms = {(name, depth): n for name, depth, n in v["ch2_toy_paper_norms"]}
    ratios = {k: rec / (TOY_BETA * norms[k]) for k, rec in RECORDED_TOY.items()}
    return (DIFFERS if min(ratios.values()) > 1.5 else REPRODUCED), (
        "exact minimum norms over the paper's own dictionary: "
        + ", ".join(f"{name} L={d}: {_g(norms[name, d])}" for name, d in RECORDED_TOY)
        + "; the recorded objectives are "
        + ", ".join(f"{_g(r)}×" for r in ratios.values())
        + " β times that: solver artefacts at β = 1e-8, not a flaw of the theory"
    )


def _figs18_19_adam(v: dict) -> tuple[str, str]:
    kept, runs = v["ch2_toy_adam_z_kept"], v["ch2_toy_adam_z_runs"]
    best = [ratio for _, _, ratio in v["ch2_toy_adam_best_ratio"]]
    return _verdict(2 * kept > runs and v["ch2_toy_adam_above_bracket"]), (
        f"from the reflection start the z-shape runs keep the reflection end 4 ({kept} of {runs}); no run is optimal: "
        f"the best restart's objective is {_g(min(best))}–{_g(max(best))}× the certified optimum (depths 3, 4, both data)"
    )


ITEMS: tuple[Item, ...] = (
    Item(
        "two_layer",
        "v4 two-layer theorem",
        "01_two_layer_ramps",
        "A fit, checked three ways",
        "2-layer ReLU, leaky ReLU, |x| nets = Lasso over ramps with breakpoints at the data",
        (
            "ch1_max_gap",
            "ch1_reconstruction_error",
            "ch1_min_adam_excess",
            "ch1_adam_objectives",
            "ch1_min_norm_library_vs_oracle",
        ),
        _two_layer,
    ),
    Item(
        "thm_3_2",
        "v4 Theorem 3.2",
        "02_deep_reflections",
        "Absolute value: mirrors",
        "deep narrow |x| nets = Lasso over reflections (and reflections of reflections) of the data",
        ("ch2_cert_without", "ch2_cert_full", "ch2_cert_winner"),
        _abs_mirrors,
    ),
    Item(
        "thm_3_7",
        "v4 Theorem 3.7",
        "02_deep_reflections",
        "Leaky ReLU: every kink on a data point",
        "deep narrow piecewise-linear nets = Lasso over a finite library, O(N^(L−1)·2^L·L!) for leaky ReLU",
        (
            "ch2_leaky_min_norms",
            "ch2_leaky_bound",
            "ch2_leaky_kinds",
            "ch2_leaky_reconstruction",
            "ch2_leaky_half_text",
            "ch2_leaky_bound_ratio_text",
        ),
        _leaky,
    ),
    Item(
        "lemma_3_8",
        "v4 Lemma 3.8",
        "02_deep_reflections",
        "Deep ReLU units are clamps",
        "deep narrow ReLU, any L ≥ 2: ramps and capped ramps with breakpoints at data, O(N²)",
        ("ch2_z_min_norm", "ch2_sizes"),
        _capped_ramps,
    ),
    Item(
        "v1_fourth_layer",
        "v1 abstract: 4th ReLU layer",
        "02_deep_reflections",
        "Deep ReLU units are clamps",
        "in ReLU networks a fourth layer creates reflection features",
        ("ch2_leaky_columns", "ch2_z_min_norm", "ch2_reflection_combination_norm"),
        _v1_fourth_layer,
    ),
    Item(
        "thm_3_12",
        "v4 Theorem 3.12",
        "02_deep_reflections",
        "Symmetrized ReLU: generalized reflections",
        "3-layer symmetrized ReLU nets: library with generalized reflections",
        (
            "ch2_sym_full",
            "ch2_sym_earlier",
            "ch2_sym_network",
            "ch2_sym_winner_kinds",
            "ch2_sym_generalized_kink",
            "ch2_sym_earlier_min_text",
            "ch2_sym_full_min_text",
        ),
        _symmetrized,
    ),
    Item(
        "sign",
        "v4 sign networks",
        "03_sign_networks",
        "Only the order of the data matters",
        "2- and 3-layer and tree sign nets: switching features that depend only on the order of the data",
        (
            "ch3_same_matrix",
            "ch3_sizes",
            "ch3_size_formula",
            "ch3_max_gap",
            "ch3_reconstruction_error",
            "ch3_range_error",
            "ch3_order_value_difference",
        ),
        _sign,
    ),
    Item(
        "rectangular",
        "v1/v4 rectangular sign nets",
        "03_sign_networks",
        "Rectangular networks of any depth: only the first layer's width counts",
        "rectangular sign nets of any depth are Lasso models",
        (
            "ch3_rect_depth_spread",
            "ch3_rect_random_excess",
            "ch3_rect_max_gap",
            "ch3_rect_random_count",
            "ch3_rect_first_gap",
            "ch3_rect_first_equal",
        ),
        _rectangular,
    ),
    Item(
        "threshold",
        "v4 threshold activation",
        "03_sign_networks",
        "Threshold units: the same library on the levels 0 and 1",
        "sign and threshold activations give dictionaries without reflections",
        ("ch3_thr_reflection_extra", "ch3_thr_norm_ratio", "ch3_thr_objective_error", "ch3_thr_cases"),
        _threshold,
    ),
    Item(
        "min_norm",
        "v4 minimum-norm limit (ReLU, sign)",
        "01_two_layer_ramps",
        "The minimum-norm interpolant",
        "β → 0: minimum-norm interpolating networks",
        (
            "ch1_fig3_min_norm",
            "ch1_fig3_interpolation_error",
            "ch1_fig3_band_text",
            "ch3_range_error",
            "ch3_range_two_layer_excess",
        ),
        _min_norm_relu_sign,
    ),
    Item(
        "min_norm_families",
        "v4 minimum-norm limit (every family)",
        "01_two_layer_ramps",
        "Minimum-norm networks of every family",
        "β → 0 limit for sign, absolute-value and ReLU nets side by side",
        (
            "ch1_mn_families",
            "ch1_mn_closed_form_error",
            "ch1_mn_max_relative_gap",
            "ch1_mn_max_interpolation_error",
            "ch1_mn_oracle_max",
            "ch1_mn_oracle_max_text",
        ),
        _min_norm_families,
    ),
    Item(
        "path",
        "v4 solution path in β",
        "01_two_layer_ramps",
        "Where each neuron is born and dies along β",
        "the Lasso path is piecewise linear in β with finitely many breakpoints",
        (
            "ch1_fig3_path_breakpoints",
            "ch1_noisy_path_breakpoints",
            "ch1_path_pointwise_difference",
            "ch1_path_max_gap",
        ),
        _path,
    ),
    Item(
        "square_closed_forms",
        "v4 square-wave closed forms",
        "04_square_wave",
        "Every formula, checked at its boundaries",
        "closed-form optimal sign networks on the square wave, regime by regime in β",
        ("ch4_curve_error", "ch4_boundary_max_error", "ch4_min_neighbour_error", "ch4_n_checks", "ch4_end_vs_interior"),
        _square_closed_forms,
    ),
    Item(
        "square_generalisation",
        "v4 square wave: generalisation",
        "04_square_wave",
        "Generalisation: held-out points",
        "3-layer sign nets generalise better than 2-layer ones",
        ("ch4_heldout_clean", "ch4_noisy_best"),
        _square_generalisation,
    ),
    Item(
        "appendix_f",
        "v4 Appendix F",
        "07_training_landscape",
        "Rebuilt networks are stationary, and so are their splits",
        "Lasso-generated networks are stationary points of the training problem; neuron splitting keeps that",
        (
            "ch7_rebuilt_descent",
            "ch7_split_descent",
            "ch7_perturbed_descent",
            "ch7_architectures",
            "ch7_adam_stationary_gap",
            "ch7_optimum_text",
        ),
        _stationarity,
    ),
    Item(
        "optimizers",
        "v4 abstract: optimizers find reflections",
        "07_training_landscape",
        'What Adam finds on the "reflections needed" example',
        "reflection features are also found by standard non-convex optimizers",
        ("ch7_adam_reflecting", "ch7_restarts", "ch2_fig2_random_near_reflection", "ch2_fig2_random_n"),
        _optimizers_find_reflections,
    ),
    Item(
        "thm_c_3",
        "v4 Theorem C.3",
        "08_two_dimensional_data",
        "What the paper states, and what this chapter does instead",
        "a special case with 2-D data",
        ("ch8_candidates", "ch8_candidate_formula", "ch8_abs_gaps", "ch8_n", "ch8_oracle_units"),
        _two_d,
    ),
    Item(
        "bitcoin",
        "v4 autoregression experiment",
        "05_bitcoin",
        "The verdict",
        "convex nets competitive in training loss and generalisation on autoregressive time series",
        (
            "ch5_rw_p_value",
            "ch5_test_months",
            "ch5_daily_rw_interval",
            "ch5_daily_rw_difference",
            "ch5_daily_rw_p_value",
            "ch5_daily_test_days",
        ),
        _bitcoin,
    ),
    Item(
        "fig2_random",
        "v1 Figure 2 (random starts)",
        "02_deep_reflections",
        "Figure 2 (v1): does Adam find the reflection, or stay where it was put?",
        "x = (0, 2, 6, 7), L = 4: kink near the reflection 4; with x₁ = −1, near 5",
        (
            "ch2_fig2_random_near_reflection",
            "ch2_fig2_random_near_6",
            "ch2_fig2_random_dead",
            "ch2_fig2_random_n",
        ),
        _fig2_random,
    ),
    Item(
        "fig2_paper_start",
        "v1 Figure 2 (the paper's set-up)",
        "02_deep_reflections",
        "Figure 2 (v1): does Adam find the reflection, or stay where it was put?",
        "Adam started at the reflection solution, lr 5e-3, weight decay 1e-4, β = 1e-8: kink near 4 (x₁ = 0), near 5 (x₁ = −1)",
        (
            "ch2_fig2_reaches_3",
            "ch2_fig2_above_bracket",
            "ch2_fig2_left_ratio",
            "ch2_fig2_drift_first",
            "ch2_fig2_drift_epochs_first",
            "ch2_fig2_drift_last",
            "ch2_fig2_drift_epochs_last",
        ),
        _fig2_paper_start,
    ),
    Item(
        "fig3",
        "v1 Figure 3",
        "02_deep_reflections",
        "Figure 3 (v1): minimum-norm networks of depth 2, 3 and 4, with their features",
        "minimum-norm fits of depth 2, 3, 4 and their features; the depth-4 fit has its kink at a reflection",
        (
            "ch2_fig3_norms",
            "ch2_fig3_norms_text",
            "ch2_fig3_bands",
            "ch2_fig3_paper_l4_interpolates",
            "ch2_fig3_paper_l4_reflection",
        ),
        _fig3,
    ),
    Item(
        "figs_18_19",
        "v1 Figures 18/19 (recorded values)",
        "02_deep_reflections",
        "Figures 18 and 19 (v1): the recorded Lasso panels against the certified optimum",
        "recorded Lasso objectives at β = 1e-8: 1.5e-8, 3e-8 (z-shape L = 3, 4), 9e-8 (bounce L = 4)",
        ("ch2_toy_paper_norms",),
        _figs18_19_recorded,
    ),
    Item(
        "figs_18_19_adam",
        "v1 Figures 18/19 (Adam, paper-style start)",
        "02_deep_reflections",
        "Figures 18 and 19 (v1): Adam at depth 3 and 4 on the bounce and the z-shape",
        "Adam at depth 3 and 4 from the reflection start on the bounce and z-shape data",
        ("ch2_toy_adam_z_kept", "ch2_toy_adam_z_runs", "ch2_toy_adam_best_ratio", "ch2_toy_adam_above_bracket"),
        _figs18_19_adam,
    ),
)


def judge(item: Item, values: dict) -> Row:
    """The item's verdict and measured text from the glued ``values`` (all chapters merged)."""
    missing = [name for name in item.needs if name not in values]
    if missing:
        return Row(item, MISSING, "missing glued value(s): " + ", ".join(missing))
    if item.judge is None:
        shown = "; ".join(f"{name} = {values[name]!r}" for name in item.needs)
        return Row(item, UNJUDGED, shown)
    verdict, measured = item.judge(values)
    return Row(item, verdict, measured)


def report(values: dict) -> list[Row]:
    """One row per item of :data:`ITEMS`, in order."""
    return [judge(item, values) for item in ITEMS]


def verdicts(values: dict) -> dict[str, str]:
    return {row.item.key: row.verdict for row in report(values)}


def executed_values(directory: Path, exclude: str = "10_reproduction") -> dict:
    """Every glued value of the executed notebooks in ``directory`` (names are chapter-prefixed)."""
    from scripts.book import glued_values

    values = {}
    for path in sorted(Path(directory).glob("*.ipynb")):
        if path.stem != exclude:
            values |= glued_values(path)
    return values


def markdown(rows: list[Row]) -> str:
    """The report as a Markdown table, the verdict second; each row links to its chapter's page."""
    lines = [
        "| item | verdict | where in the book | what the paper states | what the book measured |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        item = row.item
        where = f"[{CHAPTERS[item.chapter]}]({item.chapter}.html), § {item.section}"
        cells = [item.name, f"**{row.verdict}**", where, item.paper, row.measured]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)
