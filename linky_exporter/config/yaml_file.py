"""Reading a YAML configuration file with limits, so a hostile or broken file costs little.

A settings file is a few hundred bytes of nested mappings. Anything far from
that is refused with one line before it can cost time or memory: more than
MAX_BYTES, nesting deeper than MAX_DEPTH (a 5 000-deep file would otherwise end
in a RecursionError), more than MAX_NODES values, or any alias (``*name``: a
716-byte "billion laughs" file expands into gigabytes once validated, and a
configuration this small never needs one). Duplicate keys are refused too: YAML
would silently keep the last one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 1 << 20  # 1 MiB
MAX_DEPTH = 32
MAX_NODES = 10_000


class ConfigFileError(ValueError):
    """A configuration file that cannot be used, with a one-line message (without the file's name)."""


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """The mapping at the top of the YAML file ``path`` ({} for an empty file). Raises ConfigFileError."""
    text = _read_text(path)
    try:
        loaded = yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader with limits
    except _Refused as error:
        raise ConfigFileError(f"is refused: {_marked(error)}") from None
    except yaml.MarkedYAMLError as error:
        raise ConfigFileError(f"is not valid YAML: {_marked(error)}") from None
    except yaml.YAMLError as error:
        raise ConfigFileError(f"is not valid YAML: {' '.join(str(error).split())}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigFileError("must hold a mapping of settings (tic:, web:, log:, prices:), not a list or a value")
    return loaded


def _read_text(path: Path) -> str:
    try:
        # O_NONBLOCK: a FIFO given by mistake must not block the start for ever.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ConfigFileError("does not exist") from None
    except OSError as error:
        raise ConfigFileError(f"cannot be read: {error.strerror or error}") from None
    except ValueError as error:  # a NUL byte in the path
        raise ConfigFileError(f"is not a usable path: {error}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ConfigFileError("is a directory, not a file" if stat.S_ISDIR(mode) else "is not a regular file")
    with os.fdopen(fd, "rb") as stream:
        try:
            data = stream.read(MAX_BYTES + 1)
        except OSError as error:
            raise ConfigFileError(f"cannot be read: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise ConfigFileError(f"is larger than {MAX_BYTES >> 20} MiB: a settings file is a few hundred bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigFileError(f"is not UTF-8 text (byte 0x{data[error.start]:02x} on line {line})") from None


def _marked(error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    problem = error.problem or error.context or "cannot be parsed"
    return where + " ".join(problem.split())


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases, deep nesting, too many values and duplicate keys."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _refused(event, f"alias *{event.anchor} is not allowed: write the value out")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _refused(event, f"more than {MAX_NODES} values")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _refused(event, f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:  # type: ignore[override]
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: the constructor's own error says so
                break
            if duplicate:
                raise _Refused(None, None, f"key {key!r} is given twice", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that a settings file has no business holding."""


def _refused(event: yaml.Event, problem: str) -> _Refused:
    return _Refused(None, None, problem, event.start_mark)
