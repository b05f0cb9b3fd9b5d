"""Port a legacy Theano script's text: its imports, and Python 2 -> 3.

:func:`port_source` is the porting kit's rewriter. It changes a script line by
line -- it never adds, removes or joins lines, so line *n* of the port is line
*n* of the original -- by a small set of rules, this project's own (no
``lib2to3``):

Import lines (``doc/porting.md``, "Change the imports"):

* ``import theano`` -> ``from deeplearning_tutorials.theano_compat import theano``;
  ``import theano.x as y`` / ``from theano.x import y`` -> the same path under
  ``deeplearning_tutorials.theano_compat``;
* modules Python 3 renamed: ``import cPickle`` -> ``import pickle as cPickle``
  (also ``cStringIO``, ``StringIO``, ``Queue``); ``from itertools import izip``
  -> ``from builtins import zip as izip`` (``imap``, ``ifilter``; and
  ``izip_longest`` -> ``zip_longest``).

Python 2 -> 3 mechanics:

* the ``print`` statement -> the function: ``print a, b`` -> ``print(a, b)``,
  ``print >>f, a`` -> ``print(a, file=f)``, a trailing comma -> ``end=' '``
  (a statement over several lines gets its parentheses on its first and last
  line); not in a file that imports ``print_function``;
* ``xrange`` -> ``range``, ``raw_input`` -> ``input``, ``.iteritems()`` /
  ``.itervalues()`` / ``.iterkeys()`` -> ``.items()`` / ``.values()`` /
  ``.keys()``, ``time.clock`` (gone in 3.8) -> ``time.perf_counter``;
* an iterator's ``it.next()`` -> ``next(it)`` (``it`` a name or a dotted
  name; not in a file that defines a ``next`` method of its own, whose
  objects ``next()`` would not know);
* ``except E, e:`` -> ``except E as e:``;
* a file opened ``'wb'`` into a name that the script ``.write()``\\ s and
  never hands to ``dump`` -> ``'w'`` (Python 2 wrote ``str``, which was bytes).

A size that Python 3 makes a float, in any script: ``/`` -> ``//`` where it
is the whole size given to ``range``/``xrange`` (any of its arguments) or to
NumPy's ``zeros``, ``ones``, ``empty`` (``numpy.zeros(n_iters / interval)``)
-- at the top level of the argument, not inside a call or a tuple there. Python 3's ``/`` makes
that size a float, which these calls refuse whatever the operands, so the
line can only have run under Python 2, where ``/`` of two ints was ``//``.

Python 2's semantics, in Python 2 code only -- a script in which the rules
above found Python 2 syntax or names (a ``print`` statement, ``xrange``,
``except E, e``, ``.iteritems()``, ``it.next()`` ...) or that imports
``cPickle``; a script that is Python 3 already keeps its meaning:

* integer division where a script counts minibatches: ``/`` -> ``//`` in an
  assignment to a name ending in ``_batches`` (Python 2's ``/`` of two ints
  was floor division; the count is then a ``range`` bound and an index). Other
  divisions are left alone: the rule cannot know their operands' types;
* a ``zip``/``map``/``filter``/``range`` result kept in a name
  (``pairs = zip(a, b)``) -> ``list(...)``, since the script may walk it twice
  or index it;
* a pickle load (``cPickle.load(f)``, ``pickle.loads(s)``, ``Unpickler(f)``,
  ``load`` imported by name) -> ``..., encoding='latin1')``: the pickles a
  Python 2 script reads were written by Python 2 (``mnist.pkl.gz`` among
  them), whose ``str`` -- NumPy's array bytes included -- Python 3 would decode
  as ASCII and fail on; Latin-1 gives every byte back. A pickle written by
  Python 3 holds no such strings, so the keyword changes nothing there. Not
  where the call names an ``encoding``.

NumPy 2 (any script that imports ``numpy``; the name it binds is followed):

* ``numpy.cast[dtype](x)`` -> ``numpy.array(x, dtype=dtype)`` (NumPy 1.x's
  ``cast`` made a new array of that type, as ``numpy.array`` does;
  ``numpy.asarray`` would return ``x`` itself where it has the type);
* the aliases NumPy 2 removed: ``numpy.float``, ``int``, ``bool``, ``object``,
  ``str``, ``complex``, ``long``, ``unicode`` -> the builtin each was (NumPy 2's
  ``numpy.bool`` and ``numpy.long`` are NumPy types, not the builtins);
  ``numpy.float_`` -> ``float64``, ``complex_`` -> ``complex128``,
  ``unicode_`` -> ``str_``, ``string_`` -> ``bytes_``, ``int0``/``uint0`` ->
  ``intp``/``uintp``, ``Inf``/``Infinity``/``infty``/``PINF`` -> ``inf``,
  ``NINF`` -> ``(-numpy.inf)``, ``NaN``/``NAN`` -> ``nan``, ``alltrue`` ->
  ``all``, ``sometrue`` -> ``any``, ``product`` -> ``prod``, ``cumproduct`` ->
  ``cumprod``, ``round_`` -> ``round``; not in an assignment to them (a shim
  such as ``np.float = float``);
* NumPy 2's promotion rules (NEP 50) are *flagged*, not changed: where a NumPy
  scalar the text shows (``numpy.float32(x)``, ``numpy.uint8(x)``, a
  whole-array ``a.max()`` or ``numpy.mean(a)``) meets a Python number, or a
  ``numpy.float64(x)`` meets a name, the result may have another type or
  value under NumPy 2, and only the reader knows the operands' types:
  :class:`Nep50Warning` names the line, why, and the ``float(...)`` that keeps
  NumPy 1.x's numbers.

An import of a Theano module or name that the kit lacks
(``import theano.sandbox.cuda``, ``from theano.tensor.nnet import neighbours``)
is left as it is -- the rewriter never writes an import that does not exist --
and :class:`PortWarning` names its line and what to do instead (the kit's
advice for that name).

What the rules do not cover (backticks, ``<>``, octal literals, ``exec``
statements, string/bytes mixing) is left as it is; the porting guide lists it.

From the command line, ``python -m deeplearning_tutorials.theano_compat.port
SCRIPT [-o OUT]`` writes the port and lists each line left for a look as
``SCRIPT:LINE: why``.
"""

import importlib
import importlib.util
import io
import re
import struct
import tokenize
import warnings

KIT = "deeplearning_tutorials.theano_compat"


class PortWarning(UserWarning):
    """A line the rewriter left as it was and that needs a look: the kit lacks
    what it imports, or NumPy 2 lacks what it names.

    ``line`` is the line's 1-based number.
    """

    def __init__(self, message, line=None):
        super().__init__(message)
        self.line = line


class Nep50Warning(PortWarning):
    """A line whose numbers NumPy 2's promotion rules (NEP 50) may change
    silently: a NumPy scalar meets a Python number. Left as it is."""


def _warn(category, line, message):
    warnings.warn(category(f"line {line} {message}", line), stacklevel=3)


#: ``import X`` -> ``import Y as X``
_RENAMED_MODULES = {"cPickle": "pickle", "cStringIO": "io", "StringIO": "io", "Queue": "queue"}
#: ``from itertools import X`` -> (module, name)
_ITERTOOLS = {"izip": ("builtins", "zip"), "imap": ("builtins", "map"),
              "ifilter": ("builtins", "filter"), "izip_longest": ("itertools", "zip_longest")}
_NAMES = {"xrange": "range", "raw_input": "input"}
_METHODS = {"iteritems": "items", "itervalues": "values", "iterkeys": "keys"}
_LISTED = {"zip", "map", "filter", "range"}
_OPEN = {"(": ")", "[": "]", "{": "}"}
_SKIP = {tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT,
         tokenize.ENCODING, tokenize.ENDMARKER}


def port_source(text, kit=KIT):
    """Port a legacy script's ``text``; return ``(new_text, changed)``.

    ``changed`` lists the 1-based numbers of the lines the port changed; the
    port has as many lines as ``text``. ``kit`` is the package that stands in
    for ``theano``. Each line left for a look is reported as a
    :class:`PortWarning` (:class:`Nep50Warning` for NumPy 2's promotion
    rules) whose ``line`` is its number.
    """
    lines = text.splitlines(keepends=True)
    edits = []  # (row, start col, end col, replacement)
    print_function = re.search(r"^\s*from\s+__future__\s+import[^\n]*\bprint_function\b",
                               text, re.MULTILINE) is not None
    theano_bound = [False]
    defines_next = re.search(r"^\s*def\s+next\s*\(", text, re.MULTILINE) is not None
    python2 = False  # Python 2 syntax or names were ported, or cPickle is imported
    bindings = _Bindings()
    semantics = []  # Python 2 semantics (`/`, lists, pickles): for Python 2 code only
    for logical in _logical_lines(text):
        first = logical[0].string
        if first in ("import", "from"):
            bindings.add(logical)
            python2 = python2 or _imports_cpickle(logical)
            lacking = _kit_lacks(logical, kit)
            if lacking:
                _warn(PortWarning, logical[0].start[0], f"left as it is: {lacking}")
                continue
            edits += _import_edits(logical, lines, kit, theano_bound)
            continue
        syntax = []
        if first == "print" and not print_function:
            syntax += _print_edits(logical, lines)
        elif first == "except":
            syntax += _except_edits(logical)
        syntax += _name_edits(logical)
        if not defines_next:
            syntax += _next_edits(logical)
        python2 = python2 or any(edit[3] != "perf_counter" for edit in syntax)
        edits += syntax + _open_edits(logical, text) + _numpy_edits(logical, lines, bindings.numpy)
        edits += _size_division_edits(logical, bindings.numpy)
        semantics += _assignment_edits(logical) + _pickle_load_edits(logical, bindings)
        for line, why in _nep50_flags(logical, bindings.numpy, text):
            _warn(Nep50Warning, line, why)
    if python2:
        edits += semantics
    new = list(lines)
    for row, start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        line = new[row - 1]
        new[row - 1] = line[:start] + replacement + line[end:]
    changed = [i + 1 for i, (a, b) in enumerate(zip(lines, new)) if a != b]
    return "".join(new), changed


def _logical_lines(text):
    """The tokens of each logical line, without comments, NL and indents."""
    current = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.NEWLINE:
            if current:
                yield current
            current = []
        elif tok.type not in _SKIP:
            current.append(tok)
    if current:
        yield current


def _depths(tokens):
    """Each token's bracket depth (the depth before an opening bracket)."""
    depth, out = 0, []
    for tok in tokens:
        if tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        out.append(depth)
        if tok.type == tokenize.OP and tok.string in _OPEN:
            depth += 1
    return out


def _span(tokens, lines):
    """The source text from the first token to the last (one physical line)."""
    (row, start), (end_row, end) = tokens[0].start, tokens[-1].end
    assert row == end_row
    return lines[row - 1][start:end]


# -- imports -------------------------------------------------------------------


def _import_edits(tokens, lines, kit, theano_bound):
    first, last = tokens[0], tokens[-1]
    if first.string == "from":
        module_tokens = []
        for tok in tokens[1:]:
            if tok.string == "import":
                break
            module_tokens.append(tok)
        module = "".join(t.string for t in module_tokens)
        row, start = module_tokens[0].start
        end = module_tokens[-1].end[1]
        if module == "theano" or module.startswith("theano."):
            return [(row, start, end, kit + module[len("theano"):])]
        if module == "cPickle":
            return [(row, start, end, "pickle")]
        if module == "itertools" and first.start[0] == last.end[0]:
            return _itertools_edit(tokens, lines)
        return []
    if first.start[0] != last.end[0]:
        return []
    items = [item.strip() for item in _span(tokens, lines)[len("import"):].split(",")]
    statements, kept, changed = [], [], False
    for item in items:
        name, _, alias = (part.strip() for part in item.partition(" as "))
        new = None
        if name == "theano":
            new = f"from {kit} import theano" + (f" as {alias}" if alias else "")
            theano_bound[0] = theano_bound[0] or not alias
        elif name.startswith("theano."):
            new = f"import {kit}{name[len('theano'):]}" + (f" as {alias}" if alias else "")
            if not alias and not theano_bound[0]:  # `import theano.x` also binds `theano`
                new += f"; from {kit} import theano"
                theano_bound[0] = True
        elif name in _RENAMED_MODULES:
            new = f"import {_RENAMED_MODULES[name]} as {alias or name}"
        if new is None:
            kept.append(item)
            continue
        changed = True
        if kept:
            statements.append("import " + ", ".join(kept))
            kept = []
        statements.append(new)
    if not changed:
        return []
    if kept:
        statements.append("import " + ", ".join(kept))
    return [(first.start[0], first.start[1], last.end[1], "; ".join(statements))]


def _kit_lacks(tokens, kit):
    """What the kit says about a Theano module or name this import asks for
    and the kit lacks (None when it has them all, or the line is not Theano's)."""
    words = [t.string for t in tokens if t.type == tokenize.NAME or t.string in ".,*"]
    if tokens[0].string == "from":
        cut = words.index("import")
        module = "".join(words[1:cut])
        if not (module == "theano" or module.startswith("theano.")):
            return None
        names, skip = [], False
        for word in words[cut + 1:]:
            if word in (",", "as"):
                skip = word == "as"
                continue
            if not skip and word != "*":
                names.append(word)
            skip = False
        return _lacks(kit + module[len("theano"):], names)
    modules, current, skip = [], "", False
    for word in words[1:] + [","]:
        if word == ",":
            if current:
                modules.append(current)
            current, skip = "", False
        elif word == "as":
            skip = True
        elif not skip:
            current += word
    for module in modules:
        if module.startswith("theano."):
            lacking = _lacks(kit + module[len("theano"):], [])
            if lacking:
                return lacking
    return None


def _lacks(target, names):
    try:
        spec = importlib.util.find_spec(target)
    except ImportError as error:
        return str(error)
    if spec is None:
        return f"{target} does not exist"
    module = importlib.import_module(target)
    for name in names:
        if not hasattr(module, name):
            try:
                importlib.import_module(f"{target}.{name}")
            except ImportError as error:
                return str(error)
    return None


def _itertools_edit(tokens, lines):
    text = _span(tokens, lines)
    names = text.split(" import ", 1)[1].strip().strip("()").split(",")
    groups = {}
    for item in (n.strip() for n in names if n.strip()):
        name, _, alias = (part.strip() for part in item.partition(" as "))
        module, new = _ITERTOOLS.get(name, ("itertools", name))
        groups.setdefault(module, []).append(
            new if new == (alias or name) else f"{new} as {alias or name}")
    if set(groups) == {"itertools"} and all(" as " not in n for n in groups["itertools"]):
        return []
    first, last = tokens[0], tokens[-1]
    statement = "; ".join(f"from {m} import {', '.join(n)}" for m, n in groups.items())
    return [(first.start[0], first.start[1], last.end[1], statement)]


# -- print, except -------------------------------------------------------------


def _print_edits(tokens, lines):
    depths = _depths(tokens)
    rest = tokens[1:]
    if rest and rest[0].string == "(" and _closing(tokens, 1) == len(tokens) - 1:
        return []  # print(...) already, or print (x): the same in both
    if rest and rest[0].type == tokenize.OP and rest[0].string not in (">>", "-", "+", "~", "(",
                                                                        "[", "{", "*"):
        return []  # `print` used as a name (print = ..., print.x)
    head = tokens[0]
    if not rest:
        return [(head.start[0], head.start[1], head.end[1], "print()")]
    file_expr, args_from = None, 1
    if rest[0].string == ">>":
        commas = [i for i in range(2, len(tokens))
                  if tokens[i].string == "," and depths[i] == 0]
        stop = commas[0] if commas else len(tokens)
        file_expr = _span(tokens[2:stop], lines)
        args_from = stop + 1
    suffix = ""
    last = tokens[-1]
    trailing = last.string == "," and depths[-1] == 0 and len(tokens) - 1 >= args_from
    if trailing:
        suffix += ", end=' '"
    if file_expr is not None:
        suffix += f", file={file_expr}"
    edits = []
    if args_from >= len(tokens):  # `print >>f` alone
        return [(head.start[0], head.start[1], last.end[1], f"print({suffix.lstrip(', ')})")]
    first_arg = tokens[args_from]
    if trailing:
        end_tok = last
        edits.append((end_tok.start[0], end_tok.start[1], end_tok.end[1], suffix + ")"))
    else:
        edits.append((last.end[0], last.end[1], last.end[1], suffix + ")"))
    if first_arg.start[0] == head.start[0]:
        edits.append((head.start[0], head.start[1], first_arg.start[1], "print("))
    else:  # the arguments start on a continuation line
        edits.append((head.start[0], head.start[1], tokens[args_from - 1].end[1]
                      if args_from > 1 else head.end[1], "print("))
    return edits


def _closing(tokens, i):
    """The index of the bracket that closes ``tokens[i]``."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].type == tokenize.OP and tokens[j].string in _OPEN:
            depth += 1
        elif tokens[j].type == tokenize.OP and tokens[j].string in ")]}":
            depth -= 1
            if depth == 0:
                return j
    return None


def _except_edits(tokens):
    depths = _depths(tokens)
    for i, tok in enumerate(tokens):
        if tok.string == ":" and depths[i] == 0:
            break
        if tok.string == "," and depths[i] == 0 and i + 1 < len(tokens):
            before, after = tokens[i - 1], tokens[i + 1]
            if before.end[0] == after.start[0]:
                return [(before.end[0], before.end[1], after.start[1], " as ")]
    return []


# -- assignments, names ----------------------------------------------------------


def _assignment_edits(tokens):
    """Python 2's semantics kept: ``n_batches = n / bs`` -> ``//``;
    ``pairs = zip(a, b)`` -> ``list(zip(a, b))``."""
    if len(tokens) < 4 or tokens[0].type != tokenize.NAME or tokens[1].string != "=":
        return []
    target, value = tokens[0].string, tokens[2:]
    edits = []
    if target.endswith("_batches"):
        edits += [(t.start[0], t.start[1], t.end[1], "//") for t in value
                  if t.type == tokenize.OP and t.string == "/"]
    if (value[0].string in _LISTED and value[1].string == "("
            and _closing(value, 1) == len(value) - 1):
        edits.append((value[0].start[0], value[0].start[1], value[0].start[1], "list("))
        edits.append((value[-1].end[0], value[-1].end[1], value[-1].end[1], ")"))
    return edits


#: functions whose first argument is a size that must be an integer
_SIZED = {"range", "xrange"}
_NUMPY_SIZED = {"zeros", "ones", "empty"}


def _size_division_edits(tokens, numpy_names):
    """``range(n / k)``, ``numpy.zeros(n / k)`` -> ``//`` (Python 3's ``/``
    makes the size a float, which these calls refuse)."""
    edits = []
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.NAME or i + 1 >= len(tokens) or tokens[i + 1].string != "(":
            continue
        after_dot = i > 0 and tokens[i - 1].string == "."
        sized = (tok.string in _SIZED and not after_dot) or (
            tok.string in _NUMPY_SIZED and after_dot and i > 1
            and tokens[i - 2].string in numpy_names and not (i > 2 and tokens[i - 3].string == "."))
        close = _closing(tokens, i + 1) if sized else None
        if close is None:
            continue
        depth = 0
        for t in tokens[i + 2:close]:
            if t.type == tokenize.OP and t.string in _OPEN:
                depth += 1
            elif t.type == tokenize.OP and t.string in ")]}":
                depth -= 1
            elif depth == 0 and t.string == "," and tok.string in _NUMPY_SIZED:
                break  # NumPy's size is the first argument; range's are all sizes
            elif depth == 0 and t.type == tokenize.OP and t.string == "/":
                edits.append((t.start[0], t.start[1], t.end[1], "//"))
    return edits


def _open_edits(tokens, text):
    """``log = open(name, 'wb')`` -> ``'w'`` for a file the script writes
    ``str`` to and never hands to ``dump``."""
    if len(tokens) < 4 or tokens[0].type != tokenize.NAME or tokens[1].string != "=":
        return []
    target, value = tokens[0].string, tokens[2:]
    called = value[1].string == "(" and _closing(value, 1) == len(value) - 1
    if value[0].string == "open" and called:
        mode = value[-2]
        written = re.search(rf"\b{target}\.write\(", text)
        dumped = re.search(rf"\bdump\([^\n]*\b{target}\b", text)
        if (mode.type == tokenize.STRING and mode.string[1:-1] == "wb" and written
                and not dumped):
            quote = mode.string[0]
            return [(mode.start[0], mode.start[1], mode.end[1], f"{quote}w{quote}")]
    return []


def _name_edits(tokens):
    edits = []
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.NAME:
            continue
        after_dot = i > 0 and tokens[i - 1].string == "."
        new = None
        if not after_dot and tok.string in _NAMES:
            new = _NAMES[tok.string]
        elif after_dot and tok.string in _METHODS:
            new = _METHODS[tok.string]
        elif (after_dot and tok.string == "clock" and i > 1 and tokens[i - 2].string == "time"
              and not (i > 2 and tokens[i - 3].string == ".")):
            new = "perf_counter"
        if new is not None:
            edits.append((tok.start[0], tok.start[1], tok.end[1], new))
    return edits


def _next_edits(tokens):
    """``a.b.next()`` -> ``next(a.b)``: Python 2's iterator method, a name or
    dotted name before it, all on one line."""
    edits = []
    for i, tok in enumerate(tokens):
        if not (tok.string == "next" and tok.type == tokenize.NAME and 2 <= i
                and i + 2 < len(tokens) and tokens[i - 1].string == "."
                and tokens[i + 1].string == "(" and tokens[i + 2].string == ")"):
            continue
        start = i - 2  # the receiver: NAME (. NAME)*
        if tokens[start].type != tokenize.NAME:
            continue
        while (start >= 2 and tokens[start - 1].string == "."
               and tokens[start - 2].type == tokenize.NAME):
            start -= 2
        if start > 0 and tokens[start - 1].string in (".", ")", "]"):
            continue  # f().next(), x[0].next(): not a plain name
        first, last = tokens[start], tokens[i + 2]
        if first.start[0] != last.end[0]:
            continue
        receiver = "".join(t.string for t in tokens[start:i - 1])
        edits.append((first.start[0], first.start[1], last.end[1], f"next({receiver})"))
    return edits


# -- NumPy 2: removed names ------------------------------------------------------

#: ``numpy.X`` -> the builtin it was (NumPy 1.19: ``numpy.float is float``;
#: NumPy 2 removed them, or, ``bool`` and ``long``, made them NumPy types)
_NUMPY_BUILTINS = {"float": "float", "int": "int", "bool": "bool", "object": "object",
                   "str": "str", "complex": "complex", "long": "int", "unicode": "str"}
#: ``numpy.X`` -> ``numpy.Y``: the same object under the name NumPy 2 kept
_NUMPY_RENAMED = {"float_": "float64", "complex_": "complex128", "unicode_": "str_",
                  "string_": "bytes_", "Inf": "inf", "Infinity": "inf", "infty": "inf",
                  "PINF": "inf", "NaN": "nan", "NAN": "nan", "alltrue": "all",
                  "sometrue": "any", "product": "prod", "cumproduct": "cumprod",
                  "round_": "round", "int0": "intp", "uint0": "uintp"}


class _Bindings:
    """The names a script's import lines bind to NumPy and to pickle."""

    def __init__(self):
        self.numpy = set()  # `np` for `import numpy as np`
        self.pickle = set()  # modules: `cPickle`, `pickle`, `pkl` ...
        self.loaders = set()  # functions: `load` for `from cPickle import load`

    def add(self, tokens):
        words = [t.string for t in tokens if t.type == tokenize.NAME or t.string in ".,"]
        if words[0] == "import":
            for item in " ".join(words[1:]).replace(" . ", ".").split(" , "):
                name, _, alias = item.partition(" as ")
                bound = alias or name
                if name == "numpy":
                    self.numpy.add(bound)
                elif name in _PICKLES or name.endswith(".cPickle"):
                    self.pickle.add(bound)
            return
        cut = words.index("import")
        module = "".join(words[1:cut])
        for item in " ".join(words[cut + 1:]).split(" , "):
            name, _, alias = item.partition(" as ")
            if module in _PICKLES and name in _LOADERS:
                self.loaders.add(alias or name)
            elif module == "six.moves" and name == "cPickle":
                self.pickle.add(alias or name)


def _numpy_edits(tokens, lines, numpy_names):
    """``numpy.cast[dt](x)`` -> ``numpy.array(x, dtype=dt)``; ``numpy.float``
    -> ``float`` and NumPy 2's other removed names (not in an assignment to
    them, the shim some scripts carry: ``np.float = float``)."""
    edits, inside_cast = [], set()
    for i, tok in enumerate(tokens):
        if not (tok.type == tokenize.NAME and tok.string in numpy_names and i + 2 < len(tokens)
                and tokens[i + 1].string == "." and (i == 0 or tokens[i - 1].string != ".")):
            continue
        attribute = tokens[i + 2]
        if attribute.string == "cast" and i + 3 < len(tokens) and tokens[i + 3].string == "[":
            edit = _cast_edits(tokens, i, lines, numpy_names)
            if edit is None:
                _warn(PortWarning, tok.start[0], "left as it is: numpy.cast was removed in "
                      "NumPy 2; call numpy.array(x, dtype=...) where it is called")
            else:
                edits += edit[0]
                inside_cast.update(edit[1])
            continue
        if i in inside_cast or (i + 3 < len(tokens) and tokens[i + 3].string == "="):
            continue
        if attribute.string in _NUMPY_BUILTINS:
            edits.append((tok.start[0], tok.start[1], attribute.end[1],
                          _NUMPY_BUILTINS[attribute.string]))
        elif attribute.string in _NUMPY_RENAMED:
            edits.append((attribute.start[0], attribute.start[1], attribute.end[1],
                          _NUMPY_RENAMED[attribute.string]))
        elif attribute.string == "NINF":
            edits.append((tok.start[0], tok.start[1], attribute.end[1], f"(-{tok.string}.inf)"))
    return edits


def _cast_edits(tokens, i, lines, numpy_names):
    """The edits of ``np.cast[dt](x)`` starting at token ``i``, and the indices
    of the tokens of ``dt``; None where the cast is not called on one line."""
    close = _closing(tokens, i + 3)
    if (close is None or close + 2 >= len(tokens) or tokens[close + 1].string != "("
            or not tokens[i + 2].start[0] == tokens[close].end[0] == tokens[close + 1].end[0]):
        return None
    end = _closing(tokens, close + 1)
    if end is None or end == close + 2:
        return None
    dtype = _span(tokens[i + 4:close], lines)
    for name in numpy_names:  # numpy.int inside the brackets: the builtin, as above
        dtype = re.sub(rf"\b{re.escape(name)}\.(\w+)\b",
                       lambda m: _NUMPY_BUILTINS.get(m.group(1), m.group(0)), dtype)
    row, start = tokens[i + 2].start
    before_end = tokens[end - 1]
    insert = (" " if before_end.string == "," else ", ") + "dtype=" + dtype
    return ([(row, start, tokens[close + 1].end[1], "array("),
             (tokens[end].start[0], tokens[end].start[1], tokens[end].start[1], insert)],
            set(range(i + 4, close)))


# -- pickles written by Python 2 ----------------------------------------------------

_PICKLES = {"cPickle", "pickle", "six.moves.cPickle"}
_LOADERS = {"load", "loads", "Unpickler"}


def _imports_cpickle(tokens):
    """``import cPickle`` / ``from cPickle import ...``: Python 2 code."""
    names = [t.string for t in tokens[1:] if t.type == tokenize.NAME]
    return bool(names) and (names[0] == "cPickle" if tokens[0].string == "from"
                            else "cPickle" in names and "moves" not in names)


def _pickle_load_edits(tokens, bindings):
    """``cPickle.load(f)`` -> ``cPickle.load(f, encoding='latin1')`` (also
    ``loads`` and ``Unpickler``, and ``load`` imported by name): a pickle that
    Python 2 wrote holds its ``str`` objects -- NumPy arrays' bytes among them --
    as 8-bit strings, which Python 3 decodes as ASCII unless told otherwise, and
    fails on the first byte over 127. Latin-1 maps each byte to one character,
    which NumPy and the pickle's other readers turn back into the same bytes. A
    pickle written by Python 3 has no such strings: the keyword changes nothing
    there. Not for a call that names an ``encoding`` already."""
    edits, depths = [], _depths(tokens)
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.NAME or i + 1 >= len(tokens) or tokens[i + 1].string != "(":
            continue
        qualified = (tok.string in _LOADERS and i >= 2 and tokens[i - 1].string == "."
                     and tokens[i - 2].string in bindings.pickle
                     and (i < 3 or tokens[i - 3].string != "."))
        bare = tok.string in bindings.loaders and (i == 0 or tokens[i - 1].string != ".")
        if not (qualified or bare):
            continue
        end = _closing(tokens, i + 1)
        if end is None or end == i + 2:
            continue
        if any(t.string == "encoding" and depths[j] == depths[i + 2]
               for j, t in enumerate(tokens[i + 2:end], i + 2)):
            continue
        insert = (" " if tokens[end - 1].string == "," else ", ") + "encoding='latin1'"
        edits.append((tokens[end].start[0], tokens[end].start[1], tokens[end].start[1], insert))
    return edits


# -- NumPy 2's promotion rules (NEP 50): flagged, not changed -----------------------

#: NumPy scalar types whose arithmetic with a Python number changed
_SMALL_FLOATS = {"float16", "float32", "half", "single", "csingle", "complex64"}
_SMALL_INTS = {"int8", "int16", "int32", "uint8", "uint16", "uint32", "uint64", "byte",
               "ubyte", "short", "ushort", "intc", "uintc"}
_WIDE = {"float64", "double", "int64", "longlong"}
_REDUCTIONS = {"max", "min", "sum", "mean", "prod", "std", "var", "amax", "amin"}
_ARITHMETIC = {"+", "-", "*", "/", "//", "%", "**"}
_COMPARISONS = {"==", "!=", "<", ">", "<=", ">="}
_OPERAND_END = {tokenize.NAME, tokenize.NUMBER, tokenize.STRING}

_WHY_SMALL_FLOAT = ("NEP 50: a NumPy {t} scalar meets a Python number: NumPy 1.x computed in "
                    "float64, NumPy 2 computes in {t} (other last digits, or another answer "
                    "to a comparison); float(...) around the scalar keeps NumPy 1.x's numbers")
_WHY_SMALL_INT = ("NEP 50: a NumPy {t} scalar meets a Python int: NumPy 1.x computed in "
                  "int64, NumPy 2 computes in {t}, which wraps around (or raises "
                  "OverflowError for an int that does not fit); int(...) around the scalar "
                  "keeps NumPy 1.x's numbers")
_WHY_WIDE = ("NEP 50: a NumPy {t} scalar meets {other}: if that is a float32 or int32 array, "
             "NumPy 1.x kept the array's type and NumPy 2 gives {t}; float(...) around the "
             "scalar keeps NumPy 1.x's type")
_WHY_REDUCTION = ("NEP 50: {r} of a whole array is a NumPy scalar of the array's type: if "
                  "that is float32 (or a small integer type), NumPy 1.x computed its "
                  "arithmetic with a Python number in float64 (int64), NumPy 2 in the "
                  "array's type (other last digits); float(...) around it keeps NumPy 1.x's")


def _nep50_flags(tokens, numpy_names, text):
    """``(line, why)`` for each place in a logical line where a NumPy scalar
    meets an operand that NumPy 1.x's value-based promotion treated otherwise,
    as far as the text shows. The scalar is one made by name
    (``numpy.float32(x) * 0.5``), or a reduction of a whole array
    (``a.max() + eps``, ``numpy.mean(a) * 100``) beside a number or a name the
    script binds to one; a comparison counts only with a float that float32
    cannot hold (``== 0.1``: NumPy 2 compares in float32; an int compares
    exactly under both rules)."""
    numbers = dict(re.findall(r"\b(\w+)\s*=\s*([-+]?(?:\d|\.\d)[\w.+-]*)", text))
    flags = []
    for i, tok in enumerate(tokens):  # numpy.float32(x), numpy.mean(a) ...
        if not (tok.type == tokenize.NAME and tok.string in numpy_names and i + 3 < len(tokens)
                and tokens[i + 1].string == "." and tokens[i + 3].string == "("
                and (i == 0 or tokens[i - 1].string != ".")):
            continue
        kind, end = tokens[i + 2].string, _closing(tokens, i + 3)
        if end is None:
            continue
        beside = _beside(tokens, i, end, numbers)
        if kind in _SMALL_FLOATS and beside in ("number", "inexact"):
            flags.append((tok.start[0], _WHY_SMALL_FLOAT.format(t=kind)))
        elif kind in _SMALL_INTS and beside in ("number", "inexact"):
            flags.append((tok.start[0], _WHY_SMALL_INT.format(t=kind)))
        elif kind in _WIDE and beside == "name":
            other = "a name (" + _other_name(tokens, i, end) + ")"
            flags.append((tok.start[0], _WHY_WIDE.format(t=kind, other=other)))
        elif (kind in _REDUCTIONS and _argument_count(tokens, i + 3, end) == 1
              and beside in ("number", "inexact")):
            flags.append((tok.start[0], _WHY_REDUCTION.format(r=f"{tok.string}.{kind}(...)")))
    for i, tok in enumerate(tokens):  # a.max(), x.mean() ...: no axis, a scalar
        if (tok.string in _REDUCTIONS and i >= 2 and tokens[i - 1].string == "."
                and i + 2 < len(tokens) and tokens[i + 1].string == "("
                and tokens[i + 2].string == ")"
                and _beside(tokens, i - 2, i + 2, numbers) in ("number", "inexact")):
            receiver = tokens[i - 2].string if tokens[i - 2].type == tokenize.NAME else "(...)"
            flags.append((tok.start[0], _WHY_REDUCTION.format(r=f"{receiver}.{tok.string}()")))
    return flags


def _operator(tokens, k):
    """``'arithmetic'`` or ``'comparison'`` if token ``k`` is such a binary
    operator (an operand before it), else None."""
    if not (0 < k < len(tokens) - 1 and tokens[k].type == tokenize.OP):
        return None
    if not (tokens[k - 1].type in _OPERAND_END or tokens[k - 1].string in ")]"):
        return None
    if tokens[k].string in _ARITHMETIC:
        return "arithmetic"
    return "comparison" if tokens[k].string in _COMPARISONS else None


def _beside(tokens, start, end, numbers):
    """What the expression ``tokens[start:end + 1]`` meets through a binary
    operator: ``'inexact'`` (a float float32 cannot hold, in a comparison or
    arithmetic), ``'number'`` (a number in arithmetic, or a name the script
    binds to one), ``'name'`` (a plain name), or None."""
    found = None
    for k, other in ((start - 1, start - 2), (end + 1, end + 2)):
        kind = _operator(tokens, k)
        if kind is None or not 0 <= other < len(tokens):
            continue
        operand = tokens[other]
        if other > end:  # the start of an expression: a plain name, not x.y or f(x)
            following = tokens[other + 1].string if other + 1 < len(tokens) else ""
            plain = following not in ("(", "[", ".")
        else:  # the end of one: not y.x
            plain = other == 0 or tokens[other - 1].string != "."
        plain = plain and operand.type == tokenize.NAME
        literal = (operand.string if operand.type == tokenize.NUMBER
                   else numbers.get(operand.string) if plain else None)
        if literal is not None:
            if not _float32_holds(literal):
                return "inexact"
            if kind == "arithmetic":
                found = "number"
        elif plain and kind == "arithmetic" and found is None:
            found = "name"
    return found


def _float32_holds(literal):
    """A number literal's value is exact in float32 (so a comparison with it
    gives the same answer in float32 and float64)."""
    try:
        value = float(literal.replace("_", ""))
    except ValueError:
        return True
    return value == struct.unpack("f", struct.pack("f", value))[0] if abs(value) < 3e38 else False


def _other_name(tokens, start, end):
    for k, other in ((start - 1, start - 2), (end + 1, end + 2)):
        if (_operator(tokens, k) and 0 <= other < len(tokens)
                and tokens[other].type == tokenize.NAME):
            return tokens[other].string
    return "?"


def _argument_count(tokens, open_index, close_index):
    """Top-level positional arguments of a call; keyword arguments count as
    two (an ``axis=`` makes it no whole-array reduction)."""
    depths = _depths(tokens)
    inner = list(range(open_index + 1, close_index))
    if not inner:
        return 0
    level = depths[open_index] + 1
    commas = sum(1 for k in inner if tokens[k].string == "," and depths[k] == level)
    keywords = sum(1 for k in inner if tokens[k].string == "=" and depths[k] == level)
    return commas + 1 + keywords


# -- the command line ----------------------------------------------------------------


def main(argv=None):
    """``python -m deeplearning_tutorials.theano_compat.port SCRIPT [-o OUT]``:
    write the port (to OUT, or print it) and list, as ``SCRIPT:LINE: ...``,
    each line left for a look: an import the kit lacks, a ``numpy.cast`` not
    called, and the NumPy 2 promotion changes (NEP 50)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m deeplearning_tutorials.theano_compat.port",
                                     description=main.__doc__.split(":", 1)[0])
    parser.add_argument("script")
    parser.add_argument("-o", "--output", help="where to write the port (default: print it)")
    args = parser.parse_args(argv)
    try:
        with open(args.script, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as error:
        parser.exit(2, f"port: cannot read {args.script}: {error}\n")
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", PortWarning)
        try:
            ported, changed = port_source(text)
        except (tokenize.TokenError, IndentationError, SyntaxError) as error:
            parser.exit(2, f"port: {args.script} does not tokenize: {error}\n")
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(ported)
    else:
        sys.stdout.write(ported)
    for warning in said:
        if isinstance(warning.message, PortWarning):
            message = str(warning.message).split(" ", 2)[2].removeprefix(": ")
            print(f"{args.script}:{warning.message.line}: {message}", file=sys.stderr)
    print(f"{args.script}: {len(changed)} line(s) changed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
