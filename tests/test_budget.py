"""Memory estimates and budgets: a library is estimated before it is built, and one that does
not fit the budget is solved implicitly, sampled (the command line) or refused."""

import subprocess
import sys

import numpy as np
import pytest
from cli_runner import run_cli

from library_of_mirrors.architectures import lookup
from library_of_mirrors.dictionary import ImplicitDictionary, build_dictionary
from library_of_mirrors.dictionary.budget import (
    available_memory,
    estimate_library,
    memory_budget,
    parse_memory,
    plan_library,
    use_memory_budget,
)
from library_of_mirrors.dictionary.build import candidate_counts
from library_of_mirrors.models.network import build_library

#: a 3-layer network without a structured pricer (sampled or refused above its budget)
NET = {"activation": "leaky_relu", "depth": 3, "architecture": "deep_narrow", "leaky_slope": 0.2,
       "n_features": None, "random_state": 0}


def test_parse_memory():
    assert parse_memory("4GB") == 4 * 10**9
    assert parse_memory("500MB") == 500 * 10**6
    assert parse_memory("2GiB") == 2 * 2**30
    assert parse_memory(" 1.5 g ") == int(1.5 * 2**30)
    assert parse_memory(4096) == 4096
    for bad in ("", "4 parsecs", "-1GB", "0", "GB"):
        with pytest.raises(ValueError, match="memory size"):
            parse_memory(bad)
    with pytest.raises(TypeError):
        parse_memory(True)


def test_budget_defaults_to_half_the_available_memory_and_can_be_set():
    avail = available_memory()
    assert avail > 0
    assert 0.3 * avail < memory_budget() < 0.7 * avail  # the memory moves meanwhile
    with use_memory_budget("1GB"):
        assert memory_budget() == 10**9
        with use_memory_budget(None):
            assert memory_budget() != 10**9
    assert memory_budget() != 10**9


@pytest.mark.parametrize("act, depth, arch", [("relu", 2, "deep_narrow"),
                                              ("sign", 2, "deep_narrow"),
                                              ("abs", 3, "deep_narrow"),
                                              ("relu", 4, "deep_narrow"),
                                              ("relu", 3, "symmetrized")])
def test_the_estimate_counts_the_candidates_the_builder_enumerates(act, depth, arch):
    for n in (10, 1000):
        est = estimate_library(n, act, depth, arch)
        assert est.candidates == sum(candidate_counts(lookup(act, depth, arch), n))
    small, large = (estimate_library(n, act, depth, arch).peak_bytes for n in (100, 1000))
    assert 0 < small < large
    x = np.r_[np.arange(50.0), np.arange(50.0)]  # 100 samples, 50 distinct points
    est = estimate_library(x, act, depth, arch)
    assert (est.n_points, est.n_samples) == (50, 100)
    assert est.implicit_bytes is None or est.implicit_bytes < estimate_library(
        10_000, act, depth, arch).peak_bytes


def test_plan_explicit_implicit_sampled_or_refused():
    assert plan_library(200, "abs", 3, memory_budget="4GB").kind == "explicit"
    for act in ("relu", "abs"):  # structured pricers: implicit above the budget
        plan = plan_library(5000, act, 3, memory_budget="500MB")
        assert plan.kind == "implicit" and "implicitly" in plan.notice
    leaky = {"activation": "leaky_relu", "leaky_slope": 0.2}  # no structured pricer
    plan = plan_library(4000, depth=3, memory_budget="300MB", allow_sampling=True, **leaky)
    assert plan.kind == "sampled" and 10_000 < plan.n_features < plan.estimate.candidates
    assert plan.estimate.peak_bytes <= parse_memory("300MB")
    assert "sampling" in plan.notice and "300 MB" in plan.notice
    with pytest.raises(ValueError, match=r"above the memory budget of 300 MB; sample a "
                       r"library \(n_features=N\), use a smaller depth, or raise the budget"):
        plan_library(4000, depth=3, memory_budget="300MB", **leaky)
    with pytest.raises(ValueError, match="sampled .* library of 10,000,000 features"):
        plan_library(4000, depth=3, n_features=10_000_000, memory_budget="300MB", **leaky)


def test_build_library_switches_to_implicit_or_refuses_before_building():
    x = np.random.default_rng(0).uniform(-3, 3, 4000)
    for act in ("relu", "abs"):
        d = build_library(x, NET | {"activation": act, "leaky_slope": None},
                          memory_budget="200MB")
        assert isinstance(d, ImplicitDictionary)
    with pytest.raises(ValueError, match="n_features=N"):
        build_library(x, NET, memory_budget="200MB")
    with use_memory_budget("200MB"):  # the budget in force, as the command line sets it
        with pytest.raises(ValueError, match="above the memory budget of 200 MB"):
            build_library(x, NET)
        assert isinstance(build_dictionary(x, "relu", 3, implicit="auto"), ImplicitDictionary)
        d = build_library(x, NET | {"n_features": 2000})
        assert d.n_features == 2000


CHILD = r"""
import resource, sys
from library_of_mirrors.cli import main
assert main(sys.argv[1:4] + ["--out", sys.argv[4]]) == 0  # imports, kernels, matplotlib warm
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
code = main(sys.argv[5:])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(f"growth={peak - base}")
sys.exit(code)
"""


@pytest.mark.slow  # 1 min: a 4,000-point 3-layer leaky relu build (sampled) in a subprocess
def test_a_4000_point_3_layer_fit_stays_inside_its_memory_budget(tmp_path):
    rng = np.random.default_rng(1)
    for name, n in (("small.csv", 60), ("big.csv", 4000)):
        x = rng.uniform(-3, 3, n)
        np.savetxt(tmp_path / name, np.column_stack([x, np.sin(2 * x)]), delimiter=",",
                   header="x,y", comments="")
    budget = "300MB"
    # leaky relu: no structured pricer, so the library is sampled to fit the budget
    args = ["fit", str(tmp_path / "big.csv"), "--x", "x", "--y", "y", "--depth", "3",
            "--activation", "leaky_relu", "--leaky-slope", "0.2", "--beta", "0.05",
            "--memory-budget", budget, "--out", str(tmp_path / "big"), "--quiet"]
    p = subprocess.run([sys.executable, "-c", CHILD, "fit", str(tmp_path / "small.csv"),
                        "--quiet", str(tmp_path / "small"), *args],
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr
    growth = int(p.stdout.split("growth=")[1])
    print(f"peak RSS growth {growth / 1e6:.0f} MB; {p.stderr.strip()}")
    assert growth < parse_memory(budget), growth
    warning = [line for line in p.stderr.splitlines() if "sampling" in line]
    assert len(warning) == 1 and warning[0].startswith("mirrors: warning: the full 3-layer")
    assert "above the memory budget of 300 MB" in warning[0]
    # too small a budget for anything: refused before any work, naming the ways out
    r = run_cli(*args[:-5], "--memory-budget", "1MB", "--out", tmp_path / "none")
    assert r.returncode == 2
    assert "--n-features N" in r.stderr and "--memory-budget SIZE" in r.stderr
    assert "a smaller --depth" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "none").exists()
