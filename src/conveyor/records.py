"""Plain data classes, made without ``dataclasses``' start-up cost.

``@dataclass`` writes and compiles source code for every class it decorates: about half a
millisecond each, some 35 ms for the classes a ``conveyor run`` loads, which is a third of
a trivial run. ``@record`` gives the same shape (``__init__`` with defaults and
factories, ``__repr__``, ``__eq__``, ``frozen``, ``slots``, ``replace``) from closures, so
defining a class costs microseconds. Type checkers read it as a dataclass (PEP 681).
"""

from __future__ import annotations

from collections.abc import Callable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar, dataclass_transform

    _T = TypeVar("_T")
else:
    # importing typing costs a few ms of every start, for a marker only type checkers read
    def dataclass_transform(**_: object) -> Callable[[object], object]:
        return lambda f: f


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """What ``field()`` returns: a default or default factory, and repr/compare flags."""

    __slots__ = ("compare", "default", "default_factory", "repr")

    def __init__(self, default: Any, default_factory: Any, repr: bool, compare: bool) -> None:
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare


def field(
    *,
    default: Any = MISSING,
    default_factory: Callable[[], Any] | Any = MISSING,
    repr: bool = True,
    compare: bool = True,
) -> Any:
    return Field(default, default_factory, repr, compare)


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record."""


@dataclass_transform(field_specifiers=(field, Field))
def record(cls: type[Any] | None = None, /, *, frozen: bool = False, slots: bool = False) -> Any:
    """``@record``, ``@record(frozen=True, slots=True)``: like ``@dataclass``."""

    def wrap(c: type[Any]) -> type[Any]:
        return _make(c, frozen=frozen, slots=slots)

    return wrap if cls is None else wrap(cls)


def replace(obj: _T, /, **changes: Any) -> _T:
    """A copy of ``obj`` with some fields changed."""
    values = {name: getattr(obj, name) for name in type(obj).__record_fields__}  # type: ignore[attr-defined]
    unknown = set(changes) - set(values)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field(s) {', '.join(sorted(unknown))}")
    values.update(changes)
    return type(obj)(**values)


def _make(c: type[Any], *, frozen: bool, slots: bool) -> type[Any]:
    # not inspect.get_annotations: importing inspect is part of what this module avoids
    names = tuple(c.__dict__.get("__annotations__", {}))  # noqa: RUF063
    specs: list[tuple[str, Any, Any]] = []  # (name, default, factory) in field order
    shown: list[str] = []
    compared: list[str] = []
    for name in names:
        value = c.__dict__.get(name, MISSING)
        if isinstance(value, Field):
            spec = (name, value.default, value.default_factory)
            if value.repr:
                shown.append(name)
            if value.compare:
                compared.append(name)
        else:
            spec = (name, value, MISSING)
            shown.append(name)
            compared.append(name)
        specs.append(spec)
    body = {k: v for k, v in c.__dict__.items() if k not in ("__dict__", "__weakref__")}
    for name, default, _ in specs:
        if slots or default is MISSING:
            body.pop(name, None)
        else:
            body[name] = default  # a Field's plain default becomes the class attribute
    body["__init__"] = _init(specs)
    body["__repr__"] = _repr(tuple(shown))
    body["__eq__"] = _eq(tuple(compared))
    body["__match_args__"] = names
    body["__record_fields__"] = names
    if frozen:
        body["__hash__"] = _hash(tuple(compared))
        body["__setattr__"] = _frozen_setattr
        body["__delattr__"] = _frozen_delattr
    else:
        body["__hash__"] = None  # mutable and compared by value: unhashable, as dataclasses
    if slots:
        body["__slots__"] = names
        if frozen:  # pickle must not go through the frozen __setattr__
            body["__getstate__"] = _getstate
            body["__setstate__"] = _setstate
    made: type[Any] = type(c.__name__, c.__bases__, body)
    made.__qualname__ = c.__qualname__
    return made


def _init(specs: list[tuple[str, Any, Any]]) -> Callable[..., None]:
    count = len(specs)
    known = frozenset(name for name, _, _ in specs)
    set_ = object.__setattr__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > count:
            raise TypeError(
                f"{type(self).__name__}() takes {count} arguments but {len(args)} were given"
            )
        if kwargs and not known.issuperset(kwargs):
            bad = ", ".join(sorted(set(kwargs) - known))
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s) {bad}")
        for i, (name, default, factory) in enumerate(specs):
            if i < len(args):
                if name in kwargs:
                    raise TypeError(f"{type(self).__name__}() got multiple values for '{name}'")
                value = args[i]
            elif name in kwargs:
                value = kwargs[name]
            elif factory is not MISSING:
                value = factory()
            elif default is not MISSING:
                value = default
            else:
                raise TypeError(f"{type(self).__name__}() missing required argument: '{name}'")
            set_(self, name, value)

    return __init__


def _repr(shown: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{type(self).__qualname__}({inner})"

    return __repr__


def _eq(compared: tuple[str, ...]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in compared)

    return __eq__


def _hash(compared: tuple[str, ...]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(tuple(getattr(self, n) for n in compared))

    return __hash__


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field '{name}'")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field '{name}'")


def _getstate(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, n) for n in type(self).__record_fields__)


def _setstate(self: Any, state: tuple[Any, ...]) -> None:
    for name, value in zip(type(self).__record_fields__, state, strict=True):
        object.__setattr__(self, name, value)


def to_data(obj: Any) -> Any:
    """A record tree as JSON-ready data: records become ``{"$record": "module:Class", ...}``,
    tuples become lists, paths strings; ``from_data`` builds it back."""
    fields = getattr(type(obj), "__record_fields__", None)
    if fields is not None:
        out: dict[str, Any] = {"$record": f"{type(obj).__module__}:{type(obj).__qualname__}"}
        for name in fields:
            out[name] = to_data(getattr(obj, name))
        return out
    if isinstance(obj, dict):
        return {str(k): to_data(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_data(v) for v in obj]
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    if hasattr(obj, "__fspath__"):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not plain data")


def from_data(data: Any) -> Any:
    """The inverse of ``to_data``; only Conveyor's own records are built."""
    if isinstance(data, list):
        return [from_data(v) for v in data]
    if not isinstance(data, dict):
        return data
    tag = data.get("$record")
    values = {k: from_data(v) for k, v in data.items() if k != "$record"}
    if tag is None:
        return values
    module, _, name = str(tag).partition(":")
    if not module.startswith("conveyor."):
        raise ValueError(f"refusing to build {tag!r}: not a Conveyor record")
    import importlib

    cls = getattr(importlib.import_module(module), name)
    if not hasattr(cls, "__record_fields__"):
        raise ValueError(f"{tag!r} is not a record")
    return cls(**values)
