"""Index files and folders that are never writable by group or others, not even for a moment.

Whoosh 2.7.4 creates files with ``open(path, "wb")`` and folders with
``os.makedirs``, so their modes come from the umask: under Ubuntu's default umask 002
they are group-writable from creation until kzsearch could tighten them, and a
same-group user who opened one for writing in that window keeps the descriptor
after any ``chmod``. Here every file and folder of an index is created with an
explicit mode instead (files 0644, folders 0755): the umask can only take bits away,
so no group or other write bit is ever set, and nothing process-wide such as
``os.umask`` is touched (it is not thread-safe). A file that a new one replaces is
unlinked first, so the new contents go to a fresh inode that nobody else holds open.

:func:`install_in_whoosh` routes Whoosh's ``FileStorage`` (files, index and
temporary folders, lock files) through these functions; kzsearch's own files use
them directly. This module imports nothing of kzsearch.
"""

from __future__ import annotations

import errno
import os
import stat
from contextlib import suppress
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o644
DIR_MODE = 0o755
SHARED_WRITE = stat.S_IWGRP | stat.S_IWOTH


def _flags(mode: str) -> int:
    """``os.open`` flags of a ``open()`` mode string that creates a file (``w`` or ``x``)."""
    if "w" not in mode and "x" not in mode:
        raise ValueError(f"not a mode that creates a file: {mode!r}")
    flags = os.O_RDWR if "+" in mode else os.O_WRONLY
    return flags | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def create_file(path: str | os.PathLike[str], mode: str = "wb", **kwargs: Any) -> IO[Any]:
    """Open a new file for writing with mode 0644 (less if the umask says so).

    ``mode`` is an ``open()`` mode: ``"w…"`` replaces an existing file (unlinked first),
    ``"x…"`` fails if the file exists. ``kwargs`` go to :func:`os.fdopen` (``encoding``).
    """
    if "w" in mode:
        with suppress(FileNotFoundError):
            os.unlink(path)
    fd = os.open(path, _flags(mode), FILE_MODE)
    try:
        _drop_shared_write(fd)
        return os.fdopen(fd, mode.replace("x", "w"), **kwargs)
    except BaseException:
        os.close(fd)
        raise


def _drop_shared_write(fd: int) -> None:
    """Defensive: a file system that ignored the creation mode gets it put right."""
    current = os.fstat(fd).st_mode
    if current & SHARED_WRITE:
        os.fchmod(fd, stat.S_IMODE(current) & ~SHARED_WRITE)


def ensure_file(path: str | os.PathLike[str]) -> None:
    """Create an empty file with mode 0644 unless it exists (a lock file, say)."""
    if os.path.lexists(path):
        return
    with suppress(FileExistsError):  # another process created it meanwhile, the same way
        os.close(os.open(path, _flags("x"), FILE_MODE))


def make_dirs(path: str | os.PathLike[str]) -> Path:
    """Create a folder and its missing parents, each with mode 0755 (``os.makedirs``
    gives the parents the umask's mode)."""
    path = Path(os.path.abspath(path))
    missing = []
    for folder in (path, *path.parents):
        if os.path.lexists(folder):
            break
        missing.append(folder)
    for folder in reversed(missing):
        with suppress(FileExistsError):
            os.mkdir(folder, DIR_MODE)
    if not path.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    return path


def write_text(path: Path, text: str) -> None:
    """Replace ``path`` by a file holding ``text`` (UTF-8), atomically: a temporary file
    beside it, created 0644, is renamed over it."""
    temp = path.with_name(path.name + ".tmp")
    with create_file(temp, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temp, path)


def install_in_whoosh() -> None:
    """Make Whoosh's ``FileStorage`` create files, folders and lock files this way."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.structfile import StructFile

    if FileStorage.create_file.__module__ == __name__:
        return  # installed already
    original_lock = FileStorage.lock

    def storage_create_file(self: FileStorage, name: str, excl: bool = False,
                            mode: str = "wb", **kwargs: Any) -> StructFile:
        """Whoosh's ``create_file`` with an explicit mode (see :mod:`kzsearch.safefiles`)."""
        if self.readonly:
            from whoosh.filedb.filestore import ReadOnlyError

            raise ReadOnlyError
        file = create_file(self._fpath(name), mode.replace("w", "x") if excl else mode)
        return StructFile(file, name=name, **kwargs)

    def storage_create(self: FileStorage) -> FileStorage:
        make_dirs(self.folder)
        return self

    def storage_lock(self: FileStorage, name: str) -> Any:
        ensure_file(self._fpath(name))  # else the lock's own os.open would use the umask
        return original_lock(self, name)

    FileStorage.create_file = storage_create_file
    FileStorage.create = storage_create
    FileStorage.lock = storage_lock


__all__ = ["DIR_MODE", "FILE_MODE", "create_file", "ensure_file", "install_in_whoosh",
           "make_dirs", "write_text"]
