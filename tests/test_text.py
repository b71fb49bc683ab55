"""Text stage: normalisation, tokens and language on real Kazakh and Russian text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzsearch.text.fold import fold
from kzsearch.text.lang import detect_language, sentence_language
from kzsearch.text.normalize import normalize_text, normalize_word, scrub_surrogates
from kzsearch.text.tokens import tokenize


def words(text: str) -> list[str]:
    return [token.text for token in tokenize(text)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Қaзaқстан", "қазақстан"),  # Latin a inside a Cyrillic word
        ("бiлiм", "білім"),  # Latin i for і
        ("мемле\u00adкет", "мемлекет"),  # soft hyphen
        ("мемле\u200bкет", "мемлекет"),  # zero-width space
        ("Ёлка", "елка"),
        ("ҚАЗАҚСТАН", "қазақстан"),
        ("\u0438\u0306", "й"),  # decomposed й → NFC
        ("Egemen.kz", "egemen.kz"),
        ("ХІХ", "xix"),  # a century in Cyrillic look-alikes: the Latin numeral
        ("XІX", "xix"),  # mixed scripts
        ("ХVІІ", "xvii"),
        ("ХХІ", "xxi"),
        ("СМ", "см"),  # no I, V or X: an abbreviation, not a numeral
        ("ІІМ", "іім"),  # not a valid numeral
        ("Х", "х"),  # one letter alone stays a letter
    ],
)
def test_normalize_word(raw: str, expected: str) -> None:
    assert normalize_word(raw) == expected


def test_normalize_text_unifies_quotes_dashes_and_spaces() -> None:
    text = "«Нұр Отан» партиясы \u2014 2020\u00a0жылы \u201cжаңа\u201d"
    assert normalize_text(text) == '"Нұр Отан" партиясы - 2020 жылы "жаңа"'


def test_lone_surrogates_are_replaced() -> None:
    assert scrub_surrogates("a\ud800b") == "a\ufffdb"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("АӨСШК-тің", ["аөсшк"]),
        ("АӨСШК-тегі төрағалық", ["аөсшк", "төрағалық"]),
        ("2020-да", ["2020"]),
        ("1992-ші", ["1992"]),
        ("ҚР-ның", ["қр"]),
        ("БҰҰ-ға", ["бұұ"]),
        ("15%-ға", ["15"]),
        ("Нұр-Сұлтан", ["нұр-сұлтан", "нұр", "сұлтан"]),
        ("іс-қимыл", ["іс-қимыл", "іс", "қимыл"]),
        ("Қасым-Жомарт", ["қасым-жомарт", "қасым", "жомарт"]),
        ("деп хабарлайды Egemen.kz.", ["деп", "хабарлайды", "egemen.kz"]),
        ("2019-2021 жылдары", ["2019-2021", "2019", "2021", "жылдары"]),
        ("5-сынып", ["5-сынып", "5", "сынып"]),
        ("М.Тілеуберді", ["м", "тілеуберді"]),
    ],
)
def test_tokens(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_token_offsets_point_into_the_original_text() -> None:
    text = "Қазақстан Республикасының\u00a0ҚР-ның мемле\u00adкеттері"
    spans = [text[t.start : t.end] for t in tokenize(text)]
    assert spans == ["Қазақстан", "Республикасының", "ҚР", "мемле\u00adкеттері"]


def test_language_is_decided_per_sentence() -> None:
    text = (
        "Президент подписал указ о мерах поддержки. "
        "Мемлекет басшысы жарлыққа қол қойды. Бала мектепке барды."
    )
    langs = [(t.text, t.lang) for t in tokenize(text)]
    assert ("подписал", "ru") in langs
    assert ("мемлекет", "kk") in langs
    # A Kazakh sentence without Kazakh letters follows the text's language, not Russian.
    assert ("бала", "kk") in langs


@pytest.mark.parametrize(
    ("sentence", "lang"),
    [
        ("Мемлекет басшысы жарлыққа қол қойды", "kk"),
        ("Правительство утвердило бюджет на три года", "ru"),  # "на" decides
        ("Правительство утвердило бюджет", "kk"),  # no letter, no marker: the default
        ("Это решение принято на заседании", "ru"),
        ("Бала мен ана", "kk"),
    ],
)
def test_sentence_language(sentence: str, lang: str) -> None:
    assert sentence_language(sentence) == lang


def test_detect_language_of_whole_texts() -> None:
    assert detect_language("Қазақстан Республикасы Сыртқы істер министрі") == "kk"
    assert detect_language("Президент Казахстана провёл встречу с министрами") == "ru"
    assert detect_language("Only English here") is None


def test_fold_maps_kazakh_letters_to_russian_keyboard() -> None:
    assert fold("мемлекеттердің") == "мемлекеттердин"
    assert fold("көл") == fold("қол") == "кол"


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂", "\ud800", "a" * 1_000_000, "-" * 1000])
def test_tokenize_never_raises(text: str) -> None:
    assert isinstance(words(text), list)


_PIECES = ["Мемлекет", "басшысы", "ҚР-ның", "2020-2022", "3,5", "15%-ға", "Egemen.kz",
           "www.gov.kz", "Нұр-Сұлтан", "Memleket", "basşysy", "Министры", "провели", "x",
           ".", "!", "?", "…", "...", " ", "  ", "\n", "\t", "\u2009", "\u00a0", "\u200b",
           "-", "'", "’", "«", "»", "(", ")", ",", "5.", ".kz", "1"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join) | st.text(max_size=200))
def test_joined_runs_of_sentences_give_the_sentences_tokens(text: str) -> None:
    """The analyzer reads a run of same-language sentences at once (``language_runs``):
    no token may cross a sentence end, so the tokens must be those found sentence by
    sentence."""
    from kzsearch.analysis import guess_latin_kazakh, guess_russian
    from kzsearch.text.tokens import TOKEN_RE, language_runs, sentence_spans

    spans = sentence_spans(text, guess_russian, guess_latin_kazakh)
    by_sentence = [(m.span(), lang) for s, e, lang in spans for m in TOKEN_RE.finditer(text, s, e)]
    runs = language_runs(text, guess_russian, guess_latin_kazakh)
    by_run = [(m.span(), lang) for s, e, lang in runs for m in TOKEN_RE.finditer(text, s, e)]
    assert by_run == by_sentence
