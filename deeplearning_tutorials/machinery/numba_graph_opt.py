"""LLVM optimises each operation once, not again inside its graph's function.

PyTensor's Numba backend turns a graph into one Numba function per operation
(an elementwise loop, a reduction, a product) and one more that calls them
in order: ``numba_funcified_fgraph`` for a compiled function's graph,
``numba_ofg`` for the inner graph of an ``OpFromGraph`` (PyTensor 3's
``Softmax`` and ``LogSoftmax`` are such graphs) and ``numba_scan`` for a
``scan``'s step.

Numba compiles a function in three LLVM stages (``CPUCodeLibrary`` in
``numba/core/codegen.py``): it links in the modules of every function the
function calls, each already optimised when it was compiled; it optimises
the whole module at level 3 (``_optimize_final_module``); and it generates
machine code for all of it. For an operation's loop, that second stage is
what inlines the scalar code into the loop and vectorises it. For a graph's
function, it optimises again the code of every operation, all of it
optimised already, to gain nothing but a call per operation: the function
has no loop of its own. A ``scan``'s step is linked, in turn, into the
``scan`` loop, which is optimised at level 3 as before.

So this module gives those three functions Numba's *cheap* pass only, the
level-0 pass (inlining the always-inline functions) that Numba runs before
its full pass anyway, and Numba's pruning of reference counts; every other
function keeps Numba's optimisation as it is. Measured on logistic_sgd's
training function, the graph's optimisation took 1.43 s of the 11.2 s that
LLVM spent on it, and 0.30 s this way; a cold start to the first training
step is 1.6 to 5.5 s shorter (logistic_sgd, hmc, logistic_cg, LeNet:
``doc/performance.md``, "Compile time"). With Numba's fast-math off (the
project's default), LLVM may not reorder floating-point operations at any
level, and the results are the same to the bit
(``tests/test_numba_graph_opt.py``).

``DLT_NUMBA_GRAPH_OPT=full`` in the environment keeps Numba's own
optimisation for these functions too. Code already in Numba's cache is
loaded as it was compiled, whichever way that was.
"""

import os

#: the names PyTensor gives the Numba functions that call a graph's
#: operations in order (``fgraph_name`` in ``pytensor/link/numba/dispatch``)
GRAPH_FUNCTIONS = frozenset({"numba_funcified_fgraph", "numba_ofg", "numba_scan"})
#: the environment variable that keeps Numba's full optimisation
SWITCH = "DLT_NUMBA_GRAPH_OPT"


def cheap_for(name):
    """True if the library ``name`` (a Numba function's name) gets the cheap
    pass only: a graph's function, unless the switch says ``full``."""
    return name in GRAPH_FUNCTIONS and os.environ.get(SWITCH, "cheap") != "full"


def install():
    """Have Numba's ``CPUCodeLibrary`` optimise graph functions cheaply.

    Leaves Numba as it is where its code generation is not the one this
    module was written against (a later Numba without these methods)."""
    from numba.core import codegen, config

    library = codegen.CPUCodeLibrary
    full = library._optimize_final_module
    if getattr(full, "graph_opt_installed", False):
        return
    if not all(hasattr(x, y) for x, y in [
        (library, "_optimize_final_module"),
        (codegen.CPUCodegen, "_module_pass_manager"),
        (codegen, "remove_redundant_nrt_refct"),
    ]):  # pragma: no cover - another Numba's code generation
        return

    def optimize_final_module(self):
        if not cheap_for(self.name):
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
