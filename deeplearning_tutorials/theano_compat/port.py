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
* integer division where a script counts minibatches: ``/`` -> ``//`` in an
  assignment to a name ending in ``_batches`` (Python 2's ``/`` of two ints
  was floor division; the count is then a ``range`` bound and an index). Other
  divisions are left alone: the rule cannot know their operands' types;
* a ``zip``/``map``/``filter``/``range`` result kept in a name
  (``pairs = zip(a, b)``) -> ``list(...)``, since the script may walk it twice
  or index it;
* a file opened ``'wb'`` into a name that the script ``.write()``\\ s and
  never hands to ``dump`` -> ``'w'`` (Python 2 wrote ``str``, which was bytes).

An import of a Theano module or name that the kit lacks
(``import theano.sandbox.cuda``, ``from theano.tensor.nnet import neighbours``)
is left as it is -- the rewriter never writes an import that does not exist --
and :class:`PortWarning` names its line and what to do instead (the kit's
advice for that name).

What the rules do not cover (backticks, ``<>``, octal literals, ``exec``
statements, string/bytes mixing) is left as it is; the porting guide lists it.
"""

import importlib
import importlib.util
import io
import re
import tokenize
import warnings

KIT = "deeplearning_tutorials.theano_compat"


class PortWarning(UserWarning):
    """A line the rewriter left as it was: the kit lacks what it imports."""

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
    for ``theano``.
    """
    lines = text.splitlines(keepends=True)
    edits = []  # (row, start col, end col, replacement)
    print_function = re.search(r"^\s*from\s+__future__\s+import[^\n]*\bprint_function\b",
                               text, re.MULTILINE) is not None
    theano_bound = [False]
    defines_next = re.search(r"^\s*def\s+next\s*\(", text, re.MULTILINE) is not None
    for logical in _logical_lines(text):
        first = logical[0].string
        if first in ("import", "from"):
            lacking = _kit_lacks(logical, kit)
            if lacking:
                warnings.warn(f"line {logical[0].start[0]} left as it is: {lacking}",
                              PortWarning, stacklevel=2)
                continue
            edits += _import_edits(logical, lines, kit, theano_bound)
            continue
        if first == "print" and not print_function:
            edits += _print_edits(logical, lines)
        elif first == "except":
            edits += _except_edits(logical)
        edits += _assignment_edits(logical, text)
        edits += _name_edits(logical)
        if not defines_next:
            edits += _next_edits(logical)
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


def _assignment_edits(tokens, text):
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
    if value[0].string == "open" and value[1].string == "(" and _closing(value, 1) == len(value) - 1:
        mode = value[-2]
        written = re.search(rf"\b{target}\.write\(", text)
        dumped = re.search(rf"\bdump\([^\n]*\b{target}\b", text)
        if (mode.type == tokenize.STRING and mode.string[1:-1] == "wb" and written
                and not dumped):
            quote = mode.string[0]
            edits.append((mode.start[0], mode.start[1], mode.end[1], f"{quote}w{quote}"))
    return edits


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
