"""Build speed and peak memory: kzsearch (procs=1 and 2) beside stock Whoosh.

    python benchmarks/build_speed.py [--articles 10000] [--vocabulary N] [--rounds 1]
    python benchmarks/build_speed.py --corpus corpus.jsonl   # an existing corpus

Each build runs in a fresh subprocess, so its peak RSS (``resource.getrusage``: the
process and, for procs=2, its sub-writers) is the build's alone; the builds alternate
and each keeps its best round. kzsearch builds the way ``kzsearch index build`` does
(``Index.building`` + ``add_many``: procs=1 streams the input in batches through
kzsearch's segment writer, procs=2 uses Whoosh's parallel writer); stock Whoosh is
Whoosh's ``StandardAnalyzer`` and writer over the same schema shape (``engines.py``).
Run it when nothing else uses the cores: the procs=2 figure needs both. Set
``PYTHONPATH`` to choose the kzsearch checkout measured.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {here!r})
engine, corpus, path, procs = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
started = time.perf_counter()
if engine == "whoosh":
    from engines import build_whoosh
    docs = build_whoosh(corpus, path, procs=procs)
else:
    from kzsearch import Index, read_articles
    with Index.building(path, overwrite=True) as index:
        index.add_many(read_articles(corpus), procs=procs)
    docs = len(Index.open(path))
seconds = time.perf_counter() - started
rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
          resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
print(json.dumps({{"docs": docs, "seconds": seconds, "rss_mb": rss / 1024, "size_mb": size / 1e6}}))
"""

BUILDS = {
    "kzsearch procs=1": ("kzsearch", 1),
    "kzsearch procs=2": ("kzsearch", 2),
    "stock Whoosh": ("whoosh", 1),
}


def run_build(engine: str, procs: int, corpus: Path, path: Path) -> dict[str, float]:
    """One build in a fresh interpreter; its figures as the child measured them."""
    code = CHILD.format(here=str(HERE))
    # cwd: ``python -c`` puts the working directory first on sys.path, which would shadow
    # the PYTHONPATH checkout being measured with the one the script was started in.
    out = subprocess.run([sys.executable, "-c", code, engine, str(corpus), str(path), str(procs)],
                         check=True, capture_output=True, text=True, cwd=path.parent).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--vocabulary", type=int, default=None,
                        help="rare word types of the generated corpus (corpus.py's default)")
    parser.add_argument("--corpus", type=Path, help="an existing JSONL corpus instead")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", action="append", choices=sorted(BUILDS),
                        help="run only these builds (repeatable)")
    args = parser.parse_args()
    names = args.only or list(BUILDS)
    best: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="build-speed-") as tmp:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(tmp) / "corpus.jsonl"
            command = [sys.executable, str(HERE / "corpus.py"), "--articles", str(args.articles),
                       "--seed", "1", "--out", str(corpus)]
            if args.vocabulary is not None:
                command += ["--vocabulary", str(args.vocabulary)]
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        for _ in range(args.rounds):
            for name in names:
                figures = run_build(*BUILDS[name], corpus, Path(tmp) / "index")
                figures["rate"] = figures["docs"] / figures["seconds"]
                if name not in best or figures["rate"] > best[name]["rate"]:
                    best[name] = figures
        input_mb = corpus.stat().st_size / 1e6
    docs = next(iter(best.values()))["docs"]
    print(f"{docs:,.0f} articles ({input_mb:,.0f} MB input); load average"
          f" {os.getloadavg()[0]:.2f}; best of {args.rounds}")
    print("| build | docs/s | × stock Whoosh | seconds | peak RSS MB | index MB |")
    print("|---|---:|---:|---:|---:|---:|")
    stock = best.get("stock Whoosh", {}).get("rate")
    for name, f in best.items():
        ratio = f"{f['rate'] / stock:.2f}" if stock else "-"
        print(f"| {name} | {f['rate']:,.0f} | {ratio} | {f['seconds']:,.1f} |"
              f" {f['rss_mb']:,.0f} | {f['size_mb']:,.0f} |")


if __name__ == "__main__":
    main()
