"""The sweep's table: per setting, the statistics of its trials' records;
the overhead of the trials over their training; the plot.

``summary.json`` and ``summary.md`` are made from what is in ``--out`` (the
records and logs), so a resumed sweep's table counts every trial, whenever
it ran.
"""

import collections
import io
import json
from pathlib import Path

import numpy

from deeplearning_tutorials.machinery.checkpoint import atomic_write
from deeplearning_tutorials.machinery.errors import one_line
from deeplearning_tutorials.machinery.sweep.record import (
    read_record,
    train_seconds,
    trial_status,
    wall_seconds,
    write_text,
)


def final_cost(record):
    """The last cost of an unsupervised run (dA, rbm), or None."""
    costs = record.get("costs_per_epoch")
    while isinstance(costs, list) and costs and isinstance(costs[-1], list):
        costs = costs[-1]
    return costs[-1] if isinstance(costs, list) and costs else None


# The columns of the table: key in summary.json, heading, how to read a
# record, decimals shown.
METRICS = (
    ("validation_error_percent", "validation error (%)",
     lambda r: r.get("best_validation_error_percent"), 4),
    ("test_error_percent", "test error (%)", lambda r: r.get("test_error_percent"), 4),
    ("final_cost", "final cost", final_cost, 3),
    ("epochs", "epochs", lambda r: r.get("epochs"), 1),
    ("training_seconds", "training time (s)", lambda r: r.get("seconds"), 2),
)  # fmt: skip


def statistics(values):
    """Mean, sample standard deviation (None for one value) and the values."""
    values = [float(v) for v in values]
    std = float(numpy.std(values, ddof=1)) if len(values) > 1 else None
    return {"mean": float(numpy.mean(values)), "std": std, "values": values}


def summarize(plan, out):
    """Per setting, the statistics of each metric over its trials' records."""
    rows = []
    for index, setting in enumerate(plan.settings):
        trials = [t for t in plan.trials if t.setting_index == index]
        records = [read_record(out, t) for t in trials]
        found = [r for r in records if r is not None]
        statuses = [trial_status(out, t) for t in trials]
        row = {
            "setting": setting,
            "trials": len(trials),
            "finished": len(found),
            "diverged": sum(s["status"] == "diverged" for s in statuses),
            "unfinished": [s for s in statuses if s["status"] != "done"],
            "records": [
                f"trials/{t.id}.json" for t, r in zip(trials, records) if r is not None
            ],
        }
        for key, _, read, _ in METRICS:
            values = [read(r) for r in found if read(r) is not None]
            row[key] = statistics(values) if values else None
        walls = [wall_seconds(out, t) for t in trials if wall_seconds(out, t)]
        row["wall_seconds"] = statistics(walls) if walls else None
        rows.append(row)
    return rows


def best_row(rows):
    """The index of the lowest mean validation error (else final cost), or None."""
    for key in ("validation_error_percent", "final_cost"):
        scored = [(row[key]["mean"], i) for i, row in enumerate(rows) if row[key]]
        if scored:
            return min(scored)[1]
    return None


def format_cell(stats, decimals):
    if stats is None:
        return "—"
    mean = f"{stats['mean']:.{decimals}f}"
    return mean if stats["std"] is None else f"{mean} ± {stats['std']:.{decimals}f}"


def markdown_table(plan, rows, command, overhead=None):
    """The table as Markdown: one row per setting, the best in bold; then
    the trials without a result, and the sentence of :func:`overhead_words`."""
    metrics = [m for m in METRICS if any(row[m[0]] for row in rows)]
    metrics.append(("wall_seconds", "wall time (s)", None, 1))
    swept = plan.swept or ["setting"]
    head = [*swept, "trials", *(heading for _, heading, _, _ in metrics)]
    lines = [
        f"# Sweep of {plan.driver}",
        "",
        f"`{command}`",
        "",
        describe_sweep(plan),
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    best = best_row(rows)
    for i, row in enumerate(rows):
        values = [row["setting"].get(name, "defaults") for name in swept]
        count = f"{row['finished']}/{row['trials']}" + _unfinished_words(row)
        cells = [*values, count]
        cells += [format_cell(row[key], digits) for key, _, _, digits in metrics]
        if i == best:
            cells = [f"**{cell}**" for cell in cells]
        lines.append("| " + " | ".join(cells) + " |")
    unfinished = [s for row in rows for s in row.get("unfinished", ())]
    if unfinished:
        lines += ["", "Trials without a result:", ""]
        lines += [
            f"- `{s['trial']}`: {_status_words(s)}"
            + (f": `{_cell_text(s['last_line'])}`" if s["last_line"] else "")
            for s in unfinished
        ]
    if overhead and overhead["all"]:
        lines += ["", overhead_words(overhead)]
    return "\n".join(lines) + "\n"


def _status_words(status):
    """``failed (exit status 2)``, ``interrupted (exit status 143)``, ..."""
    if status["exit_status"] is None:
        return status["status"]
    return f"{status['status']} (exit status {status['exit_status']})"


def _unfinished_words(row):
    """`` (1 diverged, 1 failed)``: how many trials of a row did not finish,
    by status; '' when all did."""
    counts = collections.Counter(s["status"] for s in row.get("unfinished", ()))
    if not counts:
        return ""
    return " (" + ", ".join(f"{n} {status}" for status, n in counts.items()) + ")"


def _cell_text(line, limit=200):
    """A log line as Markdown code text: one line, no backtick, not too long."""
    line = one_line(line).replace("`", "'")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def describe_sweep(plan):
    """One sentence on what each row averages over."""
    fixed = ", ".join(
        f"`--{k}`" if v is None else f"`--{k} {v}`" for k, v in plan.fixed.items()
    )
    over = []
    if plan.cv_folds:
        over.append(
            f"{plan.cv_folds}-fold cross-validation on the pooled training and "
            "validation sets (the test set untouched)"
        )
    if plan.repeats > 1:
        over.append(f"{plan.repeats} repeats")
    averaged = (
        "Each cell: mean ± sample standard deviation over "
        + " and ".join(over)
        + "."
        if over
        else "One trial per setting."
    )
    return (f"Flags of every trial: {fixed}. " if fixed else "") + averaged + (
        " Bold: the lowest mean validation error."
    )


# --------------------------------------------------------------------------
# The overhead: the trials' time beyond their training
# --------------------------------------------------------------------------


def trial_times(plan, out):
    """Each trial with a record: its id, ``wall_seconds`` (start to end in
    its worker, or its whole process), ``train_seconds`` (the driver's
    training), their ``overhead`` ((wall - train) / train), and the functions
    it ``compiled`` and ``reused`` (None where it ran in a process of its
    own)."""
    times = []
    for trial in plan.trials:
        record = read_record(out, trial)
        wall, train = wall_seconds(out, trial), train_seconds(record)
        if record is None or wall is None or not train:
            continue
        sweep = record.get("sweep", {})
        times.append(
            {
                "trial": trial.id,
                "wall_seconds": wall,
                "train_seconds": train,
                "overhead": (wall - train) / train,
                "compiled": sweep.get("compiled"),
                "reused": sweep.get("reused"),
                "worker_startup_seconds": sweep.get("worker_startup_seconds"),
            }
        )
    return times


def overhead_of(times):
    """``{"ratio", "median", "max", "trials"}``: sum(wall - train) /
    sum(train) over ``times``, and the median and largest per-trial
    overhead; None for no trial."""
    if not times:
        return None
    wall = sum(t["wall_seconds"] for t in times)
    train = sum(t["train_seconds"] for t in times)
    each = [t["overhead"] for t in times]
    return {
        "ratio": (wall - train) / train,
        "median": float(numpy.median(each)),
        "max": max(each),
        "trials": len(times),
        "wall_seconds": wall,
        "train_seconds": train,
    }


def overhead(plan, out):
    """The sweep's overhead: over ``all`` its trials with a record, over
    those that ``reused`` compiled functions and compiled none, and the
    workers' start-up (imports and the data, once per worker, outside any
    trial)."""
    times = trial_times(plan, out)
    startups = [t["worker_startup_seconds"] for t in times]
    startups = [s for s in startups if s is not None]
    return {
        "all": overhead_of(times),
        "reused": overhead_of([t for t in times if t["compiled"] == 0]),
        "workers": len(startups),
        "worker_startup_seconds": sum(startups),
        "trials": times,
    }


def overhead_words(overhead):
    """One sentence: the overhead over all trials, and over those that
    reused compiled functions."""
    every, reused = overhead["all"], overhead["reused"]
    words = (
        f"Overhead: the trials ran {_percent(every['ratio'])} longer than they "
        f"trained ({every['wall_seconds']:.1f} s against {every['train_seconds']:.1f} s "
        f"over {every['trials']} trials; per trial median {_percent(every['median'])}, "
        f"at most {_percent(every['max'])})"
    )
    if reused:
        words += (
            f"; the {reused['trials']} trials that compiled nothing (all their "
            f"functions reused): {_percent(reused['ratio'])}"
        )
    if overhead["workers"]:
        words += (
            f"; start-up of {overhead['workers']} workers outside the trials: "
            f"{overhead['worker_startup_seconds']:.1f} s"
        )
    return words + "."


def _percent(ratio):
    return f"{100 * ratio:.1f} %"


def write_summary(plan, out, command, plot=True):
    """``summary.md``, ``summary.json`` and (``plot``) ``summary.png``."""
    rows = summarize(plan, out)
    times = overhead(plan, out)
    summary = {
        "driver": plan.driver,
        "command": command,
        "swept": plan.swept,
        "fixed": plan.fixed,
        "cv_folds": plan.cv_folds,
        "repeats": plan.repeats,
        "best": best_row(rows),
        "rows": rows,
        "overhead": {key: value for key, value in times.items() if key != "trials"},
        "trials": times["trials"],
    }
    write_text(Path(out) / "summary.json", json.dumps(summary, indent=2) + "\n")
    write_text(Path(out) / "summary.md", markdown_table(plan, rows, command, times))
    if plot:
        save_plot(plan, rows, Path(out) / "summary.png")
    return summary




# --------------------------------------------------------------------------
# The plot
# --------------------------------------------------------------------------


def as_numbers(values):
    """``values`` as floats if every one is a number, else None."""
    try:
        return [float(v) for v in values]
    except ValueError:
        return None


def save_plot(plan, rows, path):
    """``summary.png``: for each swept flag, the mean validation (and test)
    error of every setting against the flag's value, with the standard
    deviation as error bar; settings that share all other flags' values are
    joined by a line."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    key = "validation_error_percent"
    if not any(row[key] for row in rows):
        key = "final_cost"
    swept = plan.swept or ["setting"]
    figure, axes = pyplot.subplots(
        1, len(swept), figsize=(4.5 * len(swept), 3.6), squeeze=False
    )
    for axis, name in zip(axes[0], swept):
        _plot_flag(axis, rows, name, swept, key)
    figure.tight_layout()
    image = io.BytesIO()
    figure.savefig(image, format="png", dpi=100)
    pyplot.close(figure)
    atomic_write(path, lambda f: f.write(image.getvalue()))


def _plot_flag(axis, rows, name, swept, key):
    """One panel: ``key`` (and the test error) against flag ``name``."""
    others = [n for n in swept if n != name]
    groups = {}
    for row in rows:
        if row[key] is not None:
            label = " ".join(f"{n}={row['setting'][n]}" for n in others)
            groups.setdefault(label, []).append(row)
    labels = sorted({str(r["setting"].get(name, "defaults")) for r in rows})
    numbers = as_numbers(labels)
    if numbers is not None:
        labels = [labels[i] for i in numpy.argsort(numbers)]
        numbers = sorted(numbers)
    for colour, (label, members) in enumerate(groups.items()):
        values = [str(r["setting"].get(name, "defaults")) for r in members]
        x = as_numbers(values) if numbers else [labels.index(v) for v in values]
        order = numpy.argsort(x)
        for metric, style in ((key, "o-"), ("test_error_percent", "x:")):
            stats = [members[i][metric] for i in order]
            if None in stats:
                continue
            which = "test" if metric.startswith("test") else "validation"
            axis.errorbar(
                [x[i] for i in order],
                [s["mean"] for s in stats],
                yerr=[s["std"] or 0.0 for s in stats],
                fmt=style,
                color=f"C{colour % 10}",
                capsize=3,
                label=f"{which} {label}".strip(),
            )
    if numbers is not None and min(numbers) > 0 and max(numbers) >= 10 * min(numbers):
        axis.set_xscale("log")
        axis.minorticks_off()
    axis.set_xticks(numbers or range(len(labels)), labels)
    axis.set_xlabel(f"--{name}")
    axis.set_ylabel("error (%)" if key.endswith("_percent") else "final cost")
    if len(groups) <= 6:
        axis.legend(fontsize="small")


