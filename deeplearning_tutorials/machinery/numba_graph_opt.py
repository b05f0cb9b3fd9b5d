"""LLVM optimises each operation once, not again in every function around it.

PyTensor's Numba backend turns a graph into one Numba function per operation
(an elementwise loop, a reduction, a product) and one more that calls them
in order: ``numba_funcified_fgraph`` for a compiled function's graph,
``numba_ofg`` for the inner graph of an ``OpFromGraph`` (PyTensor 3's
``Softmax`` and ``LogSoftmax`` are such graphs) and ``numba_scan`` for a
``scan``'s step. So that Numba can cache each of these functions on disk,
PyTensor also wraps each in a function of one line,
``def elemwise(*args): return jitable_func(*args)``
(``numba_funcify_ensure_cache`` in ``pytensor/link/numba/dispatch/basic.py``).

Numba compiles a function in three LLVM stages (``CPUCodeLibrary`` in
``numba/core/codegen.py``): it links in the modules of every function the
function calls, each already optimised when it was compiled; it optimises
the whole module at level 3 (``_optimize_final_module``); and it generates
machine code for all of it. For an operation's loop, that second stage is
what inlines the scalar code into the loop and vectorises it. For a graph's
function or a wrapper it optimises again, whole, code that was optimised
already, to gain a call or two: neither has a loop of its own. (A
``scan``'s step is linked, in turn, into the ``scan``'s loop, which is
optimised at level 3 as before, with the step inlined.)

So this module gives those functions, and only those, Numba's *cheap* pass:
the level-0 pass (inlining the always-inline functions) that Numba runs
before its full pass anyway, and Numba's pruning of reference counts. To
tell the wrappers apart, it names them: a wrapper of ``elemwise`` is
compiled as ``cache_wrapper_elemwise`` (which also names its entry in
Numba's cache). Every other function keeps Numba's optimisation as it is.
The cold compile of logistic_sgd's functions is 11 % shorter, LeNet's
23 %, and their epochs take as long (``doc/performance.md``, "The graphs' own
functions, optimised once"). With Numba's fast-math off (the project's
default), LLVM may not reorder floating-point operations at any level, and
the results are the same to the bit (``tests/test_numba_graph_opt.py``).

``DLT_NUMBA_GRAPH_OPT=full`` in the environment keeps Numba's full
optimisation for these functions too. Code already in Numba's cache is
loaded as it was compiled, whichever way that was.
"""

import os

#: the names PyTensor gives the Numba functions that call a graph's
#: operations in order (``fgraph_name`` in ``pytensor/link/numba/dispatch``)
GRAPH_FUNCTIONS = frozenset({"numba_funcified_fgraph", "numba_ofg", "numba_scan"})
#: the prefix of the names this module gives PyTensor's cache wrappers
CACHE_WRAPPER = "cache_wrapper_"
#: the environment variable that keeps Numba's full optimisation
SWITCH = "DLT_NUMBA_GRAPH_OPT"


def cheap_for(name):
    """True if the library ``name`` (a Numba function's name) gets the cheap
    pass only: a graph's function or a cache wrapper, unless the switch says
    ``full``."""
    if os.environ.get(SWITCH, "cheap") == "full":
        return False
    return name in GRAPH_FUNCTIONS or name.startswith(CACHE_WRAPPER)


def install():
    """Have Numba's ``CPUCodeLibrary`` optimise graph functions and cache
    wrappers cheaply (called once ``numba.core.codegen`` is imported).

    Leaves Numba as it is where its code generation is not the one this
    module was written against (a later Numba without these methods)."""
    from numba.core import codegen, config

    library = codegen.CPUCodeLibrary
    full = library._optimize_final_module
    if getattr(full, "graph_opt_installed", False):
        return
    if not (hasattr(codegen.CPUCodegen, "_module_pass_manager")
            and hasattr(codegen, "remove_redundant_nrt_refct")):  # pragma: no cover - another Numba
        return

    def optimize_final_module(self):
        # a codegen without the settings of Numba's cheap pass is another
        # Numba's: leave it its own optimisation
        if not (cheap_for(self.name) and hasattr(self._codegen, "_opt_level")
                and hasattr(self._codegen, "_loopvect")):
            return full(self)
        # the first half of Numba's own _optimize_final_module, without the
        # full level-3 pass that follows it there
        pass_manager, pass_builder = self._codegen._module_pass_manager(
            loop_vectorize=self._codegen._loopvect,
            slp_vectorize=False,
            opt=self._codegen._opt_level,
            cost="cheap",
        )
        pass_manager.run(self._final_module, pass_builder)
        if not config.LLVM_REFPRUNE_PASS:
            self._final_module = codegen.remove_redundant_nrt_refct(self._final_module)

    optimize_final_module.graph_opt_installed = True
    optimize_final_module.__doc__ = full.__doc__
    library._optimize_final_module = optimize_final_module


def name_cache_wrappers():
    """Have PyTensor's cache wrappers compiled under a name of their own,
    ``cache_wrapper_<name>`` (called once PyTensor's Numba dispatch is
    imported). A PyTensor whose wrappers read otherwise keeps its names."""
    from pytensor.link.numba.dispatch import basic

    compile_src = getattr(basic, "compile_numba_function_src", None)
    if compile_src is None or getattr(compile_src, "names_cache_wrappers", False):
        return  # pragma: no cover - another PyTensor, or already done

    def compile_numba_function_src(src, function_name, *args, **kwargs):
        function = compile_src(src, function_name, *args, **kwargs)
        if src == f"def {function_name}(*args): return jitable_func(*args)":
            function.__qualname__ = CACHE_WRAPPER + function_name
        return function

    compile_numba_function_src.names_cache_wrappers = True
    basic.compile_numba_function_src = compile_numba_function_src
