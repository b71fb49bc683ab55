"""Crashes: a writer killed with SIGKILL at random moments loses nothing it committed.

A child process commits batches (one ``add_many`` = one commit, an ``optimize`` now and
then) and prints each batch number once its commit has returned. The test kills it after
a random delay, then checks that the index opens, that every batch the child reported is
there, that no batch is there in part (commits are atomic), and that search works; then
it starts the writer again, which resumes where the index stands. After the last kill a
writer runs to the end and the index must hold exactly every article.

Two more kills aim at one moment each: the parent of a ``procs=2`` writer killed while
its sub-writers work (they must die with it and leave the index to the next writer),
and a rebuild killed at every step of its swap (the next open, add or build must find a
whole old or new index and leave no staging folder, trash or journal behind).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from contextlib import suppress
from pathlib import Path

import pytest

from kzsearch import Index

from ._support import ROOT, SCALE, SEED, add, child_env, make_articles, stored_ids

BATCH = 40
NEVER_REACHED = 100_000  # batches a killed writer is asked to write
WRITER = textwrap.dedent(
    """
    import sys
    from kzsearch import Article, Index
    path, total, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    BODY = ("Үкімет мемлекеттік бюджеттің кірістері мен шығыстарын талқылады. "
            "Министрлер жаңа мектептер мен ауруханалар салуға қаржы бөлінетінін айтты. ") * 12

    def batch(b):
        return [Article(id=f"c{b:04d}-{i:02d}", title=f"Жаңалық {b} топтама {i}",
                        body=f"{BODY} Хабар нөмірі {b}-{i}.", rubric="Экономика",
                        views=b * 100 + i)
                for i in range({batch})]

    def write(index, start):
        for b in range(start, total):
            index.add_many(batch(b))
            print("committed", b, flush=True)
            if b % 7 == 6:
                index.optimize()
                print("optimized", b, flush=True)

    if mode == "resume":
        index = Index.open(path)
        done, partial = divmod(len(index), {batch})
        if partial:
            print("partial batch in index", len(index), flush=True)
            sys.exit(3)
        print("ready", done, flush=True)
        write(index, done)
    else:  # a staged rebuild that replaces the index only when it is complete
        with Index.building(path, overwrite=True) as index:
            print("ready", 0, flush=True)
            write(index, 0)
    print("finished", flush=True)
    """
).replace("{batch}", str(BATCH))


def batch_ids(batches: int) -> set[str]:
    return {f"c{b:04d}-{i:02d}" for b in range(batches) for i in range(BATCH)}


def start_writer(path: Path, total: int, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(total), mode],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env(),
    )


def kill_after(child: subprocess.Popen[str], delay: float) -> tuple[list[int], bool, str]:
    """Wait for 'ready', SIGKILL ``delay`` s later; the batches it reported, and if it
    finished before the kill."""
    ready = child.stdout.readline()
    assert ready.startswith("ready"), f"writer did not start: {ready!r} {child.stderr.read()}"
    time.sleep(delay)
    finished = child.poll() is not None
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    lines = child.stdout.read().splitlines()
    committed = [int(line.split()[1]) for line in lines if line.startswith("committed")]
    return committed, finished or "finished" in lines, child.stderr.read()


def check_intact(path: Path, reported: int) -> int:
    """The index opens, holds whole batches 0..k-1 with k >= reported, and is searchable."""
    index = Index.open(path)
    ids = stored_ids(index)
    done, partial = divmod(len(ids), BATCH)
    assert partial == 0, f"{len(ids)} documents: a commit was applied in part"
    assert len(index) == len(ids)
    assert done >= reported, f"{reported} batches were committed, {done} are in the index"
    assert ids == batch_ids(done), "the index does not hold exactly the first batches"
    if done:
        last = done - 1
        hits = index.search(f"Жаңалық {last} топтама", per_page=BATCH * 3).hits
        assert f"c{last:04d}-00" in {hit.id for hit in hits}
    return done


def test_writer_killed_at_random_moments_loses_no_commit(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    path = tmp_path / "index"
    Index.create(path)
    done = 0
    for kill in range(SCALE.kills):
        child = start_writer(path, NEVER_REACHED, "resume")
        committed, finished, stderr = kill_after(child, rng.uniform(0.0, 1.2))
        assert not finished, f"the writer ended before kill {kill + 1}: {stderr}"
        reported = max(committed, default=done - 1) + 1
        done = check_intact(path, reported)
        add("kills survived (writer)")
        add("commits before kills", len(committed))

    total = done + SCALE.resume_batches
    child = start_writer(path, total, "resume")
    out, err = child.communicate(timeout=600)
    assert child.returncode == 0, err
    assert out.rstrip().endswith("finished")
    assert check_intact(path, total) == total
    index = Index.open(path)
    index.optimize()
    assert stored_ids(index) == batch_ids(total)
    add("resumes completed")


def test_rebuild_killed_at_random_moments_leaves_the_old_index(tmp_path: Path) -> None:
    rng = random.Random(SEED + 1)
    path = tmp_path / "index"
    Index.create(path)
    old_batches = 3
    child = start_writer(path, old_batches, "resume")
    assert child.communicate(timeout=300)[0].rstrip().endswith("finished")
    assert check_intact(path, old_batches) == old_batches

    for _ in range(SCALE.rebuild_kills):
        child = start_writer(path, NEVER_REACHED, "rebuild")
        _, finished, stderr = kill_after(child, rng.uniform(0.0, 1.5))
        assert not finished, f"the rebuild ended before the kill: {stderr}"
        assert check_intact(path, old_batches) == old_batches, "a killed rebuild changed it"
        add("kills survived (staged rebuild)")
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".new")]
    add("staging dirs left by killed rebuilds", len(leftovers))

    total = SCALE.resume_batches
    child = start_writer(path, total, "rebuild")
    out, err = child.communicate(timeout=600)
    assert child.returncode == 0, err
    assert check_intact(path, total) == total


# -- the sub-writers of a killed procs=2 writer ------------------------------------------------

PARALLEL_WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    from kzsearch import Index
    from reliability._support import make_articles
    index = Index.open(sys.argv[2])

    def tick(done):
        if done == 600:  # three batches handed out: both sub-writers run
            print("indexing", flush=True)
            sys.stdin.readline()  # and wait here to be killed

    index.add_many(make_articles(2000, prefix="p"), procs=2, progress=tick)
    print("finished", flush=True)
    """
)


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie may wait long for a reaper)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def wait_until_gone(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while any(map(running, pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [pid for pid in pids if running(pid)]


def test_sub_writers_die_with_their_killed_parent_and_free_the_index(tmp_path: Path) -> None:
    path = tmp_path / "index"
    old = {f"a{n}" for n in range(30)}
    Index.create(path).add_many(make_articles(30))
    for kill in range(SCALE.orphan_kills):
        child = subprocess.Popen(
            [sys.executable, "-c", PARALLEL_WRITER, str(ROOT / "tests"), str(path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=child_env())
        line = child.stdout.readline()
        assert line.startswith("indexing"), f"{line!r} {child.stderr.read()}"
        sub_writers = children_of(child.pid)
        assert sub_writers, "the writer started no sub-writer: the test proves nothing"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        try:
            orphans = wait_until_gone(sub_writers, 10.0)
            assert not orphans, f"sub-writers {orphans} outlived their killed parent"
        finally:
            for pid in sub_writers:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        new = make_articles(10, start=100 + 10 * kill, prefix="q")
        index = Index.open(path)
        index.add_many(new, lock_timeout=20)
        old |= {article.id for article in new}
        assert stored_ids(Index.open(path)) == old
        assert len(Index.open(path)) == len(old)
        assert not (path / "MAIN.tmp").exists(), "the killed writer's temporary folder is left"
        add("parallel_writer_kills_survived")
        add("sub_writers_seen_dying", len(sub_writers))


# -- a rebuild killed in the middle of its swap ----------------------------------------------

SWAP_KILLER = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, sys.argv[1])
    import kzsearch.index as kzindex
    from kzsearch import Index
    from reliability._support import make_articles
    path, step, method = sys.argv[2], sys.argv[3], sys.argv[4]

    def checkpoint(name):
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)

    kzindex._swap_checkpoint = checkpoint
    if method == "renames":  # as where the kernel or file system cannot exchange
        kzindex._exchange = lambda new, path: False
    with Index.building(path, overwrite=True) as index:
        index.add_many(make_articles(25, prefix="n"))
    print("swapped", flush=True)
    """
)
SWAP_STEPS = {
    "exchange": ["journal written", "exchanged", "leftovers removed"],
    "renames": ["journal written", "old moved aside", "new moved in", "leftovers removed"],
}
AFTER_CRASH = ["open", "add with an old handle", "build"]


def swap_leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()
                  if p.name.startswith(".index.") and not p.name.endswith(".lock"))


@pytest.mark.parametrize("method", list(SWAP_STEPS))
def test_rebuild_killed_mid_swap_leaves_a_whole_index(tmp_path: Path, method: str) -> None:
    path = tmp_path / "index"
    old = {f"o{n}" for n in range(20)}
    new = {f"n{n}" for n in range(25)}
    Index.create(path).add_many(make_articles(20, prefix="o"))
    for i, step in enumerate(SWAP_STEPS[method]):
        for repeat in range(SCALE.swap_kill_repeats):
            handle = Index.open(path)
            child = subprocess.run(
                [sys.executable, "-c", SWAP_KILLER, str(ROOT / "tests"), str(path), step,
                 method], capture_output=True, text=True, env=child_env(), timeout=300)
            assert child.returncode == -signal.SIGKILL, f"not killed at {step}: {child.stderr}"
            action = AFTER_CRASH[(i + repeat) % len(AFTER_CRASH)]
            if action == "build":
                with Index.building(path, overwrite=True) as rebuilt:
                    rebuilt.add_many(make_articles(20, prefix="o"))
                expected = [old]
            elif action == "open":
                expected = [old, new]
            else:
                handle.add_many(make_articles(1, start=900, prefix="z"))
                expected = [old | {"z900"}, new | {"z900"}]
            ids = stored_ids(Index.open(path))
            assert ids in expected, f"killed at {step!r}, then {action}: {sorted(ids)[:5]}"
            assert swap_leftovers(tmp_path) == [], f"killed at {step!r}, then {action}"
            if ids != old:  # back to the old index for the next kill
                with Index.building(path, overwrite=True) as rebuilt:
                    rebuilt.add_many(make_articles(20, prefix="o"))
            add("swap_kills_survived")
