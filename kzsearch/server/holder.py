"""The index of one server process: opened when it exists, kept fresh in the background.

* **Opened lazily.** The server may start before the index is built: until it exists
  every route that needs it answers 503 ``index_missing``, and each request (and each
  tick of the refresher) tries to open it again, which costs a few ``stat`` calls.
* **Shared.** One :class:`~kzsearch.Index` serves every request thread of the process:
  it is documented safe to share, each search reading one consistent snapshot. Writes
  go through it too (one writer at a time, by the index's lock), opened with
  ``merge_in_background=True`` so a commit returns before any merge it calls for.
* **Fresh without pauses.** A daemon thread calls :meth:`~kzsearch.Index.refresh` every
  ``refresh_interval`` seconds: a commit by another process is loaded within about that
  long. The index has ``wait_for_loads = False``, so a request that comes while the
  thread loads a new commit answers from the state before it instead of waiting. When
  nothing changed a refresh costs a directory listing and a few ``stat`` calls.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from kzsearch.index import IndexNotFoundError
from kzsearch.search import Index

LOG = logging.getLogger("kzsearch.server")
WARM_UP_QUERY = "қазақстан жаңалықтары"


class IndexHolder:
    """The server's :class:`Index` of ``path`` (see the module's docstring)."""

    def __init__(self, path: Path, refresh_interval: float) -> None:
        self.path = path
        self.refresh_interval = refresh_interval
        self._index: Index | None = None
        self._opening = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._problem: str | None = None  # the last failure of the refresher, logged once

    def get(self) -> Index:
        """The open index; raises :class:`IndexNotFoundError` while there is none."""
        index = self._index
        if index is not None:
            return index
        with self._opening:
            if self._index is None:
                index = Index.open(self.path, merge_in_background=True)
                index.wait_for_loads = False
                self._index = index
            return self._index

    def refresh(self) -> bool:
        """Open the index if it has appeared, else load a new commit; True if either."""
        if self._index is None:
            try:
                self.get()
            except IndexNotFoundError:
                return False
            return True
        return self._index.refresh()

    def start(self) -> None:
        """Start the refresher thread (a daemon: it never keeps the process alive)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="kzsearch-refresh",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the refresher and close the index (searches in flight finish)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(5.0, 2 * self.refresh_interval))
            self._thread = None
        with self._opening:
            if self._index is not None:
                self._index.close()
                self._index = None

    def _run(self) -> None:
        self._tick(warm=True)
        while not self._stop.wait(self.refresh_interval):
            self._tick(warm=self._index is None)

    def _tick(self, warm: bool) -> None:
        """One look at the index; ``warm``: once it opens, run a search, so that the first
        request does not pay for loading the analysers and the first snapshot."""
        try:
            if self.refresh() and warm and self._index is not None:
                self._index.search(WARM_UP_QUERY, per_page=1)
            self._problem = None
        except IndexNotFoundError:
            pass  # not built yet, removed, or a rebuild's swap: requests answer 503 or retry
        except Exception as error:  # the thread goes on; requests report it as they meet it
            if repr(error) != self._problem:  # logged once, not every tick
                LOG.warning("refreshing the index at %s failed", self.path, exc_info=True)
            self._problem = repr(error)
