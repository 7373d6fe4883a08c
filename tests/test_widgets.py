"""The explorer's callback logic, driven from code (no browser, no kernel)."""

import matplotlib
import numpy as np
import pytest

import lmirrors
from lmirrors.registry import supported
from lmirrors.widgets import Explorer, ExplorerView, explore

matplotlib.use("Agg")
SUPPORTED = supported()

X = np.array([3.0, 0.0, 1.0, 4.0, 2.0])  # deliberately unsorted
Y = np.array([1.0, 0.0, 2.0, -1.0, 0.5])


def assert_same_fit(result, x, y, depth, activation, beta):
    reference = lmirrors.fit(x, y, depth=depth, activation=activation, beta=beta)
    assert result.solution.objective == pytest.approx(reference.solution.objective, rel=1e-8)
    grid = np.linspace(-1, 5, 25)
    np.testing.assert_allclose(result.predict(grid), reference.predict(grid), atol=1e-7)


def test_explorer_caches_libraries_and_solutions():
    explorer = Explorer(X, Y)
    first = explorer.solve(2, "relu", 0.1)
    assert not explorer.last_cached and explorer.last_seconds > 0
    assert explorer.library(2, "relu") is first.library
    again = explorer.solve(2, "relu", 0.1)
    assert explorer.last_cached and again is first
    other = explorer.solve(2, "relu", 0.2)
    assert not explorer.last_cached and other.library is first.library
    assert_same_fit(other, X, Y, 2, "relu", 0.2)
    # New labels are a new problem, never a stale cached answer.
    changed = explorer.solve(2, "relu", 0.1, Y + 1.0)
    assert not explorer.last_cached
    assert_same_fit(changed, X, Y + 1.0, 2, "relu", 0.1)


def test_solution_cache_is_bounded():
    explorer = Explorer(X, Y)
    explorer.max_cached_fits = 3
    for beta in (0.1, 0.2, 0.3, 0.4):
        explorer.solve(2, "abs", beta)
    assert len(explorer._fits) == 3
    explorer.solve(2, "abs", 0.1)
    assert not explorer.last_cached, "the oldest setting should have been evicted"


def test_depths_and_activations_come_from_supported():
    assert Explorer.depths() == sorted(SUPPORTED)
    for depth in SUPPORTED:
        assert Explorer.activations(depth) == tuple(SUPPORTED[depth])
    with pytest.raises(ValueError, match="available depths"):
        Explorer.activations(99)


def test_parse_labels():
    explorer = Explorer(X, Y)
    # Typed for x = 0, 1, 2, 3, 4; returned in the data's order x = 3, 0, 1, 4, 2.
    np.testing.assert_array_equal(explorer.parse_labels("1, 2 3\n4,5"), [4, 1, 2, 5, 3])
    with pytest.raises(ValueError, match="expected 5 labels"):
        explorer.parse_labels("1, 2")
    with pytest.raises(ValueError, match="must be numbers"):
        explorer.parse_labels("1, 2, x, 4, 5")
    with pytest.raises(ValueError, match="NaN or infinite"):
        explorer.parse_labels("1, 2, nan, 4, 5")


def test_status_reports_certificate_and_time():
    explorer = Explorer(X, Y)
    result = explorer.solve(2, "relu", 0.1)
    text = explorer.status(result)
    assert f"{result.solution.objective:.6g}" in text and "duality gap" in text
    assert text.endswith(" ms") and "solved in" in text
    explorer.solve(2, "relu", 0.1)
    assert "cached in" in explorer.status(result)


def test_view_controls_drive_the_fit():
    view = ExplorerView(X, Y, beta=0.1)
    assert view.depth.options == tuple(sorted(SUPPORTED))
    assert view.activation.options == tuple(SUPPORTED[2])
    assert_same_fit(view.result, X, Y, 2, "relu", 0.1)
    view.activation.value = "abs"
    assert view.result.architecture.activation.name == "abs"
    view.beta.value = 0.01
    assert_same_fit(view.result, X, Y, 2, "abs", 0.01)
    assert "duality gap" in view.status.value


def test_view_label_sliders_follow_sorted_x():
    view = ExplorerView(X, Y)
    order = np.argsort(X)
    assert [s.value for s in view.label_sliders] == list(Y[order])
    view.label_sliders[0].value = 1.5  # the point with the smallest x (x = 0)
    edited = Y.copy()
    edited[np.argmin(X)] = 1.5
    np.testing.assert_array_equal(view.result.y, edited)
    assert view.labels_text.value.startswith("1.5, ")


def test_view_typed_labels_resolve_once(monkeypatch):
    view = ExplorerView(X, Y)
    calls = []
    original = view.explorer.solve
    monkeypatch.setattr(view.explorer, "solve", lambda *a: calls.append(a) or original(*a))
    view.labels_text.value = "0, 1, 0, 1, 9"  # in the order of sorted x; 9 is beyond the slider range
    assert len(calls) == 1, "typing the labels should trigger one solve, not one per slider"
    expected = np.empty(5)
    expected[np.argsort(X)] = [0, 1, 0, 1, 9]
    np.testing.assert_array_equal(view.result.y, expected)
    assert view.label_sliders[-1].value == 9
    before = view.result
    view.labels_text.value = "1, 2"
    assert "labels not applied" in view.status.value and "expected 5 labels" in view.status.value
    assert view.result is before


def test_view_depth_change_repopulates_activations(monkeypatch):
    view = ExplorerView(X, Y, activation="abs")
    calls = []
    monkeypatch.setattr(view, "redraw", lambda *_: calls.append(view.activation.value))
    view.depth.value = 6  # abs has no library at depth 6: the menu falls back to its first activation
    assert view.activation.options == SUPPORTED[6] and "abs" not in SUPPORTED[6]
    assert calls == [SUPPORTED[6][0]], "a depth change redraws once, after the activation menu is updated"


def test_every_family_is_offered_with_its_options():
    """Sign networks and leaky ReLU come with sliders for their options; the fit follows them."""
    offered = {a for acts in SUPPORTED.values() for a in acts}
    assert offered == {family.activation for family in lmirrors.architectures()}
    view = ExplorerView(X, Y, beta=0.1)
    view.activation.value = "leaky_relu"
    assert list(view.option_sliders) == ["slope"]
    view.option_sliders["slope"].value = 0.5
    assert view.result.architecture.activation.slope == 0.5
    view.depth.value = 3
    view.activation.value = "sign"
    assert list(view.option_sliders) == ["widths"] and view.option_sliders["widths"].max == X.size - 1
    view.option_sliders["widths"].value = 2
    reference = lmirrors.fit(X, Y, 3, "sign", 0.1, m1=2)
    assert view.result.solution.objective == pytest.approx(reference.solution.objective, rel=1e-9)
    assert view.result.network.depth == 3 and "duality gap" in view.status.value
    view.depth.value = 2
    assert view.option_sliders == {} and view.result.architecture.name == "2-layer sign"


def test_explore_returns_a_widget():
    widget = explore(X, Y, activation="leaky_relu", beta=0.05)
    assert widget.children and len(widget.children) == 2


def test_moving_beta_is_warm_started_and_still_certified():
    rng = np.random.default_rng(5)
    x = np.sort(rng.uniform(-2, 2, 12))
    y = np.sin(2 * x) + 0.1 * rng.normal(size=12)
    explorer = Explorer(x, y)
    explorer.solve(2, "relu", 0.3)
    seed = explorer._last_z[Explorer.key(2, "relu")].copy()
    warm = explorer.solve(2, "relu", 0.05)
    cold = lmirrors.fit(x, y, depth=2, activation="relu", beta=0.05)
    assert not np.array_equal(seed, explorer._last_z[Explorer.key(2, "relu")]), "the new solution becomes the next seed"
    assert abs(warm.solution.objective - cold.solution.objective) <= 1e-9 * cold.solution.objective
    assert warm.solution.relative_gap <= 1e-9


def test_explore_starts_from_given_options():
    view = ExplorerView(X, Y, depth=3, activation="sign", beta=0.05, widths=3)
    assert view.option_sliders["widths"].value == 3
    assert view.result.architecture.options["widths"] == (3,)
    with pytest.raises(ValueError, match="offers no option slope"):
        ExplorerView(X, Y, slope=0.2)


def test_rectangular_sign_and_threshold_are_offered():
    view = ExplorerView(X, Y, depth=3, activation="sign", beta=0.1)
    assert view.layout in view.option_box.children and list(view.option_sliders) == ["widths"]
    view.layout.value = "rectangular"
    view.option_sliders["widths"].value = 2
    reference = lmirrors.fit(X, Y, 3, "sign", 0.1, layout="rectangular", widths=2)
    assert "rectangular" in view.result.architecture.name
    assert view.result.solution.objective == pytest.approx(reference.solution.objective, rel=1e-9)
    view.activation.value = "threshold"
    assert "rectangular" in view.result.architecture.name and "threshold" in view.result.architecture.name
    view.depth.value = 2  # no layouts at depth 2
    assert view.layout not in view.option_box.children and view.result.architecture.name == "2-layer threshold"
    # every family of the registry is reachable from the menus
    reached = []
    for family in lmirrors.architectures():
        view.depth.value = 2  # every activation is offered at depth 2
        view.activation.value = family.activation
        view.depth.value = max(family.depths.start, 3 if family.selected_by else 2)
        view.layout.value = family.selected_by.get("layout", "tree")
        reached.append(view.result.architecture.family)
    assert reached == list(lmirrors.architectures())


def test_path_breakpoints_are_marked_where_the_family_has_a_path():
    view = ExplorerView(X, Y, beta=0.1)
    expected = lmirrors.fit_path(X, Y, beta_min=Explorer.beta_min).breakpoints
    np.testing.assert_array_equal(view.breakpoints, expected)
    # labels change: a new path
    view.label_sliders[0].value = 1.0
    assert not np.array_equal(view.breakpoints, expected)
    view.depth.value = 3
    view.activation.value = "sign"
    assert view.breakpoints is not None  # a small sign tree has a written-down library
    view.layout.value = "rectangular"  # solved in closed form only: no path
    assert view.breakpoints is None
