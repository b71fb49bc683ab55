"""Completion (``Index.complete``) on the bundled sample corpus.

Expected words and their order are written out from the articles: the number of articles
whose title or body writes each word (any case), and the form written most often, e.g.
``мемлекеттік`` in 9 articles, ``мемлекет`` in 6 (written ``мемлекет`` 4 times and
``Мемлекет`` twice), ``мемлекеттер`` in 2, then five words in one article each, in
code-point order; ``Қазақстан`` in 15 articles (always capitalised), ``Қазақстанның`` in 5,
``қазақстандық`` in 4 (3 times lowercase, once capitalised), ``қазақ`` in 3.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kzsearch import Index, UntrustedIndexError, WordFilesMissingError
from kzsearch.articles import Article
from kzsearch.cli import main
from kzsearch.search import completion, sidecars

MEML = ["мемлекеттік", "мемлекет", "мемлекеттер", "мемлекеттердің", "мемлекеттерінің",
        "мемлекеттің", "Мемлекетіміз", "Мемлекетіміздің"]
QAZAQS = ["Қазақстан", "Қазақстанның", "қазақстандық"]
# The 2019 budget article: the only one to write "құбылмалылығы".
BUDGET_2019 = "e3eea83d897ab3e4"
PREFIXES = ["мемл", "қазақ", "казакс", "qazaq", "ш", "бюдж", "ал", "жаңа мем", "egem"]


@pytest.fixture()
def path(tmp_path, articles) -> Path:
    """The sample in three commits, closed: several segments (each test opens it)."""
    with Index.create(tmp_path / "index") as index:
        index.add_many(articles[:20])
        index.add_many(articles[20:35])
        index.add_many(articles[35:])
    return tmp_path / "index"


def test_a_cyrillic_prefix_completes_to_whole_words_most_frequent_first(sample_index) -> None:
    assert sample_index.complete("мемл") == MEML


def test_the_form_most_often_written_is_shown(sample_index) -> None:
    assert sample_index.complete("қазақс", limit=3) == QAZAQS
    assert sample_index.complete("ҚАЗАҚС", limit=3) == QAZAQS  # the typed case is not kept


def test_a_prefix_typed_without_kazakh_letters_finds_the_kazakh_words(sample_index) -> None:
    assert sample_index.complete("казакс", limit=3) == QAZAQS
    assert sample_index.complete("мемлекеттик", limit=1) == ["мемлекеттік"]


def test_a_latin_prefix_completes_to_cyrillic_words(sample_index) -> None:
    assert sample_index.complete("qazaq", limit=4) == [*QAZAQS, "қазақ"]
    assert sample_index.complete("Qazaqstannyñ") == ["Қазақстанның"]
    assert sample_index.complete("memlekettik") == ["мемлекеттік"]


def test_a_latin_prefix_ending_halfway_through_a_digraph(sample_index) -> None:
    # "sh" is ш: typed as far as its "s", the ш words are offered with the с words
    assert sample_index.complete("shymk", limit=1) == ["Шымкент"]
    assert "Шымкент" in sample_index.complete("s", limit=100)


def test_a_kazakh_letter_is_matched_literally(sample_index) -> None:
    # The Russian articles write "Казахстана" (3 articles): "каз" offers it with the
    # Kazakh words, "қаз" only words written with қаз
    loosely = sample_index.complete("каз", limit=50)
    assert "Қазақстан" in loosely and "Казахстана" in loosely
    literally = sample_index.complete("қаз", limit=50)
    assert literally and all(word.lower().startswith("қаз") for word in literally)


def test_earlier_words_are_kept_as_typed(sample_index) -> None:
    assert sample_index.complete("жаңа мемл", limit=2) == ["жаңа мемлекеттік", "жаңа мемлекет"]
    assert sample_index.complete("Жаңа  «қазақс", limit=1) == ["Жаңа  «Қазақстан"]
    assert sample_index.complete("jaña qazaqs", limit=1) == ["jaña Қазақстан"]


def test_limit(sample_index) -> None:
    # ш: Шымкент in 5 articles, шақырды in 4, then five words in 3 each (code-point order)
    assert sample_index.complete("ш", limit=3) == ["Шымкент", "шақырды", "шаруашылығы"]
    assert sample_index.complete("мемл", limit=1) == ["мемлекеттік"]
    assert sample_index.complete("мемл", limit=0) == []
    assert len(sample_index.complete("ш", limit=50)) == 50


@pytest.mark.parametrize("prefix", ["", " ", "мемл ", "!!!", "2019", "«»", "x" * 500,
                                    "\x00", "ЖЖЖЖЖЖЖ", "zzzzq", "-"])
def test_an_empty_or_garbage_prefix_gives_nothing(sample_index, prefix) -> None:
    assert sample_index.complete(prefix) == []


def test_compounds_and_latin_words_are_offered_as_written(sample_index) -> None:
    assert sample_index.complete("нұр-с", limit=1) == ["Нұр-Сұлтан"]
    assert sample_index.complete("egem") == ["Egemen.kz"]


def test_several_segments_complete_as_one(path, sample_index) -> None:
    with Index.open(path) as index:
        assert index.stats().segments >= 2
        for prefix in PREFIXES:
            for limit in (1, 3, 10):
                assert index.complete(prefix, limit=limit) == \
                    sample_index.complete(prefix, limit=limit), (prefix, limit)


def test_a_word_added_by_a_later_commit_appears(path) -> None:
    with Index.open(path) as index:
        assert index.complete("зымыр") == []
        assert index.complete("мемл", limit=1) == ["мемлекеттік"]
        index.add_many([Article(id="new-1", title="Зымырантасығыш ұшырылды",
                                body="Байқоңырдан жаңа зымырантасығыш ұшырылды.")])
        assert index.complete("зымыр") == ["Зымырантасығыш"]  # 1 article: once each form;
        # the tie between the two forms goes to the first in code-point order (З < з)
        assert index.complete("мемл", limit=1) == ["мемлекеттік"]
        completions = index._completions
        assert completions.built == 0  # every segment's table read from its sidecar


def test_a_deleted_article_s_only_word_goes_away(path) -> None:
    with Index.open(path) as index:
        assert index.complete("құбылм") == ["құбылмалылығы"]
        # бюджет: 4 articles, бюджеттің 3; the 2019 budget article has both
        assert index.complete("бюдж", limit=2) == ["бюджет", "бюджеттің"]
        assert index.delete([BUDGET_2019]) == 1
        assert index.complete("құбылм") == []
        assert index.complete("бюдж", limit=2) == ["бюджет", "бюджеттің"]
        assert index._completions.subtracted <= 1  # only the deleted article is read
    with Index.open(path) as index:  # a fresh reader sees the same
        assert index.complete("құбылм") == []


def test_a_commit_reuses_the_tables_of_the_segments_it_keeps(path, articles) -> None:
    with Index.open(path) as index:
        index.complete("мемл")
        before = dict(index._completions._segments)
        index.add_many([Article(id="new-2", title="Жаңа мақала", body="Мемлекет туралы.")])
        assert index.complete("мемл", limit=2) == ["мемлекеттік", "мемлекет"]
        after = index._completions._segments
        kept = [key for key in before if key in after]
        assert kept and all(after[key] is before[key] for key in kept)
        assert len(after) > len(kept)  # the new segment's table


def test_every_segment_gets_a_words_file_and_merges_keep_it(path, sample_index) -> None:
    with Index.open(path) as index:
        segids = [segment.segid for segment in index._ix._segments()]
        for segid in segids:
            assert sidecars.sidecar_path(path, segid, sidecars.WORDS).exists()
        index.optimize()
        assert index.stats().segments == 1
        (segid,) = [segment.segid for segment in index._ix._segments()]
        assert sidecars.sidecar_path(path, segid, sidecars.WORDS).exists()
        for prefix in PREFIXES:
            assert index.complete(prefix) == sample_index.complete(prefix), prefix
        assert index._completions.built == 0


def lose_words_files(files: list[Path], how: str) -> None:
    for file in files:
        if how == "deleted":
            file.unlink()
        else:
            raw = file.read_bytes()
            file.write_bytes(raw[:-5] + bytes([raw[-5] ^ 0xFF]) + raw[-4:])


@pytest.mark.parametrize("how", ["deleted", "damaged"])
def test_small_segments_without_a_words_file_are_read_in_memory(path, sample_index,
                                                                how) -> None:
    files = sorted(path.glob("MAIN_*.kzwords"))
    lose_words_files(files, how)
    with Index.open(path) as index:
        for prefix in PREFIXES:
            assert index.complete(prefix) == sample_index.complete(prefix), prefix
        assert index._completions.built == len(files)  # built in memory, not written
        assert sorted(path.glob("MAIN_*.kzwords")) == ([] if how == "deleted" else files)
        before = {segment.segid for segment in index._ix._segments()}
        index.add_many([Article(id="new-3", title="Жаңа мақала", body="Мемлекет туралы.")])
        # a commit writes the files of the segments it writes only (an older segment's
        # would have its articles read in the commit)
        for segment in index._ix._segments():
            if segment.segid in before:
                assert sidecars.read_words(path, segment) is None
            else:
                assert sidecars.read_words(path, segment) is not None


@pytest.mark.parametrize("how", ["deleted", "damaged"])
def test_large_segments_without_a_words_file_raise_until_the_files_are_written(
        path, sample_index, how) -> None:
    files = sorted(path.glob("MAIN_*.kzwords"))
    lose_words_files(files[:1], how)
    with Index.open(path) as index:
        index._completions.build_limit = 5  # the sample's segments hold more articles
        with pytest.raises(WordFilesMissingError, match="kzsearch index words"):
            index.complete("мемл")
        assert index._completions.built == 0  # refused before reading any article
        assert index.missing_word_files()[0] == 1
        assert index.write_word_files() == 1
        assert index.missing_word_files() == (0, 0)
        assert index.write_word_files() == 0
        for prefix in PREFIXES:
            assert index.complete(prefix) == sample_index.complete(prefix), prefix
        assert index._completions.built == 0


def test_the_command_line_names_and_runs_the_fix(path, monkeypatch) -> None:
    files = list(path.glob("MAIN_*.kzwords"))
    for file in files:
        file.unlink()
    monkeypatch.setattr(completion, "BUILD_IN_READER", 5)
    result = CliRunner().invoke(main, ["complete", "--index", str(path), "мемл"])
    assert result.exit_code == 1
    assert "kzsearch index words" in result.output and "--debug" not in result.output
    result = CliRunner().invoke(main, ["index", "words", "--index", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {len(files)} word files (")
    assert len(list(path.glob("MAIN_*.kzwords"))) == len(files)
    result = CliRunner().invoke(main, ["complete", "--index", str(path), "мемл"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == MEML
    result = CliRunner().invoke(main, ["index", "words", "--index", str(path)])
    assert result.output.startswith("every segment of ")


def test_a_group_writable_words_file_is_refused(path) -> None:
    file = next(path.glob("MAIN_*.kzwords"))
    os.chmod(file, 0o664)
    with pytest.raises(UntrustedIndexError, match="kzwords"):
        Index.open(path).complete("мемл")


def test_a_words_file_of_another_segment_is_ignored(path, sample_index) -> None:
    first, second = sorted(path.glob("MAIN_*.kzwords"))[:2]
    shutil.copyfile(first, second)
    with Index.open(path) as index:
        assert index.complete("мемл") == MEML
        assert index._completions.built == 1


def test_the_command_line(path) -> None:
    result = CliRunner().invoke(main, ["complete", "--index", str(path), "--limit", "2",
                                       "жаңа", "мемл"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["жаңа мемлекеттік", "жаңа мемлекет"]
    result = CliRunner().invoke(main, ["complete", "--index", str(path), "--json", "qazaqs"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith('["Қазақстан", "Қазақстанның"')


def test_words_sharing_a_hash_are_counted_by_text_with_the_same_results(path) -> None:
    with Index.open(path) as index:
        expected = {prefix: index.complete(prefix) for prefix in PREFIXES}
        snapshot = index._current_snapshot()
        completer = index._completions.completer(snapshot)
        completer.parts = [dataclasses.replace(part, unique_hashes=False)
                           for part in completer.parts]  # as if a hash were shared
        assert {prefix: completer.complete(prefix) for prefix in PREFIXES} == expected
