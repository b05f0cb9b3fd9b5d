"""Legacy names that reach the kit: ``theano.compat``, ``grad`` over any
iterable, and what the kit says about the names it lacks.

References from outside the kit: the names Theano 1.0.5's ``theano.compat``
and Theano 0.6-0.7's ``theano.compat.python2x`` exported (their ``__all__``,
copied below), Python's own ``collections``/``itertools``, and gradients
computed by hand with NumPy; and, for the calls whose PyTensor twins changed
and for the names of Theano's modules, Theano 1.0.5 itself (below).
"""

import collections
import itertools
import json
import pickle
import sys
import warnings

import numpy as np
import pytensor
import pytest
from conftest import REPO

from deeplearning_tutorials import theano_compat
from deeplearning_tutorials.theano_compat import TheanoImportError, TheanoNameError
from deeplearning_tutorials.theano_compat.port import PortWarning, port_source

ORACLE = REPO / "tests" / "oracle"

#: ``theano.compat.__all__`` of Theano 1.0.5
THEANO_1_0_5_COMPAT = [
    "BytesIO", "Callable", "DefaultOrderedDict", "DictMixin", "Iterable", "Mapping",
    "OrderedDict", "PY3", "ValuesView", "b", "cmp", "configparser", "decode", "decode_iter",
    "get_unbound_function", "ifilter", "imap", "izip", "maybe_add_to_os_environ_pathlist",
    "next", "operator_div", "reload",
]
#: ``theano.compat.python2x.__all__`` of Theano 0.6 (0.7 kept the last three
#: and ``DefaultOrderedDict`` moved to ``theano.compat``)
THEANO_0_6_PYTHON2X = [
    "all", "any", "partial", "defaultdict", "deque", "combinations", "product", "maxsize",
    "DictMixin", "OrderedDict", "Counter", "DefaultOrderedDict",
]


@pytest.fixture
def kit():
    theano = theano_compat.install()
    yield theano
    theano_compat.uninstall()


# -- theano.compat -----------------------------------------------------------------


def test_theano_compat_has_every_name_of_theano_1_0_5(kit):
    import theano.compat

    missing = [name for name in THEANO_1_0_5_COMPAT if not hasattr(theano.compat, name)]
    assert missing == []
    assert theano.compat.izip is zip and theano.compat.imap is map
    assert theano.compat.OrderedDict is collections.OrderedDict
    assert theano.compat.cmp(1, 2) == -1 and theano.compat.decode(b"a") == "a"


def test_python2x_imports_as_legacy_code_wrote_them(kit):
    from theano.compat.python2x import Counter, DefaultOrderedDict, OrderedDict, any, product

    assert OrderedDict is collections.OrderedDict and Counter is collections.Counter
    assert product is itertools.product and any is __builtins__["any"]
    import theano.compat.python2x as python2x

    assert [n for n in THEANO_0_6_PYTHON2X if not hasattr(python2x, n)] == []
    d = DefaultOrderedDict(list)
    d["b"].append(1)
    d["a"].append(2)
    assert list(d.items()) == [("b", [1]), ("a", [2])]
    assert pickle.loads(pickle.dumps(d)) == d


def test_the_rewriter_writes_the_python2x_import_that_exists():
    ported, changed = port_source("from theano.compat.python2x import OrderedDict\n")
    assert changed == [1]
    namespace = {}
    exec(ported, namespace)
    assert namespace["OrderedDict"] is collections.OrderedDict


# -- grad over any iterable ------------------------------------------------------------


@pytest.mark.parametrize(
    "wrt", [
        lambda p: p.values(),            # a list in Python 2, a view in 3
        lambda p: (v for v in p.values()),
        lambda p: map(lambda v: v, p.values()),
        lambda p: list(p.values()),
    ],
    ids=["dict.values()", "generator", "map", "list"],
)
def test_grad_takes_any_iterable_of_variables_and_returns_a_list(kit, wrt):
    T = kit.tensor
    params = collections.OrderedDict()
    params["W"] = kit.shared(np.arange(6.0).reshape(3, 2), name="W")
    params["b"] = kit.shared(np.ones(2), name="b")
    x = T.dvector("x")
    cost = T.sum(T.dot(x, params["W"]) + params["b"]) ** 2
    for grad in (T.grad, kit.grad, kit.gradient.grad):
        grads = grad(cost, wrt(params))
        assert isinstance(grads, list) and len(grads) == 2
        f = kit.function([x], grads, mode="FAST_COMPILE")
        xv = np.array([1.0, -2.0, 0.5])
        s = np.sum(xv @ params["W"].get_value() + 1.0)
        gW, gb = f(xv)
        np.testing.assert_allclose(gW, 2 * s * np.outer(xv, np.ones(2)))
        np.testing.assert_allclose(gb, 2 * s * np.ones(2))
    assert isinstance(T.grad(cost, tuple(params.values())), tuple)


def test_updates_given_as_a_zip_iterator_are_applied(kit):
    W = kit.shared(np.ones(3), name="W")
    g = kit.tensor.grad((W ** 2).sum(), W)
    step = kit.function([], [], updates=zip([W], [W - 0.25 * g]), mode="FAST_COMPILE")
    step()
    np.testing.assert_array_equal(W.get_value(), [0.5, 0.5, 0.5])


# -- what the kit says about the names it lacks ----------------------------------------


@pytest.mark.parametrize(
    "statement, advice",
    [
        ("from theano.tensor.nnet import neighbours", "images2neibs"),
        ("from theano.tensor.signal.pool import pool_3d", "pool_2d the last two axes"),
        ("from theano.tensor.signal.downsample import max_pool_2d_same_size", "not ported"),
        ("import theano.sandbox.cuda", "mode='JAX'"),
        ("from theano.sandbox import cuda", "mode='JAX'"),
        ("from theano.sandbox.cuda import dnn", "mode='JAX'"),
        ("import theano.sparse", "pytensor.sparse"),
        ("from theano.compat.six.moves import xrange", "Python 3's own names"),
        ("from theano.gradient import format_as", "by hand"),
        ("from theano.scan_module.scan_utils import clone", "pytensor.scan.utils"),
        ("import theano.no_such_module", "doc/porting.md"),
    ],
)
def test_an_import_the_kit_lacks_raises_its_advice_as_an_import_error(kit, statement, advice):
    with pytest.raises(TheanoImportError, match="not supported by the porting kit") as error:
        exec(statement, {})
    assert advice in str(error.value)
    assert isinstance(error.value, ImportError)  # `except ImportError:` fallbacks work


def test_the_same_imports_without_the_hook_raise_the_same_advice():
    with pytest.raises(TheanoImportError, match="images2neibs"):
        exec("from deeplearning_tutorials.theano_compat.tensor.nnet import neighbours", {})
    with pytest.raises(TheanoImportError, match="3-D pooling"):
        exec("from deeplearning_tutorials.theano_compat.tensor.signal.pool import pool_3d", {})


@pytest.mark.parametrize(
    "expression",
    ["theano.gradient.format_as", "theano.ifelse.IfElseSomething",
     "theano.scan_module.scan_utils", "theano.compat.six", "theano.compat.python2x.izip",
     "theano.tensor.raw_random.random_make_inplace", "theano.config.nvcc",
     "theano.config.lib.cnmem", "theano.tensor.nnet.conv.ConvOp", "theano.compile.sharedvalue"],
)
def test_an_attribute_the_kit_lacks_raises_theano_name_error(kit, expression):
    import theano  # noqa: F401 - the hook's

    with pytest.raises(TheanoNameError, match="not supported by the porting kit"):
        eval(expression)


def test_config_maps_dotted_names_and_warns_on_settings_without_effect(kit):
    import pytensor

    assert kit.config.blas.ldflags == pytensor.config.blas__ldflags
    assert kit.config.gcc.cxxflags == pytensor.config.gcc__cxxflags
    with pytest.warns(UserWarning, match="has no effect"):
        kit.config.cnmem = 0.5
    assert kit.config.cnmem == 0.5  # read back, as set


def test_the_rewriter_leaves_an_import_the_kit_lacks_and_says_why():
    text = ("import theano\nfrom theano.tensor.nnet import neighbours\n"
            "import theano.sandbox.cuda as cuda\nimport numpy, theano.sparse\n")
    with pytest.warns(PortWarning) as said:
        ported, changed = port_source(text)
    assert changed == [1]
    assert ported.splitlines()[1:] == text.splitlines()[1:]
    messages = [str(w.message) for w in said]
    assert any(m.startswith("line 2 left as it is") and "images2neibs" in m for m in messages)
    assert any(m.startswith("line 3 ") and "mode='JAX'" in m for m in messages)
    assert any(m.startswith("line 4 ") and "pytensor.sparse" in m for m in messages)


def test_a_legacy_fallback_on_import_error_still_works(kit):
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec("try:\n    from theano.sandbox.cuda import dnn\n    GPU = True\n"
             "except ImportError:\n    GPU = False\n", namespace)
    assert namespace["GPU"] is False


# -- Theano 1.0's signatures where PyTensor's twin changed -----------------------------
#
# Reference: Theano 1.0.5 itself. tests/oracle/kit_signature_cases.py ran its
# cases and listed the public names of each Theano module the kit stands in
# for; it wrote tests/oracle/kit_signature_theano.json.

SIGNATURES = json.loads((ORACLE / "kit_signature_theano.json").read_text())
sys.path.insert(0, str(ORACLE))
import kit_signature_cases  # noqa: E402


@pytest.fixture
def kit32(kit):
    """The kit in float32 (the reference's floatX), on the Python linker."""
    saved = pytensor.config.floatX, pytensor.config.mode
    pytensor.config.floatX, pytensor.config.mode = "float32", "FAST_COMPILE"
    yield kit
    pytensor.config.floatX, pytensor.config.mode = saved


def test_the_signature_reference_is_theano_1_0_5():
    assert (SIGNATURES["theano"], SIGNATURES["floatX"]) == ("1.0.5", "float32")
    assert set(SIGNATURES["cases"]) == set(kit_signature_cases.CASES)


@pytest.mark.parametrize("case", sorted(kit_signature_cases.CASES))
def test_a_legacy_call_whose_pytensor_twin_changed_gives_theanos_answer(kit32, case):
    got = kit_signature_cases.run(kit32, kit_signature_cases.CASES[case])
    expected = SIGNATURES["cases"][case]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if isinstance(e, dict):
            assert (g["dtype"], g["shape"]) == (e["dtype"], e["shape"])
            np.testing.assert_allclose(g["values"], e["values"], rtol=1e-6, atol=1e-7)
        else:
            assert g == e


def test_the_old_stack_form_warns_as_theano_1_0_did(kit):
    import theano.tensor as T

    with pytest.warns(DeprecationWarning, match=r"stack\(\*tensors\) interface is deprecated"):
        T.stack(T.scalar(), T.scalar())


def test_a_legacy_call_the_kit_cannot_follow_says_what_to_write(kit):
    import theano.tensor as T

    with pytest.raises(NotImplementedError, match="write T.mean"):
        T.mean(T.matrix(), op=True)
    with pytest.raises(TheanoNameError, match="use pytensor.tensor.linalg"):
        T.nlinalg


@pytest.mark.parametrize("module", sorted(SIGNATURES["names"]))
def test_every_name_of_theano_1_0_5_is_the_kits_or_its_error(kit, module):
    """Every public name of the Theano 1.0.5 module: the kit has it, or
    getattr raises TheanoNameError with advice -- never a bare AttributeError."""
    import importlib

    kit_module = importlib.import_module(module)  # through the hook
    lacking = []
    for name in SIGNATURES["names"][module]:
        try:
            getattr(kit_module, name)
        except TheanoNameError as error:
            assert "not supported by the porting kit" in str(error)
            lacking.append(name)
    assert len(lacking) < len(SIGNATURES["names"][module])


# -- a probe of Theano's tensor API ------------------------------------------------------
#
# Reference: tests/oracle/kit_probe_cases.py evaluated its expressions under
# Theano 1.0.5 and wrote tests/oracle/kit_probe_theano.json.

PROBE = json.loads((ORACLE / "kit_probe_theano.json").read_text())
import kit_probe_cases  # noqa: E402

#: the probe's answers that the kit leaves PyTensor's (doc/porting.md's
#: table), under the default backend and on the Python linker
NOT_THEANOS = {
    "NUMBA": {
        "TensorType str": "PyTensor names the same type otherwise",
        "x.sum acc_dtype": "Numba sums int8 in int64 whatever acc_dtype asks",
        "x.round default": "half to even of -0.5 is -0.0 (NumPy's); Theano's C code gave +0.0",
        "T.mean op": "op=True is refused, with what to write",
        "int div by zero": "0, where Theano's C code raised ZeroDivisionError",
    },
}
NOT_THEANOS["FAST_COMPILE"] = {
    **{k: v for k, v in NOT_THEANOS["NUMBA"].items() if k != "x.sum acc_dtype"},
    "T.largest": "a zero's sign: NumPy's maximum of -0.0 and 0.0",
    "T.smallest": "a zero's sign: NumPy's minimum",
    "T.log1p exp": "NumPy's float32 log1p, one ulp from the C library's",
    "T.int ** neg": "NumPy refuses integers to negative integer powers",
}


@pytest.mark.parametrize("mode", ["FAST_COMPILE", pytest.param("NUMBA", marks=pytest.mark.slow)])
def test_the_probe_of_theanos_tensor_api_gets_theanos_answers(kit32, mode):
    assert (PROBE["theano"], PROBE["floatX"]) == ("1.0.5", "float32")
    assert set(PROBE["answers"]) == set(kit_probe_cases.CASES)
    pytensor.config.mode = mode
    differ = {name for name, expression in kit_probe_cases.CASES.items()
              if kit_probe_cases.evaluate(kit32, expression) != PROBE["answers"][name]}
    assert differ == set(NOT_THEANOS[mode])
