"""A corpus of hostile inputs (API, model files, CLI, executors): each is a clear ValueError /
TypeError that names the argument and what the user gave, or, where the input is valid but
extreme (offsets, scales near the floating-point limits), the right answer."""

import json
import os
import re
import signal
import socketserver
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest
from cli_runner import run_cli

import library_of_mirrors as lom
from library_of_mirrors.models.estimators import model_digest
from library_of_mirrors.models.model_file import MAX_REBUILD_ENTRIES

X = np.sort(np.random.default_rng(0).normal(size=20))
Y = np.sin(3 * X)


@pytest.fixture(scope="module")
def lib():
    d = lom.build_dictionary(X, "relu", 2)
    return d, lom.solve_lasso(d, Y, 0.1)


# --------------------------------------------------------------------------------------------
# the API


def test_inputs_near_the_float_limit_are_refused_by_name():
    x = np.array([-1e300, 0.0, 5e299, 1e300])
    with pytest.raises(ValueError, match="the relu features overflow at these inputs.*inputs up "
                                         "to 1e\\+300.*rescale x"):
        lom.build_dictionary(x, "relu", 2)


def test_targets_whose_objective_overflows_are_refused(lib):
    d, _ = lib
    with pytest.raises(ValueError, match="the objective of these targets overflows float64: "
                                         "y's spread is about 1.*e\\+180 and the squared loss "
                                         "grows like its power 2; rescale y"):
        lom.solve_lasso(d, Y * 1e180, 0.1)
    res = lom.solve_lasso(d, Y * 1e150, 0.1 * 1e150)  # 1e300: still a float
    assert res.converged and np.isfinite(res.objective)


@pytest.mark.parametrize("sx, sy", [(1e300, 1.0), (1.0, 1e180), (1e-300, 1e-300), (1e12, 1e-8)])
def test_the_estimator_standardizes_any_scale(sx, sy):
    """Data near 1e300 (or 1e-300) standardize without overflow: the same network as on
    O(1) data, in the data's units (before, x * 1e300 said "got 1 distinct value")."""
    ref = lom.ConvexNetRegressor(beta=0.1).fit(X[:, None], Y)
    m = lom.ConvexNetRegressor(beta=0.1).fit((X * sx + 3 * sx)[:, None], Y * sy)
    p = m.predict((X * sx + 3 * sx)[:, None]) / sy
    np.testing.assert_allclose(p, ref.predict(X[:, None]), rtol=0, atol=1e-9)
    assert m.result_.objective == pytest.approx(ref.result_.objective, rel=1e-9)


@pytest.mark.parametrize("loss, kw, k", [("squared", {}, 2), ("huber", {"delta": 0.3}, 2),
                                         ("quantile", {"quantile": 0.3}, 1),
                                         ("absolute", {}, 1)])
def test_targets_of_any_scale_give_the_same_optimum(loss, kw, k):
    """solve_lasso divides targets whose spread is far from 1 by a power of 2 and maps the
    result back: the optimum of y * s at beta * s^(k-1) is s^k times that of y (a Huber fit of
    targets near 1e-6 stopped at 6.6 times its optimum before)."""
    from convex_reference import cvx_lasso

    x = np.sort(np.random.default_rng(0).uniform(-1, 1, 15))
    y = np.sin(3 * x)
    d = lom.build_dictionary(x, "abs", 3)
    beta = 1e-3
    ref = cvx_lasso(d.matrix(), y, beta * d.beta_scale, loss, kw.get("quantile"),
                    kw.get("delta", 1.0))
    for s in (1e-8, 1e-3, 1e3, 1e12):
        kws = {"delta": kw["delta"] * s} if loss == "huber" else kw
        res = lom.solve_lasso(d, y * s, beta * s ** (k - 1), loss=loss, **kws)
        assert res.converged and res.beta == beta * s ** (k - 1)
        assert res.objective / s**k == pytest.approx(ref, rel=1e-8)
        assert 0 <= res.gap <= 1e-8 * res.objective
        fit = res.predict(d, x)
        plain = lom.solve_lasso(d, y, beta, loss=loss, **kw).predict(d, x)
        np.testing.assert_allclose(fit / s, plain, rtol=0, atol=1e-6)


def test_held_out_losses_beyond_the_float_range_are_named():
    with pytest.raises(ValueError, match="the held-out squared losses in y's units would "
                                         "overflow.*rescale y before cross-validating, or "
                                         "pass a beta"):
        lom.ConvexNetRegressor().fit(X[:, None], Y * 1e180)
    with pytest.raises(ValueError, match="would underflow"):
        lom.ConvexNetRegressor().fit(X[:, None], Y * 1e-160)


def test_n_features_beyond_the_library_builds_it_whole_at_once():
    x4 = np.array([0.0, 1.0, 2.0, 3.5])
    full = lom.build_dictionary(x4, "abs", 3)
    for n in (10**6, 2**62):  # drew 50 n codes from 32 candidates (minutes); numpy's limit
        with pytest.warns(RuntimeWarning, match=f"sampling found only {full.n_features} "
                                                f"distinct nonzero features \\(asked for "
                                                f"n_features={n}\\).*32 candidate units"):
            d = lom.build_dictionary(x4, "abs", 3, n_features=n)
        np.testing.assert_array_equal(d.matrix(), full.matrix())
    x = np.linspace(0, 1, 200)  # 1.6e9 candidates: above max_candidates (2e8)
    with pytest.raises(ValueError, match="n_features=4611686018427387904 exceeds the 2e\\+08 "
                                         "features a listed library may hold"):
        lom.build_dictionary(x, "abs", 5, n_features=2**62)


def test_network_inputs_are_checked(lib):
    d, res = lib
    net = lom.reconstruct(d, res)
    with pytest.raises(ValueError, match=r"y must have shape \(20,\) to match x's 20 samples, "
                                         r"got \(5,\)"):
        net.objective(X, Y[:5], 0.1)
    bad = Y.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match=r"y contains 1 NaN or infinite value\(s\)"):
        net.objective(X, bad, 0.1)
    with pytest.raises(ValueError, match=r"x contains 1 NaN or infinite value\(s\)"):
        net.objective(np.where(np.arange(20) == 4, np.nan, X), Y, 0.1)
    with pytest.raises(ValueError, match="beta must be a finite number >= 0, got -1.0"):
        net.objective(X, Y, -1)
    for f in (net, net.to_standard()):
        with pytest.raises(ValueError, match=r"this network has one input: x must have shape "
                                             r"\(n,\) or \(n, 1\), got \(20, 2\)"):
            f(np.c_[X, X])
    assert net.objective(X, Y, 0.1) == pytest.approx(res.objective, rel=1e-12)


def test_complex_numbers_are_refused_not_truncated(lib):
    d, _ = lib
    with pytest.raises(TypeError, match="x must be real; got complex values"):
        lom.build_dictionary(X + 0j, "relu", 2)
    with pytest.raises(TypeError, match="y must be real; got complex values"):
        lom.solve_lasso(d, Y + 1j, 0.1)
    with pytest.raises(TypeError, match="x must be real"):
        lom.reconstruct(d, lom.solve_lasso(d, Y, 0.1))(X + 1j)
    with pytest.raises(ValueError, match="Complex data not supported"):
        lom.ConvexNetRegressor(beta=0.1).fit((X + 1j)[:, None], Y)
    with pytest.raises(TypeError, match="y must be numeric, got strings such as '0.5' \\(text "
                                        "is not converted\\)"):
        lom.solve_lasso(d, ["0.5"] * 20, 0.1)


@pytest.mark.parametrize("call, err, msg", [
    (lambda d: lom.ConvexNetRegressor(beta="0.1").fit(X[:, None], Y), ValueError,
     "beta must be \"auto\" or a positive number, got '0.1'"),
    (lambda d: lom.solve_lasso(d, Y, "0.1"), TypeError, "beta must be a number, got '0.1'"),
    (lambda d: lom.solve_lasso(d, Y, 0.1, loss="quantile", quantile="0.5"), TypeError,
     "quantile must be a number, got '0.5'"),
    (lambda d: lom.ConvexNetRegressor(beta=0.1, loss="quantile", quantile="0.5").fit(
        X[:, None], Y), TypeError, "quantile must be a number, got '0.5'"),
    (lambda d: lom.lasso_path(d, Y, betas=[]), ValueError, "betas is empty"),
    (lambda d: lom.lasso_path(d, Y, n_betas=0), ValueError,
     "n_betas must be a positive integer, got 0"),
    (lambda d: lom.lasso_path(d, Y, eps=2), ValueError,
     "eps must lie strictly between 0 and 1, got 2.0"),
    (lambda d: lom.solve_lasso(d, Y, 0.1, loss="bogus"), ValueError,
     "loss must be one of .* got 'bogus'"),
    (lambda d: lom.ConvexNetRegressor(beta=0.1, loss="bogus").fit(X[:, None], Y), ValueError,
     "loss must be one of .* got 'bogus'"),
    (lambda d: lom.solve_lasso(d, Y, 0.1, tol=-1), ValueError,
     "tol must be a positive finite number, got -1.0"),
    (lambda d: lom.ConvexNetRegressor(beta=0.1, tol=-1).fit(X[:, None], Y), ValueError,
     "tol must be a positive finite number, got -1.0"),
])
def test_parameters_of_the_wrong_kind_or_range(lib, call, err, msg):
    with pytest.raises(err, match=msg):
        call(lib[0])


def test_offsets_give_the_answers_and_merges_of_centered_data():
    """At an offset 1e11 times the spread the library computes in its own origin: the same
    merged columns and optimum as the centered data, and the network equals its features
    (before: 3e-4 relative drift, and near-identical columns not merged)."""
    rng = np.random.default_rng(1)
    xs = np.sort(rng.uniform(-1, 1, 25))
    y = np.sin(3 * xs) + 0.1 * rng.normal(size=25)
    for arch in [("relu", 2), ("abs", 3), ("relu", 3, "symmetrized")]:
        x = xs + 1e11
        centered = x - 1e11  # the same points, exactly
        d0, d = lom.build_dictionary(centered, *arch), lom.build_dictionary(x, *arch)
        assert d.n_features == d0.n_features
        r0, r = lom.solve_lasso(d0, y, 0.05), lom.solve_lasso(d, y, 0.05)
        assert r.objective == pytest.approx(r0.objective, rel=1e-10)
        net = lom.reconstruct(d, r)
        fit = d.matrix() @ r.z + r.xi
        np.testing.assert_allclose(net(x), fit, rtol=0, atol=1e-12 * np.max(np.abs(fit)))
        np.testing.assert_allclose(net.to_standard()(x), fit, rtol=0,
                                   atol=1e-12 * np.max(np.abs(fit)))
        assert net.objective(x, y, 0.05) == pytest.approx(r.objective, rel=1e-10)
        # breakpoints and provenance in the data's coordinates
        j = int(r.active[0])
        bp = d.features[j].provenance
        assert all(abs(b.position - 1e11) < 2 for b in bp)
        assert all(p in set(x) for b in bp for p in b.points)


def test_additive_columns_far_from_0_keep_their_own_origins():
    """Columns near 1e9 and 1.5e9 each compute in their own origin; the network's units read
    their column minus their own shift (a per-unit shift), in both network forms."""
    s = 1e9 + np.cumsum(np.random.default_rng(0).normal(size=60))
    X = np.c_[s[1:-1], s[:-2] + 5e8]
    y = s[2:]
    d = lom.build_additive_dictionary(X, "relu", 2)
    r = lom.solve_lasso(d, y, 0.1)
    net = lom.reconstruct(d, r)
    origins = [part.batch.shift for part in d.parts]
    assert origins[0] != origins[1] and min(origins) > 9e8
    np.testing.assert_array_equal(net.unit_shifts(), np.take(origins, net.inputs))
    fit = d.matrix() @ r.z + r.xi
    spread = np.ptp(fit)
    np.testing.assert_allclose(net(X), fit, rtol=0, atol=1e-12 * spread)
    np.testing.assert_allclose(net.to_standard()(X), fit, rtol=0, atol=1e-12 * spread)


# --------------------------------------------------------------------------------------------
# model files


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    m = lom.ConvexNetRegressor(activation="abs", depth=3, beta=0.05).fit(X[:, None], Y)
    body = json.loads(m.save(folder / "m.json").read_text())
    body.pop("sha256")
    return folder, body


def _write(folder, body, name="bad.json"):
    body = json.loads(json.dumps(body))
    body["sha256"] = model_digest(body)
    (folder / name).write_text(json.dumps(body))
    return folder / name


def _mutated(body, edit):
    body = json.loads(json.dumps(body))
    edit(body)
    return body


@pytest.mark.parametrize("edit, msg", [
    (lambda b: b.pop("fitted"), "field 'fitted' is missing"),
    (lambda b: b["unit_codes"].__setitem__(0, 2**70),
     "field 'unit_codes' must hold integers in \\[0, 4611686018427387904\\); entry 0 is "
     "1180591620717411303424"),
    (lambda b: b["unit_codes"].__setitem__(0, 10**9),
     "a saved unit code is out of range: the .* family has \\d+ units on 20 distinct points"),
    (lambda b: b["params"].__setitem__("beta", -1),
     "field 'params': beta must be \"auto\" or a positive number, got -1"),
    (lambda b: b["params"].__setitem__("beta", float("nan")),
     "field 'params': beta must be \"auto\" or a positive number, got nan"),
    (lambda b: b.__setitem__("beta_", -1), "field 'beta_' must be positive, got -1.0"),
    (lambda b: b.__setitem__("beta_", float("nan")), "field 'beta_' must be a finite number"),
    (lambda b: b["params"].__setitem__("loss", "bogus"),
     "field 'params': loss must be one of .* got 'bogus'"),
    (lambda b: b["coef"].__setitem__(0, "1"), "field 'coef' must hold finite numbers; entry 0 "
                                              "is '1'"),
    (lambda b: b["x_train"].__setitem__(0, float("nan")), "field 'x_train' must hold finite "
                                                          "numbers; entry 0 is nan"),
    (lambda b: b["scaling"].__setitem__("x_scale", 0), "field 'scaling.x_scale' must be "
                                                       "positive, got 0.0"),
    (lambda b: b.__setitem__("params", [1]), "field 'params' must be an object, got \\[1\\]"),
    (lambda b: b.__setitem__("fitted", b["fitted"][:3]), "field 'fitted' must hold 20 values, "
                                                         "got 3"),
    (lambda b: b.__setitem__("unit_kinds", b["unit_kinds"][:-1]), "field 'unit_kinds' must "
                                                                  "hold \\d+ values \\(one per "
                                                                  "unit\\)"),
])
def test_malformed_model_files_name_their_field(saved, edit, msg):
    folder, body = saved
    with pytest.raises(ValueError, match="bad.json: " + msg):
        lom.ConvexNetRegressor.load(_write(folder, _mutated(body, edit)))


def test_crafted_model_files_are_refused_before_any_computation(saved):
    folder, body = saved
    deep = folder / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="deep.json is not a model file: its JSON is nested "
                                         "too deeply"):
        lom.ConvexNetRegressor.load(deep)
    n = 6000
    units = MAX_REBUILD_ENTRIES // n + 1
    reps = units // len(body["coef"]) + 1

    def huge(b):
        b["x_train"] = np.linspace(-2, 2, n).tolist()
        b["fitted"] = [0.0] * n
        for k in ("unit_kinds", "unit_codes", "coef"):
            b[k] = b[k] * reps
        b["n_library_features"] = 10**9

    with pytest.raises(ValueError, match="field 'coef' holds \\d+ units over 6000 training "
                                         "points: rebuilding them takes"):
        lom.ConvexNetRegressor.load(_write(folder, _mutated(body, huge)))
    # the file as written still loads
    assert lom.ConvexNetRegressor.load(_write(folder, body, "good.json")).n_neurons_ > 0


def test_the_checksum_is_documented_as_corruption_only():
    doc = lom.ConvexNetRegressor.load.__doc__
    assert "detects corruption" in doc and "not tampering" in doc


# --------------------------------------------------------------------------------------------
# the command and the executors


def test_a_huge_csv_field_is_one_short_line(tmp_path):
    data = tmp_path / "big.csv"
    data.write_text("x,y\n1," + "2" * 140_000 + "\n3,4\n5,6\n7,8\n9,10\n")
    r = run_cli("fit", str(data), "--x", "x", "--y", "y", "--out", str(tmp_path / "out"),
                "--quiet")
    assert r.returncode == 2
    assert r.stderr.startswith("mirrors: error: big.csv: non-numeric value '2222")
    assert "(140002 characters) in column 'y' at line 2" in r.stderr
    assert len(r.stderr) < 300 and r.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv"]


@pytest.mark.parametrize("encoding, msg", [
    ("latin-1", "lat.csv: not UTF-8 text \\(byte 0xe9 at line 1; Latin-1 or Windows-1252\\?\\)"),
    ("utf-16", "lat.csv: the file is UTF-16 encoded"),
])
def test_files_in_other_encodings_are_named(tmp_path, encoding, msg):
    data = tmp_path / "lat.csv"
    data.write_bytes("année,v\n1,2\n2,3\n3,1\n4,5\n5,4\n".encode(encoding))
    r = run_cli("fit", str(data), "--x", "année", "--y", "v", "--quiet", "--out",
                str(tmp_path / "o"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert re.match("mirrors: error: .*" + msg, r.stderr)


@pytest.mark.parametrize("args, msg", [
    (["features", "--max", "-1"], "argument --max: must be an integer >= 1, got -1"),
    (["features", "--max", "x"], "argument --max: must be an integer >= 1, got 'x'"),
    (["forecast", "sunspots", "--steps", "0"], "argument --steps: must be an integer >= 1, "
                                               "got 0"),
])
def test_counts_below_one_are_refused(args, msg):
    with pytest.raises(SystemExit) as e, warnings.catch_warnings():
        r = run_cli(*args)
        raise SystemExit(r.returncode) if r.returncode else AssertionError(r.stdout)
    assert e.value.code == 2
    assert r.stderr.strip() == f"mirrors: error: {msg}"


def test_data_near_1e300_get_a_message_about_their_scale(tmp_path):
    """Before: "beta must be a positive finite number, got inf"."""
    data = tmp_path / "d.csv"
    np.savetxt(data, np.column_stack([X, Y * 1e300]), delimiter=",", header="x,y",
               comments="")
    r = run_cli("fit", str(data), "--x", "x", "--y", "y", "--quiet", "--out",
                str(tmp_path / "o"))
    assert r.returncode == 2
    assert r.stderr.startswith("mirrors: error: the held-out squared losses in y's units "
                               "would overflow")
    assert "got inf" not in r.stderr and not (tmp_path / "o").exists()


def test_a_negative_beta_is_reported_as_given(tmp_path):
    r = run_cli("fit", "sunspots", "--beta", "-1", "--out", str(tmp_path / "o"))
    assert r.returncode == 2
    assert r.stderr.strip() == 'mirrors: error: beta must be "auto" or a positive number, got -1.0'


class _NotDask(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" * 3)


def test_a_scheduler_address_of_another_service_is_named():
    pytest.importorskip("distributed")
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _NotDask)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"tcp://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(ValueError, match=f"{address} did not answer as a Dask scheduler "
                                             "\\(another service listens there\\?\\)"):
            lom.Executor("dask", scheduler_address=address)
    finally:
        server.shutdown()
        server.server_close()


def _python(code: str, **kwargs) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (signals and shutdown are per process)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          **kwargs)


def test_an_interrupt_during_the_commands_start_is_one_line():
    """The console script holds SIGINT while the package imports (a traceback from inside an
    import, exit -2, before): here the signal arrives exactly then."""
    code = (
        "import builtins, os, signal, sys, time\n"
        "real = builtins.__import__\n"
        "def slow(name, *a, **k):\n"
        "    if name == 'library_of_mirrors.cli':\n"
        "        os.kill(os.getpid(), signal.SIGINT); time.sleep(30)\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = slow\n"
        "from library_of_mirrors_cli import main\n"
        "sys.argv = ['mirrors', '--version']\n"
        "sys.exit(main())\n")
    r = _python(code, timeout=60)
    assert r.returncode == 130
    assert r.stderr == "mirrors: interrupted by SIGINT; no output was written\n"


def test_a_signal_after_the_command_has_ended_changes_nothing():
    """The interpreter's shutdown restores SIGINT's default action: a Ctrl-C just after a
    command had written its files and said so killed it (exit -2)."""
    code = ("import os, signal, sys, time\n"
            "from library_of_mirrors_cli import main\n"
            "sys.argv = ['mirrors', 'features', '--x', '0,1,3', '--max', '1', '--quiet']\n"
            "code = main()\n"
            "os.kill(os.getpid(), signal.SIGINT)\n"
            "time.sleep(0.2)\n"
            "sys.exit(code)\n")
    r = _python(code, timeout=60)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout.strip()


def test_an_interrupt_lost_in_a_gc_callback_is_delivered_again(tmp_path):
    """A signal handled inside a garbage-collector callback (Dask's GC diagnosis runs one):
    Python drops the exception raised there; the command must still stop with its one line
    (a Dask backtest ran on for minutes, its signals ignored, and left its temporary
    folder)."""
    code = (
        "import gc, os, signal, sys\n"
        "from library_of_mirrors_cli import main\n"
        "fired = []\n"
        "def cb(phase, info):\n"
        "    running = getattr(signal.getsignal(signal.SIGINT), '__name__', '')\n"
        "    if not fired and running == '_interrupt':  # the command's handler is in place\n"
        "        fired.append(1)\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        sum(range(1000))  # the handler runs here, inside the callback\n"
        "gc.callbacks.append(cb)\n"
        "sys.argv = ['mirrors', 'fit', 'sunspots', '--depth', '4', '--quiet', '--out', 'o']\n"
        "sys.exit(main())\n")
    r = _python(code, timeout=240, cwd=tmp_path)
    assert r.returncode == 130, r.stderr[-2000:]
    assert r.stderr == "mirrors: interrupted by SIGINT; no output was written\n"
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_build_raises_keyboard_interrupt():
    """SIGINT during a long parallel build: KeyboardInterrupt within a block of candidates,
    never a crash (the blocks run on threads; the main thread waits in Python)."""
    code = ("import sys, numpy as np, library_of_mirrors as L\n"
            "print('ready', flush=True)\n"
            "try:\n"
            "    L.build_dictionary(np.random.default_rng(0).normal(size=255), 'abs', 4)\n"
            "except KeyboardInterrupt:\n"
            "    print('interrupted', flush=True); sys.exit(130)\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert p.stdout.readline().strip() == "ready"
        threading.Event().wait(1.5)
        os.kill(p.pid, signal.SIGINT)
        out, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    assert (p.returncode, out.strip()) == (130, "interrupted"), err[-2000:]
