"""MirrorRegressor: scikit-learn's estimator checks, in full, and its own properties.

One column gives the 1-D network of ``lmirrors.fit``; more columns the additive network of
``lmirrors.fitting.fit_additive``. scikit-learn's generic checks feed both (iris, ``make_regression``
with 10 features, random ``(n, 3)`` arrays), and none is expected to fail.
"""

import pickle

import numpy as np
import pytest
import torch
from helpers import registry_cases
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.inspection import partial_dependence
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import lmirrors
from lmirrors.estimator import MirrorRegressor
from lmirrors.fitting import fit_additive

ESTIMATORS = [MirrorRegressor(beta=0.05), MirrorRegressor(activation="abs", beta=0.05)]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_checks(estimator, check):
    check(estimator)


def data(n=12, seed=0):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, n))
    return x[:, None], np.sin(2 * x) + 0.1 * rng.standard_normal(n)


def test_fit_is_lmirrors_fit():
    X, y = data()
    model = MirrorRegressor(depth=2, activation="relu", beta=0.05)
    assert model.fit(X, y) is model
    reference = lmirrors.fit(X[:, 0], y, depth=2, activation="relu", beta=0.05)
    grid = np.linspace(-3, 3, 50)
    np.testing.assert_allclose(model.predict(grid[:, None]), reference.predict(grid), atol=1e-8)
    assert model.network_ is model.fit_.network
    assert model.n_features_in_ == 1
    # The estimator's network attains the certified Lasso optimum.
    rel = (
        abs(model.network_.objective(X[:, 0], y, 0.05) - model.fit_.solution.objective) / model.fit_.solution.objective
    )
    assert rel < 1e-8


@pytest.mark.parametrize(("depth", "activation", "options"), registry_cases(), ids=str)
def test_every_supported_architecture(depth, activation, options):
    X, y = data(n=6, seed=1)
    model = MirrorRegressor(depth=depth, activation=activation, beta=0.02, options=options).fit(X, y)
    assert model.fit_.architecture.depth == depth
    assert model.fit_.architecture.activation.name == activation
    assert model.fit_.solution.relative_gap < 1e-6


def test_parameters_go_straight_to_fit(monkeypatch):
    seen = {}

    def fake_fit(x, y, **kwargs):
        seen.update(kwargs)
        return lmirrors.fit(x, y, depth=2, activation="relu", beta=0.1)

    monkeypatch.setattr("lmirrors.estimator.fit", fake_fit)
    X, y = data()
    MirrorRegressor(depth=4, activation="abs", beta=0.3, options={"width": 5}).fit(X, y)
    assert seen == {"depth": 4, "activation": "abs", "beta": 0.3, "sample_weight": None, "width": 5}


def test_options_reach_the_architecture():
    X, y = data()
    model = MirrorRegressor(activation="leaky_relu", options={"slope": 0.2}).fit(X, y)
    assert model.fit_.architecture.activation.slope == 0.2
    with pytest.raises(ValueError, match="options must be a dict"):
        MirrorRegressor(options=[("slope", 0.2)]).fit(X, y)


def test_minimum_norm_interpolates():
    X, y = data(n=8)
    model = MirrorRegressor(beta=0).fit(X, y)
    np.testing.assert_allclose(model.predict(X), y, atol=1e-8)
    assert model.score(X, y) == pytest.approx(1.0, abs=1e-12)


def test_score_is_r2():
    X, y = data()
    model = MirrorRegressor(beta=0.5).fit(X, y)
    prediction = model.predict(X)
    r2 = 1 - np.sum((y - prediction) ** 2) / np.sum((y - y.mean()) ** 2)
    assert model.score(X, y) == pytest.approx(r2)


def test_to_torch_has_the_same_outputs():
    X, y = data()
    model = MirrorRegressor(activation="abs", beta=0.05).fit(X, y)
    grid = np.linspace(-3, 3, 40)
    module = model.to_torch()
    assert isinstance(module, torch.nn.Module)
    with torch.no_grad():
        out = module(torch.tensor(grid)).numpy()
    np.testing.assert_allclose(out, model.predict(grid[:, None]), atol=1e-12)


def test_clone_get_set_params():
    model = MirrorRegressor(depth=2, activation="abs", beta=0.3, options={"slope": 0.1})
    assert model.get_params() == {"depth": 2, "activation": "abs", "beta": 0.3, "options": {"slope": 0.1}}
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy is not model
    assert model.set_params(beta=0.7) is model and model.beta == 0.7
    assert "beta=0.7" in repr(model)


def test_not_fitted():
    with pytest.raises(NotFittedError):
        MirrorRegressor().predict([[0.0]])
    with pytest.raises(NotFittedError):
        _ = MirrorRegressor().network_


# The properties of the multi-feature checks, on one-feature data.


def test_default_beta_is_relative_to_the_training_set():
    X, y = data()
    model = MirrorRegressor().fit(X, y)
    top = lmirrors.Architecture(2, "relu").beta_max(X[:, 0], y)
    assert model.beta is None and model.beta_ == pytest.approx(lmirrors.fitting.DEFAULT_RELATIVE_BETA * top)
    scaled = MirrorRegressor().fit(1e3 * X, 1e-4 * y)
    np.testing.assert_allclose(1e4 * scaled.predict(1e3 * X), model.predict(X), atol=1e-8)
    assert MirrorRegressor(beta=0.05).fit(X, y).beta_ == 0.05


def test_pickle_and_idempotent_fit():
    X, y = data()
    model = MirrorRegressor(beta=0.05).fit(X, y)
    first = model.predict(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict(X), first)
    np.testing.assert_allclose(model.fit(X, y).predict(X), first, atol=1e-10)


@pytest.mark.parametrize("features", [1, 3])
def test_pickled_estimator_is_small(features):
    """The fitted estimator keeps the network and its support, not the 3-layer abs library (~9e4
    columns per feature): under 1 MB, and it predicts the same after loading."""
    rng = np.random.default_rng(6)
    X = rng.uniform(-1.0, 1.0, (300, features))
    y = np.sin(3 * X[:, 0]) + np.abs(X[:, -1]) + 0.1 * rng.normal(size=300)
    model = MirrorRegressor(3, "abs").fit(X, y)
    data = pickle.dumps(model)
    assert len(data) < 1_000_000
    np.testing.assert_array_equal(pickle.loads(data).predict(X), model.predict(X))


def test_order_and_subset_invariance():
    X, y = data()
    model = MirrorRegressor(beta=0.05).fit(X, y)
    full = model.predict(X)
    perm = np.random.default_rng(3).permutation(len(X))
    np.testing.assert_allclose(model.predict(X[perm]), full[perm])
    np.testing.assert_allclose(model.predict(X[:5]), full[:5])
    # Fitting on shuffled rows gives the same function.
    shuffled = MirrorRegressor(beta=0.05).fit(X[perm], y[perm])
    np.testing.assert_allclose(shuffled.predict(X), full, atol=1e-7)


def test_dtypes_lists_and_readonly_input():
    X, y = data()
    reference = MirrorRegressor(beta=0.05).fit(X, y).predict(X)
    for X_in in (X.astype(np.float32), X.tolist(), np.asfortranarray(X)):
        np.testing.assert_allclose(MirrorRegressor(beta=0.05).fit(X_in, y).predict(X), reference, atol=1e-5)
    ints = np.arange(8)[:, None]
    assert MirrorRegressor(beta=0).fit(ints, ints[:, 0] ** 2).predict(ints).dtype == np.float64
    frozen_X, frozen_y = X.copy(), y.copy()
    frozen_X.flags.writeable = frozen_y.flags.writeable = False
    np.testing.assert_allclose(MirrorRegressor(beta=0.05).fit(frozen_X, frozen_y).predict(X), reference)


def test_fit_does_not_change_parameters_or_input():
    X, y = data()
    options = {"slope": 0.1}
    model = MirrorRegressor(activation="leaky_relu", beta=0.05, options=options)
    before = (X.copy(), y.copy(), dict(model.get_params()))
    model.fit(X, y)
    np.testing.assert_array_equal(X, before[0])
    np.testing.assert_array_equal(y, before[1])
    assert model.get_params() == before[2] and model.options is options
    public = {k for k in vars(model) if not k.startswith("_")}
    assert public == {"depth", "activation", "beta", "options", "fit_", "beta_", "n_features_in_"}
    import pandas as pd

    frame = pd.DataFrame(np.column_stack([X[:, 0], X[:, 0] ** 2]), columns=["x", "x squared"])
    model.fit(frame, y)
    assert list(model.feature_names_in_) == ["x", "x squared"]
    with pytest.warns(UserWarning, match="feature names"):
        model.predict(frame.to_numpy())


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (np.array([[0.0], [np.nan], [2.0]]), [0, 1, 2], "NaN"),
        (np.array([[0.0], [1.0], [2.0]]), [0, np.inf, 2], "infinity|NaN"),
        (np.array([[0.0, 1.0], [np.nan, 2.0], [2.0, 0.0]]), [0, 1, 2], "NaN"),
        (np.array([[0.0, 1.0]]), [0], "1 sample"),
        (np.array([0.0, 1.0, 2.0]), [0, 1, 2], "2D array"),
        (np.array([[0.0], [1.0]]), [0, 1, 2], "inconsistent numbers of samples"),
    ],
)
def test_bad_input(X, y, message):
    with pytest.raises(ValueError, match=message):
        MirrorRegressor().fit(X, y)


def test_bad_parameters_raise_at_fit():
    X, y = data()
    with pytest.raises(ValueError, match="beta must be finite"):
        MirrorRegressor(beta=-1).fit(X, y)
    with pytest.raises(ValueError, match="unknown activation"):
        MirrorRegressor(activation="tanh").fit(X, y)


def test_predict_checks_the_number_of_features():
    X, y = data()
    model = MirrorRegressor().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        model.predict(np.zeros((3, 2)))


def test_pipeline_and_grid_search_over_beta():
    X, y = data(n=20, seed=5)
    betas = [1e-3, 1e-2, 0.1, 1.0]
    cv = KFold(4, shuffle=True, random_state=0)
    search = GridSearchCV(MirrorRegressor(), {"beta": betas}, cv=cv).fit(X, y)
    # The winner is the beta with the best mean held-out R^2, recomputed by hand.
    means = []
    for beta in betas:
        scores = [
            MirrorRegressor(beta=beta).fit(X[train], y[train]).score(X[test], y[test]) for train, test in cv.split(X)
        ]
        means.append(np.mean(scores))
    assert search.best_params_["beta"] == betas[int(np.argmax(means))]
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], means, atol=1e-8)
    # Refit on all data equals a direct fit.
    direct = MirrorRegressor(beta=search.best_params_["beta"]).fit(X, y)
    np.testing.assert_allclose(search.predict(X), direct.predict(X), atol=1e-8)
    # The regularised net beats a straight line out of sample on this sine data.
    assert max(means) > GridSearchCV(LinearRegression(), {}, cv=cv).fit(X, y).best_score_
    pipe = make_pipeline(StandardScaler(), MirrorRegressor(beta=0.05)).fit(X, y)
    assert pipe.score(X, y) > 0.9


def table(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, 3))
    return X, np.sin(2 * X[:, 0]) + np.abs(X[:, 1]) + 0.1 * rng.standard_normal(n)


def test_tables_give_the_certified_additive_network():
    X, y = table()
    model = MirrorRegressor(beta=0.05).fit(X, y)
    reference = fit_additive(X, y, beta=0.05)
    assert model.n_features_in_ == 3 and len(model.shape_networks_) == 3
    np.testing.assert_allclose(model.predict(X[:7]), reference.predict(X[:7]), atol=1e-8)
    assert model.fit_.solution.relative_gap < 1e-9
    assert model.network_.objective(X, y, 0.05) == pytest.approx(model.fit_.solution.objective, rel=1e-9)
    with torch.no_grad():
        out = model.to_torch()(torch.tensor(X)).numpy()
    np.testing.assert_allclose(out, model.predict(X), atol=1e-12)


def test_shape_curves_are_sklearns_partial_dependence():
    from lmirrors.plotting import partial_dependence_curves

    X, y = table()
    model = MirrorRegressor(beta=0.05).fit(X, y)
    for j, (grid, curve) in enumerate(partial_dependence_curves(model, X, n=15)):
        expected = partial_dependence(model, X, [j], custom_values={j: grid}, kind="average")["average"][0]
        np.testing.assert_allclose(curve, expected, atol=1e-10)
