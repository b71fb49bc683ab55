"""Latin-script Kazakh at index time: how often the per-sentence rule is right (issue 16).

    python benchmarks/latin_detection.py

Kazakh side: every KazNERD test sentence (real Kazakh news-style text) written in the
2021 Latin alphabet (``to_latin``) and as typed in chats (``informal_latin`` of
``relevance.py``: digraphs, no diacritics). The share taken as Kazakh is the recall.

English side: the sentences of the English descriptions of the Python packages installed
here (real English prose, technical; how many depends on the machine and is printed),
plus captions, names and URLs of the kind Kazakh news carries (below). The share taken as
Kazakh is the false-positive rate: those sentences would be transliterated into junk.

Then, for the Kazakh sentences taken, the share of words whose index term is the term of
the original Cyrillic word (the words a Cyrillic query finds exactly), reading each
2021 sentence word by word (as a query's Latin words are read) or in the 2021 alphabet
throughout (what the index does when the sentence shows 2021 letters).
"""

from __future__ import annotations

import os
import re
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
DATA = Path(os.environ.get("KZSEARCH_SHARED_DATA", ROOT.parent / "shared" / "data"))

NEWS_ENGLISH = """\
The President of Kazakhstan Kassym-Jomart Tokayev met with the US Secretary of State in Astana.
COVID-19 vaccination rates rose sharply in March.
Photo: Reuters
Source: egemen.kz
Karachaganak Petroleum Operating
Uralsk Green Forum
Nauryz Fashion Week
The New York Times
Apple unveiled the new iPhone 15 Pro Max on Tuesday.
World Health Organization
Elon Musk said Tesla would open a factory in Germany.
Read more at https://www.gov.kz/memleket/entities/edu
The European Bank for Reconstruction and Development approved a loan of 200 million dollars.
Follow us on Facebook, Instagram and Telegram.
Tengizchevroil is a joint venture of Chevron, ExxonMobil, KazMunayGas and Lukarco.
Astana International Financial Centre
All rights reserved.
Donald Trump and Joe Biden held a debate in Atlanta.
The match ended in a draw after extra time.
Kazakhstan's GDP grew by 4.8 percent in 2023, according to the World Bank.
Samsung Galaxy S24 Ultra
Air Astana flight KC 921 landed safely in Almaty.
Made in Kazakhstan
Breaking news
Copyright 2024 Egemen Qazaqstan
"""

SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+")
MARKUP_RE = re.compile(r"[<>{}=\[\]|`#*_/\\]")
WORD_RE = re.compile(r"[A-Za-z]+")


def kaznerd_sentences() -> list[str]:
    sentences, words = [], []
    with open(DATA / "text" / "kaznerd" / "IOB2_test.txt", encoding="utf-8") as handle:
        for line in handle:
            token = line.split(" ")[0].strip()
            if token:
                words.append(token)
            elif words:
                sentences.append(" ".join(words))
                words = []
    return sentences + ([" ".join(words)] if words else [])


def english_sentences() -> list[str]:
    """Prose sentences (5-40 words, no markup) of installed packages' descriptions."""
    found: dict[str, None] = {}
    for dist in metadata.distributions():
        text = dist.metadata.get_payload() or dist.metadata.get("Description") or ""  # type: ignore[attr-defined]
        text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
        for sentence in SENTENCE_SPLIT_RE.split(re.sub(r"\s+", " ", text)):
            if 5 <= len(WORD_RE.findall(sentence)) <= 40 and not MARKUP_RE.search(sentence):
                found[sentence.strip()] = None
    return list(found)


def main() -> None:
    from relevance import informal_latin

    from kzsearch.analysis import guess_latin_kazakh, index_terms
    from kzsearch.text.translit import to_latin

    kazakh = kaznerd_sentences()
    package_english = english_sentences()
    news_english = NEWS_ENGLISH.splitlines()
    sides = {
        "Kazakh, 2021 Latin": [to_latin(s) for s in kazakh],
        "Kazakh, chat Latin": [informal_latin(s) for s in kazakh],
        "English, package descriptions": package_english,
        "English, news captions and names": news_english,
    }
    print("| sentences | count | taken as Kazakh |")
    print("|---|---:|---:|")
    for name, sentences in sides.items():
        taken = sum(guess_latin_kazakh(s) is not None for s in sentences)
        print(f"| {name} | {len(sentences):,} | {taken / len(sentences):.2%} |")
    wrong = [s for s in package_english + news_english if guess_latin_kazakh(s) is not None]
    print("\nEnglish taken as Kazakh:", *wrong[:10], sep="\n  ")

    from kzsearch.text import lang

    chosen = lang.LATIN_KAZAKH_SHARE
    english = package_english + news_english
    print("\n| known-word share | 2021 Latin taken | chat Latin taken | English taken |")
    print("|---|---:|---:|---:|")
    for share in (0.25, 0.3, 0.35, 0.4, 0.5):
        lang.LATIN_KAZAKH_SHARE = share
        rates = [sum(guess_latin_kazakh(s) is not None for s in sentences) / len(sentences)
                 for sentences in (sides["Kazakh, 2021 Latin"], sides["Kazakh, chat Latin"],
                                   english)]
        mark = " (chosen)" if share == chosen else ""
        print(f"| {share}{mark} | " + " | ".join(f"{r:.2%}" for r in rates) + " |")
    lang.LATIN_KAZAKH_SHARE = chosen

    print("\n| 2021 Latin read | words with the Cyrillic term |")
    print("|---|---:|")
    for label, scheme in (("word by word", "auto"), ("as the index reads it", None)):
        same = total = 0
        for original, latin in zip(kazakh, sides["Kazakh, 2021 Latin"], strict=True):
            expected = index_terms(original)
            got = index_terms(latin) if scheme is None else _word_by_word(latin)
            if len(expected) == len(got):
                total += len(expected)
                same += sum(a == b for a, b in zip(expected, got, strict=True))
        print(f"| {label} | {same / total:.1%} of {total:,} |")


def _word_by_word(text: str) -> list[str]:
    from kzsearch.analysis import index_term
    from kzsearch.text.tokens import tokenize
    from kzsearch.text.translit import is_latin_word, to_cyrillic

    return [index_term(to_cyrillic(t.text).lower() if is_latin_word(t.text) else t.text, "kk")
            for t in tokenize(text)]


if __name__ == "__main__":
    main()
