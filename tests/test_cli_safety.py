"""Outputs of the ``mirrors`` command are a transaction: written next to ``--out`` and moved
into place at the end, never replacing files without ``--force`` (not even those of a
concurrent run), never removing a folder the command did not create, and leaving nothing
behind when the command fails or is stopped by SIGINT / SIGTERM."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from cli_runner import run_cli

from library_of_mirrors.outputs import OutputFolder, output_file

CLI = [sys.executable, "-m", "library_of_mirrors.cli"]


def _points_csv(path: Path, n: int, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, n)
    y = np.sin(2 * x) + 0.1 * rng.normal(size=n)
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", header="x,y", comments="")
    return path


def _leftovers(folder: Path) -> list[str]:
    """Temporary folders of the output transactions under ``folder``."""
    return sorted(str(p) for p in folder.rglob("*mirrors-tmp*"))


# ----------------------------------------------------------------------------------------------
# the transaction itself


def test_commit_moves_every_file_and_leaves_no_temporary_folder(tmp_path):
    out = OutputFolder(tmp_path / "a" / "b", ["one.txt", "two.txt"])
    for p in out.paths:
        assert p.parent.parent == tmp_path / "a"  # next to the target: same file system
        p.write_text(p.name)
    assert not (tmp_path / "a" / "b").exists()  # nothing in place before the commit
    written = out.commit()
    assert [p.read_text() for p in written] == ["one.txt", "two.txt"]
    assert _leftovers(tmp_path) == []


def test_a_concurrent_commit_of_the_same_names_fails_and_keeps_the_first_files(tmp_path):
    first = OutputFolder(tmp_path / "out", ["model.json", "fit.png"])
    second = OutputFolder(tmp_path / "out", ["model.json", "fit.png"])  # both pass the check
    for tx, tag in ((first, "first"), (second, "second")):
        for p in tx.paths:
            p.write_text(tag)
    first.commit()
    with pytest.raises(FileExistsError, match="already holds model.json, fit.png.*--force"):
        second.commit()
    second.abort()
    assert {p.name: p.read_text() for p in (tmp_path / "out").iterdir()} == {
        "model.json": "first", "fit.png": "first"}
    assert _leftovers(tmp_path) == []


def test_force_replaces_and_a_partial_clash_places_nothing(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "b.txt").write_text("theirs")
    with pytest.raises(ValueError, match="already holds b.txt"):
        OutputFolder(tmp_path / "out", ["a.txt", "b.txt"])
    forced = OutputFolder(tmp_path / "out", ["a.txt", "b.txt"], force=True)
    for p in forced.paths:
        p.write_text("mine")
    forced.commit()
    assert (tmp_path / "out" / "b.txt").read_text() == "mine"
    # a clash found at commit time (b.txt appeared meanwhile): a.txt is not placed either
    tx = OutputFolder(tmp_path / "new", ["a.txt", "b.txt"])
    for p in tx.paths:
        p.write_text("late")
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "b.txt").write_text("early")
    with pytest.raises(FileExistsError):
        tx.commit()
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["b.txt"]


def test_threads_committing_the_same_folder_one_wins(tmp_path):
    names = [f"f{i}.txt" for i in range(20)]
    txs = [OutputFolder(tmp_path / "out", names) for _ in range(4)]
    for k, tx in enumerate(txs):
        for p in tx.paths:
            p.write_text(str(k))
    errors, barrier = [], threading.Barrier(len(txs))

    def commit(tx):
        barrier.wait()
        try:
            tx.commit()
        except FileExistsError as e:
            errors.append(e)
            tx.abort()

    threads = [threading.Thread(target=commit, args=(tx,)) for tx in txs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == len(txs) - 1
    contents = {p.read_text() for p in (tmp_path / "out").iterdir()}
    assert len(contents) == 1  # every file from the same run
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(names)
    assert _leftovers(tmp_path) == []


def test_abort_removes_only_the_folders_it_created(tmp_path):
    keep = tmp_path / "E"
    keep.mkdir()
    tx = OutputFolder(tmp_path / "x" / ".." / "E" / "new" / "deeper", ["a.txt"])
    tx.paths[0].write_text("a")
    tx.abort()
    assert keep.is_dir() and list(keep.iterdir()) == []
    assert not (tmp_path / "x").exists()  # `..` was resolved, x never made
    # a folder that someone else filled meanwhile is kept
    tx = OutputFolder(tmp_path / "F" / "out", ["a.txt"])
    (tmp_path / "F" / "other.txt").write_text("someone else's")
    tx.abort()
    assert (tmp_path / "F" / "other.txt").is_file()


def test_output_file_refuses_existing_files_and_folders(tmp_path):
    (tmp_path / "p.csv").write_text("old")
    with pytest.raises(ValueError, match="p.csv exists; use --force"):
        output_file(tmp_path / "p.csv")
    with pytest.raises(ValueError, match="is a folder, not a file"):
        output_file(tmp_path)
    tx = output_file(tmp_path / "p.csv", force=True)
    tx.paths[0].write_text("new")
    tx.commit()
    assert (tmp_path / "p.csv").read_text() == "new"
    assert _leftovers(tmp_path) == []


# ----------------------------------------------------------------------------------------------
# the command


def test_two_concurrent_fits_with_the_same_out_one_succeeds(tmp_path):
    data = _points_csv(tmp_path / "d.csv", 60)
    cmd = CLI + ["fit", str(data), "--x", "x", "--y", "y", "--depth", "2", "--beta", "0.05",
                 "--out", str(tmp_path / "out"), "--quiet"]
    procs = [subprocess.Popen(cmd + ["--seed", str(k)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for k in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    err = next(e for code, e in results if code == 2)
    assert len(err.strip().splitlines()) == 1 and err.startswith("mirrors: error:")
    assert "already holds" in err
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["breakpoints.csv", "fit.png", "model.json"]
    assert run_cli("predict", tmp_path / "out" / "model.json", "--x=0,1").returncode == 0
    assert _leftovers(tmp_path) == []


def test_fit_refuses_to_replace_without_force_and_replaces_with_it(tmp_path):
    data = _points_csv(tmp_path / "d.csv", 40)
    args = ["fit", data, "--x", "x", "--y", "y", "--depth", "2", "--beta", "0.05", "--quiet",
            "--out", tmp_path / "out"]
    assert run_cli(*args).returncode == 0
    before = (tmp_path / "out" / "model.json").read_text()
    again = run_cli(*args)
    assert again.returncode == 2 and "already holds" in again.stderr
    assert (tmp_path / "out" / "model.json").read_text() == before
    assert run_cli(*args, "--force", "--beta", "0.2").returncode == 0
    assert (tmp_path / "out" / "model.json").read_text() != before
    assert _leftovers(tmp_path) == []


def test_failing_run_with_dotdot_out_keeps_the_existing_empty_folder(tmp_path):
    (tmp_path / "E").mkdir()
    p = run_cli("fit", tmp_path / "missing.csv", "--x", "x", "--y", "y", "--quiet",
                "--out", "x/../E/new", cwd=tmp_path)
    assert p.returncode == 2 and "no such file" in p.stderr
    assert (tmp_path / "E").is_dir() and list((tmp_path / "E").iterdir()) == []
    assert sorted(q.name for q in tmp_path.iterdir()) == ["E"]


def test_predict_out_is_atomic_and_refuses_to_overwrite(tmp_path):
    data = _points_csv(tmp_path / "d.csv", 40)
    assert run_cli("fit", data, "--x", "x", "--y", "y", "--depth", "2", "--beta", "0.05",
                   "--quiet", "--out", tmp_path / "fit").returncode == 0
    model = tmp_path / "fit" / "model.json"
    out = tmp_path / "pred.csv"
    assert run_cli("predict", model, "--x=0,1", "--out", out).returncode == 0
    first = out.read_text()
    assert first.splitlines()[0] == "x,prediction" and len(first.splitlines()) == 3
    again = run_cli("predict", model, "--x=0,1,2", "--out", out)
    assert again.returncode == 2 and "exists; use --force" in again.stderr
    assert out.read_text() == first
    assert run_cli("predict", model, "--x=0,1,2", "--out", out, "--force").returncode == 0
    assert len(out.read_text().splitlines()) == 4
    assert _leftovers(tmp_path) == []


def _wait_for_progress(proc, needle: str, timeout: float) -> None:
    """Read the child's stderr until ``needle`` appears (the fit is under way)."""
    deadline = time.monotonic() + timeout
    seen = b""
    while time.monotonic() < deadline:
        ch = proc.stderr.read(1)
        if not ch:
            break
        seen += ch
        if needle.encode() in seen:
            return
    raise AssertionError(f"never saw {needle!r} in {seen!r}")


@pytest.mark.parametrize("sig, code", [
    (signal.SIGTERM, 143),
    # 7 s; the same handler as SIGTERM: run with -m slow
    pytest.param(signal.SIGINT, 130, marks=pytest.mark.slow)])
def test_a_signal_stops_the_fit_cleanly(tmp_path, sig, code):
    data = _points_csv(tmp_path / "d.csv", 1500)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(CLI + ["fit", str(data), "--x", "x", "--y", "y", "--depth", "3",
                                   "--beta", "0.01", "--out", str(tmp_path / "a" / "out")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            cwd=tmp_path)
    try:
        # the library's candidates are being hashed: the command is in its long work
        _wait_for_progress(proc, "building dictionary", timeout=240)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code
    last = err.decode().replace("\r", "\n").strip().splitlines()[-1]
    assert last == f"mirrors: interrupted by {signal.Signals(sig).name}; no output was written"
    assert "Traceback" not in err.decode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]
