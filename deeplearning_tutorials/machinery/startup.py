"""How long a run takes to start training, and where that time goes.

A tutorial's first training step comes after Python and PyTensor are
imported, the data is read, the graphs are built and rewritten, and the
backend has compiled them: Numba compiles a function on its first call, the
C backend (CVM) when ``pytensor.function`` links it. Both keep what they
compiled in PyTensor's compile directory (``base_compiledir``), so only the
first run of a model, on an *empty* cache, pays for compiling; later runs
load the machine code (a *filled* cache).

Every run's JSON record (``--results-json``) says::

    "startup": {"startup_seconds": 1.42,        # the command -> the first training step
                "compile_seconds": 0.13,        # of which Numba's and the C compiler's
                "compile_cache": "filled",      # the cache as the run found it
                "graphs_loaded": 1,             # rewritten graphs read from the cache
                "graphs_rewritten": 0}          # graphs rewritten by this run

(the last two count the functions made up to the record, the first step's
and the others; :mod:`~deeplearning_tutorials.machinery.graph_cache`).

The training loops call :func:`first_step` just before their first step;
:func:`record` is what :func:`training.write_record` adds. The functions
that step does not need are compiled after it
(:mod:`~deeplearning_tutorials.machinery.compile_later`); one that the step
turns out to need, compiled when it calls it, adds its compile time to the
step's (:func:`first_step_waited`). The start of the
command is the process's own start, read from ``/proc`` where there is one
(so the interpreter's start-up and the imports are counted), else the moment
this module was imported; a sweep's trial, run in a worker process that is
already going, counts from its own start (:func:`begin_trial`).
"""

import os
import time
from pathlib import Path

_IMPORTED = time.time()
_first_step = None
_compile_seconds = [0.0]


def process_start():
    """The wall-clock time at which this process started (seconds since the
    epoch), from ``/proc/self/stat`` and ``/proc/uptime``; the import time
    of this module where ``/proc`` is not there to read."""
    try:
        stat = Path("/proc/self/stat").read_text()
        # field 22, counted after the command name (which may hold spaces)
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return _IMPORTED
    age = uptime - ticks / os.sysconf("SC_CLK_TCK")
    return time.time() - age


_STARTED = process_start()


def cache_state(base_compiledir):
    """``"empty"`` when the compile directory holds no compiled code yet
    (neither Numba's cache nor C modules), else ``"filled"``."""
    base = Path(base_compiledir)
    numba_cache = base / "numba"
    if numba_cache.is_dir() and any(numba_cache.rglob("*.nbi")):
        return "filled"
    if any(base.glob("compiledir_*/tmp*/mod.*")):
        return "filled"
    return "empty"


def _watch_compilers():
    """Add the time Numba compiles and the time the C compiler runs to
    ``_compile_seconds``; Numba's listener waits until Numba is imported (a
    tutorial on the C backend never imports it)."""
    from deeplearning_tutorials.machinery.when_imported import when_imported

    when_imported("numba", _watch_numba)
    _time_c_compiler()


def _watch_numba():
    """Count Numba's ``numba:compile`` events (the outermost only)."""
    from numba.core import event

    class _Listener(event.Listener):
        depth, started = 0, 0.0

        def on_start(self, ev):
            if self.depth == 0:
                self.started = time.perf_counter()
            self.depth += 1

        def on_end(self, ev):
            self.depth -= 1
            if self.depth == 0 and _first_step is None:
                _compile_seconds[0] += time.perf_counter() - self.started

    event.register("numba:compile", _Listener())


def _time_c_compiler():
    from pytensor.link.c import cmodule

    compile_str = cmodule.GCC_compiler.compile_str

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return compile_str(*args, **kwargs)
        finally:
            if _first_step is None:
                _compile_seconds[0] += time.perf_counter() - start

    cmodule.GCC_compiler.compile_str = staticmethod(timed)


_cache_at_start = None


def begin(base_compiledir):
    """Note the compile cache's state and start timing the compilers; called
    once, by :mod:`deeplearning_tutorials.machinery.config`, before anything
    compiles."""
    global _cache_at_start
    if _cache_at_start is None:
        _cache_at_start = cache_state(base_compiledir)
        _watch_compilers()


def begin_trial():
    """Start the clock again, for a run that begins inside a process already
    running (a sweep's worker runs one trial after another): its record's
    ``startup`` then counts from the trial's start, and the compile cache is
    judged as the trial finds it."""
    global _STARTED, _first_step, _cache_at_start
    from deeplearning_tutorials.machinery.graph_cache import counts

    _STARTED, _first_step = time.time(), None
    _compile_seconds[0] = 0.0
    counts.update(dict.fromkeys(counts, 0))
    if _cache_at_start is not None:
        import pytensor

        _cache_at_start = cache_state(pytensor.config.base_compiledir)


def first_step():
    """Mark the first training step (the first call keeps its time)."""
    global _first_step
    if _first_step is None:
        _first_step = time.time()


def first_step_taken():
    """True once :func:`first_step` has marked the first training step."""
    return _first_step is not None


def first_step_waited(seconds):
    """The first step waited ``seconds`` for a function compiled only when
    it was called (:mod:`~deeplearning_tutorials.machinery.compile_later`):
    it counts as started that much later."""
    global _first_step
    if _first_step is not None:
        _first_step += seconds


def record():
    """The ``startup`` entry of a run's record, or None before any step."""
    if _first_step is None:
        return None
    from deeplearning_tutorials.machinery.graph_cache import counts

    return {
        "startup_seconds": round(_first_step - _STARTED, 3),
        "compile_seconds": round(_compile_seconds[0], 3),
        "compile_cache": _cache_at_start,
        "graphs_loaded": counts["loaded"],
        "graphs_rewritten": counts["stored"] + counts["not_kept"],
    }
