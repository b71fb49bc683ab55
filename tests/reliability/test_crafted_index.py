"""Crafted indexes: pickles that run code, placed in every structure Whoosh unpickles.

Each case takes a real small kzsearch index and rewrites one structure: the TOC's
schema (whole, or a field, a format, an analyzer inside it), its segment list, or,
through Whoosh's own writer with one ``dumps`` swapped, the stored fields (the one
pickled column), the posting block headers and data, the positions that
``kzsearch.search.arrays`` decodes, the compound file's directory and the term
table's extras. The payload creates a marker file: through ``os.system``, ``eval``,
``exec``, ``subprocess``, ``open``, ``getattr`` chains, nested pickles, a Whoosh helper,
``copyreg._reconstructor``, ``__setstate__`` injected into an admitted class, and the
protocol 0, 1 and 4 opcodes (INST, OBJ, STACK_GLOBAL). Every case must be refused
with UntrustedIndexError or IndexDamagedError by the entry points that read the
structure (``Index.open``, ``len``, ``stats``, term and phrase search, ``kzsearch stats``
and ``kzsearch search``), and the marker must never appear. The control: the stdlib's
``pickle.loads`` of every live payload does create its marker.

And the other side: every index that kzsearch builds still opens and searches.
"""

from __future__ import annotations

import collections
import functools
import importlib
import io
import os
import pickle
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import whoosh.codec.whoosh3
import whoosh.columns
import whoosh.formats
from click.testing import CliRunner
from whoosh.filedb.structfile import StructFile
from whoosh.util.loading import find_object

from kzsearch import Index
from kzsearch.cli import main
from kzsearch.index import IndexDamagedError, UntrustedIndexError
from kzsearch.safepickle import ForbiddenPickleError

from ._support import MODE, SEED, add, make_articles

REFUSALS = (UntrustedIndexError, IndexDamagedError)
TERM, PHRASE = "бюджет", '"жылдық бюджеті"'


# -- payloads ---------------------------------------------------------------------------------


class Call:
    """Pickles as "call ``func`` with ``args``": a payload nested inside a real structure."""

    def __init__(self, func: Any, *args: Any) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (self.func, self.args)

    def __call__(self, *args: Any) -> None:  # pickle wants a callable as a Call's func
        raise AssertionError("never called here")


def object_payloads(marker: Path) -> dict[str, Any]:
    """Objects whose unpickling creates ``marker``."""
    m = str(marker)
    touch, code = f"touch {m}", f"open({m!r}, 'w').close()"
    return {
        "os.system": Call(os.system, touch),
        "eval": Call(eval, code),
        "exec": Call(exec, code),
        "subprocess.Popen": Call(subprocess.Popen, ["touch", m]),
        "subprocess.check_output": Call(subprocess.check_output, ["touch", m]),
        "open": Call(open, m, "w"),
        "getattr(__import__('os'), 'system')": Call(
            Call(getattr, Call(__import__, "os"), "system"), touch),
        "pickle.loads of a pickle": Call(pickle.loads, pickle.dumps(Call(os.system, touch), 2)),
        "whoosh.util.loading.find_object": Call(Call(find_object, "os.system"), touch),
        "functools.partial": Call(functools.partial(os.system, touch)),
        "defaultdict(os.system)": Call(collections.defaultdict, Call(os.system, touch)),
    }


def _const(value: Any) -> bytes:
    return pickle.dumps(value, 2)[2:-1]  # without PROTO and STOP


def _global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _call(func: bytes, *args: bytes) -> bytes:
    return func + b"(" + b"".join(args) + b"tR"


def raw_payloads(marker: Path) -> dict[str, tuple[bytes, bool]]:
    """Whole pickles that create ``marker``: (bytes, whether the stdlib pickle runs them here)."""
    m = str(marker)
    touch, code = f"touch {m}", f"open({m!r}, 'w').close()"
    raw = {name: (pickle.dumps(obj, 2), True) for name, obj in object_payloads(marker).items()}
    proto2 = b"\x80\x02"
    raw.update({
        "GLOBAL os.system": (proto2 + _call(_global("os", "system"), _const(touch)) + b".", True),
        "GLOBAL nt.system": (proto2 + _call(_global("nt", "system"), _const(touch)) + b".", False),
        "GLOBAL __builtin__.eval": (
            proto2 + _call(_global("__builtin__", "eval"), _const(code)) + b".", True),
        "GLOBAL builtins.exec in a list": (
            proto2 + b"]" + _call(_global("builtins", "exec"), _const(code)) + b"a.", True),
        "STACK_GLOBAL (protocol 4)": (
            b"\x80\x04\x8c\x02os\x8c\x06system\x93" + _const(touch) + b"\x85R.", True),
        "INST (protocol 0)": (b"(S'" + touch.encode() + b"'\nios\nsystem\n.", True),
        "OBJ (protocol 1)": (b"(" + _global("os", "system") + _const(touch) + b"o.", True),
        "whoosh.compat.exec_": (
            proto2 + _call(_global("whoosh.compat", "exec_"), _const(code)) + b".", True),
        "copyreg._reconstructor(Popen)": (proto2 + _call(
            _global("copyreg", "_reconstructor"), _global("subprocess", "Popen"),
            _global("subprocess", "Popen"), _const(["touch", m])) + b".", True),
        "__setstate__ put into an admitted class": (
            proto2 + _global("whoosh.fields", "ID") + b")\x81" + b"}" + _const("__setstate__")
            + _global("os", "system") + b"sb" + _const(touch) + b"b.", True),
        "defaultdict with eval as factory": (proto2 + _call(
            _global("collections", "defaultdict"), _global("builtins", "eval")) + b".", False),
        "persistent id": (proto2 + _const("os.system") + b"Q.", False),
    })
    return raw


def wait_for(marker: Path, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if marker.exists():
            return True
        time.sleep(0.02)
    return False


def test_every_live_payload_runs_with_the_stdlib_unpickler(tmp_path: Path) -> None:
    """The control: without kzsearch's unpickler these pickles do run code."""
    live = 0
    for n, name in enumerate(RAW_NAMES):
        marker = tmp_path / f"control-{n}"
        payload, runs = raw_payloads(marker)[name]
        if not runs:
            continue
        with suppress(Exception):  # the code has run or not; that is the test
            pickle.loads(payload)  # noqa: S301
        assert wait_for(marker), f"{name}: the payload never ran: it could not catch a bypass"
        live += 1
    assert live >= 20


# -- the structures ---------------------------------------------------------------------------


def build(path: Path) -> Index:
    """A real small index: one segment, Kazakh articles that the term and phrase find."""
    index = Index.create(path)
    index.add_many(make_articles(12))
    return index


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pristine") / "index"
    index = build(path)
    assert index.search(TERM).total and index.search(PHRASE).total  # the probes reach data
    return path


@dataclass
class Toc:
    """A TOC file taken apart: header, pickled schema, generation, pickled segments."""

    header: bytes
    schema: bytes
    generation: int
    segments: bytes

    @classmethod
    def read(cls, path: Path) -> Toc:
        data = path.read_bytes()
        stream = StructFile(io.BytesIO(data))
        for _ in range(3):
            stream.read_varint()
        stream.read_int(), stream.read_int()
        for _ in range(3):
            stream.read_varint()
        header_end = stream.tell()
        schema = stream.read_string()
        generation = stream.read_int()
        stream.read_int()
        return cls(data[:header_end], schema, generation, data[stream.tell():])

    def write(self, path: Path) -> None:
        out = io.BytesIO()
        stream = StructFile(out)
        stream.write(self.header)
        stream.write_string(self.schema)
        stream.write_int(self.generation)
        stream.write_int(0)
        stream.write(self.segments)
        path.write_bytes(out.getvalue())


def the_toc(path: Path) -> Path:
    return max(path.glob("_MAIN_*.toc"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))


def rewrite_toc(path: Path, change: Callable[[Toc], None]) -> None:
    toc_path = the_toc(path)
    toc = Toc.read(toc_path)
    change(toc)
    toc.write(toc_path)


def nested_in_schema(where: str) -> Callable[[Toc, Any], None]:
    def change(toc: Toc, payload: Any) -> None:
        schema = pickle.loads(toc.schema)  # noqa: S301 - our own pristine index
        if where == "field":
            schema._fields["url"] = payload
        elif where == "field attribute":
            schema["id"].poison = payload
        elif where == "format":
            schema["body"].format.options["poison"] = payload
        elif where == "analyzer":
            schema["title"].analyzer.items.append(payload)
        elif where == "column":
            schema["popularity"].column_type._default = payload
        toc.schema = pickle.dumps(schema, 2)
    return change


def nested_in_segments(toc: Toc, payload: Any) -> None:
    segments = pickle.loads(toc.segments)  # noqa: S301 - our own pristine index
    segments[0].poison = payload
    toc.segments = pickle.dumps(segments, -1)


TOC_WHOLE_SITES = {
    "TOC: the schema": lambda toc, raw: setattr(toc, "schema", raw),
    "TOC: the segment list": lambda toc, raw: setattr(toc, "segments", raw),
}
TOC_NESTED_SITES = {
    "TOC: a field of the schema": nested_in_schema("field"),
    "TOC: inside a field": nested_in_schema("field attribute"),
    "TOC: inside a field's format": nested_in_schema("format"),
    "TOC: inside an analyzer": nested_in_schema("analyzer"),
    "TOC: inside a column type": nested_in_schema("column"),
    "TOC: inside segment info": nested_in_segments,
}


@contextmanager
def swapped(owner: Any, name: str, replace: Callable[[Any], bool], raw: bytes) -> Iterator[None]:
    """While Whoosh writes, ``owner.name`` (its ``dumps``) returns ``raw`` for the objects
    that ``replace`` picks; everything else is written as usual."""
    original = getattr(owner, name)

    def crafted(obj: Any, *args: Any, **kwargs: Any) -> Any:
        if replace(obj):
            return raw
        return original(obj, *args, **kwargs)

    setattr(owner, name, crafted)
    try:
        yield
    finally:
        setattr(owner, name, original)


@contextmanager
def swapped_write_pickle(caller: str, raw: bytes) -> Iterator[None]:
    """``StructFile.write_pickle`` writes ``raw`` when called from module ``caller``."""
    original = StructFile.write_pickle

    def crafted(self: StructFile, obj: Any, protocol: int = -1) -> None:
        if sys._getframe(1).f_code.co_filename.endswith(caller):
            self.write(raw)
        else:
            original(self, obj, protocol)

    StructFile.write_pickle = crafted  # type: ignore[method-assign]
    try:
        yield
    finally:
        StructFile.write_pickle = original  # type: ignore[method-assign]


def _is_tuple(size: int) -> Callable[[Any], bool]:
    return lambda obj: type(obj) is tuple and len(obj) == size


SEGMENT_SITES: dict[str, Callable[[bytes], Any]] = {
    "segment: stored fields (the pickled column)":
        lambda raw: swapped(whoosh.columns, "dumps", lambda o: type(o) is dict, raw),
    "segment: posting block headers":
        lambda raw: swapped(whoosh.codec.whoosh3, "dumps", _is_tuple(6), raw),
    "segment: posting block data":
        lambda raw: swapped(whoosh.codec.whoosh3, "dumps", _is_tuple(3), raw),
    "segment: positions (decoded by arrays.py)":
        lambda raw: swapped(whoosh.formats, "dumps", lambda o: type(o) is list, raw),
    "segment: compound file directory": lambda raw: swapped_write_pickle("compound.py", raw),
    "segment: term table extras": lambda raw: swapped_write_pickle("filetables.py", raw),
}


# -- the checks -------------------------------------------------------------------------------


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


def entry_points(path: Path) -> dict[str, Callable[[], Any]]:
    return {
        "Index.open": lambda: Index.open(path),
        "len": lambda: len(Index.open(path)),
        "stats": lambda: Index.open(path).stats(),
        "term search": lambda: [h.title for h in Index.open(path).search(TERM, per_page=50).hits],
        "phrase search": lambda: Index.open(path).search(PHRASE, per_page=50).total,
    }


def assert_refused(path: Path, marker: Path, case: str) -> int:
    """Every entry point refuses or answers, none runs the payload; returns the refusals."""
    refusals = 0
    for name, action in entry_points(path).items():
        try:
            action()
        except REFUSALS as error:
            assert str(path) in str(error) and "rebuild" in str(error), (case, name, error)
            refusals += 1
        assert not marker.exists(), f"{case}: {name} ran the payload"
    for args in (["stats"], ["search", TERM], ["search", PHRASE]):
        code, output = cli(*args[:1], "--index", str(path), *args[1:])
        assert code in (0, 1, 2), (case, args, code, output)
        assert "Traceback" not in output, (case, args, output)
        if code:
            assert output.startswith("kzsearch: ") and "rebuild" in output, (case, args, output)
            refusals += 1
        assert not marker.exists(), f"{case}: kzsearch {args[0]} ran the payload"
    assert refusals, f"{case}: no entry point read the crafted structure"
    assert not wait_for(marker, 0.05), f"{case}: the payload ran"
    return refusals


def cases(names: list[str], sites: list[str], everything: bool) -> list[tuple[str, str]]:
    """All pairs in long mode; else every site with two payloads and every payload once."""
    if everything:
        pairs = [(s, n) for s in sites for n in names]
        random.Random(SEED).shuffle(pairs)
        return pairs
    pairs = {(site, names[(i * 2 + k) % len(names)]) for i, site in enumerate(sites)
             for k in range(2)}
    pairs |= {(sites[i % len(sites)], name) for i, name in enumerate(names)}
    return sorted(pairs)


LONG = MODE == "long"
RAW_NAMES = list(raw_payloads(Path("m")))
OBJECT_NAMES = list(object_payloads(Path("m")))
WHOLE_CASES = [(s, n) for s in TOC_WHOLE_SITES for n in RAW_NAMES]  # cheap: all of them
NESTED_CASES = [(s, n) for s in TOC_NESTED_SITES for n in OBJECT_NAMES]
SEGMENT_CASES = cases(RAW_NAMES, list(SEGMENT_SITES), LONG)


def crafted_copy(pristine: Path, tmp_path: Path) -> tuple[Path, Path]:
    path = tmp_path / "crafted"
    shutil.copytree(pristine, path)
    return path, tmp_path / "payload-ran"


@pytest.mark.parametrize(("site", "payload"), WHOLE_CASES)
def test_a_crafted_toc_is_refused_and_runs_nothing(pristine: Path, tmp_path: Path, site: str,
                                                  payload: str) -> None:
    path, marker = crafted_copy(pristine, tmp_path)
    raw, _ = raw_payloads(marker)[payload]
    rewrite_toc(path, lambda toc: TOC_WHOLE_SITES[site](toc, raw))
    assert_refused(path, marker, f"{site} / {payload}")
    add("crafted_pickles_refused")


@pytest.mark.parametrize(("site", "payload"), NESTED_CASES)
def test_a_payload_nested_in_the_toc_is_refused(pristine: Path, tmp_path: Path, site: str,
                                               payload: str) -> None:
    path, marker = crafted_copy(pristine, tmp_path)
    obj = object_payloads(marker)[payload]
    rewrite_toc(path, lambda toc: TOC_NESTED_SITES[site](toc, obj))
    assert_refused(path, marker, f"{site} / {payload}")
    add("crafted_pickles_refused")


@pytest.mark.parametrize(("site", "payload"), SEGMENT_CASES)
def test_a_payload_in_a_segment_file_is_refused(tmp_path: Path, site: str, payload: str) -> None:
    path, marker = tmp_path / "crafted", tmp_path / "payload-ran"
    raw, _ = raw_payloads(marker)[payload]
    with SEGMENT_SITES[site](raw), suppress(ForbiddenPickleError, *REFUSALS):
        build(path)  # the writer's own check of the count may read the crafted file already
    assert not marker.exists()
    assert_refused(path, marker, f"{site} / {payload}")
    add("crafted_pickles_refused")


def test_a_crafted_index_is_refused_whoever_owns_it(pristine: Path, tmp_path: Path) -> None:
    """Trust checks pass (our own files, 0644): only the unpickler stands in the way."""
    path, marker = crafted_copy(pristine, tmp_path)
    raw, _ = raw_payloads(marker)["GLOBAL os.system"]
    rewrite_toc(path, lambda toc: setattr(toc, "schema", raw))
    for entry in [path, *path.iterdir()]:
        assert entry.stat().st_uid == os.geteuid() and not entry.stat().st_mode & 0o022
    with pytest.raises(UntrustedIndexError, match="posix.system|os.system") as raised:
        Index.open(path)
    assert "Nothing in it was run" in str(raised.value)
    assert not marker.exists()


# -- what kzsearch builds still opens -----------------------------------------------------------


def many_segments(path: Path) -> Index:
    index = Index.create(path)
    for start in range(0, 60, 15):
        index.add_many(make_articles(15, start=start))
    return index


def after_deletes(path: Path) -> Index:
    index = many_segments(path)
    index.delete(["a0", "a6", "a31"])
    return index


def after_optimize(path: Path) -> Index:
    index = after_deletes(path)
    index.optimize()
    return index


def with_two_procs(path: Path) -> Index:
    index = Index.create(path)
    index.add_many(make_articles(500), procs=2)
    index.add_many(make_articles(100, start=500), procs=2)
    return index


def staged(path: Path) -> Index:
    with Index.building(path) as index:
        index.add_many(make_articles(30))
    return Index.open(path)


BUILDS = {"one segment": build, "many segments": many_segments, "after deletes": after_deletes,
          "after optimize": after_optimize, "procs=2": with_two_procs, "staged build": staged}


@pytest.mark.parametrize("how", BUILDS)
def test_every_index_kzsearch_builds_opens_and_searches(tmp_path: Path, how: str) -> None:
    built = BUILDS[how](tmp_path / "index")
    expected = {"term": built.search(TERM, per_page=1).total}
    index = Index.open(built.path)
    assert len(index) == len(built) > 0
    stats = index.stats()
    assert stats.documents == len(index) and stats.rubrics
    found = index.search(TERM, per_page=100)
    assert found.total == expected["term"] > 0
    assert all(TERM[:5] in (h.title + h.body).lower() for h in found.hits)
    assert index.search(PHRASE).total > 0
    assert index.search(TERM, sort="date").total == found.total
    code, output = cli("stats", "--index", str(index.path))
    assert code == 0, output
    code, output = cli("search", "--index", str(index.path), PHRASE)
    assert code == 0, output


def test_no_whoosh_module_keeps_the_unrestricted_unpickler() -> None:
    import importlib
    import pkgutil

    import whoosh

    from kzsearch import safepickle

    for module in pkgutil.walk_packages(whoosh.__path__, "whoosh."):
        try:
            importlib.import_module(module.name)
        except ImportError:
            continue  # optional parts (Google App Engine, ...)
    assert [m.__name__ for m in safepickle.unrestricted_references()] == []


def test_the_positions_reader_refuses_a_global(tmp_path: Path) -> None:
    from kzsearch.safepickle import loads_data

    marker = tmp_path / "ran"
    with pytest.raises(ForbiddenPickleError):
        loads_data(raw_payloads(marker)["GLOBAL os.system"][0])
    assert loads_data(pickle.dumps([3, 1, 4], 2)) == [3, 1, 4]
    assert not marker.exists()


# -- BUILD: a crafted pickle changes only what it creates ---------------------------------------
#
# pickle's BUILD opcode sets the state of the object below it on the stack: with a
# (None, {name: value}) "slot state" it calls setattr, with a dict it writes into
# ``__dict__``. If that object is an admitted class or function (what ``find_class``
# returns), a crafted index folder would patch it for the whole process: refused or not,
# it would change how every other index behaves (r02: ``W3Segment.delete_document``).


def _build(target: bytes, state: dict[str, bytes], slots: bool) -> bytes:
    """Push ``target``, BUILD it with ``state`` (slot or dict form), pop it."""
    items = b"}" + b"".join(_const(k) + v for k, v in state.items()) + (b"u" if state else b"")
    items = b"}(" + items[1:] if state else items
    return target + (b"N" + items + b"\x86" if slots else items) + b"b0"


def _prefixed(attack: bytes, pickled: bytes) -> bytes:
    """``pickled`` (protocol 2) with ``attack`` run first: the same value, one BUILD more."""
    assert pickled.startswith(b"\x80\x02")
    return pickled[:2] + attack + pickled[2:]


EXISTENCE = _global("whoosh.formats", "Existence")
BUILD_ATTACKS: dict[str, bytes] = {
    "W3Segment.delete_document (slot state)": _build(
        _global("whoosh.codec.whoosh3", "W3Segment"), {"delete_document": EXISTENCE}, True),
    "TEXT.__qualname__ (slot state)": _build(
        _global("whoosh.fields", "TEXT"), {"__qualname__": _const("nope")}, True),
    "Positions (slot state)": _build(
        _global("whoosh.formats", "Positions"), {"decode_positions": EXISTENCE}, True),
    "NUMERIC (slot state)": _build(
        _global("whoosh.fields", "NUMERIC"), {"kz_poison": _const(1)}, True),
    "Schema (dict state)": _build(
        _global("whoosh.fields", "Schema"), {"kz_poison": _const(1)}, False),
    "the defaultdict constructor (dict state)": _build(
        _global("collections", "defaultdict"), {"kz_poison": _const(1)}, False),
    "the defaultdict constructor (slot state)": _build(
        _global("collections", "defaultdict"), {"__defaults__": _const((None,))}, True),
}
DATA_BUILD_ATTACKS: dict[str, bytes] = {
    "datetime (slot state)": _build(
        _global("datetime", "datetime"), {"kz_poison": _const(1)}, True),
    "the bytes constructor (dict state)": _build(
        _global("builtins", "bytes"), {"kz_poison": _const(1)}, False),
    "_codecs.encode (slot state)": _build(
        _global("_codecs", "encode"), {"__defaults__": _const(("utf-8",))}, True),
    "int (slot state)": _build(_global("builtins", "int"), {"kz_poison": _const(1)}, True),
}


def _allow_listed() -> dict[str, Any]:
    """Every object the unpicklers can hand to a pickle: the admitted classes and callables."""
    from kzsearch import safepickle

    found = {f"{m}.{n}": getattr(importlib.import_module(m), n)
             for m, n in sorted(safepickle.INDEX_CLASSES)}
    for (module, name), value in [*safepickle.DATA_GLOBALS.items(),
                                  *safepickle._INDEX_EXTRAS.items()]:
        found[f"{module}.{name}"] = value
    return found


_SNAPSHOT_ATTRS = ("__name__", "__qualname__", "__module__", "__doc__", "__defaults__",
                   "__kwdefaults__", "__code__", "default_factory")


def _snapshot(obj: Any) -> dict[str, Any]:
    state = {attr: getattr(obj, attr) for attr in _SNAPSHOT_ATTRS if hasattr(obj, attr)}
    with suppress(TypeError):
        state["vars"] = dict(vars(obj))
    return state


@pytest.fixture
def allow_list_untouched() -> Iterator[None]:
    """Fails the test if an allow-listed object changed; puts it back either way."""
    before = {name: _snapshot(obj) for name, obj in _allow_listed().items()}
    try:
        yield
        changed = sorted(name for name, obj in _allow_listed().items()
                         if _snapshot(obj) != before[name])
        assert not changed, f"a crafted pickle changed {changed} for the whole process"
    finally:
        for name, obj in _allow_listed().items():
            _restore(obj, before[name])


def _restore(obj: Any, state: dict[str, Any]) -> None:
    with suppress(TypeError, AttributeError):
        for attr in set(vars(obj)) - set(state.get("vars", {})):
            delattr(obj, attr)
        for attr, value in state.get("vars", {}).items():
            if vars(obj).get(attr, value) is not value:
                setattr(obj, attr, value)
    for attr in _SNAPSHOT_ATTRS:
        if attr in state and getattr(obj, attr) is not state[attr]:
            with suppress(TypeError, AttributeError):
                setattr(obj, attr, state[attr])


def assert_a_trusted_index_still_behaves(path: Path) -> None:
    """In the same process: delete deletes, an upsert replaces, the count is right."""
    with Index.create(path) as index:
        index.add_many(make_articles(6))
    with Index.open(path) as index:
        assert len(index) == 6
        assert index.delete([make_articles(6)[0].id]) == 1
        assert len(index) == 5
        index.add_many(make_articles(6))
        assert len(index) == 6
        assert index.search(TERM, per_page=50).total > 0


def with_toc_segments(toc: Toc, attack: bytes) -> None:
    toc.segments = _prefixed(attack, pickle.dumps(pickle.loads(toc.segments), 2))  # noqa: S301


def with_toc_schema(toc: Toc, attack: bytes) -> None:
    toc.schema = _prefixed(attack, pickle.dumps(pickle.loads(toc.schema), 2))  # noqa: S301


@contextmanager
def prefixed_dumps(owner: Any, replace: Callable[[Any], bool], attack: bytes) -> Iterator[None]:
    """While Whoosh writes, ``owner.dumps`` runs ``attack`` before the objects ``replace`` picks."""
    original = owner.dumps

    def crafted(obj: Any, *args: Any, **kwargs: Any) -> Any:
        if replace(obj):
            return _prefixed(attack, pickle.dumps(obj, 2))
        return original(obj, *args, **kwargs)

    owner.dumps = crafted
    try:
        yield
    finally:
        owner.dumps = original


BUILD_TOC_SITES = {"TOC: the segment list": with_toc_segments, "TOC: the schema": with_toc_schema}
BUILD_SEGMENT_SITES: dict[str, Callable[[bytes], Any]] = {
    "segment: posting block headers":
        lambda attack: prefixed_dumps(whoosh.codec.whoosh3, _is_tuple(6), attack),
}
DATA_BUILD_SITES: dict[str, Callable[[bytes], Any]] = {
    "segment: stored fields (the pickled column)":
        lambda attack: prefixed_dumps(whoosh.columns, lambda o: type(o) is dict, attack),
    "segment: posting block data":
        lambda attack: prefixed_dumps(whoosh.codec.whoosh3, _is_tuple(3), attack),
}
BUILD_TOC_CASES = [(s, a) for s in BUILD_TOC_SITES for a in BUILD_ATTACKS]
BUILD_SEGMENT_CASES = [(s, a) for s in BUILD_SEGMENT_SITES for a in BUILD_ATTACKS]
BUILD_SEGMENT_CASES += [(s, a) for s in DATA_BUILD_SITES for a in DATA_BUILD_ATTACKS]


@pytest.mark.parametrize(("site", "attack"), BUILD_TOC_CASES)
def test_a_build_on_an_admitted_class_in_the_toc_is_refused_and_changes_nothing(
        pristine: Path, tmp_path: Path, allow_list_untouched: None, site: str,
        attack: str) -> None:
    path, marker = crafted_copy(pristine, tmp_path)
    rewrite_toc(path, lambda toc: BUILD_TOC_SITES[site](toc, BUILD_ATTACKS[attack]))
    with pytest.raises(REFUSALS):
        Index.open(path)
    assert_refused(path, marker, f"{site} / {attack}")
    assert_a_trusted_index_still_behaves(tmp_path / "trusted")
    add("crafted_pickles_refused")


@pytest.mark.parametrize(("site", "attack"), BUILD_SEGMENT_CASES)
def test_a_build_on_an_admitted_global_in_a_segment_is_refused_and_changes_nothing(
        tmp_path: Path, allow_list_untouched: None, site: str, attack: str) -> None:
    path, marker = tmp_path / "crafted", tmp_path / "payload-ran"
    sites = {**BUILD_SEGMENT_SITES, **DATA_BUILD_SITES}
    raw = {**BUILD_ATTACKS, **DATA_BUILD_ATTACKS}[attack]
    with sites[site](raw), suppress(ForbiddenPickleError, *REFUSALS):
        build(path)  # the writer's own check of the count may read the crafted file already
    assert_refused(path, marker, f"{site} / {attack}")
    assert_a_trusted_index_still_behaves(tmp_path / "trusted")
    add("crafted_pickles_refused")


def test_a_defaultdict_factory_cannot_be_set_after_construction(
        allow_list_untouched: None) -> None:
    """r11(a): the factory check at construction must not be undone by a BUILD."""
    from kzsearch import safepickle

    made = _call(_global("collections", "defaultdict"), _global("__builtin__", "int"))
    schema = _global("whoosh.fields", "Schema")
    for slots in (True, False):
        attack = _build(made, {"default_factory": schema}, slots)[:-1]  # keep it: no POP
        with pytest.raises(ForbiddenPickleError):
            safepickle.loads(b"\x80\x02" + attack + b".")
    plain = safepickle.loads(pickle.dumps(collections.defaultdict(int, {"a": 1}), 2))
    assert plain.default_factory is int and plain == {"a": 1}


def test_nothing_the_data_unpickler_admits_can_be_changed() -> None:
    """The fast C unpickler reads data: BUILD has nothing there it could change."""
    from kzsearch import safepickle

    immutable_type = 1 << 8  # Py_TPFLAGS_IMMUTABLETYPE
    for (module, name), value in safepickle.DATA_GLOBALS.items():
        if isinstance(value, type):
            assert value.__flags__ & immutable_type, f"{module}.{name}"
            with pytest.raises(TypeError):
                value.kz_poison = 1
        else:
            with pytest.raises((AttributeError, ForbiddenPickleError)):
                value.kz_poison = 1
            with pytest.raises(TypeError):
                vars(value)
