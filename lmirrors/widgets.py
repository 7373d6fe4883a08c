"""The JupyterLab explorer: move β, the labels and the architecture, see the optimal network."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .dictionaries import Architecture, Library
from .fitting import Fit, fit_library
from .plotting import plot_fit
from .validation import check_data

ACTIVATIONS = ("relu", "leaky_relu", "abs")


class Explorer:
    """Callback logic of the explorer, usable without a browser.

    Libraries depend only on ``x`` and the architecture, so they are built once and cached;
    moving β or a label only re-solves the Lasso.
    """

    def __init__(self, x, y) -> None:
        self.x, self.y = check_data(x, y)
        self._libraries: dict[tuple[int, str], Library] = {}

    def library(self, depth: int, activation: str) -> Library:
        key = (depth, activation)
        if key not in self._libraries:
            self._libraries[key] = Architecture(depth, activation).library(self.x)
        return self._libraries[key]

    def solve(self, depth: int, activation: str, beta: float, y=None) -> Fit:
        """The certified optimum for the current settings (``y`` replaces the labels if given)."""
        if y is not None:
            self.y = check_data(self.x, y)[1]
        return fit_library(self.library(depth, activation), self.y, beta)


def explore(
    x, y, depth: int = 2, activation: str = "relu", beta: float = 0.1, depths: tuple[int, ...] = ()
) -> widgets.Widget:
    """Sliders for β and every label, a menu for the activation (and for the depth, if ``depths``
    offers several); redraws the optimal network. Unsupported combinations print why."""
    explorer = Explorer(x, y)
    order = np.argsort(explorer.x)
    span = float(np.ptp(explorer.y)) or 1.0
    beta_slider = widgets.FloatLogSlider(value=beta, base=10, min=-4, max=1, step=0.05, description="β")
    menu = widgets.Dropdown(options=ACTIVATIONS, value=activation, description="activation")
    depth_menu = widgets.Dropdown(options=tuple(depths) or (depth,), value=depth, description="depth")
    label_sliders = [
        widgets.FloatSlider(
            value=float(explorer.y[i]),
            min=float(explorer.y.min() - span),
            max=float(explorer.y.max() + span),
            step=span / 100,
            description=f"y at {explorer.x[i]:.3g}",
            continuous_update=False,
        )
        for i in order
    ]
    output = widgets.Output()

    def redraw(_=None) -> None:
        labels = np.empty_like(explorer.y)
        labels[order] = [s.value for s in label_sliders]
        with output:
            output.clear_output(wait=True)
            try:
                result = explorer.solve(depth_menu.value, menu.value, beta_slider.value, labels)
            except ValueError as exc:
                print(exc)
                return
            plot_fit(result, plt.subplots(figsize=(6.5, 3.8))[1])
            plt.show()
            print(
                f"Lasso objective {result.solution.objective:.6g} = network objective "
                f"{result.network_objective:.6g} (duality gap {result.solution.gap:.1e})"
            )

    menus = [menu, depth_menu] if len(depth_menu.options) > 1 else [menu]
    for control in [beta_slider, *menus, *label_sliders]:
        control.observe(redraw, names="value")
    redraw()
    controls = widgets.VBox([beta_slider, *menus, *label_sliders])
    return widgets.HBox([controls, output])
