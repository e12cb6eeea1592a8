"""The synthetic data sets: standardized inputs, the right classes, exact label flips."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config, Dataset
from engine.config import SEQUENCE_DATASETS
from engine.data import make_data

CLASSES = {
    Dataset.SPIRAL: 2,
    Dataset.MOONS: 2,
    Dataset.CIRCLES: 2,
    Dataset.XOR: 2,
    Dataset.GAUSSIANS: 3,
}


@pytest.mark.parametrize("dataset", [d for d in Dataset if d not in SEQUENCE_DATASETS], ids=str)
def test_training_inputs_are_standardized(dataset):
    d = make_data(Config(dataset=dataset, n_train=300, n_val=500, noise=0.2))
    assert d.x_train.dtype == np.float32 and d.x_val.dtype == np.float32
    assert d.x_train.shape == (300, d.n_inputs) and d.x_val.shape == (500, d.n_inputs)
    np.testing.assert_allclose(d.x_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(d.x_train.std(axis=0), 1.0, atol=1e-4)
    # the validation set is standardized with the training statistics, so it is only close
    np.testing.assert_allclose(d.x_val.mean(axis=0), 0.0, atol=0.2)
    np.testing.assert_allclose(d.x_val.std(axis=0), 1.0, atol=0.2)
    assert np.isfinite(d.x_train).all() and np.isfinite(d.x_val).all()


@pytest.mark.parametrize("dataset", list(CLASSES), ids=str)
def test_classification_has_the_right_classes(dataset):
    n_classes = CLASSES[dataset]
    d = make_data(Config(dataset=dataset, n_train=300, n_val=300))
    assert not d.is_regression
    assert d.n_inputs == 2
    assert d.n_outputs == n_classes
    for y in (d.y_train, d.y_val):
        assert y.dtype == np.int64 and y.shape == (300,)
        assert set(np.unique(y).tolist()) == set(range(n_classes))  # every class drawn, no other


def test_sine_is_regression():
    d = make_data(Config(dataset="sine", n_train=200, n_val=100, noise=0.0))
    assert d.is_regression
    assert (d.n_inputs, d.n_outputs) == (1, 1)
    assert d.y_train.dtype == np.float32 and d.y_train.shape == (200, 1)
    assert d.y_val.shape == (100, 1)
    # with no noise y is exactly sin(x) of the unstandardized x
    x = d.x_train * d.std + d.mean
    np.testing.assert_allclose(d.y_train, np.sin(x), atol=1e-5)
    assert x.min() >= -np.pi - 1e-5 and x.max() <= np.pi + 1e-5


def test_the_same_seed_gives_the_same_data():
    a = make_data(Config(seed=3))
    b = make_data(Config(seed=3))
    c = make_data(Config(seed=4))
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_val, b.y_val)
    assert not np.array_equal(a.x_train, c.x_train)


def test_training_and_validation_are_independent_draws():
    d = make_data(Config(n_train=100, n_val=100))
    assert not np.array_equal(d.x_train, d.x_val)


@pytest.mark.parametrize("dataset", ["spiral", "gaussians"])
@pytest.mark.parametrize(("fraction", "n"), [(0.1, 200), (0.25, 201), (0.5, 7), (0.3, 35), (0.01, 20)])
def test_label_noise_flips_exactly_round_p_n_training_labels(dataset, fraction, n):
    clean = make_data(Config(dataset=dataset, n_train=n, n_val=50, label_noise=0.0, seed=5))
    noisy = make_data(Config(dataset=dataset, n_train=n, n_val=50, label_noise=fraction, seed=5))
    flipped = int(np.sum(clean.y_train != noisy.y_train))
    assert flipped == round(fraction * n)
    # only training labels change: the inputs and the validation set are the clean draw
    np.testing.assert_array_equal(clean.x_train, noisy.x_train)
    np.testing.assert_array_equal(clean.x_val, noisy.x_val)
    np.testing.assert_array_equal(clean.y_val, noisy.y_val)
    assert set(np.unique(noisy.y_train).tolist()) <= set(range(CLASSES[Dataset(dataset)]))


def test_label_noise_does_not_touch_regression_targets():
    clean = make_data(Config(dataset="sine", n_train=100, label_noise=0.0))
    noisy = make_data(Config(dataset="sine", n_train=100, label_noise=0.5))
    np.testing.assert_array_equal(clean.y_train, noisy.y_train)


def test_noise_jitters_the_points():
    quiet = make_data(Config(dataset="circles", n_train=400, noise=0.0))
    radius = np.linalg.norm(quiet.x_train * quiet.std + quiet.mean, axis=1)
    # without noise every point lies on one of the two circles
    assert np.all(np.isclose(radius, 1.0, atol=1e-5) | np.isclose(radius, 0.5, atol=1e-5))
    loud = make_data(Config(dataset="circles", n_train=400, noise=0.2))
    radius = np.linalg.norm(loud.x_train * loud.std + loud.mean, axis=1)
    assert not np.all(np.isclose(radius, 1.0, atol=1e-3) | np.isclose(radius, 0.5, atol=1e-3))


def test_xor_labels_follow_the_quadrants_without_noise():
    d = make_data(Config(dataset="xor", n_train=200, noise=0.0))
    x = d.x_train * d.std + d.mean
    np.testing.assert_array_equal(d.y_train, ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(np.int64))


def test_a_single_training_point_is_not_divided_by_zero():
    d = make_data(Config(n_train=1, n_val=5))
    assert np.isfinite(d.x_train).all() and np.isfinite(d.x_val).all()
    np.testing.assert_array_equal(d.x_train, 0.0)
