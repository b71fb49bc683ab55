"""Editors' synonyms (issue 17): set from a list, stored in the index folder as plain JSON,
found in any inflected form, one-word and multi-word entries both ways."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from kzsearch import (
    Article,
    Index,
    IndexDamagedError,
    UntrustedIndexError,
    read_articles,
    sample_corpus_path,
)
from kzsearch.cli import main
from kzsearch.synonyms import MAX_FILE_BYTES, SYNONYMS_FILE, SynonymFileError, read_list

UN = "Қазақстан БҰҰ-ға ядролық қарусыздану жөнінде жаңа бастамалар ұсынды"  # "БҰҰ Бас"
VISA_RU = "Вступило в силу соглашение о безвизовом режиме между Казахстаном и Китаем"
REFERENDUM_RU = "Большинство участников референдума поддержали строительство АЭС"
KAIRAT_RU = "«Кайрат» обыграл «Тобол» в матче Премьер-лиги"
INVESTORS = "АҚШ-тың ірі компаниялары Қазақстанға инвестиция салуға ниетті"
# Written for these tests, beside the sample: the United Nations spelt out, the
# abbreviation alone, and the same words apart, in no sequence.
SPELLED_OUT = "Біріккен Ұлттар Ұйымының Бас хатшысы Алматыға келеді"
ABBREVIATED = "БҰҰ Қауіпсіздік Кеңесі кезекті отырыс өткізді"
APART = "Ұлттар достығы күні тойланды"
EXTRA = [
    Article("syn-spelled", SPELLED_OUT,
            "Біріккен Ұлттар Ұйымының Бас хатшысы келесі аптада Алматыдағы өңірлік"
            " орталықты аралайды.", rubric="Әлем"),
    Article("syn-abbreviated", ABBREVIATED,
            "БҰҰ Қауіпсіздік Кеңесінің отырысы Нью-Йоркте өтті.", rubric="Әлем"),
    Article("syn-apart", APART,
            "Әр түрлі ұлттар өкілдері біріккен концертке қатысты, ұйымдастырушылар риза.",
            rubric="Қоғам"),
]
COUNTRY = ["Казахстан", "Қазақстан"]
UNITED_NATIONS = ["Біріккен Ұлттар Ұйымы", "БҰҰ"]


def titles(results) -> list[str]:
    return [hit.title for hit in results.hits]


def build(path: Path) -> Index:
    index = Index.create(path)
    index.add_many([*read_articles(sample_corpus_path()), *EXTRA])
    return index


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synonyms") / "index"
    build(path).close()
    return path


@pytest.fixture
def index(built: Path):
    """The module's index with no synonyms at the start of each test and the end."""
    with Index.open(built) as opened:
        opened.set_synonyms([])
        yield opened
        opened.set_synonyms([])


def test_a_synonym_is_found_in_an_inflected_form(index: Index) -> None:
    russian = {VISA_RU, REFERENDUM_RU, KAIRAT_RU}  # Казахстаном, Казахстане, Казахстана
    before = titles(index.search("Казахстане", per_page=60))
    assert russian <= set(before) and UN not in before and INVESTORS not in before
    assert VISA_RU not in titles(index.search("Қазақстанның", per_page=60))

    index.set_synonyms([COUNTRY])
    after = titles(index.search("Казахстане", per_page=60))  # Russian locative
    assert set(before) < set(after)
    assert {UN, INVESTORS} <= set(after)  # Қазақстан, Қазақстанның; Қазақстанға
    back = titles(index.search("Қазақстанның", per_page=60))  # Kazakh genitive
    assert russian <= set(back)
    hit = next(h for h in index.search("Казахстане", per_page=60).hits if h.title == UN)
    assert "[Қазақстан]" in hit.snippet.marked()  # the synonym is marked in the snippet


def test_a_multi_word_entry_finds_the_abbreviation_and_back(index: Index) -> None:
    assert set(titles(index.search("БҰҰ-ның"))) == {UN, ABBREVIATED}
    assert titles(index.search('"Біріккен Ұлттар Ұйымы"')) == [SPELLED_OUT]
    assert ABBREVIATED not in titles(index.search("Біріккен Ұлттар Ұйымы", per_page=60))

    index.set_synonyms([UNITED_NATIONS])
    # the abbreviation finds the name in sequence, in the genitive, not its words apart
    assert set(titles(index.search("БҰҰ-ның"))) == {UN, ABBREVIATED, SPELLED_OUT}
    assert set(titles(index.search('"Біріккен Ұлттар Ұйымдары"'))) == {
        SPELLED_OUT, UN, ABBREVIATED}
    unquoted = index.search("Біріккен Ұлттар Ұйымы")  # three words that read as the entry
    assert ABBREVIATED in titles(unquoted) and APART in titles(unquoted)
    assert unquoted.suggestion is None  # біріккен is in no article: the name is known


def test_not_excludes_the_synonyms_too(index: Index) -> None:
    index.set_synonyms([COUNTRY])
    found = titles(index.search("-Казахстан", per_page=60))
    assert not {UN, INVESTORS, VISA_RU} & set(found)


def test_synonyms_are_stored_as_json_and_seen_by_another_index_after_refresh(
        built: Path, index: Index) -> None:
    other = Index.open(built)
    assert SPELLED_OUT not in titles(other.search("БҰҰ"))
    assert other.refresh() is False

    assert index.set_synonyms([UNITED_NATIONS, ["СВМДА", "АӨСШК", "СВМДА"]]) == 2
    assert other.refresh() is True  # a new synonyms file is a new state, as a commit
    assert SPELLED_OUT in titles(other.search("БҰҰ"))
    other.close()

    stored = built / SYNONYMS_FILE
    assert stat.S_IMODE(stored.stat().st_mode) & 0o022 == 0
    assert json.loads(stored.read_text(encoding="utf-8")) == {
        "format": "kzsearch-synonyms", "version": 1,
        "groups": [UNITED_NATIONS, ["СВМДА", "АӨСШК"]]}  # the repeated entry dropped
    with Index.open(built) as reopened:
        assert reopened.synonyms() == [UNITED_NATIONS, ["СВМДА", "АӨСШК"]]
        assert SPELLED_OUT in titles(reopened.search("БҰҰ-ға"))

    index.set_synonyms([])
    assert not stored.exists()
    assert SPELLED_OUT not in titles(index.search("БҰҰ-ға"))


def test_a_rebuild_keeps_the_synonyms(tmp_path: Path) -> None:
    path = tmp_path / "index"
    build(path).set_synonyms([COUNTRY])
    with Index.building(path, overwrite=True) as rebuilt:  # the file is no foreign file
        rebuilt.add_many(read_articles(sample_corpus_path()))
    with Index.open(path) as index:
        assert index.synonyms() == [COUNTRY]
        assert UN in titles(index.search("Казахстане", per_page=60))
    Index.create(path, overwrite=True).close()
    assert Index.open(path).synonyms() == [COUNTRY]


def test_a_rebuild_drops_a_damaged_synonyms_file(tmp_path: Path) -> None:
    path = tmp_path / "index"
    build(path).close()
    (path / SYNONYMS_FILE).write_bytes(b"{not json")
    with Index.building(path, overwrite=True) as rebuilt:
        rebuilt.add_many(read_articles(sample_corpus_path()))
    assert not (path / SYNONYMS_FILE).exists()
    assert Index.open(path).search("мектеп").total > 0


def test_bad_lines_are_reported_with_file_line_and_reason(tmp_path: Path) -> None:
    listing = tmp_path / "synonyms.txt"
    listing.write_bytes("\n".join([
        "# the country",
        "Қазақстан, Казахстан",
        "",
        "БҰҰ",
        "СВМДА,, АӨСШК",
        "ЕАЭО, Еуразиялық экономикалық одақ, " + "ұзын " * 30,
        "  # an indented comment",
        "мектеп, мектеп",
        "Алматы, Алма\x07ты",
    ]).encode("utf-8") + b"\nastana, \xff\xfe\n")
    with pytest.raises(SynonymFileError) as raised:
        read_list(listing)
    assert [(line, reason.split(" ")[-1]) for _, line, reason in raised.value.problems] == [
        (4, "entries"), (5, "empty"), (6, "characters"), (8, "entries"), (9, "character"),
        (10, "text")]
    assert {source for source, _, _ in raised.value.problems} == {str(listing)}
    assert f"{listing}:5: entry 2 is empty" in str(raised.value)
    good = tmp_path / "good.txt"
    good.write_text("\ufeff# BOM and CRLF\r\nҚазақстан ,  Казахстан\r\nБіріккен   Ұлттар Ұйымы,"
                    "БҰҰ\r\n", encoding="utf-8")
    assert read_list(good) == [COUNTRY[::-1], UNITED_NATIONS]
    with pytest.raises(ValueError, match="group 2: a group must be a list"):
        Index.create(tmp_path / "other").set_synonyms([COUNTRY, "Алматы, Алма-Ата"])


def test_the_command_sets_shows_and_refuses(built: Path, index: Index, tmp_path: Path) -> None:
    listing = tmp_path / "synonyms.txt"
    listing.write_text("Біріккен Ұлттар Ұйымы, БҰҰ\nКазахстан\n", encoding="utf-8")
    runner = CliRunner()
    bad = runner.invoke(main, ["index", "synonyms", str(listing), "--index", str(built)])
    assert bad.exit_code == 2
    assert f"{listing}:2: a group needs at least two different entries" in bad.output
    assert index.synonyms() == []  # nothing stored

    listing.write_text("Біріккен Ұлттар Ұйымы, БҰҰ\nКазахстан, Қазақстан\n", encoding="utf-8")
    good = runner.invoke(main, ["index", "synonyms", str(listing), "--index", str(built)])
    assert good.exit_code == 0 and "2 synonym groups" in good.output
    assert SPELLED_OUT in titles(index.search("БҰҰ"))
    shown = runner.invoke(main, ["index", "synonyms", "--index", str(built)])
    assert shown.output == "Біріккен Ұлттар Ұйымы, БҰҰ\nКазахстан, Қазақстан\n"
    cleared = runner.invoke(main, ["index", "synonyms", "--clear", "--index", str(built)])
    assert cleared.exit_code == 0 and index.synonyms() == []


CRAFTED = {
    "pickle": b"\x80\x04cos\nsystem\n(Vtouch PWNED\ntR.",
    "not the format": json.dumps({"format": "other", "version": 1, "groups": []}).encode(),
    "a later version": json.dumps({"format": "kzsearch-synonyms", "version": 2,
                                   "groups": [COUNTRY]}).encode(),
    "an extra key": json.dumps({"format": "kzsearch-synonyms", "version": 1,
                                "groups": [COUNTRY], "code": "x"}).encode(),
    "a repeated key": b'{"format": "kzsearch-synonyms", "version": 1, "groups": [],'
                      b' "groups": [["a", "b"]]}',
    "a number entry": json.dumps({"format": "kzsearch-synonyms", "version": 1,
                                  "groups": [["a", 1]]}).encode(),
    "deep nesting": b'{"format": "kzsearch-synonyms", "version": 1, "groups": '
                    + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "too large": b" " * (MAX_FILE_BYTES + 1),
}


@pytest.mark.parametrize("kind", sorted(CRAFTED))
def test_a_crafted_synonyms_file_is_refused(kind: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "index"
    build(path).close()
    monkeypatch.chdir(tmp_path)
    (path / SYNONYMS_FILE).write_bytes(CRAFTED[kind])
    with Index.open(path) as index, pytest.raises(IndexDamagedError, match=SYNONYMS_FILE):
        index.search("мектеп")
    assert not (tmp_path / "PWNED").exists()
    (path / SYNONYMS_FILE).unlink()
    assert Index.open(path).search("мектеп").total > 0


def test_a_synonyms_file_others_could_write_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "index"
    build(path).set_synonyms([COUNTRY])
    stored = path / SYNONYMS_FILE
    os.chmod(stored, 0o666)
    with pytest.raises(UntrustedIndexError):
        Index.open(path)
    os.chmod(stored, 0o644)
    elsewhere = tmp_path / "elsewhere.json"
    stored.rename(elsewhere)
    stored.symlink_to(elsewhere)
    with pytest.raises(UntrustedIndexError):
        Index.open(path).search("мектеп")
    stored.unlink()
    os.mkfifo(stored, 0o644)  # never blocks a reader: refused before any read
    with pytest.raises(UntrustedIndexError):
        Index.open(path).synonyms()


def test_an_explanation_names_the_synonym_and_adds_up(index: Index) -> None:
    index.set_synonyms([COUNTRY])
    hits = index.search("Казахстане", per_page=60, explain=True).hits
    hit = next(h for h in hits if h.title == UN)  # found only through Қазақстан
    assert hit.explanation is not None
    assert hit.explanation.score == pytest.approx(hit.score, abs=1e-4)
    assert "synonym" in hit.explanation.describe()
