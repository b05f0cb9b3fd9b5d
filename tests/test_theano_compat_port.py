"""The porting kit's rewriter (``theano_compat.port.port_source``), rule by
rule, on small scripts written for these tests.

The NumPy 2 rules are held to what NumPy 1.19.5 gave (the oracle's record,
``tests/oracle/kit_numpy119.json``); the pickle rule to a Python 2 pickle
(the shipped ``data/mnist.pkl.gz``) and to Python 3's own pickles.
"""

import json
import pickle
import sys
import textwrap
import warnings

import numpy as np
import pytest
from conftest import REPO

from deeplearning_tutorials.theano_compat.port import Nep50Warning, PortWarning, port_source
from deeplearning_tutorials.theano_compat.port import main as port_main

ORACLE = REPO / "tests" / "oracle"

KIT = "deeplearning_tutorials.theano_compat"


def port(text):
    return port_source(textwrap.dedent(text).lstrip("\n"))


@pytest.mark.parametrize("line, expected", [
    ("import theano", f"from {KIT} import theano"),
    ("import theano as th", f"from {KIT} import theano as th"),
    ("import theano.tensor as T", f"import {KIT}.tensor as T"),
    ("from theano import tensor as T", f"from {KIT} import tensor as T"),
    ("from theano.tensor.signal import downsample", f"from {KIT}.tensor.signal import downsample"),
    ("from theano.sandbox.rng_mrg import MRG_RandomStreams as RS",
     f"from {KIT}.sandbox.rng_mrg import MRG_RandomStreams as RS"),
    ("import cPickle", "import pickle as cPickle"),
    ("import cPickle as pkl", "import pickle as pkl"),
    ("from cPickle import load", "from pickle import load"),
    ("from itertools import izip", "from builtins import zip as izip"),
    ("from itertools import chain, izip, imap",
     "from itertools import chain; from builtins import zip as izip, map as imap"),
    ("import numpy, theano", f"import numpy; from {KIT} import theano"),
    ("import os, sys", "import os, sys"),
    ("from itertools import chain", "from itertools import chain"),
    ("from theanolike import x", "from theanolike import x"),
])
def test_import_lines(line, expected):
    new, changed = port(line + "\n")
    assert new == expected + "\n"
    assert changed == ([1] if expected != line else [])


def test_import_of_a_submodule_alone_still_binds_theano():
    new, _ = port("import theano.tensor\nx = theano.tensor.matrix()\n")
    assert new.splitlines()[0] == f"import {KIT}.tensor; from {KIT} import theano"
    namespace = {}
    exec(new, namespace)
    assert namespace["x"].ndim == 2
    new, _ = port("import theano\nimport theano.printing\n")
    assert new.splitlines()[1] == f"import {KIT}.printing"


def test_a_parenthesised_from_import_over_lines():
    new, changed = port("""
        from theano.tensor import (matrix,
                                   vector)
    """)
    assert new.startswith(f"from {KIT}.tensor import (matrix,\n")
    assert changed == [1]


@pytest.mark.parametrize("source, expected", [
    ("print 'a'", "print('a')"),
    ("print 'a', 2 * 3", "print('a', 2 * 3)"),
    ("print", "print()"),
    ("print 'a',", "print('a', end=' ')"),
    ("print >>sys.stderr, 'oops', 1", "print('oops', 1, file=sys.stderr)"),
    ("print >> f, 'x',", "print('x', end=' ', file=f)"),
    ("print >>f", "print(file=f)"),
    ("print (1), 2", "print((1), 2)"),
    ("print('done')", "print('done')"),
    ("print ('done')", "print ('done')"),
    ("    print 'x'  # a comment", "    print('x')  # a comment"),
])
def test_print_statements(source, expected):
    new, _ = port_source(source + "\n")
    assert new == expected + "\n"


def test_a_print_statement_over_lines_changes_its_first_and_last_line():
    new, changed = port("""
        if True:
            print "one " + \\
                "two"
            print "{} {}".format(
                1,
                2)
    """)
    assert new.splitlines()[1:] == [
        '    print("one " + \\', '        "two")',
        '    print("{} {}".format(', "        1,", "        2))"]
    assert changed == [2, 3, 4, 6]


def test_printed_output_is_python_2s(capsys):
    new, _ = port("""
        import sys
        print 'a', 1
        print 'b',
        print 'c'
        print >>sys.stderr, 'to stderr'
    """)
    exec(new, {})
    out, err = capsys.readouterr()
    assert out == "a 1\nb c\n" and err == "to stderr\n"


def test_print_stays_a_function_after_the_future_import():
    source = "from __future__ import print_function\nprint('a', end='')\nprint\n"
    assert port(source) == (source, [])


@pytest.mark.parametrize("source, expected", [
    ("for i in xrange(3): pass", "for i in range(3): pass"),
    ("s = raw_input()", "s = input()"),
    ("for k, v in d.iteritems(): pass", "for k, v in d.items(): pass"),
    ("ks = d.iterkeys(); vs = d.itervalues()", "ks = d.keys(); vs = d.values()"),
    ("t = time.clock()", "t = time.perf_counter()"),
    ("t = clock()", "t = clock()"),
    ("n = my.time.clock()", "n = my.time.clock()"),
    ("except ValueError, e:", "except ValueError as e:"),
    ("except (KeyError, ValueError), e:", "except (KeyError, ValueError) as e:"),
    ("except (KeyError, ValueError):", "except (KeyError, ValueError):"),
    ("xrange_s = 'xrange'", "xrange_s = 'xrange'"),
    ("w = it.next()", "w = next(it)"),
    ("p.set_value(i.next())", "p.set_value(next(i))"),
    ("row = self.rows.next() + 1", "row = next(self.rows) + 1"),
    ("x = f().next()", "x = f().next()"),
    ("x = xs[0].next()", "x = xs[0].next()"),
    ("x = it.next(1)", "x = it.next(1)"),
    ("n = it.next", "n = it.next"),
])
def test_python2_mechanics(source, expected):
    if source.startswith("except"):
        source, expected = (f"try:\n    pass\n{s}\n    pass" for s in (source, expected))
    new, changed = port(source + "\n")
    assert new == expected + "\n"
    assert bool(changed) == (source != expected)


#: the first line of a Python 2 script (the rules for Python 2's semantics
#: apply to Python 2 code only)
PY2 = "print 'Python 2'\n"


@pytest.mark.parametrize("source, expected", [
    ("n_train_batches = n_examples / batch_size", "n_train_batches = n_examples // batch_size"),
    ("num_batches = size(data)/mbs", "num_batches = size(data)//mbs"),
    ("n_out = fan_in / 4", "n_out = fan_in / 4"),
    ("pairs = zip(a, b)", "pairs = list(zip(a, b))"),
    ("idx = range(10)", "idx = list(range(10))"),
    ("for a, b in zip(x, y): pass", "for a, b in zip(x, y): pass"),
    ("pairs = zip(a, b)[0]", "pairs = zip(a, b)[0]"),
])
def test_python2_semantics_in_python2_code(source, expected):
    new, changed = port(PY2 + source + "\n")
    assert new == "print('Python 2')\n" + expected + "\n"
    assert changed == [1] + ([2] if source != expected else [])


@pytest.mark.parametrize("source", [
    "n_train_batches = n_examples / batch_size",
    "pairs = zip(a, b)",
    "data = pickle.load(f)",
])
def test_python3_code_keeps_its_meaning(source):
    """Without Python 2 syntax or names (nor ``import cPickle``), a script is
    Python 3 already: its ``/`` is true division, its ``zip`` an iterator by
    choice, its pickles Python 3's."""
    source = "import pickle\n" + source + "\n"
    assert port(source) == (source, [])


@pytest.mark.parametrize("source, expected", [
    ("import numpy\nloss = numpy.zeros(n_iters / interval)",  # Bourez's book, ch. 2
     "import numpy\nloss = numpy.zeros(n_iters // interval)"),
    ("import numpy as np\nx = np.empty(n / 2, dtype='int32')",
     "import numpy as np\nx = np.empty(n // 2, dtype='int32')"),
    ("for i in range(0, n / 2, k / 3): pass", "for i in range(0, n // 2, k // 3): pass"),
    ("for i in xrange(len(x) / 2): pass", "for i in range(len(x) // 2): pass"),
    # not the whole size: inside a call or a tuple, or not NumPy's zeros
    ("for i in range(int(n / 2)): pass", "for i in range(int(n / 2)): pass"),
    ("import numpy as np\ny = np.ones((n / 2, 3))", "import numpy as np\ny = np.ones((n / 2, 3))"),
    ("import numpy as np\nz = np.arange(n / 2)", "import numpy as np\nz = np.arange(n / 2)"),
    ("import numpy as np\nw = np.zeros(n) / 2", "import numpy as np\nw = np.zeros(n) / 2"),
    ("w = self.zeros(n / 2)", "w = self.zeros(n / 2)"),
])
def test_a_size_that_python_3_makes_a_float_gets_floor_division(source, expected):
    """In any script, Python 3 code included: ``range`` and NumPy's ``zeros``
    refuse a float size (a TypeError under Python 3 whatever the operands), so
    such a line ran only under Python 2, whose ``/`` of two ints floored."""
    new, changed = port(source + "\n")
    assert new == expected + "\n"
    assert bool(changed) == (source != expected)


def test_the_size_rule_gives_python_2s_size_where_python_3_raised():
    source = "import numpy\nn_iters, interval = 7, 2\nloss = numpy.zeros(n_iters / interval)\n"
    with pytest.raises(TypeError):  # Python 3 and NumPy 2 refuse the float 3.5
        exec(source, {})
    namespace = {}
    exec(port(source)[0], namespace)
    assert namespace["loss"].shape == (3,)  # 7 / 2 == 3 in Python 2


def test_next_is_left_alone_in_a_file_that_defines_a_next_method():
    source = "class Rows:\n    def next(self):\n        return 1\nw = Rows().next()\nv = r.next()\n"
    assert port(source) == (source, [])
    python3 = {}
    exec(port("it = iter([1, 2])\nfirst = it.next()\nsecond = it.next()\n")[0], python3)
    assert (python3["first"], python3["second"]) == (1, 2)


def test_a_text_file_opened_wb_becomes_w_but_a_pickle_file_does_not():
    new, changed = port("""
        log = open(name, 'wb')
        log.write('epoch 1\\n')
        dumpfile = open(other, 'wb')
        cPickle.dump(model, dumpfile)
        dumpfile.write('x')
        raw = open(third, 'wb')
    """)
    lines = new.splitlines()
    assert lines[0] == "log = open(name, 'w')"
    assert lines[2] == "dumpfile = open(other, 'wb')"
    assert lines[5] == "raw = open(third, 'wb')"
    assert changed == [1]


def test_the_port_keeps_every_line_and_runs_under_python_3():
    source = textwrap.dedent("""
        import cPickle
        import theano
        import theano.tensor as T
        n_batches = 7 / 2
        total = 0
        for i in xrange(n_batches):
            total += i
        x = T.vector()
        f = theano.function([x], 2 * x)
        print 'total', total
    """).lstrip("\n")
    new, changed = port_source(source)
    assert len(new.splitlines()) == len(source.splitlines())
    assert changed == [1, 2, 3, 4, 6, 10]
    namespace = {}
    exec(compile(new, "script", "exec"), namespace)
    assert namespace["total"] == 0 + 1 + 2
    assert namespace["f"]([1.0, 2.0]).tolist() == [2.0, 4.0]
    assert namespace["cPickle"].__name__ == "pickle"


def test_a_script_without_python_2_or_theano_is_left_alone():
    source = "import numpy as np\n\n\ndef f(x):\n    return x / 2  # halves\n"
    assert port_source(source) == (source, [])


# -- NumPy 2's removed names, Python 2's pickles, NEP 50 -----------------------------

#: what legacy NumPy code meant under NumPy 1.19.5: the oracle's record
#: (tests/oracle/kit_numpy2_cases.py wrote tests/oracle/kit_numpy119.json)
NUMPY119 = json.loads((ORACLE / "kit_numpy119.json").read_text())
sys.path.insert(0, str(ORACLE))
import kit_numpy2_cases  # noqa: E402


def test_the_numpy_record_is_numpy_1_19():
    assert NUMPY119["numpy"] == "1.19.5"
    assert set(NUMPY119["promotion"]) == set(kit_numpy2_cases.PROMOTION)


@pytest.mark.parametrize("source, expected", [
    ("x = numpy.cast['float32'](0.5)", "x = numpy.array(0.5, dtype='float32')"),
    ("x = np.cast[theano.config.floatX](v)", "x = np.array(v, dtype=theano.config.floatX)"),
    ("t = np.cast[np.int](a > b)", "t = np.array(a > b, dtype=int)"),
    ("t = np.cast['int32'](a,)", "t = np.array(a, dtype='int32')"),
    ("y = np.cast['f'](np.cast['i'](x))", "y = np.array(np.array(x, dtype='i'), dtype='f')"),
    ("z = np.zeros(3, dtype=np.float)", "z = np.zeros(3, dtype=float)"),
    ("n = np.int(s) + np.long(t)", "n = int(s) + int(t)"),
    ("ok = isinstance(v, (np.bool, np.object, np.str, np.unicode, np.complex))",
     "ok = isinstance(v, (bool, object, str, str, complex))"),
    ("a = np.zeros(2, np.float_) + np.NaN * np.Inf",
     "a = np.zeros(2, np.float64) + np.nan * np.inf"),
    ("lo = np.NINF", "lo = (-np.inf)"),
    ("ok = np.alltrue(x) and np.sometrue(y)", "ok = np.all(x) and np.any(y)"),
    ("p = np.product(x) * np.cumproduct(x)[0]", "p = np.prod(x) * np.cumprod(x)[0]"),
    ("i = np.int0, np.uint0, np.string_, np.unicode_, np.complex_",
     "i = np.intp, np.uintp, np.bytes_, np.str_, np.complex128"),
    # left alone: names NumPy 2 has, a shim that restores an alias, other objects
    ("x = np.float32(a) + np.inf", "x = np.float32(a) + np.inf"),
    ("np.float = float", "np.float = float"),
    ("y = table.cast['x'](3) + self.np.float", "y = table.cast['x'](3) + self.np.float"),
])
def test_numpy_names_removed_in_numpy_2(source, expected):
    new, changed = port("import numpy as np, numpy\n" + source + "\n")
    assert new.splitlines()[1] == expected
    assert changed == ([2] if source != expected else [])


def test_a_cast_over_lines_and_one_not_called():
    with pytest.warns(PortWarning, match="line 4 left as it is: numpy.cast was removed"):
        new, changed = port("""
            import numpy
            x = numpy.cast['float32'](
                a + b)
            f = numpy.cast['float32']
        """)
    assert new.splitlines()[1:] == ["x = numpy.array(", "    a + b, dtype='float32')",
                                    "f = numpy.cast['float32']"]
    assert changed == [2, 3]


def test_numpy_is_only_what_the_script_imports_as_numpy():
    source = "import numpy as N\nnp = Namespace()\nx = np.float + np.cast['x'](1) + N.float\n"
    assert port(source)[0].splitlines()[2] == "x = np.float + np.cast['x'](1) + float"


def run_numpy(expression):
    """``expression``'s value under this NumPy, as the oracle's record has it."""
    return kit_numpy2_cases.evaluate(expression)


@pytest.mark.parametrize("name", sorted(kit_numpy2_cases.NAMES))
def test_each_renamed_name_is_what_numpy_1_19_had(name):
    """The port of ``np.<name>`` is, under NumPy 2, what NumPy 1.19 had."""
    expression = kit_numpy2_cases.NAMES[name]
    ported, _ = port_source(f"import numpy as np\nx = {expression}\n")
    assert run_numpy(ported.splitlines()[1][len("x = "):]) == NUMPY119["names"][name]
    if name not in ("bool", "long"):  # NumPy 2 has these, as its own types
        assert "error" in run_numpy(expression)
    else:
        assert run_numpy(expression) != NUMPY119["names"][name]


@pytest.mark.parametrize("cast", kit_numpy2_cases.CASTS)
def test_each_cast_gives_what_numpy_1_19_gave(cast):
    """``numpy.array(x, dtype=...)`` gives NumPy 1.19's ``numpy.cast`` result,
    a new array even where ``x`` has the dtype already (as ``cast`` did:
    ``numpy.asarray`` would hand back ``x`` itself)."""
    ported, _ = port_source(f"import numpy as np\nx = {cast}\n")
    expression = ported.splitlines()[1][len("x = "):]
    assert dict(run_numpy(expression), new_array=kit_numpy2_cases.fresh_cast(expression)) == \
        NUMPY119["casts"][cast]


@pytest.mark.parametrize("source, expected", [
    ("import cPickle\nd = cPickle.load(f)", "d = cPickle.load(f, encoding='latin1')"),
    ("import cPickle as pkl\nd = pkl.loads(s)", "d = pkl.loads(s, encoding='latin1')"),
    ("from cPickle import load\nd = load(f)", "d = load(f, encoding='latin1')"),
    ("import cPickle\nu = cPickle.Unpickler(f,)", "u = cPickle.Unpickler(f, encoding='latin1')"),
    ("import pickle\nprint 'x'\nd = pickle.load(f)", "d = pickle.load(f, encoding='latin1')"),
    ("import cPickle\nd = cPickle.load(f, encoding='bytes')",
     "d = cPickle.load(f, encoding='bytes')"),
    ("import cPickle\ncPickle.dump(d, f)", "cPickle.dump(d, f)"),
    # Python 3 code: its pickles are Python 3's (six's cPickle is a Python 3 spelling)
    ("import pickle\nd = pickle.load(f)", "d = pickle.load(f)"),
    ("import six.moves.cPickle as pickle\nd = pickle.load(f)", "d = pickle.load(f)"),
])
def test_pickle_loads_in_python2_code_read_python2_strings(source, expected):
    new, _ = port(source + "\n")
    assert new.splitlines()[-1] == expected


def test_a_python2_pickle_loads_once_ported():
    """data/mnist.pkl.gz was written by Python 2 (data/README.md): loaded as the
    legacy line does it fails under Python 3; ported, it gives the data set."""
    legacy = "import cPickle, gzip\nf = gzip.open(path, 'rb')\nsets = cPickle.load(f)\n"
    namespace = {"path": str(REPO / "data" / "mnist.pkl.gz")}
    with pytest.raises(UnicodeDecodeError):
        exec(legacy.replace("import cPickle", "import pickle as cPickle"), dict(namespace))
    exec(port_source(legacy)[0], namespace)
    (train_x, train_y), valid, test = namespace["sets"]
    assert train_x.shape == (50000, 784) and train_x.dtype == np.float32
    assert train_x.max() == np.float32(0.99609375) and sorted(set(train_y[:100])) == list(range(10))
    assert len(valid[0]) == len(test[0]) == 10000


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_latin1_changes_nothing_in_a_python3_pickle(protocol):
    """A pickle written by Python 3 holds no Python 2 strings: the keyword the
    rewriter adds reads it as before (arrays, bytes, text beyond ASCII)."""
    data = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": bytes(range(256)),
            "s": "naïve – ünïcode", "i": np.int64(7)}
    blob = pickle.dumps(data, protocol=protocol)
    plain, latin1 = pickle.loads(blob), pickle.loads(blob, encoding="latin1")
    assert plain.keys() == latin1.keys() and plain["b"] == latin1["b"] == data["b"]
    assert plain["s"] == latin1["s"] == data["s"] and plain["i"] == latin1["i"]
    np.testing.assert_array_equal(latin1["w"], data["w"])


@pytest.mark.parametrize("expression", sorted(kit_numpy2_cases.PROMOTION))
def test_nep50_changes_are_flagged_where_numpy_2_changes_a_result_silently(expression):
    """Each case's result under NumPy 1.19 (the oracle's record) against this
    NumPy 2's: the rewriter flags the line (and leaves it as it is) exactly
    where the result differs without an error."""
    before, after = NUMPY119["promotion"][expression], run_numpy(expression)
    silent_change = before != after and "error" not in after
    assert kit_numpy2_cases.PROMOTION[expression] == silent_change
    source = kit_numpy2_cases.SETUP.lstrip() + f"x = {expression}\n"
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        assert port_source(source) == (source, [])
    flags = [w.message for w in said if isinstance(w.message, Nep50Warning)]
    assert [f.line for f in flags] == ([source.count("\n")] if silent_change else [])


def test_nep50_comparisons_are_flagged_only_with_floats_float32_cannot_hold():
    source = ("import numpy\nok = numpy.float32(x) == 0.1\nok = numpy.float32(x) < 0.5\n"
              "ok = a.min() < 0\n")
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        port_source(source)
    assert [w.message.line for w in said] == [2]


def test_a_script_ready_for_python_3_and_numpy_2_is_left_alone():
    """The rules change nothing a script does not need: this project's own
    modules (Python 3, NumPy 2) come out as they went in, without a warning."""
    for module in ("logistic_sgd.py", "mlp.py", "machinery/data.py", "machinery/checkpoint.py"):
        source = (REPO / "deeplearning_tutorials" / module).read_text()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert port_source(source) == (source, []), module


def test_the_command_line_writes_the_port_and_names_each_flagged_line(tmp_path, capsys):
    script = tmp_path / "old.py"
    script.write_text("import numpy as np\nimport cPickle\nx = np.float32(1) / 3\n"
                      "d = cPickle.load(f)\nimport theano.sandbox.cuda\n")
    assert port_main([str(script), "-o", str(tmp_path / "new.py")]) == 0
    assert (tmp_path / "new.py").read_text().splitlines()[3] == \
        "d = cPickle.load(f, encoding='latin1')"
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{script}:3: NEP 50: a NumPy float32 scalar")
    assert err[1].startswith(f"{script}:5: left as it is: theano.sandbox.cuda")
    assert err[2] == f"{script}: 2 line(s) changed"
    with pytest.raises(SystemExit) as stopped:
        port_main([str(tmp_path / "missing.py")])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.startswith(f"port: cannot read {tmp_path / 'missing.py'}")


def shown(record):
    """A recorded scalar as the porting guide's NEP 50 table writes it."""
    if record["dtype"] == "bool":
        return str(record["value"])
    if isinstance(record["value"], int):
        return f"{record['dtype']} {record['value']}"
    value = np.dtype(record["dtype"]).type(float.fromhex(record["value"]))
    return record["dtype"] + " " + str(value)  # str: the dtype's shortest digits


@pytest.mark.parametrize("language", ["", "zh/"])
def test_the_guides_nep50_table_shows_both_numpys_answers(language):
    """Each scalar case's row in doc/porting.md (and its Chinese twin) gives
    NumPy 1.19.5's answer (the oracle's record) and this NumPy 2's."""
    guide = (REPO / "doc" / f"{language}porting.md").read_text(encoding="utf-8")
    for expression, before in NUMPY119["promotion"].items():
        after = run_numpy(expression)
        row = next(line for line in guide.splitlines() if line.startswith(f"| `{expression}` |"))
        for record in (before, after):
            if record.get("type") == "scalar":
                assert shown(record) in row, (expression, shown(record))
