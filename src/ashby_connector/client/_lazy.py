"""A page's typed records, each validated into its model only when first read.

Validating a 100-record page into models costs several times decoding it, and a caller often reads
a few records, or only ``len``, or passes the page on. ``LazyRecords`` is a real ``list`` (so the
public type ``list[Model]`` holds) that keeps the decoded dicts and turns one into its model the
first time that position is read, then keeps the model. Any operation that is not a plain read
(comparing, searching, sorting, mutating, copying) first validates every record, then behaves
exactly like a list of models. ``repr`` never validates: until every record has been read it
summarizes the page instead of listing it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, SupportsIndex, TypeVar, overload

from pydantic import ValidationError

T = TypeVar("T")


class LazyRecords(list[T]):
    """``list[T]`` whose items are built by ``item(raw)`` on first access, once each."""

    __slots__ = ("_item", "_label", "_pending")

    def __init__(
        self, raw: Iterable[Any] = (), item: Callable[[Any], T] | None = None, label: str = ""
    ) -> None:
        # ``raw``: the decoded records, replaced one by one by their models. Without ``item`` this is
        # a plain list of ``raw`` (what ``type(x)(iterable)`` in the standard library expects).
        super().__init__(raw)
        self._item = item
        # One flag per position still holding its decoded record (bytearray: one C allocation).
        self._pending = bytearray(b"\x01") * len(self) if item is not None else bytearray()
        self._label = label

    def _at(self, index: int) -> T:
        value = list.__getitem__(self, index)
        item = self._item
        if item is None or not self._pending[index]:
            return value
        try:
            model = item(value)
        except ValidationError as exc:
            # Keep pydantic's error (callers may catch it) and say which record failed.
            position = index if index >= 0 else index + len(self)
            where = f" of {self._label}" if self._label else ""
            exc.add_note(f"while reading record {position}{where}")
            raise
        list.__setitem__(self, index, model)
        self._pending[index] = 0
        return model

    def _materialize(self) -> None:
        """Validate every record still pending; afterwards this is a plain list of models."""
        if self._item is None:
            return
        for index in range(len(self)):
            self._at(index)
        self._item = None
        self._pending = bytearray()

    @property
    def validated(self) -> int:
        """How many records have been turned into models so far."""
        return len(self) if self._item is None else len(self) - sum(self._pending)

    # -- plain reads: validate only the position read -------------------------------------
    @overload
    def __getitem__(self, index: SupportsIndex) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: SupportsIndex | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(len(self)))]
        return self._at(index.__index__())

    def __iter__(self) -> Iterator[T]:
        # By position, so records read once are not validated again and a list that grows while
        # iterated behaves like a list.
        index = 0
        while index < len(self):
            yield self._at(index)
            index += 1

    def __reversed__(self) -> Iterator[T]:
        for index in range(len(self) - 1, -1, -1):
            yield self._at(index)

    def __repr__(self) -> str:
        # Never validates: a repr must stay cheap and never raise (asyncio and loggers call it).
        if self._item is None or not any(self._pending):
            return list.__repr__(self)
        model = getattr(getattr(self._item, "__self__", None), "__name__", "record")
        where = f" of {self._label}" if self._label else ""
        return f"<{len(self)} {model} records{where}, {self.validated} validated so far>"

    # -- everything else sees the models -------------------------------------------------
    def __eq__(self, other: object) -> bool:
        self._materialize()
        if isinstance(other, LazyRecords):
            other._materialize()
        return list.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __contains__(self, value: object) -> bool:
        self._materialize()
        return list.__contains__(self, value)

    def __add__(self, other: list[T]) -> list[T]:  # type: ignore[override]
        self._materialize()
        return list(list.__iter__(self)) + list(other)

    def __radd__(self, other: list[T]) -> list[T]:
        self._materialize()
        return list(other) + list(list.__iter__(self))

    def __mul__(self, count: SupportsIndex) -> list[T]:
        self._materialize()
        return list(list.__iter__(self)) * count

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        self._materialize()
        return (list, (list(list.__iter__(self)),))

    def copy(self) -> list[T]:
        self._materialize()
        return list(list.__iter__(self))

    def index(self, value: T, start: SupportsIndex = 0, stop: SupportsIndex = 2**63 - 1) -> int:
        self._materialize()
        return list.index(self, value, start, stop)

    def count(self, value: T) -> int:
        self._materialize()
        return list.count(self, value)


def _materializing(name: str) -> Callable[..., Any]:
    method = getattr(list, name)

    def wrapper(self: LazyRecords[Any], *args: Any, **kwargs: Any) -> Any:
        self._materialize()
        return method(self, *args, **kwargs)

    wrapper.__name__ = name
    return wrapper


# Mutations shift positions, comparisons read every item: validate everything first, then act.
for _name in (
    "__setitem__",
    "__delitem__",
    "__iadd__",
    "__imul__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "append",
    "extend",
    "insert",
    "pop",
    "remove",
    "sort",
    "reverse",
    "clear",
):
    setattr(LazyRecords, _name, _materializing(_name))
