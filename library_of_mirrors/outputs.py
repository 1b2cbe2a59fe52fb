"""Output folders written as a transaction.

A command that writes files (``mirrors fit``, ``forecast``, ``cv``, ``backtest``, ``demo``,
``figures``, ``predict --out``) opens an :class:`OutputFolder` over its target folder and the
names it will write:

* before any work: the target is resolved (``..`` and symbolic links, by
  :func:`os.path.realpath`), a target that is a file or that already holds one of the names is
  refused (unless ``force``), the missing parent folders are created and remembered, and the
  files are written into a fresh temporary folder created next to the target (same file
  system);
* at the end (:meth:`OutputFolder.commit`): under an exclusive lock on the target folder, each
  file is moved into place by a hard link, which never replaces an existing file (or by an
  atomic :func:`os.replace` with ``force``).  A concurrent run that committed the same names
  first makes this one fail with :class:`FileExistsError`, and the files it had placed are
  taken back: the first run's files stay whole.  SIGINT and SIGTERM are held back during
  the commit (a few file operations), so a commit is never cut in half;
* on failure or interruption (:meth:`OutputFolder.abort`): the temporary folder is removed,
  and so are the folders this transaction created, if still empty; never a folder that existed
  before, whatever ``..`` the given path holds.

Used as a context manager, the folder commits when the block succeeds and aborts otherwise.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

try:  # POSIX: advisory locks, released by the kernel when the process dies
    import fcntl
except ImportError:  # pragma: no cover - Windows: the hard links alone keep files whole
    fcntl = None

_SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None))
                 if s is not None)


def resolve(path: str | os.PathLike) -> Path:
    """``path`` as an absolute path without ``.``, ``..`` or symbolic links (as far as it
    exists; the missing rest is normalized the way the kernel will walk it once created)."""
    return Path(os.path.realpath(os.path.abspath(os.fspath(path))))


class OutputFolder:
    """A transaction over the files ``names`` of the folder ``target`` (see the module).

    ``paths`` are where the command writes (inside the temporary folder); ``targets`` where
    the files end up after :meth:`commit`.
    """

    def __init__(self, target: str | os.PathLike, names: Sequence[str], *,
                 force: bool = False):
        names = list(names)
        if not names:
            raise ValueError("an output folder needs at least one file name")
        for n in names:
            if not n or os.sep in n or (os.altsep and os.altsep in n) or n in (".", ".."):
                raise ValueError(f"output names must be plain file names, got {n!r}")
        self.given = Path(target)
        self.target = resolve(target)
        self.names = names
        self.force = bool(force)
        self.created: list[Path] = []  # folders made by this transaction, outermost first
        self.tmp: Path | None = None
        self.committed = False
        if self.target.exists() and not self.target.is_dir():
            raise ValueError(f"--out {self.given} is a file, not a folder")
        taken = self._taken()
        if taken and not self.force:
            raise ValueError(f"{self.given} already holds {', '.join(taken)}; use --force to "
                             "overwrite or choose another --out")
        try:
            self._make_parents(self.target.parent)
            self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.mirrors-tmp-",
                                             dir=self.target.parent))
        except BaseException:
            self.abort()
            raise

    # paths -------------------------------------------------------------------------------
    @property
    def paths(self) -> list[Path]:
        """Where the command writes its files (the temporary folder)."""
        if self.tmp is None:
            raise RuntimeError("the output folder was aborted")
        return [self.tmp / n for n in self.names]

    @property
    def targets(self) -> list[Path]:
        """Where the files are after :meth:`commit` (as the user gave the folder)."""
        return [self.given / n for n in self.names]

    def _taken(self) -> list[str]:
        return [n for n in self.names if os.path.lexists(self.target / n)]

    def _make_parents(self, folder: Path) -> None:
        """Create ``folder`` and its missing parents, remembering each one made here."""
        missing = []
        p = folder
        while not p.exists():
            missing.append(p)
            if p.parent == p:
                break
            p = p.parent
        for p in reversed(missing):
            try:
                os.mkdir(p)
            except FileExistsError:  # made by someone else meanwhile: not ours to remove
                if not p.is_dir():
                    raise
                continue
            self.created.append(p)

    # the end of the transaction ------------------------------------------------------------
    def commit(self) -> list[Path]:
        """Move every file into the target folder; FileExistsError (nothing moved) when one of
        the names exists there and ``force`` is off.  Returns :attr:`targets`."""
        if self.tmp is None:
            raise RuntimeError("the output folder was aborted")
        missing = [n for n in self.names if not (self.tmp / n).exists()]
        if missing:
            raise RuntimeError(f"the command did not write {', '.join(missing)}")
        with _signals_held():
            self._make_parents(self.target)
            with _locked(self.target):
                taken = self._taken()
                if taken and not self.force:
                    raise FileExistsError(
                        f"{self.given} already holds {', '.join(taken)}, written by another "
                        "run while this one worked; nothing was replaced (use --force to "
                        "overwrite or choose another --out)")
                placed: list[Path] = []
                try:
                    for n in self.names:
                        src, dst = self.tmp / n, self.target / n
                        if self.force:
                            os.replace(src, dst)
                        else:
                            _link_new(src, dst)
                            placed.append(dst)
                except BaseException:
                    for p in placed:  # files this run had just placed: take them back
                        with contextlib.suppress(OSError):
                            p.unlink()
                    raise
            self.committed = True
            self._remove_tmp()
        return self.targets

    def abort(self) -> None:
        """Remove the temporary folder and the folders this transaction created (if empty),
        innermost first.  Never touches anything else."""
        self._remove_tmp()
        if self.committed:
            return
        for p in reversed(self.created):
            with contextlib.suppress(OSError):  # not empty (someone else's files): keep it
                os.rmdir(p)
        self.created = []

    def _remove_tmp(self) -> None:
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self.commit()
            except BaseException:
                self.abort()
                raise
        else:
            self.abort()


def _link_new(src: Path, dst: Path) -> None:
    """Put ``src`` at ``dst`` unless ``dst`` exists (FileExistsError): a hard link, which
    fails rather than replace; file systems without hard links get a checked rename (the lock
    keeps concurrent commits of this package apart)."""
    try:
        os.link(src, dst)
    except FileExistsError:
        raise FileExistsError(f"{dst} exists; nothing was replaced") from None
    except OSError:
        if os.path.lexists(dst):
            raise FileExistsError(f"{dst} exists; nothing was replaced") from None
        os.rename(src, dst)
        return
    os.unlink(src)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``folder`` itself (no lock file to leave behind)."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT / SIGTERM back (delivered when the block ends) where the platform can."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None or not _SIGNALS:  # pragma: no cover
        yield
        return
    old = mask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, old)


def output_file(path: str | os.PathLike, *, force: bool = False) -> OutputFolder:
    """A transaction over one file: written in a temporary folder next to it, moved into
    place at the end (never replacing an existing file without ``force``).  ``paths[0]`` is
    where to write it."""
    p = Path(path)
    if not p.name or p.name in (".", ".."):
        raise ValueError(f"--out {path} is not a file name")
    if p.is_dir():
        raise ValueError(f"--out {path} is a folder, not a file")
    if os.path.lexists(p) and not force:
        raise ValueError(f"{path} exists; use --force to overwrite")
    return OutputFolder(p.parent, [p.name], force=force)


__all__ = ["OutputFolder", "output_file", "resolve"]
