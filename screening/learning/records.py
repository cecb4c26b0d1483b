"""Typed records that round-trip through JSON: the building blocks of the model card.

A :class:`Record` subclass is a dataclass whose fields are plain JSON values, tuples, dicts or
other records. ``from_dict`` tolerates what older files lack (missing keys take the field
default) and what they have extra (dropped, or kept in an ``extra`` field when the record has
one), so a card written by an older version still loads and is written back unchanged.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, TypeVar

R = TypeVar("R", bound="Record")


class Record:
    """Mixin of JSON round-tripping for dataclasses (see the module docstring)."""

    OMIT_NONE = True  # ``to_dict`` leaves out fields that are None (absent in older files)

    @classmethod
    def from_dict(cls: type[R], data: Any) -> R:
        if not isinstance(data, dict):
            raise ValueError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
        hints = typing.get_type_hints(cls)
        names = {f.name for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
        kwargs = {k: _value(hints[k], v) for k, v in data.items() if k in names and k != "extra"}
        if "extra" in names:
            kwargs["extra"] = {k: v for k, v in data.items() if k not in names}
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(getattr(self, "extra", None) or {})
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.name == "extra" or (value is None and self.OMIT_NONE):
                continue
            out[f.name] = plain(value)
        return out


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data (records via their ``to_dict``, tuples as lists)."""
    if isinstance(value, Record) or (
        dataclasses.is_dataclass(value) and not isinstance(value, type)
    ):
        return value.to_dict()  # type: ignore[union-attr]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _value(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _value(args[0], value) if len(args) == 1 else value
    if isinstance(tp, type) and issubclass(tp, Record):
        return tp.from_dict(value)
    if origin is tuple and isinstance(value, list | tuple):
        item = typing.get_args(tp)[0]
        return tuple(_value(item, v) for v in value)
    return value
