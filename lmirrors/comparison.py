r"""Scoring regressors side by side: each fitted on the same training rows, timed, and scored by
its test root-mean-square error $\sqrt{\tfrac1n\sum_i (\hat y_i - y_i)^2}$ on the same held-out rows."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Scored:
    """One regressor's test RMSE, its fit time in seconds and the fitted estimator."""

    name: str
    test_rmse: float
    seconds: float
    estimator: Any


def score_regressors(models: Mapping[str, Any], X_train, y_train, X_test, y_test) -> dict[str, Scored]:
    """Fit each scikit-learn regressor of ``models`` (a fresh clone) on the training rows, in the given
    order; time the fit and score its predictions on the test rows."""
    from sklearn.base import clone

    scored = {}
    for name, model in models.items():
        estimator = clone(model)
        start = time.perf_counter()
        estimator.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        error = float(np.sqrt(np.mean((estimator.predict(X_test) - np.asarray(y_test, dtype=float)) ** 2)))
        scored[name] = Scored(name, error, seconds, estimator)
    return scored
