"""The figures of sections 3 and B (the dictionaries' features, reflections learned by the
Lasso and by Adam) and the ``mirrors figures`` command.

Oracles: the paper's closed-form features (Definition 3.3, Theorem 3.2's abs formulas, the
symmetrized unit of Definition 3.10 written out in numpy), the minimum-norm LP (Lemmas C.5,
C.7), the certified Lasso optimum against Adam, and the files the command writes."""

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_runner import run_cli

import library_of_mirrors as lom
from library_of_mirrors.analysis import min_norm_lower_bound
from library_of_mirrors.figures import FIGURES, FigureContext, make_figures, select
from library_of_mirrors.figures.library import (
    capped_ramp,
    capped_ramp_features,
    symmetrized_reflection_features,
)
from library_of_mirrors.figures.reflections import UNITS_3_2, X_3_2, reflection_case
from library_of_mirrors.plotting import breakpoint_label

T = np.linspace(-6.0, 14.0, 2001)


def _positions_are_their_formulas(f):
    """Every breakpoint's position is the affine combination of data its provenance names."""
    for b in f.provenance:
        assert b.position == pytest.approx(np.dot(b.coefficients, b.points), abs=1e-12)


def test_figure_3_1_features_are_the_papers_formulas():
    """Theorem 3.2: ||x - x_j1| - |x_j2 - x_j1|| (3 layers) and the 4-layer feature, with a
    reflection and a double reflection breakpoint."""
    x = np.array([0.0, 2.0, 3.0, 4.0, 5.0, 7.0, 8.0])
    f3 = lom.build_dictionary(x, "abs", 3).unit_feature((3.0, 2.0))
    np.testing.assert_allclose(f3(T), np.abs(np.abs(T - 3) - abs(2 - 3)), atol=1e-12)
    f4 = lom.build_dictionary(x, "abs", 4).unit_feature((7.0, 4.0, 5.0))
    inner = np.abs(np.abs(T - 7) - abs(4 - 7))
    np.testing.assert_allclose(f4(T), np.abs(inner - abs(abs(5 - 7) - abs(4 - 7))), atol=1e-12)
    kinds3 = {b.position: b.kind for b in f3.provenance}
    assert kinds3 == {2.0: "data", 3.0: "data", 4.0: "reflection"}
    kinds4 = {b.position: b.kind for b in f4.provenance}
    assert kinds4[11.0] == "double reflection"  # R(R(5, 4), 7) = 2*7 - (2*4 - 5)
    for f in (f3, f4):
        _positions_are_their_formulas(f)
    labels = [breakpoint_label(b) for b in f4.provenance]
    assert "11 = R(R(5, 4), 7)" in labels and "3 = R(5, 4)" in labels


def test_figure_3_3_capped_ramps_are_library_units():
    """Definition 3.3's four functions are 3-layer relu units, on the whole line."""
    x = np.array([-1.0, 0.0, 1.0, 3.0, 4.0])
    feats = capped_ramp_features(x, 1.0, 3.0)
    assert len(feats) == 4
    for _, f, (a1, a2, sign) in feats:
        np.testing.assert_allclose(f(T), capped_ramp(T, a1, a2, sign), atol=1e-12)
    assert not np.any(capped_ramp(T, 3.0, 1.0, 1))  # a1 > a2: the zero function


def test_figure_3_4_symmetrized_features_have_generalized_reflections():
    """Theorem 3.5: symmetrized relu features break at x_j2 + x_j3 - x_j1 off the data, with
    slopes in {0, +-1, +-2} (Figure 3.4)."""
    x = np.array([-1.0, 0.0, 1.0, 3.0, 4.0])
    feats = symmetrized_reflection_features(x, 3)
    assert len(feats) == 3
    for f in feats:
        off = [b for b in f.provenance if b.kind in ("generalized reflection", "reflection")]
        assert off and all(not np.isclose(x, b.position).any() for b in off)
        slopes = np.diff(f(T)) / np.diff(T)
        assert np.all(np.min(np.abs(slopes[:, None] - np.arange(-2, 3)[None]), axis=1) < 1e-9)
        _positions_are_their_formulas(f)


def test_figure_b_1_units_match_definition_3_10():
    """Every unit drawn in Figure B.1 is the symmetrized network of Definition 3.10, written
    out in numpy; the committed figure's numbers (units, distinct functions, library columns,
    breakpoint provenance) are these units' (drawing the figure, 15 s of matplotlib for its 96
    panels, is ``test_cheap_figures_regenerate_to_the_committed_json[B.1]``, in the slow set)."""
    x = np.array([-1.0, 0.0, 2.0])
    d = lom.build_dictionary(x, "relu", 3, "symmetrized")
    relu = lambda v: np.maximum(v, 0.0)  # noqa: E731
    distinct = set()
    kinds: dict = {}
    for w11, w12, w21, w22 in itertools.product((-1, 1), repeat=4):
        for j1, j2, j3 in itertools.permutations(x):
            f = d.unit_feature((j1, j2, j3), (w11, w12, w21, w22))

            def hidden(v, j1=j1, j2=j2, w11=w11, w12=w12):
                return relu(w11 * (v - j1)), relu(w12 * (v - j2))

            h1, h2 = hidden(T)
            g1, g2 = hidden(np.array(j3))
            ref = relu(w21 * h1 + w22 * h2 - (w21 * g1 + w22 * g2))
            np.testing.assert_allclose(f(T), ref, atol=1e-12)
            distinct.add(tuple(np.round(ref, 9)))
            for b in f.provenance:
                kinds[b.kind] = kinds.get(b.kind, 0) + 1
    committed = Path(__file__).resolve().parents[1] / "figures"
    numbers = json.loads((committed / "figure_b_1.json").read_text())
    assert numbers["units"] == 96 and numbers["distinct_functions"] == len(distinct)
    assert numbers["library_columns"] == d.n_features
    assert numbers["breakpoint_kinds"] == kinds
    assert (committed / "figure_b_1.png").stat().st_size > 10_000


@pytest.mark.parametrize("depth, anchors", UNITS_3_2)
def test_figure_3_2_single_feature_is_min_norm_optimal_and_adam_never_beats_it(tmp_path,
                                                                               depth, anchors):
    """Lemma C.5: the min-norm value is >= max |mu_n| = 1 and the single feature attains it
    (LP certificate); Adam from the paper's start keeps the reflections and no Adam run goes
    below the certified Lasso optimum at the same beta."""
    ctx = FigureContext(tmp_path, quick=True, progress=False,
                        overrides={"adam_runs": 2, "reflection_epochs": 400,
                                   "reflection_width": 12})
    case = reflection_case(ctx, "t", X_3_2, "abs", depth, "deep_narrow", anchors)
    assert min_norm_lower_bound(X_3_2, case["y"]) == pytest.approx(1.0)
    assert case["min_norm"] == pytest.approx(1.0, abs=1e-9)
    assert case["min_norm"] - case["min_norm_gap"] <= 1.0 + 1e-9
    assert any(b.kind == "reflection" and not np.isclose(X_3_2, b.position).any()
               for b in case["reflections"])
    col = case["d"].matrix()[:, case["column"]]  # the single feature is a library column
    assert min(np.abs(col - case["y"]).max(), np.abs(col + case["y"]).max()) < 1e-12
    runs = case["runs"]["paper"] + case["runs"]["random"]
    for r in runs:
        assert r["objective"] >= case["lasso"] * (1 - 1e-9)
    paper = case["runs"]["paper"][0]
    assert paper["objective"] <= case["lasso"] * 1.01
    assert np.all(paper["kink_distance"] < 0.05)  # every predicted reflection is learned


def test_figure_3_5_reflection_about_a_data_point(tmp_path):
    """Figure 3.5 / Lemma C.7: the symmetrized target's min-norm value is 1, its breakpoint 2
    is R(0, 1)."""
    ctx = FigureContext(tmp_path, quick=True, progress=False,
                        overrides={"adam_runs": 1, "reflection_epochs": 300,
                                   "reflection_width": 8})
    numbers = FIGURES["3.5"].draw(ctx)
    assert numbers["min_norm_lp"] == pytest.approx(1.0, abs=1e-9)
    assert [r["position"] for r in numbers["reflections"]] == [2.0]
    assert numbers["reflections"][0]["kind"] == "reflection"
    for r in numbers["adam_paper_start"] + numbers["adam_random"]:
        assert r["objective"] >= numbers["lasso_objective"] * (1 - 1e-9)
    assert (tmp_path / "figure_3_5.png").exists()


def test_select_and_counts_errors(tmp_path):
    assert [s.id for s in select(["b.1", "3.1", "3.1"])] == ["B.1", "3.1"]
    with pytest.raises(ValueError, match="unknown figure"):
        select("9.9")
    with pytest.raises(ValueError, match="unknown count"):
        make_figures(tmp_path, "3.1", counts={"epochs": 3}, progress=False)
    with pytest.raises(ValueError, match="samples must be a positive integer"):
        make_figures(tmp_path, "3.1", counts={"samples": 0}, progress=False)
    assert not list(tmp_path.iterdir())  # nothing written on bad input


def test_same_seed_same_numbers(tmp_path):
    a = make_figures(tmp_path / "a", "3.6", progress=False, log=lambda m: None)
    b = make_figures(tmp_path / "b", "3.6", progress=False, log=lambda m: None)
    np.testing.assert_array_equal(a["3.6"]["x"], b["3.6"]["x"])
    c = make_figures(tmp_path / "c", "3.6", seed=1, progress=False, log=lambda m: None)
    assert not np.array_equal(c["3.6"]["x"], a["3.6"]["x"])
    on_disk = json.loads((tmp_path / "a" / "figure_3_6.json").read_text())
    np.testing.assert_array_equal(on_disk["A_plus_relu"], a["3.6"]["A_plus_relu"])
    # the figure's matrix is the library's 2-layer relu dictionary A_+ (Corollary 3.15)
    x = np.asarray(on_disk["x"])
    np.testing.assert_allclose(on_disk["A_plus_relu"], np.maximum(x[:, None] - x[None], 0))


# ----------------------------------------------------------------------------------------------
# the command


def run(*args):
    return run_cli(*args)


def test_cli_figures_writes_pngs_and_numbers_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "figs"
    p = run("figures", "--only", "3.1,3.3", "--out", str(out), "--quick", "--quiet")
    assert p.returncode == 0, p.stderr
    assert sorted(f.name for f in out.iterdir()) == [
        "figure_3_1.json", "figure_3_1.png", "figure_3_3.json", "figure_3_3.png"]
    numbers = json.loads((out / "figure_3_3.json").read_text())
    assert numbers["figure"] == "3.3" and numbers["quick"] is True
    assert all(f["max_error"] < 1e-12 for f in numbers["features"])
    before = (out / "figure_3_1.png").read_bytes()
    p = run("figures", "--only", "3.1", "--out", str(out), "--quiet")
    assert p.returncode == 2
    assert p.stderr.strip() == (f"mirrors: error: {out} already holds figure_3_1.png, "
                                "figure_3_1.json; use --force to overwrite or choose another "
                                "--out")
    assert (out / "figure_3_1.png").read_bytes() == before
    p = run("figures", "--only", "3.1", "--out", str(out), "--quiet", "--force")
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("args, msg", [
    (["--only", "3.9"], "unknown figure(s) 3.9"),
    (["--only", "4.1", "--csv", "/nonexistent.csv"], "no such file: /nonexistent.csv"),
    (["--samples", "0"], "samples must be a positive integer, got 0"),
])
def test_cli_figures_errors_are_one_line(tmp_path, args, msg):
    out = tmp_path / "new"
    p = run("figures", "--out", str(out), "--quiet", *args)
    assert p.returncode == 2
    assert msg in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert "Traceback" not in p.stderr
    assert not out.exists()  # a failed command leaves no empty folder behind


def test_cli_figures_list():
    p = run("figures", "--list")
    assert p.returncode == 0
    for spec in FIGURES.values():
        assert f"{spec.stem}.png" in p.stdout


@pytest.mark.slow
def test_cli_figures_quick_writes_every_figure(tmp_path):
    """Acceptance: ``mirrors figures --quick`` writes every figure of the paper, and the numbers
    behind them keep the equivalence: no Adam run below a certified optimum, every optimal-set
    sample optimal, the real series named.  Slow (two to three minutes on two cores: 59 Adam
    runs): the default suite computes every figure in-process at small counts
    (test_figures*.py, test_optimal_sets_figure.py) and runs the command on a subset."""
    out = tmp_path / "all"
    p = run("figures", "--quick", "--out", str(out), "--quiet")
    assert p.returncode == 0, p.stderr
    assert sorted(f.name for f in out.iterdir()) == sorted(
        f for spec in FIGURES.values() for f in spec.files)
    numbers = {s.id: json.loads((out / s.files[1]).read_text()) for s in FIGURES.values()}
    for spec in FIGURES.values():
        assert (out / spec.files[0]).stat().st_size > 10_000
        assert numbers[spec.id]["figure"] == spec.id and numbers[spec.id]["quick"] is True
    for case in [v for k, v in numbers["3.2"].items() if k.startswith("L=")] + [numbers["3.5"]]:
        assert case["min_norm_lp"] == pytest.approx(1.0, abs=1e-9)  # Lemmas C.5, C.7
        for r in case["adam_paper_start"] + case["adam_random"]:
            assert r["excess"] >= -1e-9
    for fig in ("4.1", "4.4"):
        assert numbers[fig]["min_adam_minus_convex_relative"] >= -1e-9
    for fig in ("4.1", "4.3", "4.6", "4.7", "E.2"):
        assert "sunspots" in numbers[fig]["data"]
    for problem in ("affine", "relu"):
        assert numbers["E.1"][problem]["max_rel_objective_deviation"] <= 1e-8
        assert numbers["E.1"][problem]["n_samples"] == 1000


def test_cli_figures_use_the_users_csv(tmp_path):
    """Section 4's figures take a CSV series instead of the bundled one and say so."""
    from library_of_mirrors.timeseries import load_nile

    s = load_nile()
    f = tmp_path / "flow.csv"
    f.write_text("year,flow\n" + "".join(f"{i},{v}\n" for i, v in zip(s.index, s.values)))
    out = tmp_path / "figs"
    p = run("figures", "--only", "4.3", "--out", str(out), "--quick", "--quiet", "--csv",
            str(f), "--column", "flow", "--date-column", "year", "--samples", "2",
            "--features", "40")
    assert p.returncode == 0, p.stderr
    numbers = json.loads((out / "figure_4_3.json").read_text())
    assert str(f) in numbers["data"] and "flow" in numbers["data"]
    assert numbers["T"] == len(s) // 2 - 1  # T lag pairs from the first half
    p = run("figures", "--only", "4.3", "--out", str(tmp_path / "bad"), "--quiet", "--csv",
            str(f), "--column", "nope")
    assert p.returncode == 2 and "no column 'nope'" in p.stderr


@pytest.mark.parametrize("args, msg", [
    (["--only", "3.1", "--csv", "x.csv"], "--csv gives the real series of section 4"),
    (["--only", "3.1", "--seed", "-1"], "--seed must be a non-negative integer, got -1"),
    (["--only", "3.1", "--adam-epochs", "0"], "--adam-epochs must be a positive integer"),
])
def test_cli_figures_more_errors_leave_no_folders(tmp_path, args, msg):
    out = tmp_path / "new" / "deeper"
    p = run("figures", "--out", str(out), "--quiet", *args)
    assert p.returncode == 2
    assert msg in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "new").exists()


def test_analysis_inputs_are_checked():
    from library_of_mirrors.analysis.widths import Case, width_row
    from library_of_mirrors.figures.optimal_sets import optimal_set_experiment

    with pytest.raises(ValueError, match="n_vertices must be a positive integer, got 0"):
        width_row(np.arange(4.0), np.arange(4.0), 1e-2, Case("relu", 2), n_vertices=0)
    with pytest.raises(ValueError, match="n_samples must be a positive integer, got 0"):
        optimal_set_experiment("affine", 0, 0)


def test_cli_failure_with_a_relative_out_keeps_existing_empty_folders(tmp_path):
    """A relative --out: only the folders the command created are removed on failure, not an
    empty folder that was there before."""
    keep = tmp_path / "existing_empty"
    keep.mkdir()
    p = subprocess.run([sys.executable, "-m", "library_of_mirrors.cli", "figures", "--only",
                        "3.1", "--seed", "-1", "--out", "new/deeper", "--quiet"],
                       capture_output=True, text=True, timeout=120, cwd=keep)
    assert p.returncode == 2
    assert keep.is_dir() and not (keep / "new").exists()
