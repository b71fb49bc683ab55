"""Fuzzing the analysis: any text, however hostile or large, gives storable index terms.

An index term must be a non-empty string that encodes to UTF-8 (Whoosh writes terms as
UTF-8: a lone surrogate in a term would crash a commit), the indexing path and the
highlighting path must see the same words (or snippets mark the wrong word), and no
input may hang the analyzer.
"""

from __future__ import annotations

from hypothesis import given

from kzsearch import ANALYZER, analyze

from ._support import SCALE, count_example, fuzz_settings, time_guard
from .strategies import TEXT, megabyte_text


def check_terms(text: str) -> list[str]:
    terms = analyze(text)
    assert isinstance(terms, list)
    for term in terms:
        assert isinstance(term, str) and term, f"empty or non-text term in {terms!r}"
        term.encode("utf-8")  # raises on a lone surrogate
    return terms


@given(TEXT)
@fuzz_settings()
def test_any_text_gives_storable_terms(text: str) -> None:
    count_example("analysis")
    with time_guard("analysis", SCALE.seconds_per_input):
        terms = check_terms(text)
        assert analyze(text) == terms, "the same text analysed twice gave other terms"


@given(TEXT)
@fuzz_settings()
def test_indexing_and_highlighting_paths_see_the_same_words(text: str) -> None:
    count_example("analysis offsets")
    with time_guard("analysis offsets", SCALE.seconds_per_input):
        plain = [t.text for t in ANALYZER(text, positions=True)]
        tokens = [(t.text, t.pos, t.startchar, t.endchar)
                  for t in ANALYZER(text, positions=True, chars=True)]
    assert plain == [t[0] for t in tokens]
    positions = [t[1] for t in tokens]
    assert positions == sorted(positions)
    for word, _, start, end in tokens:
        assert 0 <= start <= end <= len(text), (word, start, end, len(text))


@given(megabyte_text())
@fuzz_settings(SCALE.big_examples)
def test_a_megabyte_of_text_is_analysed_in_bounded_time(text: str) -> None:
    count_example("analysis 1 MB")
    with time_guard("analysis 1 MB", SCALE.seconds_per_big_input):
        check_terms(text)
