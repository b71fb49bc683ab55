"""Read Whoosh's memory-mapped compound segments in place instead of copying them.

Whoosh 2.7.4 maps a compound segment file (``MAIN_<segid>.seg``) with ``mmap`` and
hands each sub-file out as a ``BufferFile`` over a ``memoryview`` of the mapping, but
``BufferFile.__init__`` wraps it in ``io.BytesIO(buf)``, which copies the whole sub-file
into the process's own memory: every reader process held a private copy of the segment
(at 20k articles about 170 MB of its 180 MB), on top of the mapped pages the copy read.
:func:`install_in_whoosh` makes ``BufferFile`` read from the view itself
(:class:`MappedFile`), so a reader holds only the pages it touches, and those are the
OS page cache's, shared by every process that maps the same file.
This module imports nothing of kzsearch.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import Any

LINE_CHUNK = 4096


class MappedFile:
    """A read-only file over a buffer (a view of a memory map): what ``BytesIO`` offers
    a reader, without copying the buffer. Each read copies only the bytes it returns."""

    def __init__(self, buffer: Any) -> None:
        self._view = memoryview(buffer).cast("B")
        self._position = 0

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else self._position + size
        end = min(end, len(self._view))
        data = bytes(self._view[self._position:end]) if end > self._position else b""
        self._position = max(self._position, end)
        return data

    def readinto(self, target: Any) -> int:
        data = self.read(len(memoryview(target).cast("B")))
        memoryview(target).cast("B")[:len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        limit = len(self._view) if size is None or size < 0 else self._position + size
        limit = min(limit, len(self._view))
        end = self._position
        while end < limit:
            chunk = bytes(self._view[end:min(end + LINE_CHUNK, limit)])
            found = chunk.find(b"\n")
            if found >= 0:
                end += found + 1
                break
            end += len(chunk)
        data = bytes(self._view[self._position:end])
        self._position = end
        return data

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            position = offset
        elif whence == os.SEEK_CUR:
            position = self._position + offset
        elif whence == os.SEEK_END:
            position = len(self._view) + offset
        else:
            raise ValueError(f"invalid whence ({whence})")
        if position < 0:
            raise ValueError(f"negative seek position {position}")
        self._position = position
        return position

    def tell(self) -> int:
        return self._position

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def write(self, data: Any) -> int:
        raise io.UnsupportedOperation("a mapped segment file is read-only")

    def flush(self) -> None:
        return None

    def close(self) -> None:
        self._view.release()


def install_in_whoosh() -> None:
    """Make ``BufferFile`` read a buffer in place when it is a view (compound segments);
    a ``bytes`` buffer keeps ``BytesIO``, which shares a ``bytes`` object without copying."""
    from whoosh.filedb import structfile

    if getattr(structfile.BufferFile, "_kzsearch_mapped", False):
        return
    original = structfile.BufferFile.__init__

    def __init__(self: Any, buf: Any, name: Any = None, onclose: Any = None) -> None:
        original(self, buf if isinstance(buf, bytes) else b"", name=name, onclose=onclose)
        self._buf = buf
        if not isinstance(buf, bytes):
            self.file = MappedFile(buf)

    structfile.BufferFile.__init__ = __init__
    structfile.BufferFile._kzsearch_mapped = True
