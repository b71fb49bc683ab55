"""What the completion word files cost one build: wall time inside the writer's word
counting (``SegmentWords.end_article``, per article) and inside making and writing each
segment's table (``sidecars.segment_words``, which includes ``WordTable.from_counts``),
beside the whole ``kzsearch index build``.

    python benchmarks/word_cost.py CORPUS.jsonl [INDEX_FOLDER]

The index folder (default: a temporary one) is replaced. Timers wrap the functions
(``time.perf_counter``, no profiler), so the shares are of real wall time.
"""

import functools
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kzsearch import segwords
from kzsearch.search import sidecars, words

seconds_in: dict[str, float] = {}
STAGES = ["counting per article (end_article)", "tables and files (segment_words)",
          "  of which WordTable.from_counts"]


def time_calls(owner: Any, name: str, stage: str) -> None:
    """Replace ``owner.name`` by a wrapper adding each call's wall time to ``stage``."""
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            seconds_in[stage] = seconds_in.get(stage, 0.0) + time.perf_counter() - started
    setattr(owner, name, timed)


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    corpus = sys.argv[1]
    folder = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp()) / "index"
    shutil.rmtree(folder, ignore_errors=True)
    time_calls(segwords.SegmentWords, "end_article", STAGES[0])
    time_calls(sidecars, "segment_words", STAGES[1])
    time_calls(words.WordTable, "from_counts", STAGES[2])
    from kzsearch.cli import main as cli

    start = time.perf_counter()
    try:
        cli(["index", "build", corpus, "--index", str(folder)], standalone_mode=False)
    finally:
        total = time.perf_counter() - start
        print(f"build {total:.1f} s")
        for stage in STAGES:
            if stage in seconds_in:
                print(f"{stage}: {seconds_in[stage]:.2f} s ({seconds_in[stage] / total:.1%})")


if __name__ == "__main__":
    main()
