"""Expand ``strategy.matrix`` into job combinations the way GitHub does.

Rules (docs: "Running variations of jobs in a workflow"):

- every key other than ``include``/``exclude`` is a vector (a non-empty list);
  combinations are the cartesian product, first key varying slowest;
- ``exclude`` entries remove combinations they partially match; their keys
  must be matrix keys;
- ``include`` runs after ``exclude``. For each entry, its keys that name
  original vectors must all match a combination (original values are never
  overwritten); its other keys are then added to that combination, and may
  overwrite values added by earlier entries. An entry that matches no original
  combination becomes a new combination of its own;
- at most 256 combinations.

Values are compared like GitHub's ``==`` operator (the runner builds filters as
``matrix['key'] == literal`` expressions): strings ignore case, mixed types
compare as numbers, objects are matched leaf by leaf. Matrix keys are
case-insensitive.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_COMBINATIONS = 256
MAX_DISPLAY_NAME = 100


class MatrixError(Exception):
    """A matrix GitHub would refuse to expand."""


# compiled on first use (re caches it), not by every start-up's import
_JSON_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"


def _to_number(v: Any) -> float:
    """GitHub's coercion: null 0, booleans 1/0, strings as JSON numbers ('' is 0)."""
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        s = v.strip()
        if s == "":
            return 0.0
        return float(s) if re.fullmatch(_JSON_NUMBER, s) else math.nan
    return math.nan


def loose_equal(a: Any, b: Any) -> bool:
    """GitHub's ``==`` for the values a matrix can hold."""
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        # objects and arrays are only equal to themselves
        return a is b
    if a is None and b is None:
        return True
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if isinstance(a, bool) and isinstance(b, bool):
        return a == b
    # differing types (or two numbers) compare as numbers; NaN equals nothing
    return _to_number(a) == _to_number(b)


def _get(mapping: dict[str, Any], key: str) -> tuple[bool, Any]:
    """Case-insensitive lookup; returns (found, value)."""
    if key in mapping:
        return True, mapping[key]
    folded = key.casefold()
    for k, v in mapping.items():
        if k.casefold() == folded:
            return True, v
    return False, None


def _leaf_match(actual: Any, wanted: Any) -> bool:
    """Does ``actual`` satisfy ``wanted``? Mappings in ``wanted`` match leaf by leaf."""
    if isinstance(wanted, dict):
        for k, w in wanted.items():
            got = _get(actual, k)[1] if isinstance(actual, dict) else None
            if not _leaf_match(got, w):
                return False
        return True
    if isinstance(wanted, list):
        raise MatrixError("a matrix filter value cannot be a sequence")
    return loose_equal(actual, wanted)


def _filter_matches(combo: dict[str, Any], flt: dict[str, Any]) -> bool:
    for k, w in flt.items():
        _, got = _get(combo, k)
        if not _leaf_match(got, w):
            return False
    return True


def _entries(matrix: dict[str, Any], name: str) -> list[dict[str, Any]]:
    found, raw = _get(matrix, name)
    if not found or raw is None:
        return []
    if not isinstance(raw, list):
        raise MatrixError(f"matrix '{name}' must be a sequence of mappings")
    for item in raw:
        if not isinstance(item, dict):
            raise MatrixError(f"matrix '{name}' items must be mappings, got {item!r}")
    return raw


def _vectors(matrix: dict[str, Any]) -> dict[str, list[Any]]:
    vectors: dict[str, list[Any]] = {}
    seen: set[str] = set()
    for key, value in matrix.items():
        if key.casefold() in ("include", "exclude"):
            continue
        if key.casefold() in seen:
            raise MatrixError(f"matrix key '{key}' is defined twice (keys ignore case)")
        seen.add(key.casefold())
        if not isinstance(value, list):
            raise MatrixError(f"matrix vector '{key}' must be a sequence, got {value!r}")
        if not value:
            raise MatrixError(f"Matrix vector '{key}' does not contain any values")
        vectors[key] = value
    return vectors


def expand_matrix(matrix: dict[str, Any]) -> list[dict[str, Any]]:
    """All combinations of ``matrix``, in the order GitHub creates the jobs."""
    if not isinstance(matrix, dict):
        raise MatrixError("matrix must be a mapping (evaluate expressions first)")
    vectors = _vectors(matrix)
    excludes = _entries(matrix, "exclude")
    includes = _entries(matrix, "include")
    folded_keys = {k.casefold() for k in vectors}

    for ex in excludes:
        if not ex:
            raise MatrixError("Matrix exclude filter must not be empty")
        for k in ex:
            if k.casefold() not in folded_keys:
                raise MatrixError(
                    f"Matrix exclude key '{k}' does not match any key within the matrix"
                )

    originals: list[dict[str, Any]] = []
    if vectors:
        names = list(vectors)
        # refused before it is expanded: a hostile product (20 keys of 10 values) must
        # not be enumerated; excludes can only remove so much of a product this size
        product = math.prod(len(v) for v in vectors.values())
        if product > MAX_COMBINATIONS * _EXCLUDE_HEADROOM:
            _check_size(product, exact=not excludes)
        for values in itertools.product(*vectors.values()):
            combo = dict(zip(names, values, strict=True))
            if not any(_filter_matches(combo, ex) for ex in excludes):
                originals.append(combo)
                if len(originals) > MAX_COMBINATIONS:  # includes only ever add more
                    _check_size(len(originals), exact=False)
        _check_size(len(originals))

    # extras are kept apart so an include can never overwrite an original value
    extras: list[dict[str, Any]] = [{} for _ in originals]
    added: list[dict[str, Any]] = []
    for entry in includes:
        flt = {k: v for k, v in entry.items() if k.casefold() in folded_keys}
        more = {k: v for k, v in entry.items() if k.casefold() not in folded_keys}
        hit = False
        for combo, extra in zip(originals, extras, strict=True):
            if _filter_matches(combo, flt):
                hit = True
                for k, v in more.items():
                    _put(extra, k, v)
        if not hit:
            added.append(dict(entry))

    result = [{**combo, **extra} for combo, extra in zip(originals, extras, strict=True)]
    result.extend(added)
    if not result:
        raise MatrixError("Matrix must define at least one vector")
    _check_size(len(result))
    return result


def _put(mapping: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` replacing any differently-cased spelling of it."""
    for k in list(mapping):
        if k.casefold() == key.casefold():
            del mapping[k]
    mapping[key] = value


# a product up to this many times the limit is enumerated, so that excludes can bring it
# under the limit as on GitHub; beyond that it is refused without enumerating
_EXCLUDE_HEADROOM = 64


def _check_size(n: int, *, exact: bool = True) -> None:
    if n > MAX_COMBINATIONS:
        count = f" ({n})" if exact else ""
        raise MatrixError(
            f"Strategy produced more than {MAX_COMBINATIONS} jobs{count}; "
            f"a matrix may generate at most {MAX_COMBINATIONS} jobs per workflow run"
        )


def format_number(n: int | float) -> str:
    """Render a number like GitHub's context data does (``3.10`` shows as ``3.1``)."""
    if isinstance(n, int):
        return str(n)
    if math.isnan(n):
        return "NaN"
    if math.isinf(n):
        return "Infinity" if n > 0 else "-Infinity"
    if n.is_integer() and abs(n) < 1e15:
        return str(int(n))
    text = f"{n:.15g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant}E{exp[0]}{int(exp[1:]):02d}"
    return text


def _leaves(value: Any) -> Iterator[str]:
    """Scalar values depth-first, as the runner's ``Traverse(omitKeys: true)``."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, bool):
        yield "true" if value else "false"
    elif isinstance(value, int | float):
        yield format_number(value)
    elif isinstance(value, str) and value:
        yield value


def matrix_label(combo: dict[str, Any]) -> str:
    """``"3.11, ubuntu-latest"``: scalar values in key order; objects flattened; nulls
    and empty strings skipped."""
    return ", ".join(_leaves(combo))


def job_display_name(job_name: str, combo: dict[str, Any]) -> str:
    """``"test (3.11, ubuntu-latest)"``, cut to GitHub's 100 characters."""
    label = matrix_label(combo)
    name = f"{job_name} ({label})" if label else job_name
    if len(name) > MAX_DISPLAY_NAME:
        name = name[: MAX_DISPLAY_NAME - 3] + "..."
    return name
