"""The JupyterLab explorer: move β, the labels and the architecture, see the optimal network.

Every family of the registry (:func:`lmirrors.architectures() <lmirrors.registry.architectures>`) is offered, with its options
(e.g. the leaky ReLU's slope, the width of a sign tree) as sliders and, for sign and threshold
networks of depth 3 and more, a tree/rectangular layout menu. Where the family has an exact
Lasso path (:func:`lmirrors.fit_path`) a small β axis under the plot marks its breakpoints.
"""

from __future__ import annotations

import time
from collections import OrderedDict

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .fitting import Fit, automatic_method, fit, fit_library
from .interactive import path_breakpoints
from .libraries.library import Library
from .plotting import plot_fit
from .registry import LAYOUT, Architecture, Option, find_family, supported
from .validation import as_1d, check_data


class Explorer:
    """Callback logic of the explorer, usable without a browser.

    Libraries depend only on ``x`` and the architecture, so they are built once and cached;
    moving β or a label only re-solves the Lasso, warm-started from the last solution on the
    same library. Architectures whose library is too large to write down (or that have a
    closed form) go through :func:`lmirrors.fit` as it would choose. Solutions are cached too
    (the last ``max_cached_fits`` settings), so returning to a setting is instant. Every
    answer is certified by its duality gap. The exact path's breakpoints
    (:meth:`breakpoints`) are cached per architecture and labels.
    """

    max_cached_fits = 128
    beta_min = 1e-4
    """Where :meth:`breakpoints` stops (the β slider's lower end)."""

    def __init__(self, x, y) -> None:
        self.x, self.y = check_data(x, y)
        self._libraries: dict[tuple, Library] = {}
        self._fits: OrderedDict[tuple, Fit] = OrderedDict()
        self._last_z: dict[tuple, np.ndarray] = {}  # warm starts per library
        self._breakpoints: OrderedDict[tuple, np.ndarray | None] = OrderedDict()
        self.last_seconds = 0.0
        self.last_cached = False

    @staticmethod
    def key(depth: int, activation: str, **options) -> tuple:
        """How the caches name an architecture."""
        return (depth, activation, *sorted(options.items()))

    def library(self, depth: int, activation: str, **options) -> Library:
        key = self.key(depth, activation, **options)
        if key not in self._libraries:
            self._libraries[key] = Architecture(depth, activation, **options).library(self.x)
        return self._libraries[key]

    def solve(self, depth: int, activation: str, beta: float, y=None, **options) -> Fit:
        """The certified optimum for the current settings (``y`` replaces the labels if given).

        Sets ``last_seconds`` (wall time of this call) and ``last_cached`` (answer reused).
        """
        start = time.perf_counter()
        if y is not None:
            self.y = check_data(self.x, y)[1]
        architecture = self.key(depth, activation, **options)
        key = (*architecture, float(beta), self.y.tobytes())
        self.last_cached = key in self._fits
        if self.last_cached:
            self._fits.move_to_end(key)
        elif automatic_method(Architecture(depth, activation, **options), self.x) != "library":
            self._fits[key] = fit(self.x, self.y, depth, activation, beta, **options)
        else:
            previous = self._last_z.get(architecture) if beta > 0 else None
            library = self.library(depth, activation, **options)
            self._fits[key] = fit_library(library, self.y, beta, warm_start=previous)
            if beta > 0:
                self._last_z[architecture] = self._fits[key].solution.z
        while len(self._fits) > self.max_cached_fits:
            self._fits.popitem(last=False)
        self.last_seconds = time.perf_counter() - start
        return self._fits[key]

    def breakpoints(self, depth: int, activation: str, **options) -> np.ndarray | None:
        r"""The $\beta \ge$ ``beta_min`` where a neuron of the exact Lasso path is born or dies
        (:func:`~lmirrors.interactive.path_breakpoints` on the current labels); ``None`` where
        the family has no exact path."""
        key = (*self.key(depth, activation, **options), self.y.tobytes())
        if key not in self._breakpoints:
            self._breakpoints[key] = path_breakpoints(self.x, self.y, self.beta_min, depth, activation, **options)
            while len(self._breakpoints) > self.max_cached_fits:
                self._breakpoints.popitem(last=False)
        return self._breakpoints[key]

    @staticmethod
    def depths() -> list[int]:
        """Depths with a library (from :func:`lmirrors.registry.supported`)."""
        return sorted(supported())

    @staticmethod
    def activations(depth: int) -> tuple[str, ...]:
        """Activations with a library at ``depth``."""
        table = supported()
        if depth not in table:
            raise ValueError(f"no library for depth {depth}; available depths: {sorted(table)}")
        return table[depth]

    @staticmethod
    def options(depth: int, activation: str, layout: str = "tree") -> tuple[Option, ...]:
        """The family's options the explorer offers as sliders at ``depth`` (``layout`` picks
        the tree or the rectangular family where both exist)."""
        family = find_family(activation, depth, {"layout": layout})
        return tuple(o for o in family.options if o.slider and (o.depths is None or depth in o.depths))

    @staticmethod
    def layouts(depth: int, activation: str) -> bool:
        """Whether ``activation`` at ``depth`` comes in a tree and a rectangular layout."""
        return LAYOUT in find_family(activation, depth).options and depth in LAYOUT.depths

    def parse_labels(self, text: str) -> np.ndarray:
        """Labels typed as text (commas, spaces or newlines between numbers) for the points in
        increasing ``x``; returned in the order of ``x``.

        Raises ``ValueError`` unless there is one finite number per data point.
        """
        tokens = text.replace(",", " ").split()
        try:
            values = [float(t) for t in tokens]
        except ValueError as exc:
            raise ValueError(f"labels must be numbers separated by commas or spaces ({exc})") from exc
        if len(values) != self.x.size:
            raise ValueError(f"expected {self.x.size} labels (one per data point), got {len(values)}")
        labels = np.empty_like(self.x)
        labels[np.argsort(self.x)] = as_1d(values, "y")
        return check_data(self.x, labels)[1]

    def status(self, result: Fit) -> str:
        """One line: the certificate and how long the last solve took."""
        how = "cached" if self.last_cached else "solved"
        return (
            f"{result.library.size} features; Lasso objective {result.solution.objective:.6g} = network objective "
            f"{result.network_objective:.6g} (duality gap {result.solution.gap:.1e}); "
            f"{how} in {1000 * self.last_seconds:.0f} ms"
        )


class ExplorerView:
    """The widgets of :func:`explore` and their callbacks (drive them from code in tests).

    Controls: ``depth`` and ``activation`` menus (what :func:`~lmirrors.registry.supported`
    offers), ``layout`` (tree or rectangular, shown where both exist), a slider per option of
    the chosen family (``option_sliders``), ``beta`` (log slider), one slider per label, and
    ``labels_text`` to type every label at once. ``status`` shows the certificate and the
    solve time, or what was wrong with an edit. ``breakpoints`` holds the exact path's
    breakpoints for the current settings (``None`` without an exact path), drawn on a small
    β axis under the network with the current β.
    """

    def __init__(self, x, y, depth: int = 2, activation: str = "relu", beta: float = 0.1, **options) -> None:
        self.explorer = Explorer(x, y)
        self.order = np.argsort(self.explorer.x)
        y0 = self.explorer.y
        span = float(np.ptp(y0)) or 1.0
        self.depth = widgets.Dropdown(options=Explorer.depths(), value=depth, description="depth")
        self.activation = widgets.Dropdown(
            options=Explorer.activations(depth), value=activation, description="activation"
        )
        self.beta = widgets.FloatLogSlider(value=beta, base=10, min=-4, max=1, step=0.05, description="β")
        self.label_sliders = [
            widgets.FloatSlider(
                value=float(y0[i]),
                min=float(y0.min() - span),
                max=float(y0.max() + span),
                step=span / 100,
                description=f"y at {self.explorer.x[i]:.3g}",
                continuous_update=False,
            )
            for i in self.order
        ]
        self.labels_text = widgets.Text(value=self._labels_as_text(y0), description="labels", continuous_update=False)
        self.status = widgets.HTML()
        self.output = widgets.Output()
        self.result: Fit | None = None
        self.breakpoints: np.ndarray | None = None
        self._holding = False
        self.layout = widgets.Dropdown(options=("tree", "rectangular"), value="tree", description="layout")
        self.option_sliders: dict[str, widgets.Widget] = {}
        self.option_box = widgets.VBox()
        self._sync_options()
        unknown = set(options) - set(self.option_sliders)
        if unknown:
            offered = ", ".join(self.option_sliders) or "none"
            raise ValueError(f"the explorer offers no option {', '.join(sorted(unknown))} here; offered: {offered}")
        for name, value in options.items():
            self.option_sliders[name].value = value
        self.depth.observe(self._on_depth, names="value")
        self.activation.observe(self._on_activation, names="value")
        for control in [self.beta, *self.label_sliders]:
            control.observe(self.redraw, names="value")
        self.labels_text.observe(self._on_labels_text, names="value")
        self.layout.observe(self._on_activation, names="value")
        self.redraw()
        controls = [self.depth, self.activation, self.option_box, self.beta, self.labels_text, *self.label_sliders]
        self.widget = widgets.HBox([widgets.VBox(controls), widgets.VBox([self.output, self.status])])

    def _labels_as_text(self, y: np.ndarray) -> str:
        return ", ".join(f"{v:.4g}" for v in y[self.order])

    def _slider_labels(self) -> np.ndarray:
        labels = np.empty_like(self.explorer.y)
        labels[self.order] = [s.value for s in self.label_sliders]
        return labels

    def _on_depth(self, change) -> None:
        """New depth: offer its activations (keep the current one if it is offered) and their options."""
        options = Explorer.activations(change["new"])
        keep = self.activation.value if self.activation.value in options else options[0]
        self._holding = True
        try:
            self.activation.options = options
            self.activation.value = keep
        finally:
            self._holding = False
        self._sync_options()
        self.redraw()

    def _on_activation(self, change) -> None:
        if self._holding:
            return
        self._sync_options()
        self.redraw()

    def _sync_options(self) -> None:
        """One slider per option of the chosen family (values kept when the option stays)."""
        layouts = Explorer.layouts(self.depth.value, self.activation.value)
        offered = Explorer.options(self.depth.value, self.activation.value, self.layout.value if layouts else "tree")
        sliders = {}
        for option in offered:
            sliders[option.name] = self.option_sliders.get(option.name) or self._slider(option)
        for name, slider in self.option_sliders.items():
            if name not in sliders:
                slider.unobserve(self.redraw, names="value")
        self.option_sliders = sliders
        self.option_box.children = ((self.layout,) if layouts else ()) + tuple(sliders.values())

    def _slider(self, option: Option) -> widgets.Widget:
        low, high, step = option.slider
        if all(float(v).is_integer() for v in (low, step)):
            high = self.explorer.x.size - 1 if high is None else high
            value = int(option.default or low)
            slider = widgets.IntSlider(value=value, min=int(low), max=max(int(high), int(low)), step=int(step))
        else:
            slider = widgets.FloatSlider(value=option.default, min=low, max=high, step=step)
        slider.description = option.name
        slider.tooltip = option.help
        slider.continuous_update = False
        slider.observe(self.redraw, names="value")
        return slider

    def _on_labels_text(self, change) -> None:
        """Typed labels: validate, move the sliders (one redraw, not one per slider)."""
        if self._holding:
            return
        try:
            labels = self.explorer.parse_labels(change["new"])
        except ValueError as exc:
            self.status.value = f"<b>labels not applied:</b> {exc}"
            return
        self._holding = True
        try:
            for slider, value in zip(self.label_sliders, labels[self.order], strict=True):
                slider.min, slider.max = min(slider.min, value), max(slider.max, value)
                slider.value = value
        finally:
            self._holding = False
        self.redraw()

    def _architecture_options(self) -> dict:
        options = {name: slider.value for name, slider in self.option_sliders.items()}
        if Explorer.layouts(self.depth.value, self.activation.value) and self.layout.value != "tree":
            options["layout"] = self.layout.value
        return options

    def redraw(self, _=None) -> None:
        """Solve for the current controls and redraw (no-op while controls are being synchronised)."""
        if self._holding:
            return
        options = self._architecture_options()
        self.result = self.explorer.solve(
            self.depth.value, self.activation.value, self.beta.value, self._slider_labels(), **options
        )
        self.breakpoints = self.explorer.breakpoints(self.depth.value, self.activation.value, **options)
        self.status.value = self.explorer.status(self.result)
        self._holding = True
        try:
            self.labels_text.value = self._labels_as_text(self.explorer.y)
        finally:
            self._holding = False
        with self.output:
            self.output.clear_output(wait=True)
            # the β axis on top: plot_fit puts its legend under the network
            figure, (path_ax, ax) = plt.subplots(
                2, 1, figsize=(6.5, 4.8), gridspec_kw={"height_ratios": [1, 7], "hspace": 0.6}
            )
            plot_fit(self.result, ax)
            self._draw_beta_axis(path_ax)
            plt.show()
            plt.close(figure)

    def _draw_beta_axis(self, ax) -> None:
        """The β slider's range on a log axis: the path's breakpoints as ticks, the current β as a dot."""
        ax.set_xscale("log")
        ax.set_xlim(10**self.beta.min, 10**self.beta.max)
        ax.set_yticks([])
        if self.breakpoints is None:
            ax.set_title("no exact path for this family", fontsize=8)
        else:
            ax.vlines(self.breakpoints, 0, 1, color="grey", lw=1)
            ax.set_title(f"β: {self.breakpoints.size} path breakpoints (a neuron is born or dies)", fontsize=8)
        ax.plot([self.beta.value], [0.5], "o", color="C3")
        ax.set_ylim(0, 1)


def explore(x, y, depth: int = 2, activation: str = "relu", beta: float = 0.1, **options) -> widgets.Widget:
    """Menus for depth and activation, sliders for the family's options (starting at ``options``,
    e.g. ``widths=3`` for a sign tree), β and every label, a box to type the labels; redraws the
    optimal network and reports the certificate and the solve time."""
    return ExplorerView(x, y, depth, activation, beta, **options).widget
