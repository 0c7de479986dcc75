"""Files a user names: read safely (regular files below a size cap, ``.yaml`` module paths),
written whole or not at all (see ``docs/internals/reading.md``, "Files a user names").
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from circuitsim.errors import CircuitError, Position

__all__ = ["MODULE_SUFFIXES", "atomic_write", "module_path", "open_user_file", "read_user_file"]

MODULE_SUFFIXES = (".yaml", ".yml")

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def open_user_file(
    path: str | os.PathLike, *, what: str, max_bytes: int | None = None, pos: Position | None = None, follow: bool = True
) -> BinaryIO:
    """Open the regular file at ``path`` for reading in binary mode.

    ``what`` names the file in messages ("circuit file", "inputs file"); an error is reported
    at ``pos`` (default: the file itself). Raises :class:`CircuitError` when the path holds a
    NUL, the file cannot be opened, is not a regular file, or is larger than ``max_bytes``
    (None: no cap), and, with ``follow=False``, when the path's last part is a symbolic link.
    The file is never read for these checks, so none of them can block.
    """
    name = os.fspath(path)
    where = pos or Position(name)
    if "\0" in name:
        raise CircuitError(f"cannot read {what}: its path holds a NUL character; remove it", where)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(name, flags)
    except OSError as exc:
        raise CircuitError(f"cannot read {what} {name}: {exc.strerror or exc}", where) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((text for test, text in _KINDS if test(info.st_mode)), "not a regular file")
            raise CircuitError(f"cannot read {what} {name}: it is {kind}; give a regular file", where)
        if max_bytes is not None and info.st_size > max_bytes:
            raise CircuitError(_too_big(what, name, max_bytes), where)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_user_file(
    path: str | os.PathLike, *, what: str, max_bytes: int, pos: Position | None = None
) -> bytes:
    """The bytes of the regular file at ``path``, checked as :func:`open_user_file` does.

    A file that grows past ``max_bytes`` while it is read is refused too.
    """
    name = os.fspath(path)
    with open_user_file(name, what=what, max_bytes=max_bytes, pos=pos) as file:
        try:
            data = file.read(max_bytes + 1)
        except OSError as exc:
            raise CircuitError(f"cannot read {what} {name}: {exc.strerror or exc}", pos or Position(name)) from None
    if len(data) > max_bytes:
        raise CircuitError(_too_big(what, name, max_bytes), pos or Position(name))
    return data


def _too_big(what: str, name: str, max_bytes: int) -> str:
    return (
        f"{what} {name} is larger than the limit of {max_bytes} bytes; "
        "split the circuit into modules or raise the limit (CIRCUITSIM_MAX_BYTES=N, or load(..., max_bytes=N))"
    )


def module_path(written: str, including: str | None, root: str | None, pos: Position) -> str:
    """The path of the module file ``written`` under ``modules:`` of ``including``.

    It is relative to the folder of ``including`` (to the current folder for text without a
    path). The file it leads to, symbolic links resolved, must be named ``*.yaml`` or
    ``*.yml`` and, when ``root`` is given, lie inside that folder. Raises
    :class:`CircuitError` at ``pos`` otherwise.
    """
    if "\0" in written:
        raise CircuitError("a module path cannot hold a NUL character; remove it", pos)
    path = os.path.normpath(os.path.join(os.path.dirname(including or ""), written))
    real = os.path.realpath(path)
    if not real.lower().endswith(MODULE_SUFFIXES):
        shown = "" if real == os.path.abspath(path) else f" (it leads to {real})"
        raise CircuitError(
            f"module path {written!r} does not name a circuit file{shown}: module files end in "
            ".yaml or .yml",
            pos,
        )
    if root is not None and os.path.commonpath([real, os.path.realpath(root)]) != os.path.realpath(root):
        raise CircuitError(
            f"module path {written!r} leads outside the folder {root}, where this load keeps its "
            "modules (module_root=)",
            pos,
        )
    return path


# -- writing ---------------------------------------------------------------------------------


@contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", **open_args):
    """Open ``path`` for writing so that it ends up whole or not at all.

    The text goes to a temporary file beside the target, renamed over it on success; if the
    body raises (or the process gets SIGTERM), the temporary file is removed and the target is
    left as it was. A symbolic link is written through: its target is replaced, the link stays.
    An existing file keeps its permission bits; a new one gets the usual ``0666`` less the
    umask. A target that exists and is not a regular file (``/dev/null``, ``/dev/stdout``, a
    FIFO) is written to directly, as a shell's ``>`` would. A full disk or any other failure to
    write is a :class:`CircuitError` naming the file.
    """
    shown = os.fspath(path)
    target = Path(os.path.realpath(shown))
    try:
        info = os.stat(target)
    except OSError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        if stat.S_ISDIR(info.st_mode):
            raise CircuitError("cannot write output file: it is a directory", Position(shown))
        with _write_errors(shown), open(target, mode, **open_args) as handle:
            yield handle
        return
    with _write_errors(shown):
        import tempfile  # here: a command that writes no file does not import it (and shutil, bz2, lzma)

        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with _removed_on_sigterm(), _write_errors(shown):
            os.fchmod(fd, stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask())
            with os.fdopen(fd, mode, **open_args) as handle:
                yield handle
            os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _write_errors(shown: str):
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            reason += "; the old file, if any, is left as it was"
        raise CircuitError(f"cannot write output file: {reason}", Position(shown)) from None


class _Terminated(SystemExit):
    """SIGTERM while a file is written: unwinds (removing the temporary file), then exits."""


@contextmanager
def _removed_on_sigterm():
    """Turn SIGTERM into an exception meanwhile, so that cleanup runs; only where it is safe to
    (the main thread, no handler of the program's own)."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def terminate(signum, frame):
        raise _Terminated(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
