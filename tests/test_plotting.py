"""Figures (plotting.py): what the functions draw, checked against independent fits, and no figure leaks."""

import re

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import same_color

import lmirrors
from lmirrors import closed_forms, plotting

matplotlib.use("Agg")

X = np.array([0.3, 0.0, 1.2, 0.7, 2.0, 1.6])  # deliberately unsorted
Y = np.array([0.5, 0.0, -0.4, 1.0, 0.8, -0.2])


@pytest.fixture
def figures(monkeypatch):
    """Every figure ``plt.subplots`` creates during the test (the animations close theirs)."""
    created = []
    subplots = plt.subplots

    def recording(*args, **kwargs):
        fig, ax = subplots(*args, **kwargs)
        created.append(fig)
        return fig, ax

    monkeypatch.setattr(plt, "subplots", recording)
    before = plt.get_fignums()
    yield created
    for fig in created:
        plt.close(fig)
    assert plt.get_fignums() == before


def rendered_frames(animation) -> int:
    """Draws every frame (as the book does) and counts the frames in the HTML."""
    return len(re.findall(r'frames\[\d+\] = "data:image/png;base64,', animation.to_jshtml()))


def network_curves(ax) -> list:
    return [line for line in ax.get_lines() if line.get_linewidth() == 2]


def vertical_lines(ax, colour) -> np.ndarray:
    xs = [
        line.get_xdata()[0]
        for line in ax.get_lines()
        if line.get_linewidth() == 0.6 and same_color(line.get_color(), colour)
    ]
    return np.sort(xs)


def assert_data_drawn(ax, x, y):
    (points,) = ax.collections
    np.testing.assert_array_equal(points.get_offsets(), np.column_stack([x, y]))


def test_animate_path_draws_one_frame_per_beta_without_leaking_its_figure(figures):
    betas = [0.5, 0.05, 0.002]
    open_before = plt.get_fignums()
    animation = plotting.animate_path(X, Y, betas, depth=3, activation="abs")
    assert plt.get_fignums() == open_before  # closed: the notebook shows only the HTML
    assert rendered_frames(animation) == len(betas)
    (fig,) = figures
    (ax,) = fig.axes
    # the last frame: the certified optimum at the last beta, its kinks, the data
    last = lmirrors.fit(X, Y, depth=3, activation="abs", beta=betas[-1])
    grid = plotting.plotting_grid(X)
    (curve,) = network_curves(ax)
    np.testing.assert_allclose(curve.get_ydata(), last.predict(grid), atol=1e-9)
    assert same_color(curve.get_color(), plotting.NETWORK_COLOURS[0])
    np.testing.assert_allclose(vertical_lines(ax, plotting.NETWORK_COLOURS[0]), last.network.breakpoints())
    assert_data_drawn(ax, X, Y)
    assert ax.get_title().startswith(f"{last.architecture.name}, β = 0.002: {len(last.selected())} feature")
    assert ax.get_legend() is None


def test_animate_path_compares_architectures_with_a_reference(figures):
    nb, t = 3, 2
    x, y = closed_forms.square_wave(nb, t)
    betas = [0.0, 1.0, 2.5]
    three = lmirrors.Architecture(3, "sign", m1=nb - 1)

    def reference(b):
        return [closed_forms.two_layer_sign(nb, t, b).u, closed_forms.three_layer_sign(nb, t, b, m1=nb - 1).u]

    animation = plotting.animate_path(
        x, y, betas, depth=2, activation="sign", compare=[three], reference=reference, caption=lambda b: f"<{b}>"
    )
    assert rendered_frames(animation) == len(betas)
    (fig,) = figures
    (ax,) = fig.axes
    grid = plotting.plotting_grid(x)
    two_layer = lmirrors.fit(x, y, depth=2, activation="sign", beta=2.5)
    three_layer = lmirrors.fit(x, y, depth=3, activation="sign", beta=2.5, m1=nb - 1)
    curves = network_curves(ax)
    assert len(curves) == 2
    for curve, result, colour in zip(curves, (two_layer, three_layer), plotting.NETWORK_COLOURS, strict=False):
        np.testing.assert_allclose(curve.get_ydata(), result.predict(grid), atol=1e-9)
        assert same_color(curve.get_color(), colour)
        assert curve.get_label().startswith(result.architecture.name)
        np.testing.assert_allclose(vertical_lines(ax, colour), result.network.breakpoints())
    # the two layers' objective differs from the three layers' here: the curves are not one fit twice
    assert two_layer.solution.objective > three_layer.solution.objective + 0.1
    dashes = [line for line in ax.get_lines() if line.get_marker() == "_"]
    assert len(dashes) == 2
    for line, values in zip(dashes, reference(2.5), strict=True):
        np.testing.assert_array_equal(line.get_xdata(), x)
        np.testing.assert_allclose(line.get_ydata(), values)
    assert_data_drawn(ax, x, y)
    assert ax.get_title() == "β = 2.5; <2.5>"
    assert [text.get_text() for text in ax.get_legend().get_texts()][:2] == [c.get_label() for c in curves]
    # the y-range holds every frame's curves and the data
    low, high = ax.get_ylim()
    assert low < y.min() and high > y.max()


def test_plot_fit_draws_breakpoints_only_when_asked(figures):
    result = lmirrors.fit(X, Y, depth=3, activation="sign", beta=0.05, m1=2)
    _, (plain, marked) = plt.subplots(1, 2)
    plotting.plot_fit(result, plain, contributions=False)
    plotting.plot_fit(result, marked, contributions=False, breakpoints=True)
    assert vertical_lines(plain, plotting.NETWORK_COLOURS[0]).size == 0
    thresholds = result.network.breakpoints()
    assert thresholds.size >= 2
    np.testing.assert_allclose(vertical_lines(marked, plotting.NETWORK_COLOURS[0]), thresholds)
    assert_data_drawn(marked, X, Y)


def test_plot_data_uses_the_book_style_and_accepts_overrides(figures):
    _, ax = plt.subplots()
    plotting.plot_data(ax, X, Y)
    plotting.plot_data(ax, X, Y, s=50, label="held out")
    default, override = ax.collections
    assert same_color(default.get_facecolor()[0], plotting.DATA_STYLE["color"])
    assert default.get_sizes()[0] == plotting.DATA_STYLE["s"] and default.get_label() == "data"
    assert override.get_sizes()[0] == 50 and override.get_label() == "held out"


def test_book_style_sets_the_rc_parameters():
    with matplotlib.rc_context():
        plt.rcParams["axes.spines.top"] = True
        plotting.book_style()
        for key, value in plotting.BOOK_STYLE.items():
            assert plt.rcParams[key] == value


def test_plot_shapes_draws_one_partial_dependence_panel_per_feature(figures):
    import pandas as pd

    from lmirrors.estimator import MirrorRegressor

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.uniform(-1, 1, (30, 3)), columns=["age", "bmi", "bp"])
    y = np.abs(X["age"]) + X["bmi"] ** 2
    model = MirrorRegressor(beta=0.05).fit(X, y)
    fig = plotting.plot_shapes(model, X, ncols=2)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["age", "bmi", "bp"]
    for ax, (grid, curve) in zip(panels, plotting.partial_dependence_curves(model, X), strict=True):
        np.testing.assert_allclose(ax.lines[0].get_xdata(), grid)
        np.testing.assert_allclose(ax.lines[0].get_ydata(), curve)
    plt.close(fig)
