"""The porting kit's rewriter (``theano_compat.port.port_source``), rule by
rule, on small scripts written for these tests."""

import textwrap

import pytest

from deeplearning_tutorials.theano_compat.port import port_source

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
    ("n_train_batches = n_examples / batch_size", "n_train_batches = n_examples // batch_size"),
    ("num_batches = size(data)/mbs", "num_batches = size(data)//mbs"),
    ("n_out = fan_in / 4", "n_out = fan_in / 4"),
    ("pairs = zip(a, b)", "pairs = list(zip(a, b))"),
    ("idx = range(10)", "idx = list(range(10))"),
    ("for a, b in zip(x, y): pass", "for a, b in zip(x, y): pass"),
    ("pairs = zip(a, b)[0]", "pairs = zip(a, b)[0]"),
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
