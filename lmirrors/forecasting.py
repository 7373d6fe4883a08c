r"""One-dimensional autoregression: predict $s_{t+1}$ from $s_t$, evaluated honestly.

Splits are chronological (no shuffling), hyper-parameters are chosen on a validation block
that follows the training block, and the test block is forecast *walk-forward*: the model
that predicts $s_{t+1}$ is fitted only on pairs $(s_u, s_{u+1})$ with $u < t$, the data
available when the forecast is made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Predictor = Callable[[np.ndarray], np.ndarray]
Trainer = Callable[[np.ndarray, np.ndarray], Predictor]


def lagged_pairs(series) -> tuple[np.ndarray, np.ndarray]:
    """Inputs $s_t$ and targets $s_{t+1}$ for $t = 1, \\dots, T-1$."""
    s = np.asarray(series, dtype=float)
    if s.ndim != 1 or s.size < 3:
        raise ValueError(f"need a 1-D series of at least 3 values, got shape {s.shape}")
    return s[:-1], s[1:]


@dataclass(frozen=True)
class ChronologicalSplit:
    """Consecutive index blocks ``[0, train) [train, validation) [validation, n)``."""

    n: int
    train: int
    validation: int

    @classmethod
    def fractions(cls, n: int, validation: float = 0.15, test: float = 0.15) -> ChronologicalSplit:
        if not (0 < validation < 1 and 0 < test < 1 and validation + test < 1):
            raise ValueError("validation and test fractions must be in (0, 1) and sum to less than 1")
        n_test = max(1, round(test * n))
        n_val = max(1, round(validation * n))
        return cls(n, n - n_test - n_val, n - n_test)

    @property
    def train_idx(self) -> slice:
        return slice(0, self.train)

    @property
    def validation_idx(self) -> slice:
        return slice(self.train, self.validation)

    @property
    def test_idx(self) -> slice:
        return slice(self.validation, self.n)


def rmse(a, b) -> float:
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def walk_forward(x: np.ndarray, y: np.ndarray, start: int, trainer: Trainer, refit_every: int = 1) -> np.ndarray:
    r"""Predictions of ``y[start:]``: before predicting pair $t$ the model is refitted (every
    ``refit_every`` steps) on pairs $0..t-1$ only, so no forecast sees its own future."""
    if refit_every < 1:
        raise ValueError(f"refit_every must be >= 1, got {refit_every}")
    predictions = np.empty(y.size - start)
    for offset, t in enumerate(range(start, y.size)):
        if offset % refit_every == 0:
            predict = trainer(x[:t], y[:t])
        predictions[offset] = predict(x[t : t + 1])[0]
    return predictions


def last_value(x: np.ndarray, y: np.ndarray) -> Predictor:
    """Random-walk baseline: tomorrow equals today (for returns: use :func:`zero`)."""
    return lambda new_x: np.asarray(new_x, dtype=float)


def zero(x: np.ndarray, y: np.ndarray) -> Predictor:
    """Zero-return baseline (the random walk written in returns)."""
    return lambda new_x: np.zeros(np.size(new_x))


def linear_ar1(x: np.ndarray, y: np.ndarray) -> Predictor:
    r"""Least-squares AR(1): $\hat s_{t+1} = a + b\, s_t$."""
    b, a = np.polyfit(x, y, 1)
    return lambda new_x: a + b * np.asarray(new_x, dtype=float)
