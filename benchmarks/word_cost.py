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
from pathlib import Path

from kzsearch import segwords
from kzsearch.search import sidecars, words

acc: dict[str, float] = {}
ORDER = ["counting per article (end_article)", "tables and files (segment_words)",
         "  of which WordTable.from_counts"]


def timed(owner, name, key):
    f = getattr(owner, name)

    @functools.wraps(f)
    def g(*a, **k):
        t = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            acc[key] = acc.get(key, 0) + time.perf_counter() - t
    setattr(owner, name, g)


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    corpus = sys.argv[1]
    folder = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp()) / "index"
    shutil.rmtree(folder, ignore_errors=True)
    timed(segwords.SegmentWords, "end_article", "counting per article (end_article)")
    timed(sidecars, "segment_words", "tables and files (segment_words)")
    timed(words.WordTable, "from_counts", "  of which WordTable.from_counts")
    from kzsearch.cli import main as cli

    start = time.perf_counter()
    try:
        cli(["index", "build", corpus, "--index", str(folder)], standalone_mode=False)
    finally:
        total = time.perf_counter() - start
        print(f"build {total:.1f} s")
        for key, value in sorted(acc.items(), key=lambda item: ORDER.index(item[0])):
            print(f"{key}: {value:.2f} s ({value / total:.1%})")


if __name__ == "__main__":
    main()
