"""The Bot API reference as data: check requests against it and decode form-encoded parameters."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.testing.fake_telegram.limits import check_prose

PRIMITIVES = frozenset({"Integer", "Float", "String", "Boolean", "True", "InputFile"})
ARRAY = "Array of "
# The real Bot API still accepts a plain string where it documents an InputPollOption.
STRING_FORMS = {"InputPollOption": "text"}
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class FieldSpec:
    """One documented field: its name, the types it may take, and whether it is required."""

    name: str
    types: tuple[str, ...]
    required: bool


def default_spec_path() -> Path:
    """Return shared/telegram-bot-api/api.json from the nearest parent folder that has shared/."""
    here = Path(__file__).resolve().parent
    for folder in (here, *here.parents):
        candidate = folder / "shared" / "telegram-bot-api" / "api.json"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("no shared/telegram-bot-api/api.json above " + str(here))


@functools.lru_cache(maxsize=4)
def load_spec(path: Path | None = None) -> BotApiSpec:
    """Load and cache the Bot API reference at path (the shared copy by default)."""
    source = path or default_spec_path()
    return BotApiSpec(json.loads(source.read_text(encoding="utf-8")))


def check_request(method: str, params: Mapping[str, Any]) -> list[str]:
    """Return what is wrong with a call of method with params, per the shared reference."""
    return load_spec().check_request(method, params)


def decode_params(method: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Convert form-encoded values of a call to the JSON values the shared reference declares."""
    return load_spec().decode_params(method, raw)


def _fields(entries: list[dict[str, Any]]) -> dict[str, FieldSpec]:
    """Return the fields of a method or type keyed by name, in documented order."""
    return {
        entry["name"]: FieldSpec(entry["name"], tuple(entry["types"]), bool(entry["required"]))
        for entry in entries
    }


def _kind(value: Any) -> str:
    """Return the JSON kind of a value for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, dict):
        return "Object"
    return type(value).__name__


class BotApiSpec:
    """Methods and types of the Bot API with request checking and form decoding."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        """Index the methods, object types and union types of a parsed api.json."""
        self.version = str(data.get("version", ""))
        self.methods: dict[str, dict[str, FieldSpec]] = {}
        self.returns: dict[str, tuple[str, ...]] = {}
        for name, method in data["methods"].items():
            self.methods[name] = _fields(method.get("fields", []))
            self.returns[name] = tuple(method.get("returns", []))
        self.objects: dict[str, dict[str, FieldSpec]] = {}
        self.unions: dict[str, tuple[str, ...]] = {}
        for name, kind in data["types"].items():
            if kind.get("subtypes"):
                self.unions[name] = tuple(kind["subtypes"])
            else:
                self.objects[name] = _fields(kind.get("fields", []))
        self._canonical = {name.lower(): name for name in self.methods}

    def canonical(self, method: str) -> str | None:
        """Return the documented spelling of a method name (matched case-insensitively)."""
        return self._canonical.get(method.lower())

    def check_request(self, method: str, params: Mapping[str, Any]) -> list[str]:
        """Return human-readable problems of a call: unknown names, missing fields, bad values."""
        name = self.canonical(method)
        if name is None:
            return [f"unknown method {method}"]
        return self._check_fields(name, self.methods[name], params, "", True)

    def check_value(self, value: Any, types: tuple[str, ...], *, strict: bool = True) -> list[str]:
        """Return problems of a value against any of types (strict: unknown fields count too)."""
        return self._check_any(value, types, "result", strict)

    def check_result(self, method: str, result: Any) -> list[str]:
        """Return problems of a method's result against its documented return types."""
        name = self.canonical(method)
        if name is None:
            return [f"unknown method {method}"]
        return self._check_any(result, self.returns[name], "result", False)

    def decode_params(self, method: str, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Convert form values (all strings, objects as JSON) to the types the method declares."""
        name = self.canonical(method)
        fields = self.methods.get(name, {}) if name else {}
        decoded: dict[str, Any] = {}
        for key, value in raw.items():
            spec = fields.get(key)
            if isinstance(value, str) and spec is not None:
                decoded[key] = self._decode(value, spec.types)
            else:
                decoded[key] = value
        return decoded

    def _decode(self, text: str, types: tuple[str, ...]) -> Any:
        """Return the first reading of text that fits one of types, trying String last."""
        for kind in sorted(types, key=lambda t: t == "String"):
            if kind in {"String", "InputFile"}:
                return text
            if kind == "Integer" and _INTEGER.fullmatch(text):
                return int(text)
            if kind == "Float":
                try:
                    return float(text)
                except ValueError:
                    continue
            if kind in ("Boolean", "True") and text.lower() in ("true", "false"):
                return text.lower() == "true"
            if kind not in PRIMITIVES:
                try:
                    loaded = json.loads(text)
                except ValueError:
                    continue
                if isinstance(loaded, list if kind.startswith(ARRAY) else dict):
                    return loaded
        return text

    def _check_fields(
        self,
        owner: str,
        fields: Mapping[str, FieldSpec],
        obj: Mapping[str, Any],
        path: str,
        strict: bool,
    ) -> list[str]:
        """Return problems of an object's fields against the fields its owner documents."""
        problems: list[str] = []
        for key, value in obj.items():
            where = f"{path}.{key}" if path else key
            spec = fields.get(key)
            if spec is None:
                if strict:
                    problems.append(f"unknown field {where}")
            elif value is not None:
                problems.extend(self._check_any(value, spec.types, where, strict))
        for spec in fields.values():
            if spec.required and obj.get(spec.name) is None:
                where = f"{path}.{spec.name}" if path else spec.name
                problems.append(f"missing required field {where}")
        if strict:
            problems.extend(check_prose(owner, obj, path))
        return problems

    def _check_any(self, value: Any, types: tuple[str, ...], path: str, strict: bool) -> list[str]:
        """Return the problems of the best-fitting type among types (none if any fits)."""
        fitting = [kind for kind in types if self._shape_fits(value, kind)]
        if not fitting:
            expected = " or ".join(types)
            return [f"field {path} must be {expected}, got {_kind(value)}"]
        best: list[str] | None = None
        for kind in fitting:
            problems = self._check_type(value, kind, path, strict)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
        return best or []

    def _shape_fits(self, value: Any, kind: str) -> bool:
        """Return whether value has the JSON kind that type needs (ignoring its contents)."""
        if kind == "Integer":
            return isinstance(value, int) and not isinstance(value, bool)
        if kind == "Float":
            return isinstance(value, int | float) and not isinstance(value, bool)
        if kind == "String":
            return isinstance(value, str)
        if kind == "Boolean":
            return isinstance(value, bool)
        if kind == "True":
            return value is True
        if kind == "InputFile":
            return True
        if kind.startswith(ARRAY):
            return isinstance(value, list)
        if kind in STRING_FORMS and isinstance(value, str):
            return True
        return isinstance(value, dict)

    def _check_type(self, value: Any, kind: str, path: str, strict: bool) -> list[str]:
        """Return problems inside a value whose shape already fits kind."""
        if kind in PRIMITIVES:
            return []
        if kind.startswith(ARRAY):
            inner = kind.removeprefix(ARRAY)
            problems: list[str] = []
            for index, item in enumerate(value):
                problems.extend(self._check_any(item, (inner,), f"{path}[{index}]", strict))
            return problems
        if kind in STRING_FORMS and isinstance(value, str):
            value = {STRING_FORMS[kind]: value}
        if kind in self.unions:
            return self._check_any(value, self.unions[kind], path, strict)
        fields = self.objects.get(kind)
        if not fields:
            return []
        return self._check_fields(kind, fields, value, path, strict)
