"""The README's Python snippets run, in order, as one program (they are the API tour)."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 5
    monkeypatch.chdir(tmp_path)  # model.save("model.json") writes here
    namespace: dict = {}
    exec(compile("\n".join(blocks), str(README), "exec"), namespace)  # noqa: S102
    # the tour's claims hold for the objects it built
    ns = namespace
    assert ns["net"].objective(ns["x"], ns["y"], 1e-2) == pytest.approx(ns["res"].objective,
                                                                        rel=1e-9)
    assert ns["adam"].objective(ns["x"], ns["y"], 1e-2) >= ns["res"].objective - ns["res"].gap
    point, band = ns["fc"].predict(12), ns["fc"].predict_interval(12)
    assert ((band["lower"] <= point) & (point <= band["upper"])).all()  # inside its band
    assert (tmp_path / "model.json").is_file()
    assert "exact network" in namespace["bt"].table()
