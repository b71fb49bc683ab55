"""Stage 1 of kzsearch: text normalisation, tokens, language and script.

Everything here is pure string work with no dependencies, so every later stage
(morphology, analysis, articles, index, search) can build on it.
"""
