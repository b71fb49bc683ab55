"""Shared fixtures: the shared gold data (skipped when absent), the sample articles and a
small sample index."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("KZSEARCH_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; tests that need it skip for users who don't have it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (set KZSEARCH_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def articles() -> list:
    """The bundled sample corpus's articles, read once per test session (not to be changed)."""
    from kzsearch import read_articles, sample_corpus_path

    return list(read_articles(sample_corpus_path()))


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory):
    """The bundled sample corpus indexed once per test session (read-only for tests)."""
    from kzsearch import Index, read_articles, sample_corpus_path

    index = Index.create(tmp_path_factory.mktemp("sample") / "index")
    index.add_many(read_articles(sample_corpus_path()))
    return index
