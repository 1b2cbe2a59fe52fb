"""The ``mirrors`` command, driven through a subprocess."""

import subprocess
import sys

import pytest


def run(*args):
    return subprocess.run([sys.executable, "-m", "library_of_mirrors.cli", *args],
                          capture_output=True, text=True, timeout=300)


def test_features_prints_breakpoints_with_provenance():
    p = run("features", "--activation", "abs", "--depth", "3", "--x", "2,0,-1,3", "--quiet")
    assert p.returncode == 0, p.stderr
    assert "n_features=16" in p.stdout
    assert "1 reflection [R(x[0], x[1]) = 2x[1] - x[0]]" in p.stdout
    assert "midpoint [(x[0] + x[1])/2]" in p.stdout


def test_features_from_csv(tmp_path):
    f = tmp_path / "pts.csv"
    f.write_text("t,value\n0,1.5\n1,0.5\n2,3.0\n")
    p = run("features", "--csv", str(f), "--column", "value", "--activation", "relu",
            "--depth", "2", "--quiet")
    assert p.returncode == 0, p.stderr
    assert "n_samples=3" in p.stdout


@pytest.mark.parametrize(
    "args, msg",
    [
        (["features", "--x", "1,1", "--quiet"], "at least 2 distinct points"),
        (["features", "--x", "1,a"], "--x must be comma-separated numbers"),
        (["features", "--activation", "sign", "--depth", "3"], "unsupported combination"),
        (["features", "--csv", "/nonexistent/file.csv"], "no such file"),
        (["features", "--activation", "gelu"], "invalid choice: 'gelu'"),
        (["nothing"], "invalid choice: 'nothing'"),
    ],
)
def test_errors_are_one_line_exit_2(args, msg):
    p = run(*args)
    assert p.returncode == 2
    assert msg in p.stderr
    assert "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_bad_csv_column(tmp_path):
    f = tmp_path / "pts.csv"
    f.write_text("a,b\n1,x\n2,y\n")
    p = run("features", "--csv", str(f), "--column", "c")
    assert p.returncode == 2 and "column 'c' not in" in p.stderr
    p = run("features", "--csv", str(f), "--column", "b")
    assert p.returncode == 2 and "non-numeric values" in p.stderr


def test_closed_pipe_is_not_a_traceback():
    import subprocess
    import sys

    proc = subprocess.run(
        f"{sys.executable} -m library_of_mirrors.cli features --activation abs --depth 3 "
        "--x 2,0,-1,3,5,7,1.5,8,9.5,-3,4.2,6.1 | head -1",  # output > the pipe's buffer
        shell=True, capture_output=True, text=True)
    assert proc.stdout.startswith("Dictionary(")
    assert "Traceback" not in proc.stderr
