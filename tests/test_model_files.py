"""Model files: loading rebuilds only the saved units (never the library over the training
points), and checks the stored fitted values within a tolerance."""

import json
import time

import numpy as np
import pytest

import library_of_mirrors.dictionary.build as build_module
import library_of_mirrors.models.estimators as estimators
import library_of_mirrors.models.network as network
from library_of_mirrors.dictionary.budget import use_memory_budget
from library_of_mirrors.dictionary.implicit import ImplicitDictionary
from library_of_mirrors.models import ConvexNetRegressor
from library_of_mirrors.models.estimators import LOAD_RTOL, model_digest


def _data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, n)
    return x, np.sin(2 * x) + 0.1 * rng.normal(size=n)


@pytest.fixture(scope="module")
def large_model(tmp_path_factory):
    """3-layer relu on 3000 points: a library of 9 million units (implicit: the budget is
    small), fitted once for the module."""
    x, y = _data(3000)
    with use_memory_budget("64MB"):
        m = ConvexNetRegressor("relu", 3, beta=1e-2).fit(x, y)
    assert m.n_library_features_ > 8_000_000
    path = m.save(tmp_path_factory.mktemp("model") / "m.json")
    return m, path, x


def _no_library_builds(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("loading built a library")

    for mod, name in ((build_module, "build_dictionary"), (build_module, "_enumerate"),
                      (build_module, "_sample"), (network, "build_dictionary"),
                      (network, "build_library"), (network, "solve_lasso"),
                      (estimators, "build_library"), (estimators, "fit_network")):
        monkeypatch.setattr(mod, name, refuse)
    monkeypatch.setattr(ImplicitDictionary, "__init__", refuse)


def test_a_large_model_loads_fast_without_building_its_library(large_model, monkeypatch):
    m, path, x = large_model
    _no_library_builds(monkeypatch)
    t = np.linspace(-4, 4, 2001)
    t0 = time.perf_counter()
    back = ConvexNetRegressor.load(path)
    pred = back.predict(t)
    elapsed = time.perf_counter() - t0
    assert elapsed < 1.0, f"load + predict took {elapsed:.2f} s"
    want = m.predict(t)
    np.testing.assert_allclose(pred, want, rtol=0, atol=LOAD_RTOL * np.max(np.abs(want)))
    assert back.n_neurons_ == m.n_neurons_
    assert back.n_library_features_ == m.n_library_features_ and back.implicit_
    assert [b.position for b in back.breakpoints_] == pytest.approx(
        [b.position for b in m.breakpoints_], rel=1e-12, abs=1e-12)


def _rewrite(path, tmp_path, scale: float):
    body = json.loads(path.read_text())
    body.pop("sha256")
    f = np.asarray(body["fitted"])
    body["fitted"] = (f + scale * np.max(np.abs(f)) * np.cos(np.arange(f.size))).tolist()
    body["sha256"] = model_digest(body)
    out = tmp_path / "rewritten.json"
    out.write_text(json.dumps(body))
    return out


def test_load_accepts_last_bit_differences_and_refuses_real_ones(tmp_path):
    x, y = _data(80, 3)
    path = ConvexNetRegressor("abs", 3, beta=0.05).fit(x, y).save(tmp_path / "m.json")
    # the same model computed in another order: differences far below the tolerance
    ConvexNetRegressor.load(_rewrite(path, tmp_path, 1e-13))
    with pytest.raises(ValueError, match="does not reproduce the stored fitted values within"):
        ConvexNetRegressor.load(_rewrite(path, tmp_path, 1e-6))


def test_load_documents_what_the_checksum_is_for():
    doc = ConvexNetRegressor.load.__doc__
    assert "corruption" in doc and "not tampering" in doc
    assert "O(units x training points)" in doc


def test_a_model_file_keeps_what_its_gap_certifies(tmp_path):
    """The certificate survives save / load: the training problem for a 3-layer abs fit, the
    library only for a depth-4 abs fit (errata E3b/E3c); a file written before the field
    existed loads as the library only (it says less, never more)."""
    import warnings

    import library_of_mirrors as lom

    x, y = _data(30, 5)
    three = ConvexNetRegressor("abs", 3, beta=0.05).fit(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lom.LibraryOnlyWarning)
        four = ConvexNetRegressor("abs", 4, beta=0.05).fit(x, y)
    for m, expected in ((three, lom.TRAINING_PROBLEM), (four, lom.LIBRARY_ONLY)):
        assert m.result_.certificate == expected
        back = ConvexNetRegressor.load(m.save(tmp_path / f"m{m.depth}.json"))
        assert back.result_.certificate == expected
    body = json.loads((tmp_path / "m3.json").read_text())
    body.pop("sha256")
    del body["result"]["certificate"]
    body["sha256"] = model_digest(body)
    (tmp_path / "old.json").write_text(json.dumps(body))
    assert ConvexNetRegressor.load(tmp_path / "old.json").result_.certificate == lom.LIBRARY_ONLY
