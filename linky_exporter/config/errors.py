"""Turning a refused setting into one line a person can act on.

pydantic's messages name a location (``tic.stale_after``) and a type
(``Input should be a valid dictionary or instance of TicSettings``). The
operator wrote a flag, an environment variable or a key in a file: the line
names the one they wrote, says what was expected in plain words, and for a
misspelt key or choice suggests the nearest known one. The exporter's settings
(:func:`describe_validation_error`) and the web configuration file
(:func:`describe_file_error`) are described by the same words.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

_FLAG_NAMES = {("web", "config_file"): "--web.config.file"}
_EXPECTED = {
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "string_type": "text (quote it in YAML)",
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "list_type": "a list",
    "path_type": "a file's path",
}


def describe_validation_error(
    error: ValidationError,
    settings_cls: type[BaseModel],
    flags: dict[str, Any],
    file_values: dict[str, Any] | None,
    config_file: Path | None,
    prefix: str,
) -> str:
    """The first problem of ``error`` as one line, naming where the value came from."""
    problems = error.errors(include_url=False)
    first = problems[0]
    location = tuple(str(part) for part in first["loc"])
    more = len(problems) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    if first["type"] == "extra_forbidden":
        return _unknown_key(settings_cls, location, file_values, config_file, prefix) + suffix
    where = _where(location, flags, file_values, config_file, prefix)
    return f"{where}: {_message(first)}{suffix}"


def describe_file_error(error: ValidationError, model: type[BaseModel]) -> str:
    """The first problem of ``error`` as one line naming its key, for a file checked against ``model``."""
    first = error.errors(include_url=False)[0]
    location = tuple(str(part) for part in first["loc"])
    where = ".".join(location)
    if first["type"] == "extra_forbidden":
        *parents, key = location
        known = _known_keys(model, list(parents)) or []
        guess = _close_matches(key, known)
        hint = f" (did you mean {guess[0]}?)" if guess else ""
        return f"{where}: unknown key{hint} (known here: {', '.join(known)})"
    return f"{where}: {_message(first)}" if where else _message(first)


def unknown_environment_variable(prefix: str, settings_cls: type[BaseModel]) -> str | None:
    """A message for the first ``PREFIX_SECTION__NAME`` variable that sets nothing, else None.

    pydantic-settings ignores such a variable: a typo (``..._TIC__STALE_AFTR``)
    would silently leave the default in place. Variables without ``__`` are left
    alone: other tools may use the prefix (``LINKY_EXPORTER_ARGS`` in the unit).
    """
    for name in sorted(os.environ):
        if not name.upper().startswith(prefix) or "__" not in name:
            continue
        parts = name[len(prefix) :].lower().split("__")
        known = _known_keys(settings_cls, parts[:-1])
        if known is not None and parts[-1] not in known:
            guess = _close_matches(parts[-1], known)
            hint = f" (did you mean {prefix}{'__'.join([*parts[:-1], guess[0]]).upper()}?)" if guess else ""
            return f"{name}: the exporter has no such setting{hint}"
    return None


def undecodable_variable(error: ValueError, prefix: str) -> str:
    """pydantic-settings' "error parsing value for field "prices" ..." as a line naming the variable."""
    match = re.search(r'field "([^"]+)" from source "EnvSettingsSource"', str(error))
    if match is None:
        return " ".join(str(error).split())
    start = prefix + match[1].upper()
    names = sorted(name for name in os.environ if name.upper().startswith(start))
    name = names[0] if names else start
    return f"{name}: is not valid JSON (a mapping or a list in a variable is written in JSON, e.g. {{\"1\": 0.2}})"


def _known_keys(model: type[BaseModel], path: list[str]) -> list[str] | None:
    """The keys allowed below ``path``: None for any key (meter names under prices), [] for none."""
    level: Any = model
    for part in path:
        if isinstance(level, _DictOf):
            level = level.inner  # any key (a meter's name) leads to the model
            continue
        if not isinstance(level, type):
            return None if level == "any" else []
        field = level.model_fields.get(part)
        if field is None:
            return []
        level = _level_of(field.annotation)
    if isinstance(level, _DictOf) or level == "any":
        return None
    return list(level.model_fields) if isinstance(level, type) else []


class _DictOf:
    def __init__(self, inner: type[BaseModel]):
        self.inner = inner


def _level_of(annotation: Any) -> Any:
    """A model, _DictOf(model) for dict[str, model], "any" for another dict, None for a value."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    args = getattr(annotation, "__args__", ())
    models = [arg for arg in args if isinstance(arg, type) and issubclass(arg, BaseModel)]
    if models and type(None) in args:  # Model | None
        return models[0]
    if getattr(annotation, "__origin__", None) is dict and len(args) == 2:
        inner = args[1]
        return _DictOf(inner) if isinstance(inner, type) and issubclass(inner, BaseModel) else "any"
    return None


def _unknown_key(
    settings_cls: type[BaseModel], location: tuple[str, ...], file_values: Any, config_file: Path | None, prefix: str
) -> str:
    *parents, key = location
    known = _known_keys(settings_cls, list(parents)) or []
    guess = _close_matches(key, known)
    hint = f" (did you mean {'.'.join([*parents, guess[0]])}?)" if guess else ""
    listing = f"; known: {', '.join(known)}" if known and not guess else ""
    dotted = ".".join(location)
    if file_values is not None and _has(file_values, location):
        return f"--config.file {config_file}: unknown setting {dotted}{hint}{listing}"
    variable = _variable_setting(location, prefix)
    origin = variable if variable else "configuration"
    return f"{origin}: unknown setting {dotted}{hint}{listing}"


def _where(location: tuple[str, ...], flags: dict[str, Any], file_values: Any, config_file: Path | None, prefix: str) -> str:
    """The flag, variable or file key the refused value came from (the same precedence as Settings)."""
    if "[key]" in location:  # a refused key: name the mapping that holds it
        location = location[: location.index("[key]") - 1]
    keys = location
    if not keys:
        return "configuration"  # a rule across settings: its message names them
    if len(keys) >= 2 and keys[0] in ("tic", "web", "log"):
        keys = keys[:2]  # a list's index or a validator's detail below a flag is not the operator's word
    if _has(flags, keys):
        return flag_name(keys)
    variable = _variable_setting(keys, prefix)
    if variable:
        return variable
    if file_values is not None and _has(file_values, keys):
        return f"{'.'.join(keys)} in {config_file}"
    return flag_name(keys) if len(keys) == 2 and keys[0] in ("tic", "web", "log") else ".".join(keys) or "configuration"


def flag_name(keys: tuple[str, ...]) -> str:
    """The flag of a setting (``--tic.stale-after`` for tic.stale_after); else its dotted name."""
    if len(keys) == 2 and keys[0] in ("tic", "web", "log"):
        return _FLAG_NAMES.get(keys, f"--{keys[0]}.{keys[1].replace('_', '-')}")
    return ".".join(keys)


def _variable_setting(keys: tuple[str, ...], prefix: str) -> str | None:
    """The environment variable that sets ``keys`` or one of its parents (as JSON), if any."""
    upper = {name.upper(): name for name in os.environ}
    for depth in range(len(keys), 0, -1):
        name = prefix + "__".join(keys[:depth]).upper()
        if name in upper:
            return upper[name]
    return None


def _has(values: Any, keys: tuple[str, ...]) -> bool:
    for key in keys:
        if not isinstance(values, dict):
            return False
        match = [k for k in values if str(k) == key]
        if not match:
            return False
        values = values[match[0]]
    return True


def _message(problem: dict[str, Any]) -> str:
    kind = problem["type"]
    value = problem.get("input")
    if kind == "value_error":
        return " ".join(problem["msg"].removeprefix("Value error, ").split())
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", problem.get("ctx", {}).get("expected", ""))
        if value is None or value == "":
            return f"is empty: give one of {', '.join(choices)}"
        guess = _close_matches(str(value), choices) if isinstance(value, str) else []
        hint = f" (did you mean {guess[0]}?)" if guess else ""
        return f"{describe_value(value)} is not one of {', '.join(choices)}{hint}"
    if kind in _EXPECTED:
        if "[key]" in problem["loc"]:
            return f"key {describe_value(value)} is not {_EXPECTED[kind]}"
        return f"expected {_EXPECTED[kind]}, got {describe_value(value)}"
    return " ".join(str(problem["msg"]).split())


def describe_value(value: Any) -> str:
    """A value as the operator would recognise it in their file."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _close_matches(word: str, choices: list[str]) -> list[str]:
    import difflib  # only when a setting is refused

    return difflib.get_close_matches(word, choices)
