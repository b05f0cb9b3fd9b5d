"""The training practices (deeplearning_tutorials.machinery.practices): each against an
independent NumPy reference, their wiring into the SGD drivers, and the
default runs, which must stay the original's to the printed digit."""

import json
from pathlib import Path

import numpy
import pytensor
import pytensor.tensor as pt
import pytest
from conftest import error_lines, run_module, write_pickle_gz
from numpy_sgd import NumpyLogisticRegression, mean_error, train_one_epoch

from deeplearning_tutorials import logistic_sgd, mlp
from deeplearning_tutorials.machinery import training
from deeplearning_tutorials.machinery.data import read_dataset
from deeplearning_tutorials.machinery.errors import InputError
from deeplearning_tutorials.logistic_sgd import LogisticRegression
from deeplearning_tutorials.mlp import MLP
from deeplearning_tutorials.machinery.noise import make_random_streams
from deeplearning_tutorials.machinery.practices import Practices, dropout, losses, weights
from deeplearning_tutorials.machinery.practices import preprocessing, schedules

ORIGINAL_LOGS = Path(__file__).parent / "fixtures" / "original_logs"

# Every new keyword argument at the value the issue names as the default:
# the original's behaviour.
DEFAULTS = dict(
    lr_schedule="constant",
    lr_decay=0.001,
    lr_patience=10,
    loss="nll",
    preprocess="none",
    pca_components=None,
    whiten_epsilon=1e-5,
)
MLP_DEFAULTS = dict(DEFAULTS, dropout=0.0, init="glorot", activation="tanh")


@pytest.fixture(scope="module")
def mnist_slice(tmp_path_factory):
    """The first 1000/200/200 images of MNIST, the slice on which
    tests/fixtures/capture_original_logs.py ran the original."""
    splits = read_dataset()
    small = [(x[:n], y[:n]) for (x, y), n in zip(splits, (1000, 200, 200))]
    path = tmp_path_factory.mktemp("slice") / "mnist_slice.pkl.gz"
    return write_pickle_gz(path, small)


@pytest.fixture
def float64():
    saved = pytensor.config.floatX
    pytensor.config.floatX = "float64"
    yield
    pytensor.config.floatX = saved


def original_lines(tutorial):
    """What the original printed on stdout on the slice, without the speed."""
    lines = (ORIGINAL_LOGS / f"{tutorial}.stdout").read_text().splitlines()
    return [line for line in lines if not line.startswith("The code run for ")]


# --- the default runs are the original's ------------------------------------


@pytest.mark.parametrize(
    "driver, tutorial, arguments",
    [
        (
            logistic_sgd.sgd_optimization_mnist,
            "logistic_sgd",
            dict(n_epochs=2, batch_size=100, model_path=None, **DEFAULTS),
        ),
        (
            mlp.test_mlp,
            "mlp",
            dict(n_epochs=2, batch_size=20, n_hidden=20, **MLP_DEFAULTS),
        ),
    ],
    ids=["logistic_sgd", "mlp"],
)
def test_every_option_at_its_default_prints_the_originals_lines(
    driver, tutorial, arguments, mnist_slice, tmp_path, capsys
):
    """The original's settings of capture_original_logs.py on its slice, with
    every practice passed at its default: the original's lines, digit for
    digit, and a record without any practice in it."""
    if pytensor.config.floatX != "float32":
        pytest.skip("the original's lines were printed in float32")
    record = tmp_path / "record.json"
    driver(dataset=mnist_slice, results_json=str(record), **arguments)
    printed = capsys.readouterr().out.splitlines()
    assert [line for line in printed if not line.startswith("The code run for ")] == (
        original_lines(tutorial)
    )
    assert not set(json.loads(record.read_text())) & set(MLP_DEFAULTS)


# --- dropout -----------------------------------------------------------------


def test_dropout_keeps_a_fraction_1_minus_p_scaled_by_its_inverse():
    p = 0.3
    units = pt.matrix("units")
    streams = make_random_streams(1234)
    dropped = dropout.dropout(streams, units, p)
    f = pytensor.function([units], dropped, updates=streams.updates_for([dropped]))
    ones = numpy.ones((200, 500), dtype=units.dtype)
    first, second = f(ones), f(ones)
    for out in (first, second):
        kept = out != 0
        # every kept unit is scaled by 1 / (1 - p), the others are exactly 0
        numpy.testing.assert_allclose(out[kept], 1.0 / (1.0 - p), rtol=1e-6)
        # the fraction dropped is p, within 5 standard deviations of a
        # binomial fraction of 100,000 draws
        tolerance = 5 * numpy.sqrt(p * (1 - p) / out.size)
        assert abs(1.0 - kept.mean() - p) < tolerance
        # inverted: the expected value of a unit is unchanged
        assert abs(out.mean() - 1.0) < 5 * numpy.sqrt(p / (1 - p) / out.size)
    # a new mask at every call
    assert ((first != 0) != (second != 0)).mean() > 0.3


def test_dropout_probabilities_outside_0_1_are_refused():
    for p in (-0.1, 1.0, 1.5, float("nan")):
        refused = r"dropout must be a probability in \[0, 1\)"
        with pytest.raises(InputError, match=refused):
            Practices(dropout=p)


def test_the_mlp_drops_units_in_training_only():
    """With dropout, the training cost changes from call to call (a new
    mask each time) and is the cost of a masked network; validation and
    test compute the full network, as a NumPy forward pass does."""
    rng = numpy.random.RandomState(0)
    xs = rng.rand(50, 8).astype(pytensor.config.floatX)
    ys = rng.randint(0, 3, size=50).astype("int32")
    x, y = pt.matrix("x"), pt.ivector("y")
    net = MLP(numpy.random.RandomState(1), x, n_in=8, n_hidden=40, n_out=3)
    net.logRegressionLayer.W.set_value(rng.randn(40, 3).astype(x.dtype))
    practice = Practices(dropout=0.5)
    cost, updates = practice.with_dropout(
        net.negative_log_likelihood(y), net.hiddenLayer.output, rng
    )
    assert updates  # the stream advances at each call
    train_cost = pytensor.function([x, y], cost, updates=updates)
    evaluate = pytensor.function(
        [x, y], [net.negative_log_likelihood(y), net.errors(y)]
    )

    # the full network in NumPy
    W1, b1 = net.hiddenLayer.W.get_value(), net.hiddenLayer.b.get_value()
    W2, b2 = net.logRegressionLayer.W.get_value(), net.logRegressionLayer.b.get_value()
    hidden = numpy.tanh(xs @ W1 + b1)

    def nll(h):
        scores = h @ W2 + b2
        log_p = scores - numpy.log(numpy.exp(scores).sum(axis=1, keepdims=True))
        return -log_p[numpy.arange(50), ys].mean()

    full_nll, errors = evaluate(xs, ys)
    assert full_nll == pytest.approx(nll(hidden), rel=1e-5)
    assert errors == pytest.approx(numpy.mean((hidden @ W2 + b2).argmax(1) != ys))
    assert evaluate(xs, ys)[0] == full_nll  # no noise in evaluation

    costs = [float(train_cost(xs, ys)) for _ in range(20)]
    assert len(set(costs)) == 20  # a new mask at every call
    assert all(c != pytest.approx(full_nll, rel=1e-6) for c in costs)
    # each is the NLL of some masked network: one whose hidden units are 0 or
    # 2 h (p = 0.5); the mean over masks is near the typical masked cost
    masks = numpy.random.RandomState(2).rand(2000, *hidden.shape) < 0.5
    reference = [nll(hidden * m / 0.5) for m in masks]
    low, high = numpy.percentile(reference, [0.5, 99.5])
    assert all(low <= c <= high for c in costs)


# --- learning-rate schedules -------------------------------------------------


def test_the_decay_schedule_divides_by_1_plus_d_times_the_epochs_done():
    schedule = schedules.make_schedule("decay", 0.13, decay=0.5)
    rates = [schedule.rate(t, []) for t in range(4)]
    numpy.testing.assert_allclose(rates, [0.13, 0.13 / 1.5, 0.13 / 2.0, 0.13 / 2.5])


def test_the_plateau_schedule_halves_after_n_validations_without_a_new_best():
    schedule = schedules.make_schedule("plateau", 1.0, patience=2)
    history = [0.5, 0.4, 0.4, 0.45, 0.3, 0.3, 0.3, 0.3, 0.3, 0.2]
    # before any validation: eta0 (1); then after each: new best (1), new
    # best (1), 1 without (1), 2 without: halve (0.5), new best (0.5), 1
    # without (0.5), 2: halve (0.25), 1 (0.25), 2: halve (0.125), new best
    expected = [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125]
    assert [schedule.rate(0, history[:n]) for n in range(len(history) + 1)] == expected


def test_the_plateau_schedule_stops_below_eta0_over_1024():
    schedule = schedules.make_schedule("plateau", 0.1, patience=1)
    # a first best, then no progress: one halving per validation; ten
    # halvings reach eta0 / 1024, the last rate trained with
    assert schedule.rate(0, [0.5] * 11) == pytest.approx(0.1 / 1024)
    assert schedule.rate(0, [0.5] * 12) is None
    assert schedule.apply(0, [0.5] * 12) is False


class ScriptedModels:
    """train/validate/test stand-ins: training records the learning rate
    each minibatch was trained with; validation returns scripted errors."""

    def __init__(self, schedule, validation_errors):
        self.schedule = schedule
        self.errors = iter(validation_errors)
        self.rates = []

    def train(self, index):
        self.rates.append(float(self.schedule.learning_rate.get_value()))
        return 0.0

    def validate(self, index):
        return next(self.errors)


def run_scripted(schedule, validation_errors, n_epochs, patience=10**6):
    scripted = ScriptedModels(schedule, validation_errors)
    result = training.train_with_early_stopping(
        (scripted.train, scripted.validate, lambda index: 0.0),
        (3, 1, 1),  # three minibatches per epoch
        n_epochs=n_epochs,
        patience=patience,
        schedule=schedule,
    )
    return scripted.rates, result


def test_the_training_loop_trains_each_epoch_with_its_scheduled_rate(capsys):
    schedule = schedules.make_schedule("decay", 1.0, decay=1.0)
    rates, result = run_scripted(schedule, [0.5, 0.4, 0.3, 0.2], n_epochs=4)
    expected = [1.0] * 3 + [0.5] * 3 + [1 / 3] * 3 + [0.25] * 3
    numpy.testing.assert_allclose(rates, expected, rtol=1e-6)
    assert result.epochs == 4


def test_the_plateau_schedule_replaces_the_patience_rule_and_ends_the_run(capsys):
    schedule = schedules.make_schedule("plateau", 1.0, patience=1)
    # with a patience of 6 minibatches the loop alone would stop at the
    # first minibatch of epoch 3
    rates, result = run_scripted(schedule, [0.5] * 100, n_epochs=100, patience=6)
    # epoch 1 at eta0, then one halving per epoch down to eta0 / 1024 at
    # epoch 12; the validation after it would halve below: the end
    expected = numpy.repeat([1.0] + [2.0**-k for k in range(11)], 3)
    numpy.testing.assert_allclose(rates, expected)
    assert result.epochs == 12


def test_the_decay_schedule_keeps_the_patience_rule():
    schedule = schedules.make_schedule("decay", 1.0, decay=1.0)
    rates, result = run_scripted(schedule, [0.5] * 100, n_epochs=100, patience=6)
    assert result.epochs == 3 and len(rates) == 7  # stopped by patience


def test_the_learning_rate_is_shared_and_only_a_schedule_changes_it():
    constant = schedules.make_schedule("constant", 0.13)
    for schedule in (constant, schedules.make_schedule("decay", 0.13)):
        shared = schedule.learning_rate
        assert isinstance(shared, pytensor.compile.SharedVariable)
        assert shared.dtype == pytensor.config.floatX
        assert shared.get_value() == numpy.asarray(0.13, dtype=shared.dtype)
    assert constant.apply(5, [0.5] * 20) is True
    assert constant.learning_rate.get_value() == numpy.asarray(0.13, shared.dtype)
    with pytest.raises(InputError, match="lr_schedule must be one of"):
        Practices(lr_schedule="cosine")


# --- losses --------------------------------------------------------------------


def numpy_hinge(scores, y, squared=False):
    """The multiclass SVM loss and its gradient, example by example."""
    loss, grad = 0.0, numpy.zeros_like(scores)
    for i, label in enumerate(y):
        for k in range(scores.shape[1]):
            if k == label:
                continue
            shortfall = scores[i, k] - scores[i, label] + 1.0
            if shortfall > 0:
                loss += shortfall**2 if squared else shortfall
                slope = 2 * shortfall if squared else 1.0
                grad[i, k] += slope
                grad[i, label] -= slope
    n = len(y)
    return loss / n, grad / n


@pytest.mark.parametrize("squared", [False, True], ids=["hinge", "squared-hinge"])
def test_hinge_losses_and_gradients_against_numpy(squared, float64):
    rng = numpy.random.RandomState(3)
    scores_value = rng.randn(12, 5)
    labels = rng.randint(0, 5, size=12).astype("int32")
    scores, y = pt.matrix("scores"), pt.ivector("y")
    function = losses.squared_hinge if squared else losses.multiclass_hinge
    cost = function(scores, y)
    f = pytensor.function([scores, y], [cost, pytensor.grad(cost, scores)])
    value, grad = f(scores_value, labels)
    expected_value, expected_grad = numpy_hinge(scores_value, labels, squared)
    assert expected_value > 0 and (expected_grad != 0).any()
    assert value == pytest.approx(expected_value, rel=1e-12)
    numpy.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-15)
    # and against finite differences, away from the kinks of max(0, .)
    pytensor.gradient.verify_grad(
        lambda s: function(s, labels),
        [scores_value],
        rng=rng,
        abs_tol=1e-6,
        rel_tol=1e-6,
    )


def test_a_margin_met_costs_nothing(float64):
    scores, y = pt.matrix("scores"), pt.ivector("y")
    f = pytensor.function([scores, y], losses.multiclass_hinge(scores, y))
    assert f(numpy.array([[3.0, 1.9, 2.0]]), numpy.array([0], dtype="int32")) == 0.0
    assert f(numpy.array([[3.0, 2.5, 2.0]]), numpy.array([0], dtype="int32")) == 0.5


def test_squared_error_on_one_hot_targets_against_numpy(float64):
    rng = numpy.random.RandomState(4)
    x, y = pt.matrix("x"), pt.ivector("y")
    layer = LogisticRegression(x, n_in=6, n_out=4)
    layer.W.set_value(rng.randn(6, 4))
    layer.b.set_value(rng.randn(4))
    xs, labels = rng.randn(9, 6), rng.randint(0, 4, size=9).astype("int32")
    cost = Practices(loss="squared-error").loss_of(layer, y)
    value = pytensor.function([x, y], cost)(xs, labels)
    scores = xs @ layer.W.get_value() + layer.b.get_value()
    p = numpy.exp(scores) / numpy.exp(scores).sum(axis=1, keepdims=True)
    targets = numpy.eye(4)[labels]
    assert value == pytest.approx(((p - targets) ** 2).sum(axis=1).mean(), rel=1e-12)
    # its gradient through the softmax, against finite differences
    pytensor.gradient.verify_grad(
        lambda s: losses.squared_error(pt.special.softmax(s, axis=1), labels),
        [scores],
        rng=rng,
    )


def test_the_hinge_loss_of_a_layer_reads_its_scores(float64):
    """Practices.loss_of(layer) for the hinge losses is the loss of x W + b."""
    rng = numpy.random.RandomState(5)
    x, y = pt.matrix("x"), pt.ivector("y")
    layer = LogisticRegression(x, n_in=6, n_out=4)
    layer.W.set_value(rng.randn(6, 4))
    xs, labels = rng.randn(9, 6), rng.randint(0, 4, size=9).astype("int32")
    for name, squared in [("hinge", False), ("squared-hinge", True)]:
        value = pytensor.function([x, y], Practices(loss=name).loss_of(layer, y))
        expected, _ = numpy_hinge(xs @ layer.W.get_value(), labels, squared)
        assert value(xs, labels) == pytest.approx(expected, rel=1e-12)


# --- preprocessing ---------------------------------------------------------------


def correlated_data(n=3000, d=12, seed=6):
    """Rows with a full-rank, far from diagonal covariance and a non-zero mean."""
    rng = numpy.random.RandomState(seed)
    mixing = rng.randn(d, d) * numpy.linspace(0.2, 3.0, d)
    return rng.randn(n, d) @ mixing + rng.randn(d) * 5


def covariance(x):
    centred = x - x.mean(axis=0)
    return centred.T @ centred / len(x)


def test_pca_keeps_the_directions_of_largest_variance():
    x = correlated_data()
    z = preprocessing.fit("pca", x, n_components=4).transform(x)
    eigenvalues = numpy.linalg.eigvalsh(covariance(x))[::-1]
    # the coordinates are uncorrelated and their variances the 4 largest
    # eigenvalues: the variance the projection explains
    numpy.testing.assert_allclose(covariance(z), numpy.diag(eigenvalues[:4]), atol=1e-8)
    numpy.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-9)
    explained = z.var(axis=0).sum() / x.var(axis=0).sum()
    assert explained == pytest.approx(eigenvalues[:4].sum() / eigenvalues.sum())
    # all components: a rotation, distances are kept
    full = preprocessing.fit("pca", x).transform(x)
    numpy.testing.assert_allclose(
        numpy.linalg.norm(full[:5] - full[5:10], axis=1),
        numpy.linalg.norm(x[:5] - x[5:10], axis=1),
    )


@pytest.mark.parametrize("kind, k", [("pca-whiten", 5), ("zca", None)])
def test_whitening_makes_the_training_covariance_the_identity(kind, k):
    x = correlated_data()
    z = preprocessing.fit(kind, x, n_components=k, epsilon=1e-12).transform(x)
    numpy.testing.assert_allclose(covariance(z), numpy.eye(z.shape[1]), atol=1e-6)
    if kind == "zca":
        # ZCA is the symmetric whitening: C^-1/2, by numpy.linalg
        values, vectors = numpy.linalg.eigh(covariance(x))
        inverse_root = vectors @ numpy.diag(values**-0.5) @ vectors.T
        numpy.testing.assert_allclose(z, (x - x.mean(axis=0)) @ inverse_root, atol=1e-6)


def test_standardize_and_center_per_pixel_with_constant_pixels_left_at_zero():
    x = correlated_data(d=6)
    x[:, 2] = 7.0  # a pixel that never changes, as MNIST's borders
    z = preprocessing.fit("standardize", x).transform(x)
    numpy.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-9)
    numpy.testing.assert_allclose(z.std(axis=0), [1, 1, 0, 1, 1, 1], atol=1e-9)
    centred = preprocessing.fit("center", x).transform(x)
    numpy.testing.assert_allclose(centred, x - x.mean(axis=0), atol=1e-9)


def test_the_transform_is_fitted_on_the_training_split_only():
    train, valid, test = (correlated_data(seed=seed) for seed in (7, 8, 9))
    datasets = [
        (pytensor.shared(x.astype(pytensor.config.floatX)), None)
        for x in (train, valid, test)
    ]
    Practices(preprocess="pca-whiten", pca_components=3).preprocessed(datasets)
    values = [set_x.get_value() for set_x, _ in datasets]
    assert [v.shape for v in values] == [(3000, 3)] * 3
    assert all(v.dtype == pytensor.config.floatX for v in values)
    # the training split's statistics, applied to the others
    mean = train.mean(axis=0)
    eigenvalues, vectors = numpy.linalg.eigh(covariance(train))
    top = numpy.argsort(eigenvalues)[::-1][:3]
    projection = vectors[:, top] / numpy.sqrt(eigenvalues[top] + 1e-5)
    for x, got in zip((train, valid, test), values):
        expected = (x - mean) @ projection
        # the eigenvectors' signs are free
        numpy.testing.assert_allclose(
            numpy.abs(got), numpy.abs(expected), rtol=1e-3, atol=1e-3
        )


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(lr_decay=-0.5), "lr_decay must be a number >= 0, got -0.5"),
        (dict(lr_patience=0), "lr_patience must be a positive integer, got 0"),
        (dict(whiten_epsilon=0.0), "whiten_epsilon must be a number > 0, got 0.0"),
        (
            dict(loss="l1"),
            "loss must be one of nll, squared-error, hinge, squared-hinge, not 'l1'",
        ),
        (
            dict(init="zeros"),
            "init must be one of glorot, small, fan-in, he, not 'zeros'",
        ),
        (
            dict(activation="elu"),
            "activation must be one of tanh, sigmoid, relu, not 'elu'",
        ),
    ],
)
def test_bad_options_are_refused_in_one_sentence(options, message):
    with pytest.raises(InputError) as error:
        Practices(**options)
    assert str(error.value) == message


def test_bad_preprocessing_options_are_refused():
    with pytest.raises(InputError, match="between 1 and the 784 pixels.*got 785"):
        Practices(preprocess="pca", pca_components=785)
    with pytest.raises(InputError, match="pca_components is for preprocess pca"):
        Practices(preprocess="zca", pca_components=10)
    with pytest.raises(InputError, match="preprocess must be one of"):
        Practices(preprocess="whiten")


# --- initialisation and activations ------------------------------------------------


@pytest.mark.parametrize(
    "scheme, std",
    [
        ("small", lambda n: 0.01),
        ("fan-in", lambda n: n**-0.5),
        ("he", lambda n: (2 / n) ** 0.5),
    ],
)
def test_normal_initialisations_have_their_deviation(scheme, std):
    n_in, n_out = 784, 500
    W = weights.hidden_weights(numpy.random.RandomState(1234), scheme, n_in, n_out)
    values = W.get_value().astype("float64")
    assert W.dtype == pytensor.config.floatX and values.shape == (n_in, n_out)
    # 392,000 normal draws: the sample mean and deviation within 5 standard
    # errors of 0 and std(n_in)
    n = values.size
    assert abs(values.mean()) < 5 * std(n_in) / n**0.5
    assert abs(values.std() / std(n_in) - 1) < 5 / (2 * n) ** 0.5
    # normal, not uniform: the fraction within one deviation
    assert numpy.mean(numpy.abs(values) < std(n_in)) == pytest.approx(0.6827, abs=0.005)


def test_the_mlp_takes_the_activation_and_initialisation():
    rng = numpy.random.RandomState(0)
    x = pt.matrix("x")
    practice = Practices(init="he", activation="relu")
    net = MLP(
        rng, x, n_in=30, n_hidden=20, n_out=3, **practice.hidden_layer(rng, 30, 20)
    )
    xs = numpy.random.RandomState(1).randn(4, 30).astype(x.dtype)
    W, b = net.hiddenLayer.W.get_value(), net.hiddenLayer.b.get_value()
    hidden = pytensor.function([x], net.hiddenLayer.output)(xs)
    numpy.testing.assert_allclose(hidden, numpy.maximum(xs @ W + b, 0), rtol=1e-5)
    # the glorot default leaves the draw to HiddenLayer, as the original
    assert Practices().hidden_layer(rng, 30, 20)["W_hidden"] is None
    sigmoid = Practices(activation="sigmoid").hidden_layer(rng, 30, 20)
    assert sigmoid["activation"] is pt.sigmoid  # so HiddenLayer widens x4


# --- the options reach the drivers ---------------------------------------------------


def test_logistic_regression_with_a_schedule_and_standardized_pixels_against_numpy(
    mnist_slice, capsys
):
    """sgd_optimization_mnist with --lr-schedule decay and --preprocess
    standardize prints, epoch after epoch, the validation errors of a NumPy
    logistic regression trained on NumPy-standardized images with the rates
    0.13 / (1 + t)."""
    floatX = pytensor.config.floatX
    result = logistic_sgd.sgd_optimization_mnist(
        n_epochs=3,
        dataset=mnist_slice,
        batch_size=100,
        model_path=None,
        lr_schedule="decay",
        lr_decay=1.0,
        preprocess="standardize",
    )
    printed = capsys.readouterr().out.splitlines()

    (train_x, train_y), (valid_x, valid_y), _ = read_dataset(mnist_slice)
    mean = train_x.mean(axis=0, dtype="float64")
    deviation = train_x.std(axis=0, dtype="float64")
    deviation[deviation == 0] = 1.0

    def standardized(x):
        return ((x - mean) / deviation).astype(floatX)

    reference = NumpyLogisticRegression(dtype=floatX)
    expected = []
    for t in range(3):
        train_one_epoch(reference, standardized(train_x), train_y, 100, 0.13 / (1 + t))
        error = mean_error(reference, standardized(valid_x), valid_y, 100)
        expected.append(
            f"epoch {t + 1}, minibatch 10/10, validation error {error * 100:f} %"
        )
    assert [line for line in printed if "validation error" in line] == expected
    assert result.epochs == 3


def test_an_mlp_with_every_practice_on_runs_and_records_them(
    mnist_slice, tmp_path, capsys
):
    record = tmp_path / "record.json"
    options = dict(
        dropout=0.5,
        lr_schedule="plateau",
        lr_patience=1,
        init="he",
        activation="relu",
        loss="squared-hinge",
        preprocess="pca-whiten",
        pca_components=40,
    )
    mlp.test_mlp(
        n_epochs=2,
        dataset=mnist_slice,
        batch_size=20,
        n_hidden=20,
        results_json=str(record),
        **options,
    )
    printed = capsys.readouterr().out.splitlines()
    assert len([line for line in printed if "validation error" in line]) == 2
    assert printed != original_lines("mlp")
    saved = json.loads(record.read_text())
    assert {name: saved[name] for name in options} == options


def test_a_resumed_dropout_run_draws_the_masks_it_would_have_drawn(
    mnist_slice, tmp_path, capsys
):
    """The noise stream's state is in the checkpoint: two epochs, then one
    more after resuming, print what three epochs in one go print."""
    arguments = dict(
        dataset=mnist_slice,
        batch_size=20,
        n_hidden=20,
        dropout=0.5,
        lr_schedule="decay",
        lr_decay=0.5,
    )
    mlp.test_mlp(n_epochs=3, **arguments)
    whole = capsys.readouterr().out
    mlp.test_mlp(n_epochs=2, checkpoint_dir=str(tmp_path), **arguments)
    mlp.test_mlp(n_epochs=3, checkpoint_dir=str(tmp_path), resume=True, **arguments)
    resumed = capsys.readouterr().out

    whole, resumed = error_lines(whole), error_lines(resumed)
    assert len(whole) == 7  # three epochs of two lines, the final line
    # the first two epochs, the end of the first process, then the third
    # epoch and the end, as in one go
    assert resumed[:4] == whole[:4] and resumed[5:] == whole[4:]


# --- the command line ---------------------------------------------------------------


PRACTICE_FLAGS = [
    "--lr-schedule",
    "--lr-decay",
    "--lr-patience",
    "--loss",
    "--preprocess",
    "--pca-components",
    "--whiten-epsilon",
]


@pytest.mark.parametrize(
    "module, flags",
    [
        ("logistic_sgd", PRACTICE_FLAGS),
        ("mlp", PRACTICE_FLAGS + ["--dropout", "--init", "--activation"]),
    ],
)
def test_help_explains_the_practice_flags(module, flags, capsys):
    main = {"logistic_sgd": logistic_sgd.main, "mlp": mlp.main}[module]
    with pytest.raises(SystemExit) as exit:
        main(["--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    assert [flag for flag in flags if flag not in out] == []
    assert "training practices" in out


@pytest.mark.parametrize(
    "module, args, words",
    [
        ("mlp", ["--dropout", "1"], ["--dropout", "[0, 1)", "'1'"]),
        ("mlp", ["--dropout", "-0.2"], ["--dropout"]),
        ("mlp", ["--lr-schedule", "cosine"], ["--lr-schedule", "cosine"]),
        ("logistic_sgd", ["--loss", "log"], ["--loss"]),
        (
            "logistic_sgd",
            ["--preprocess", "pca", "--pca-components", "1000"],
            ["784", "1000"],
        ),
        ("mlp", ["--pca-components", "10"], ["pca_components", "pca-whiten"]),
        ("mlp", ["--init", "zeros"], ["--init"]),
    ],
)
def test_bad_practice_values_give_one_line_and_status_2(
    module, args, words, mnist_slice
):
    proc = run_module(module, "--dataset", mnist_slice, *args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert all(word in lines[0] for word in words), lines[0]
