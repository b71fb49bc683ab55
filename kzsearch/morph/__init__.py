"""Morphology stage: one term per word whatever its inflection.

- ``kazakh``: the Kazakh stemmer (``stem``, ``stem_folded`` for keyboard-folded words)
  and its noun unit: suffix chains built from per-slot tables, ambiguous strips
  checked against the attested-stem lexicon in ``kzsearch/data/kazakh_stems.txt``.
- ``kazakh_verbs``: verb suffix chains (voice, negation, tense, mood, person,
  participles, verbal nouns) and the verb unit over ``kazakh_verb_stems.txt``.
- ``kazakh_analyzer``: chooses between the irregular, noun and verb readings.
- ``kazakh_stopwords``: ``STOPWORDS``, Kazakh function words.
- ``russian``: Russian lemmas through pymorphy3, loaded on first use.

Nothing heavy is imported here; each module loads its data on first use.
"""
