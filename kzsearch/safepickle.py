"""Whoosh's pickles read with an allow-list: an index file can describe an index, never run code.

Whoosh 2.7.4 stores the schema, the segment list, block headers, stored fields and
posting values as pickles, and :func:`pickle.loads` calls whatever a pickle names:
an index folder would be a program. Here every pickle Whoosh or kzsearch reads goes
through an unpickler whose ``find_class`` admits only the globals that kzsearch's own
indexes contain (found by recording every global loaded from indexes built with one
and many segments, deletes, optimize and ``procs=2``), the way
``torch.load(weights_only=True)`` and ``numpy.load(allow_pickle=False)`` do. Any other
global (``os.system``, ``builtins.eval``, ``subprocess.Popen``, ``getattr``,
``pickle.loads``, a Whoosh helper such as ``whoosh.util.loading.find_object``) raises
:class:`ForbiddenPickleError` before it is looked up, and persistent ids are refused.

What is admitted, and why it is harmless to call with any arguments:

* **Data** (:data:`DATA_GLOBALS`): ``datetime.datetime``, ``int``, ``set``,
  ``frozenset`` (constructors without side effects); ``bytes`` and
  ``_codecs.encode`` only as protocol 2 writes them (``bytes()`` and
  ``encode(text, "latin1")``), through checking wrappers instead of the real callables.
* **Index classes** (:data:`INDEX_CLASSES`): the schema, its field types, formats,
  columns and analyzers, and the segment and codec classes. Their constructors only
  store their arguments (or build other admitted objects), their ``__setstate__``
  methods (``Schema``, ``NUMERIC``) only update ``__dict__`` and compute a
  ``struct.Struct``; none opens files, imports by name or calls a stored callable.
  ``collections.defaultdict`` is admitted through a wrapper whose default factory
  must be ``int``, ``list``, ``set`` or ``dict``.

Everything an unpickled object can reach is therefore built from admitted globals
and plain data: a crafted pickle can make a damaged index, not run code.

Nor can it change anything but what it creates. pickle's BUILD opcode sets the state
of whatever lies below it (``setattr`` for a ``(None, {name: value})`` state, writes
into ``__dict__`` for a dict): given an admitted *class*, a refused index folder would
patch it for every other index of the process. Index structures are therefore read by
the pure-Python unpickler (:class:`_IndexUnpickler`, whose opcodes can be replaced;
the C one's cannot), where BUILD takes only a dict of plain names, for an instance of
an admitted class made by this very load, and APPEND/SETITEM/ADDITEMS only lists,
dicts and sets. Data is read by the C unpickler, where nothing admitted can be
changed: the types are immutable and the wrappers have no attributes to set
(:class:`_Frozen`). :func:`loads` tries that fast reader first and rereads with the
strict one only a pickle that names an index class (the schema, the segment list), so
block headers and stored fields keep the C speed. What it can
still do is cost memory or time (a huge list, a huge ``bits`` of a numeric field):
a denial of service, not code execution.

The data-only unpickler (:func:`loads_data`), used for stored fields, posting blocks
and positions, admits the data globals only. :func:`install_in_whoosh` puts both in
place of ``pickle`` in Whoosh's modules; kzsearch's own readers import them from here.
This module imports nothing of kzsearch, so every stage can use it.
"""

from __future__ import annotations

import collections
import datetime as dt
import importlib
import io
import pickle
import sys
import types
from collections.abc import Callable, Mapping
from typing import IO, Any

GlobalName = tuple[str, str]


class ForbiddenPickleError(pickle.UnpicklingError):
    """A pickle names a global that no kzsearch index contains; refused before any call."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"refusing to unpickle {what}: no kzsearch index contains it, so the file was"
            " crafted (to run code) or is damaged"
        )


class _Frozen:
    """A callable admitted in place of a builtin that no pickle can change.

    It has no ``__dict__`` and no slots, and BUILD (which calls ``__setstate__`` when
    there is one) is refused: what ``find_class`` hands to a pickle stays as it is.
    """

    __slots__ = ()

    def __setstate__(self, state: Any) -> None:
        raise ForbiddenPickleError(f"a state for {self!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise ForbiddenPickleError(f"setting {name!r:.40} on {self!r}")


class _EmptyBytes(_Frozen):
    """``bytes`` as pickle protocol 2 calls it: for the empty bytes only."""

    __slots__ = ()

    def __call__(self, *args: Any) -> bytes:
        if args:
            raise ForbiddenPickleError(f"bytes{args!r:.60}")
        return b""

    def __repr__(self) -> str:
        return "bytes (empty only)"


class _Latin1(_Frozen):
    """``_codecs.encode`` as pickle protocol 2 calls it: a str to latin-1 bytes only."""

    __slots__ = ()

    def __call__(self, text: Any, encoding: Any = "latin1") -> bytes:
        if type(text) is not str or encoding not in ("latin1", "latin-1"):
            raise ForbiddenPickleError(
                f"_codecs.encode with {type(text).__name__}, {encoding!r:.40}")
        return text.encode("latin-1")

    def __repr__(self) -> str:
        return "_codecs.encode (latin-1 only)"


_empty_bytes, _latin1 = _EmptyBytes(), _Latin1()


_DEFAULT_FACTORIES = (int, list, set, dict)


class _DefaultDict(_Frozen):
    """``collections.defaultdict`` with a default factory that is a plain container.

    The factory cannot be changed afterwards: BUILD (pickle's only way to set an
    attribute) is refused on a defaultdict by :class:`_IndexUnpickler`.
    """

    __slots__ = ()

    def __call__(self, factory: Any = None) -> collections.defaultdict[Any, Any]:
        if factory is not None and not any(factory is allowed for allowed in _DEFAULT_FACTORIES):
            raise ForbiddenPickleError(
                f"defaultdict with default factory {type(factory).__name__}")
        return collections.defaultdict(factory)

    def __repr__(self) -> str:
        return "collections.defaultdict (plain factories only)"


_defaultdict = _DefaultDict()


DATA_GLOBALS: Mapping[GlobalName, Any] = {
    ("datetime", "datetime"): dt.datetime,
    ("builtins", "int"): int,
    ("__builtin__", "int"): int,
    ("__builtin__", "long"): int,
    ("builtins", "set"): set,
    ("__builtin__", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("__builtin__", "frozenset"): frozenset,
    ("builtins", "bytes"): _empty_bytes,
    ("__builtin__", "bytes"): _empty_bytes,
    ("_codecs", "encode"): _latin1,
}

# Classes resolved by name when first needed (kzsearch.analysis imports this module's
# users, not the other way round). Each entry was audited as the docstring says.
INDEX_CLASSES: frozenset[GlobalName] = frozenset({
    ("whoosh.fields", "Schema"),
    ("whoosh.fields", "TEXT"),
    ("whoosh.fields", "ID"),
    ("whoosh.fields", "NUMERIC"),
    ("whoosh.fields", "DATETIME"),
    ("whoosh.fields", "STORED"),
    ("whoosh.fields", "COLUMN"),
    ("whoosh.formats", "Existence"),
    ("whoosh.formats", "Positions"),
    ("whoosh.columns", "NumericColumn"),
    ("whoosh.columns", "RefBytesColumn"),
    ("whoosh.analysis.analyzers", "CompositeAnalyzer"),
    ("whoosh.analysis.tokenizers", "IDTokenizer"),
    ("whoosh.codec.whoosh3", "W3Codec"),
    ("whoosh.codec.whoosh3", "W3Segment"),
    ("kzsearch.analysis", "KazakhTokenizer"),
    ("kzsearch.analysis", "MorphFilter"),
})
_INDEX_EXTRAS: Mapping[GlobalName, Any] = {("collections", "defaultdict"): _defaultdict}


def _resolve_class(module: str, name: str) -> type:
    found = getattr(importlib.import_module(module), name, None)
    if not isinstance(found, type) or (found.__module__, found.__qualname__) != (module, name):
        raise ForbiddenPickleError(f"{module}.{name} (not the class it names)")
    return found


def _find_global(module: str, name: str, data_only: bool) -> Any:
    key = (module, name)
    if key in DATA_GLOBALS:
        return DATA_GLOBALS[key]
    if not data_only:
        if key in _INDEX_EXTRAS:
            return _INDEX_EXTRAS[key]
        if key in INDEX_CLASSES:
            return _resolve_class(module, name)
    raise ForbiddenPickleError(f"{module}.{name}"[:120])


class _RestrictedUnpickler(pickle.Unpickler):
    """The C unpickler, for plain data: the allowed data globals, no persistent ids.

    Nothing it admits can be changed by a pickle: ``int``, ``set``, ``frozenset`` and
    ``datetime.datetime`` are immutable types (setattr and ``__dict__`` writes raise),
    the two wrappers are :class:`_Frozen`; what else a BUILD, APPEND or SETITEM can
    reach is built by this load (containers, numbers, strings, datetimes).
    """

    def find_class(self, module: str, name: str) -> Any:
        return _find_global(module, name, data_only=True)

    def persistent_load(self, pid: Any) -> Any:
        raise ForbiddenPickleError("a persistent id")


_PyUnpickler: Any = pickle._Unpickler  # untyped in typeshed's view of its dispatch table
_OPS: Any = pickle  # the opcode constants


def _is_dunder(key: Any) -> bool:
    return type(key) is not str or (key.startswith("__") and key.endswith("__"))


def _what(obj: Any) -> str:
    if isinstance(obj, type):
        return f"the class {obj.__module__}.{obj.__qualname__}"[:120]
    return f"a {type(obj).__module__}.{type(obj).__qualname__}"[:120]


def _audited(cls: type) -> bool:
    key = (cls.__module__, cls.__qualname__)
    return key in INDEX_CLASSES and _resolve_class(*key) is cls


class _IndexUnpickler(_PyUnpickler):
    """The pure-Python unpickler with the index classes, and BUILD only on its own objects.

    ``find_class`` hands out admitted classes themselves, and pickle's BUILD would
    ``setattr`` on whatever is below the state (``(None, {name: value})``) or write into
    its ``__dict__``: on a class, for the whole process. Here BUILD applies only to an
    instance of an admitted class that this load created (REDUCE, NEWOBJ, NEWOBJ_EX,
    INST, OBJ), with a dict state whose keys are plain names (no ``__dunder__``); the
    ``__setstate__`` it calls is looked up on that class and must be one an admitted
    class defines (``Schema``, ``NUMERIC``: audited). APPEND(S), SETITEM(S) and
    ADDITEMS apply only to a list, dict or set (what this load created: no admitted
    global is one). The C unpickler allows none of this (it has no dispatch table).
    """

    dispatch = dict(_PyUnpickler.dispatch)

    def __init__(self, file: IO[bytes]) -> None:
        super().__init__(file)
        self._made: dict[int, Any] = {}  # id -> object: kept alive, so ids stay unique

    def find_class(self, module: str, name: str) -> Any:
        return _find_global(module, name, data_only=False)

    def persistent_load(self, pid: Any) -> Any:
        raise ForbiddenPickleError("a persistent id")

    def _built_target(self) -> Any:
        inst = self.stack[-1]
        if self._made.get(id(inst)) is not inst or not _audited(type(inst)):
            raise ForbiddenPickleError(f"a state (BUILD) for {_what(inst)}"
                                       " (only an index object this pickle made takes one)")
        return inst

    def load_build(self) -> None:
        state = self.stack.pop()
        inst = self._built_target()
        if type(state) is not dict or any(_is_dunder(key) for key in state):
            raise ForbiddenPickleError(f"a state of {_what(inst)} that is not plain attributes")
        owner = next((c for c in type(inst).__mro__ if "__setstate__" in vars(c)), None)
        if owner is not None:
            if not _audited(owner):
                raise ForbiddenPickleError(f"{owner.__qualname__}.__setstate__"[:120])
            vars(owner)["__setstate__"](inst, state)
            return
        inst_dict = inst.__dict__
        for key, value in state.items():
            inst_dict[sys.intern(key)] = value

    def _container(self, kinds: tuple[type, ...]) -> Any:
        target = self.stack[-1]
        if type(target) not in kinds:
            raise ForbiddenPickleError(f"adding items to {type(target).__name__}"[:120])
        return target

    def load_append(self) -> None:
        value = self.stack.pop()
        self._container((list,)).append(value)

    def load_appends(self) -> None:
        items = self.pop_mark()
        self._container((list,)).extend(items)

    def load_setitem(self) -> None:
        value, key = self.stack.pop(), self.stack.pop()
        self._container((dict, collections.defaultdict))[key] = value

    def load_setitems(self) -> None:
        items = self.pop_mark()
        target = self._container((dict, collections.defaultdict))
        for i in range(0, len(items), 2):
            target[items[i]] = items[i + 1]

    def load_additems(self) -> None:
        items = self.pop_mark()
        self._container((set,)).update(items)


def _made_here(opcode: bytes) -> Callable[[_IndexUnpickler], None]:
    original = _PyUnpickler.dispatch[opcode[0]]

    def load(self: _IndexUnpickler) -> None:
        original(self)
        made = self.stack[-1]
        self._made[id(made)] = made

    return load


for _opcode in (_OPS.REDUCE, _OPS.NEWOBJ, _OPS.NEWOBJ_EX, _OPS.INST, _OPS.OBJ):
    _IndexUnpickler.dispatch[_opcode[0]] = _made_here(_opcode)
for _opcode, _method in ((_OPS.BUILD, _IndexUnpickler.load_build),
                         (_OPS.APPEND, _IndexUnpickler.load_append),
                         (_OPS.APPENDS, _IndexUnpickler.load_appends),
                         (_OPS.SETITEM, _IndexUnpickler.load_setitem),
                         (_OPS.SETITEMS, _IndexUnpickler.load_setitems),
                         (_OPS.ADDITEMS, _IndexUnpickler.load_additems)):
    _IndexUnpickler.dispatch[_opcode[0]] = _method


def loads(data: bytes | bytearray | memoryview) -> Any:
    """Unpickle an index structure (schema, segments, headers): index classes and data.

    Plain data (a block header, a column's block list) is read by the fast data-only
    unpickler; a pickle that names an index class is read again from its start by the
    strict one. The first attempt cannot change anything (see
    :class:`_RestrictedUnpickler`), so a refused first attempt leaves nothing behind.
    """
    try:
        return _RestrictedUnpickler(_buffered(data)).load()
    except ForbiddenPickleError:
        return _IndexUnpickler(io.BytesIO(data)).load()


def load(file: IO[bytes]) -> Any:
    """:func:`loads` from an open file, reading just the one pickle."""
    start = file.tell()
    try:
        return _RestrictedUnpickler(file).load()
    except ForbiddenPickleError:
        file.seek(start)
        return _IndexUnpickler(file).load()


def loads_data(data: bytes | bytearray | memoryview) -> Any:
    """Unpickle plain data (stored fields, posting blocks, positions): no index classes."""
    return _RestrictedUnpickler(_buffered(data)).load()


def _buffered(data: bytes | bytearray | memoryview) -> IO[bytes]:
    """``data`` as a file the C unpickler reads in one go. Given a plain ``BytesIO`` (no
    ``peek``) it calls ``read`` once per opcode: a 128-posting block then took 2.5x as long
    as ``pickle.loads`` (290 against 85 microseconds on a 20k-article index's commonest
    terms); through a buffer that holds all of it, the same."""
    return io.BufferedReader(io.BytesIO(data), buffer_size=max(len(data), 1))


def load_data(file: IO[bytes]) -> Any:
    """:func:`loads_data` from an open file."""
    return _RestrictedUnpickler(file).load()


def _pickle_module(name: str, loader: Callable[[IO[bytes]], Any],
                   string_loader: Callable[[bytes], Any]) -> types.ModuleType:
    """A stand-in for the ``pickle`` module: the same, except loading is restricted."""
    module = types.ModuleType(name)
    for attr in ("dump", "dumps", "HIGHEST_PROTOCOL", "DEFAULT_PROTOCOL", "Pickler",
                 "PickleError", "PicklingError", "UnpicklingError"):
        setattr(module, attr, getattr(pickle, attr))
    module.load, module.loads = loader, string_loader  # type: ignore[attr-defined]
    module.Unpickler = _IndexUnpickler  # type: ignore[attr-defined]
    return module


def _refuse_legacy(*args: Any, **kwargs: Any) -> Any:
    raise ForbiddenPickleError("a pre-2.0 Whoosh schema (its loader admits any class)")


# Where Whoosh 2.7.4 unpickles, and what each place reads (grep for loads/load/Unpickler).
_DATA_SITES = (
    "whoosh.codec.whoosh3",  # posting block data, inlined postings
    "whoosh.columns",  # PickleColumn: stored fields
    "whoosh.formats",  # positions, characters, boosts of one posting
    "whoosh.codec.plaintext",  # not used by kzsearch; restricted all the same
)


def install_in_whoosh() -> None:
    """Replace every unpickling function Whoosh's modules hold by a restricted one.

    The named places first (schema in ``whoosh.index``, ``StructFile.read_pickle``,
    the data sites, the job files of ``procs > 1`` writers); then the legacy TOC
    loader, whose unpickler admits any class, is removed (kzsearch never wrote that
    format); last, any other reference to ``pickle.load``/``loads``/``Unpickler`` or the
    ``pickle`` module left in a loaded Whoosh module is replaced, so that none remains.
    """
    import whoosh.codec.plaintext
    import whoosh.codec.whoosh3
    import whoosh.columns
    import whoosh.compat
    import whoosh.filedb.structfile
    import whoosh.formats
    import whoosh.index
    import whoosh.legacy
    import whoosh.multiproc
    import whoosh.util.loading

    index_pickle = _pickle_module("kzsearch.safepickle.pickle", load, loads)
    data_pickle = _pickle_module("kzsearch.safepickle.data_pickle", load_data, loads_data)
    whoosh.index.pickle = index_pickle  # the schema in the TOC
    whoosh.filedb.structfile.load_pickle = load  # segments, block info, compound directory
    whoosh.multiproc.pickle = data_pickle  # the documents a procs>1 writer hands out
    for site in _DATA_SITES:
        sys.modules[site].loads = loads_data  # type: ignore[attr-defined]
    whoosh.compat.pickle, whoosh.compat.load, whoosh.compat.loads = index_pickle, load, loads
    whoosh.legacy.toc_loaders.clear()
    whoosh.legacy.RenamingUnpickler = _refuse_legacy
    whoosh.util.loading.RenamingUnpickler = _refuse_legacy
    for module in unrestricted_references():
        _replace_unrestricted(module, index_pickle)


# The C functions and classes, and the pure-Python ones the pickle module also holds.
_PY_LOAD, _PY_LOADS = getattr(pickle, "_load"), getattr(pickle, "_loads")  # noqa: B009 - untyped
_UNRESTRICTED = (pickle.load, pickle.loads, pickle.Unpickler, _PY_LOAD, _PY_LOADS,
                 pickle._Unpickler)


def unrestricted_references() -> list[types.ModuleType]:
    """The loaded Whoosh modules that still hold an unrestricted unpickler or ``pickle``."""
    found = []
    for name, module in list(sys.modules.items()):
        if (name == "whoosh" or name.startswith("whoosh.")) and module is not None and any(
            value is pickle or any(value is bad for bad in _UNRESTRICTED)
            for value in vars(module).values()
        ):
            found.append(module)
    return found


def _replace_unrestricted(module: types.ModuleType, index_pickle: types.ModuleType) -> None:
    replacements = ((pickle, index_pickle), (pickle.load, load), (pickle.loads, loads),
                    (_PY_LOAD, load), (_PY_LOADS, loads),
                    (pickle.Unpickler, _IndexUnpickler), (pickle._Unpickler, _IndexUnpickler))
    for attr, value in list(vars(module).items()):
        for unrestricted, restricted in replacements:
            if value is unrestricted:
                setattr(module, attr, restricted)


__all__ = [
    "DATA_GLOBALS",
    "INDEX_CLASSES",
    "ForbiddenPickleError",
    "install_in_whoosh",
    "load",
    "load_data",
    "loads",
    "loads_data",
    "unrestricted_references",
]
