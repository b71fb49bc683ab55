"""Index stage: upsert, delete, versions, locks, parallel builds, crashes, concurrent readers."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kzsearch import (
    Article,
    Index,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    UntrustedIndexError,
)
from kzsearch.index import META_FILE

ROOT = Path(__file__).resolve().parents[1]
TOPICS = [
    ("Мемлекеттік бюджет", "Үкімет мемлекеттің бюджетін мақұлдады, министрлер талқылады."),
    ("Футбол жаңалықтары", "Қазақстан құрамасы футболдан жеңіске жетті, жанкүйерлер қуанды."),
    ("Мектептер салынады", "Елімізде жаңа мектептер ашылып, балалар білім алады."),
    ("Көлдің деңгейі", "Балқаш көлінің суы азайып барады, ғалымдар алаңдаулы."),
]


def make_articles(count: int, start: int = 0, tag: str = "") -> list[Article]:
    """Distinct small Kazakh articles with ids ``a<start>`` … and varied rubrics and dates."""
    articles = []
    for n in range(start, start + count):
        title, body = TOPICS[n % len(TOPICS)]
        articles.append(
            Article(
                id=f"a{n}",
                title=f"{title} {n} {tag}".strip(),
                body=f"{body} Бұл {n}-хабар. {tag}",
                rubric=["Экономика", "Спорт", "Білім", "Қоғам"][n % 4],
                published=dt.date(2015 + n % 10, 1 + n % 12, 1 + n % 28),
                views=n * 10,
                lang="kk",
            )
        )
    return articles


@pytest.fixture()
def index(tmp_path: Path) -> Index:
    return Index.create(tmp_path / "ix")


def test_create_refuses_to_overwrite_without_asking(tmp_path: Path) -> None:
    Index.create(tmp_path / "ix").add_many(make_articles(3))
    with pytest.raises(FileExistsError):
        Index.create(tmp_path / "ix")
    assert len(Index.create(tmp_path / "ix", overwrite=True)) == 0


def test_overwrite_never_removes_a_folder_that_is_not_an_index(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "cat.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(FileExistsError):
        Index.create(folder, overwrite=True)
    assert (folder / "cat.jpg").exists()


def test_open_missing_index_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="kzsearch index build"):
        Index.open(tmp_path / "nothing")


def test_add_many_upserts_by_id_and_later_record_wins(index: Index) -> None:
    report = index.add_many(make_articles(10))
    assert (report.read, report.accepted, report.updated, len(index)) == (10, 10, 0, 10)

    changed = make_articles(3, start=8, tag="жаңартылды")  # a8, a9 exist; a10 is new
    report = index.add_many([*changed, make_articles(1, start=9, tag="соңғы")[0]])
    assert report.duplicates == 1  # a9 twice in one batch
    assert report.updated == 2
    assert len(index) == 11
    titles = {hit.id: hit.title for hit in index.search("хабар", per_page=50).hits}
    assert titles["a9"].endswith("соңғы")
    assert titles["a8"].endswith("жаңартылды")


def test_delete_returns_how_many_were_there(index: Index) -> None:
    index.add_many(make_articles(5))
    assert index.delete(["a1", "a3", "missing"]) == 2
    assert len(index) == 3
    assert {h.id for h in index.search("хабар", per_page=10).hits} == {"a0", "a2", "a4"}


def test_stats_report_rubrics_dates_and_versions(index: Index) -> None:
    index.add_many(make_articles(8))
    stats = index.stats()
    assert stats.documents == 8
    assert stats.rubrics == {"Білім": 2, "Спорт": 2, "Экономика": 2, "Қоғам": 2}
    assert stats.first_date == dt.date(2015, 1, 1)
    assert stats.last_date == dt.date(2022, 8, 8)
    assert stats.size_bytes > 0


def test_index_built_by_another_analysis_version_is_refused(index: Index) -> None:
    index.add_many(make_articles(2))
    meta_path = index.path / META_FILE
    meta = json.loads(meta_path.read_text())
    meta["analysis_version"] = "0-old"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(IndexVersionError, match="Rebuild"):
        Index.open(index.path)


def test_second_writer_gets_a_clear_lock_error(index: Index) -> None:
    writer = index.whoosh_index.writer()
    try:
        with pytest.raises(IndexLockedError, match="locked"):
            index.add_many(make_articles(1))
        with pytest.raises(IndexLockedError):
            index.delete(["a0"])
    finally:
        writer.cancel()
    index.add_many(make_articles(1))  # the lock is gone with the first writer
    assert len(index) == 1


@pytest.mark.parametrize("mode", [0o777, 0o775])
def test_index_writable_by_others_is_not_opened(index: Index, mode: int) -> None:
    index.add_many(make_articles(1))
    os.chmod(index.path, mode)
    try:
        with pytest.raises(UntrustedIndexError, match="unpickled"):
            Index.open(index.path)
    finally:
        os.chmod(index.path, 0o755)
    assert len(Index.open(index.path)) == 1


def test_parallel_build_loses_no_documents_over_repeated_builds(tmp_path: Path) -> None:
    """Whoosh 2.7.4 drops documents with procs>1 and multisegment=False (upstream issue 35)."""
    articles = make_articles(1200)
    for attempt in range(3):
        index = Index.create(tmp_path / f"ix{attempt}")
        index.add_many(articles, procs=2)
        assert len(index) == 1200
        index.add_many(make_articles(300, start=1100, tag="екінші"), procs=2)  # 100 updates
        assert len(index) == 1400
        assert index.search("екінші", per_page=1).total == 300


def test_optimize_keeps_every_document(index: Index) -> None:
    for start in range(0, 30, 10):
        index.add_many(make_articles(10, start=start))
    index.optimize()
    assert len(index) == 30
    assert index.stats().segments == 1


BUILD_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from kzsearch import Article, Index

    articles = (
        Article(id=f"k{{n}}", title=f"Жаңалық {{n}}", body="Мемлекеттік бюджет " * 50)
        for n in range(100_000)
    )

    def tell(done):
        if done == 1000:
            print("writing", flush=True)

    Index.open({path!r}).add_many(articles, progress=tell)
    """
)


def test_build_killed_mid_way_leaves_the_committed_index_intact(index: Index) -> None:
    index.add_many(make_articles(50))
    script = BUILD_SCRIPT.format(root=str(ROOT), path=str(index.path))
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "writing"
    child.send_signal(signal.SIGKILL)
    child.wait()

    survivor = Index.open(index.path)
    assert len(survivor) == 50
    assert survivor.search("бюджет", per_page=100).total == 13  # a0, a4, … a48
    survivor.add_many(make_articles(10, start=50))  # the lock died with the process
    assert len(survivor) == 60


def _search_forever(path: str, stop: multiprocessing.Event, out: multiprocessing.Queue) -> None:
    sys.path.insert(0, str(ROOT))
    from kzsearch import Index

    errors, counts = 0, []
    while not stop.is_set():
        try:
            index = Index.open(path)
            counts.append(len(index))
            index.search("хабар мемлекет", per_page=5)
        except Exception as exc:  # counted and reported, the test asserts zero
            errors += 1
            out.put(repr(exc))
    out.put((errors, counts))


def test_readers_keep_working_while_a_writer_commits(index: Index) -> None:
    index.add_many(make_articles(20))
    context = multiprocessing.get_context("fork")
    stop, out = context.Event(), context.Queue()
    readers = [
        context.Process(target=_search_forever, args=(str(index.path), stop, out))
        for _ in range(2)
    ]
    for reader in readers:
        reader.start()
    for batch in range(8):
        index.add_many(make_articles(20, start=20 + 20 * batch))
        time.sleep(0.05)
    stop.set()
    results = [out.get(timeout=30) for _ in readers]
    for reader in readers:
        reader.join(timeout=30)
    for result in results:
        assert not isinstance(result, str), result
        errors, counts = result
        assert errors == 0
        assert counts, "the reader never searched"
        assert counts == sorted(counts), "a reader saw the document count go backwards"
    assert len(index) == 180


def test_add_many_returns_the_readers_report_with_its_rejections(tmp_path: Path) -> None:
    from kzsearch import read_articles

    source = tmp_path / "news.jsonl"
    good = {"id": "x1", "title": "Мемлекеттік бюджет", "body": "Үкімет бюджетті мақұлдады."}
    source.write_text(json.dumps(good, ensure_ascii=False) + "\n{broken\n", encoding="utf-8")
    report = Index.create(tmp_path / "ix").add_many(read_articles(source))
    assert (report.read, report.accepted, report.rejected_total) == (2, 1, 1)
    assert report.rejected == {"broken_json": 1}
    assert report.files == 1


def test_a_build_removes_staging_folders_of_killed_builds(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    abandoned = tmp_path / f".news.{dead}.x1y2z3w4.new"  # a build that was killed
    trash = tmp_path / f".news.{dead}.q9r8s7t6.old"  # a swap killed before its journal
    running = tmp_path / f".news.{os.getpid()}.z3z3z3z3.new"  # a build still going on
    other = tmp_path / f".news.5.{dead}.abcdefgh.new"  # a killed build of index "news.5"
    for folder in (abandoned, trash, running, other):
        folder.mkdir()
        (folder / "kzsearch.json").write_text("{}")
    stale_lock = tmp_path / f"{abandoned.name}.lock"
    stale_lock.write_text("")
    with Index.building(tmp_path / "news") as index:
        index.add_many(make_articles(3))
    assert not abandoned.exists() and not trash.exists() and not stale_lock.exists()
    assert running.exists()
    assert other.exists(), "the leftovers of another index are its own next build's to remove"
    assert len(Index.open(tmp_path / "news")) == 3


def test_a_write_to_an_index_removed_meanwhile_says_it_is_gone(index: Index) -> None:
    index.add_many(make_articles(2))
    import shutil

    shutil.rmtree(index.path)
    with pytest.raises(IndexNotFoundError, match="build it again"):
        index.add_many(make_articles(1, start=5))
    with pytest.raises(IndexNotFoundError):
        index.delete(["a0"])


def test_one_thread_holding_the_lock_makes_another_index_object_wait(index: Index) -> None:
    from kzsearch.locking import writer_lock

    other = Index.open(index.path)
    with writer_lock(index.path, 0.0), pytest.raises(IndexLockedError, match="--wait"):
        other.add_many(make_articles(1), lock_timeout=0.3)
    other.add_many(make_articles(1))
    assert len(index) == 1


def test_a_forged_swap_journal_moves_and_removes_nothing(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "thesis.txt").write_text("маңызды", encoding="utf-8")
    Index.create(tmp_path / "news").add_many(make_articles(2))
    ident = [victim.stat().st_dev, victim.stat().st_ino]
    journal = tmp_path / ".news.swap"
    journal.write_text(json.dumps({"staging": "victim", "trash": "../" + tmp_path.name + "/victim",
                                   "new": ident, "old": ident}))
    assert len(Index.open(tmp_path / "news")) == 2
    assert (victim / "thesis.txt").read_text(encoding="utf-8") == "маңызды"
    assert not journal.exists()
