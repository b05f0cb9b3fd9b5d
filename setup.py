"""Packaging for deeplearning-tutorials: the LISA-lab tutorials on PyTensor."""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent

# The website (python doc/build.py): Sphinx with MyST markdown, MathJax served
# from the site, copy buttons, Chinese search, the figures drawn with matplotlib.
DOCS = [
    # Sphinx 9.0.x breaks the Chinese search ("ChineseStemmer is not defined",
    # sphinx-doc/sphinx issue 14229; fixed by pull request 14416, in no release
    # on the index yet): 8.2 searches both languages
    "sphinx>=8.2,<9",
    "myst-parser>=2",
    "sphinx-mathjax-offline>=0.0.2",
    "sphinx-copybutton>=0.5",
    # segments Chinese text into words for the search index (sphinx.search.zh)
    "jieba>=0.42",
    "matplotlib>=3.7",
]

# The sweep on a Dask cluster (--dask-scheduler) and its plot, summary.png.
SWEEP = ["dask[distributed]>=2024.1", "matplotlib>=3.7"]

setup(
    name="deeplearning-tutorials",
    version="0.1.0",
    description=(
        "The classic LISA-lab Deep Learning Tutorials, re-implemented "
        "faithfully on PyTensor"
    ),
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="BSD-3-Clause",
    python_requires=">=3.11",
    packages=find_packages(include=["deeplearning_tutorials*", "tile_utils*"]),
    # The shipped MNIST file: found in data/ of a source checkout or an
    # editable install, and copied to <prefix>/share/... by a regular install
    # (see deeplearning_tutorials/machinery/data.py for the lookup order).
    data_files=[
        (
            "share/deeplearning_tutorials/data",
            ["data/mnist.pkl.gz", "data/README.md"],
        )
    ],
    install_requires=[
        "pytensor>=3.0.7,<4",
        "numpy>=1.26",
        "scipy>=1.11",
        "pillow>=10",
        # an OpenBLAS with the plain Fortran symbol names (sgemm_) that the C
        # backend's code calls, so CVM needs no system BLAS (blas.py)
        "cmeel-openblas>=0.3.23",
        "tqdm>=4.66",
        "threadpoolctl>=3.1",
        # the sweep's local parallel runs (python -m deeplearning_tutorials.sweep);
        # pure Python, no dependencies of its own
        "joblib>=1.4",
        # MIDI files in and out for the RNN-RBM (rnnrbm: the Nottingham tunes,
        # the generated pieces); pure Python
        "mido>=1.3",
    ],
    extras_require={
        # the tests build the website too (tests/test_docs.py) and open it in
        # headless Chromium through selenium (Debian's chromium, chromium-driver)
        # (pytest-xdist: the tests run on every core, pytest.ini's -n auto)
        "test": [
            "pytest>=8",
            "pytest-xdist>=3.5",
            "hypothesis>=6.100",
            "selenium>=4.10",
            # the original repository's modules import six.moves: the tests
            # that run them through the porting kit (-m slow) need it
            "six>=1.16",
            *DOCS,
            *SWEEP,
        ],
        "docs": DOCS,
        "gpu": ["jax>=0.4.30"],
        "sweep": SWEEP,
        # the PyTorch baseline of benchmarks/bench_all.py; no dependency
        "bench": ["torch>=2"],
    },
    entry_points={
        "console_scripts": [
            "dlt-logistic-sgd=deeplearning_tutorials.logistic_sgd:main",
            "dlt-mlp=deeplearning_tutorials.mlp:main",
            "dlt-convolutional-mlp=deeplearning_tutorials.convolutional_mlp:main",
            "dlt-dA=deeplearning_tutorials.dA:main",
            "dlt-SdA=deeplearning_tutorials.SdA:main",
            "dlt-rbm=deeplearning_tutorials.rbm:main",
            "dlt-DBN=deeplearning_tutorials.DBN:main",
        ]
    },
    classifiers=[
        "Programming Language :: Python :: 3.11",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
        "Intended Audience :: Education",
    ],
)
