"""The writer lock of an index, and sub-processes that die with the writer that started them.

Why the lock is built the way it is:

* **Outside the index directory.** The lock of the index at ``PARENT/NAME`` is the file
  ``PARENT/.NAME.lock``. A rebuild replaces the directory ``NAME`` as a whole; a lock
  inside it would be swapped away with it, and a path that does not exist yet (a first
  build) has no directory to hold one. The lock file is never deleted (deleting a lock
  file lets two writers hold "the" lock on two different files).
* **POSIX record locks (``fcntl.lockf``).** They belong to the process: a forked child
  does not inherit them, so a child that outlives its writer cannot keep the index
  locked, and the kernel drops them when the process dies, however it dies (SIGKILL
  included): a lock is never stale.
* **Plus one ``threading.Lock`` per lock file and process.** Record locks do not exclude
  the threads of one process from each other (the second ``lockf`` of the same process
  succeeds), and closing *any* descriptor of the file drops the process's lock. So one
  process holds at most one descriptor per lock file, opened by the thread that holds the
  thread lock, for as long as it holds it: two ``Index`` objects on one path, or one used
  by several threads, write one after the other.
* **A parent folder we may not write** cannot hold the lock file; it cannot receive a
  rebuild (a swap renames in the parent) either, so there the writer goes on with the
  other locks only (the thread lock, and Whoosh's ``WRITELOCK`` inside the index).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POLL_SECONDS = 0.05
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
OWNER_POLL_SECONDS = 0.5
READ_ONLY_ERRORS = (errno.EACCES, errno.EROFS, errno.EPERM)


class LockTimeout(Exception):
    """The lock was not free within the time allowed (the caller words the message)."""


def lock_file(path: Path) -> Path:
    """The lock file of the index at ``path``: ``.NAME.lock`` beside it (``path`` made
    absolute first, so that ``.`` names the folder, not an empty name inside it)."""
    path = Path(os.path.abspath(path))
    return path.parent / f".{path.name}.lock"


def _key(path: Path) -> str:
    """The same key for every spelling of one path (relative, absolute, via symlinks)."""
    path = Path(os.path.abspath(path))
    parent = os.path.realpath(path.parent)
    return os.path.join(parent, path.name)


_registry_guard = threading.Lock()
_thread_locks: dict[str, threading.Lock] = {}


def _thread_lock(path: Path) -> threading.Lock:
    with _registry_guard:
        return _thread_locks.setdefault(_key(path), threading.Lock())


def _forget_locks_in_child() -> None:
    """A forked child holds none of its parent's record locks: start it with free ones."""
    global _registry_guard
    _registry_guard = threading.Lock()
    _thread_locks.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_locks_in_child)


@contextmanager
def writer_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold the writer lock of the index at ``path``, waiting up to ``timeout`` seconds.

    Raises :class:`LockTimeout` when another thread or process keeps it longer, and
    ``OSError`` when the lock file cannot be opened for a reason other than a folder that
    we may not write.
    """
    deadline = time.monotonic() + max(timeout, 0.0)
    guard = _thread_lock(path)
    acquired = guard.acquire(timeout=timeout) if timeout > 0 else guard.acquire(blocking=False)
    if not acquired:
        raise LockTimeout(str(path))
    try:
        fd = _open_lock_file(path)
        try:
            if fd is not None:
                _lock_until(fd, deadline, path)
            yield
        finally:
            if fd is not None:
                os.close(fd)  # closing drops the record lock
    finally:
        guard.release()


def _open_lock_file(path: Path) -> int | None:
    """A read-write descriptor of the lock file, or ``None`` in a folder we may not write."""
    target = lock_file(path)
    try:
        return os.open(target, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno in READ_ONLY_ERRORS and not os.access(target.parent, os.W_OK):
            return None
        raise


def _lock_until(fd: int, deadline: float, path: Path) -> None:
    while True:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        if time.monotonic() >= deadline:
            raise LockTimeout(str(path))
        time.sleep(POLL_SECONDS)


@contextmanager
def writer_lock_if_free(path: Path) -> Iterator[bool]:
    """Hold the writer lock if it is free right now (``True``); ``False`` when it is not."""
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(writer_lock(path, 0.0))
        except (LockTimeout, OSError):
            yield False
        else:
            yield True


# -- sub-processes that die with their writer --------------------------------------------------


def die_with(owner: int) -> None:
    """Make this (child) process end when process ``owner``, its writer, ends.

    On Linux the kernel sends SIGKILL when the parent dies (``PR_SET_PDEATHSIG``); when the
    owner died before that was set, or is not the parent (a ``forkserver`` start), or
    there is no ``prctl``, a daemon thread checks every half second that the owner lives.
    """
    if _set_parent_death_signal() and os.getppid() == owner:
        return
    if not _alive(owner):
        os._exit(1)
    threading.Thread(target=_watch_owner, args=(owner,), daemon=True).start()


def _set_parent_death_signal() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):  # not Linux
        return False


def _watch_owner(owner: int) -> None:
    while _alive(owner):
        time.sleep(OWNER_POLL_SECONDS)
    os._exit(1)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True  # no /proc: kill(0) said it exists
