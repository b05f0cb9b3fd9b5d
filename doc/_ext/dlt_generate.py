"""The site's generated parts, drawn from the recorded runs under results/:

* ``_generated/curves/<model>.png``: a learning curve per model, from the
  run's log (validation error per epoch and the test error of each new best
  model; for dA and rbm, whose runs print no errors, the training cost per
  epoch; for SdA and DBN also the pre-training cost per layer);
* ``_generated/results_<lang>.md``: the results table, from results/*.json;
* ``_generated/figures/<name>.png``: the chapters' diagrams, demos and
  plots, drawn by the modules of doc/figures/ (``draw.py``).

Sphinx runs this at the start of every build (``dlt_site``); it also runs on
its own: ``python doc/_ext/dlt_generate.py`` writes doc/_generated/.
Nothing here is typed in by hand: a new record or log changes the site.
"""

import json
import re
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent
REPO = DOC.parent
RESULTS = REPO / "results"
OUT = DOC / "_generated"

# Where each model's run is recorded: the first that exists is used (the
# runs with the original's noise, the MRG streams, are under results/; the
# earlier runs with PyTensor's generator under results/pytensor_rng/).
SOURCES = {
    "logistic_sgd": ["logistic_sgd"],
    "logistic_cg": ["logistic_cg"],
    "mlp": ["mlp"],
    "convolutional_mlp": ["convolutional_mlp"],
    "dA": ["dA", "pytensor_rng/dA"],
    "SdA": ["SdA", "pytensor_rng/SdA"],
    "rbm": ["rbm", "pytensor_rng/rbm"],
    "DBN": ["DBN", "pytensor_rng/DBN"],
}
# records that only the results table reads (no learning curve): the LeNet
# GPU run that reproduce writes, or else the first one, whose machine was
# added by hand
TABLE_ONLY = {
    "convolutional_mlp_gpu": [
        "convolutional_mlp_gpu",
        "convolutional_mlp_gpu_nov26/convolutional_mlp_gpu",
    ],
}

# a whole number: a line still being written by a run in progress ("cost -")
# is not read
NUMBER = r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
VALIDATION = re.compile(rf"^epoch (\d+), minibatch \d+/\d+, validation error {NUMBER} %")
TEST = re.compile(rf"^\s+epoch (\d+), minibatch \d+/\d+, test error of best model {NUMBER} %")
PRETRAINING = re.compile(rf"^Pre-training layer (\d+), epoch (\d+), cost\s+{NUMBER}$")
TRAINING = re.compile(rf"^Training epoch (\d+), cost(?: is)?\s+{NUMBER}$")
# logistic_cg's callback: one line per iteration of fmin_cg, without its number
ITERATION = re.compile(rf"^validation error {NUMBER} %$")

def record(model, suffix):
    """The first recorded file of ``model`` with ``suffix`` (.log, .json), as
    a path relative to the repository, or None; a log counts once it has an
    epoch to draw (a run just started has none)."""
    for stem in SOURCES.get(model) or TABLE_ONLY.get(model, [model]):
        path = RESULTS / f"{stem}{suffix}"
        if path.is_file() and (suffix != ".log" or any(parse_log(path.read_text()).values())):
            return path.relative_to(REPO).as_posix()
    return None


def parse_log(text):
    """Validation and test errors by epoch, pre-training costs by layer and
    epoch, and the training costs of each run (a log may hold several runs,
    each starting again at epoch 0); a resumed run's repeated lines replace
    the earlier ones."""
    validation, test, pretraining, runs = {}, {}, {}, []
    for line in text.splitlines():
        if m := VALIDATION.match(line):
            validation[int(m[1])] = float(m[2])
        elif m := ITERATION.match(line):
            validation[len(validation) + 1] = float(m[1])
        elif m := TEST.match(line):
            test[int(m[1])] = float(m[2])
        elif m := PRETRAINING.match(line):
            pretraining.setdefault(int(m[1]), {})[int(m[2])] = float(m[3])
        elif m := TRAINING.match(line):
            epoch = int(m[1])
            if not runs or (epoch == 0 and 0 in runs[-1]):
                runs.append({})
            runs[-1][epoch] = float(m[2])
    return {
        "validation": validation,
        "test": test,
        "pretraining": pretraining,
        "training": runs,
    }


def draw_curve(model, log, path):
    """One learning curve of ``model`` from the log at ``log`` (relative to
    the repository), titled with the log, to ``path``. Its labels are
    English: the figures are shared by both languages."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["font.family"] = ["DejaVu Sans"]
    curves = parse_log((REPO / log).read_text())
    panels = []
    if curves["pretraining"]:
        panels.append("pretraining")
    if curves["validation"]:
        panels.append("errors")
    if curves["training"] and not curves["validation"]:
        panels.append("training")
    if not panels:
        raise ValueError(f"{log}: no epoch lines to draw")
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.6), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        if panel == "errors":
            v = curves["validation"]
            ax.plot(list(v), list(v.values()), label="validation", lw=1.2)
            t = curves["test"]
            if t:  # logistic_cg prints no test error per iteration
                ax.plot(list(t), list(t.values()), "o", ms=3, label="test (best model)")
            ax.set_ylabel("error (%)")
            ax.set_title("fine-tuning" if curves["pretraining"] else model, fontsize=10)
        elif panel == "pretraining":
            for layer, costs in sorted(curves["pretraining"].items()):
                ax.plot(list(costs), list(costs.values()), label=f"layer {layer}")
            ax.set_ylabel("cost")
            ax.set_title("pre-training", fontsize=10)
        else:
            labels = RUN_LABELS.get(model, [])
            for i, run in enumerate(curves["training"]):
                label = labels[i] if i < len(labels) else f"run {i + 1}"
                ax.plot(list(run), list(run.values()), marker=".", label=label)
            published = published_costs(model)
            if published:
                ax.plot(range(len(published)), published, "k--", lw=1, label="published")
            ax.set_ylabel("cost")
            ax.set_title(model, fontsize=10)
        ax.set_xlabel("iteration of fmin_cg" if model == "logistic_cg" else "epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"{log}", fontsize=9, family="monospace")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


# the runs of a log that holds several, in their order
RUN_LABELS = {"dA": ["no corruption", "30 % corruption"], "rbm": ["this port"]}


def published_costs(model):
    """The tutorial's published cost per epoch (the rbm's), or None."""
    from deeplearning_tutorials.machinery.reproduce import PUBLISHED

    published = PUBLISHED.get(model)
    return published.costs_per_epoch if published else None


def fmt(value, digits=2):
    return "–" if value is None else f"{value:.{digits}f}"


RESULT_HEADERS = {
    "en": (
        "| model | published validation / test (%) | this port validation / test (%) "
        "| epochs | training time (min) | within the tolerance | record |"
    ),
    "zh": "| 模型 | 原教程 验证 / 测试 (%) | 本移植 验证 / 测试 (%) | 轮数 | 训练时间 (分钟) | 在容差之内 | 记录 |",
}
MODEL_NAMES = {
    "en": {
        "logistic_sgd": "logistic regression",
        "mlp": "MLP",
        "convolutional_mlp": "LeNet",
        "SdA": "SdA",
        "DBN": "DBN",
    },
    "zh": {
        "logistic_sgd": "逻辑回归",
        "mlp": "多层感知机",
        "convolutional_mlp": "LeNet",
        "SdA": "层叠降噪自编码器",
        "DBN": "深度信念网络",
    },
}


# the record's verdict: within the published figure's tolerance or not (a
# record without one, as the GPU run's, was not judged)
VERDICT = {"en": {True: "yes", False: "no", None: "–"}, "zh": {True: "是", False: "否", None: "–"}}


def results_rows(lang):
    """The rows of the results table: each supervised model's record under
    results/ (the first of SOURCES), and the LeNet GPU run."""
    from deeplearning_tutorials.machinery.reproduce import PUBLISHED

    entries = [(m, record(m, ".json")) for m in MODEL_NAMES["en"]]
    entries.insert(3, ("convolutional_mlp_gpu", record("convolutional_mlp_gpu", ".json")))
    rows = []
    for model, path in entries:
        if path is None or not (REPO / path).is_file():
            continue
        data = json.loads((REPO / path).read_text())
        published = PUBLISHED[model]
        name = MODEL_NAMES[lang][published.driver or model]
        if data.get("mode") == "JAX":
            name += " (JAX, GPU)"
        minutes = data["seconds"] / 60 + data.get("pretraining_seconds", 0) / 60
        rows.append(
            f"| {name} | {fmt(published.validation_percent)} / {fmt(published.test_percent)} "
            f"| {fmt(data['best_validation_error_percent'])} / {fmt(data['test_error_percent'])} "
            f"| {data['epochs']} | {minutes:.1f} | {VERDICT[lang][data.get('reproduced')]} | `{path}` |"
        )
    return rows


def results_table(lang):
    header = RESULT_HEADERS[lang]
    rule = "|" + "---|" * header.count(" |")
    return "\n".join([header, rule, *results_rows(lang)]) + "\n"


def draw_figures(out):
    """The chapters' figures (doc/figures/draw.py), each drawn again only
    when it is missing or stale."""
    sys.path.insert(0, str(DOC / "figures"))
    import draw

    return draw.draw_all(out, log=lambda line: None)


def generate(out=OUT):
    """Write every generated part under ``out``; return the paths written."""
    written = []
    for model in SOURCES:
        log = record(model, ".log")
        if log is None:
            raise FileNotFoundError(f"no recorded log of {model} under results/")
        path = out / "curves" / f"{model}.png"
        draw_curve(model, log, path)
        written.append(path)
    written += draw_figures(out / "figures")
    for lang in ("en", "zh"):
        path = out / f"results_{lang}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(results_table(lang), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    for path in generate():
        print(path.relative_to(REPO))
