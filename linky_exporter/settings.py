"""Settings of ``linky-exporter serve``: flags, environment variables and a YAML file.

Precedence: command-line flags, then ``LINKY_EXPORTER_*`` environment variables
(nested with ``__``: ``LINKY_EXPORTER_TIC__SOURCE``), then the YAML file given by
``--config.file`` (or ``LINKY_EXPORTER_CONFIG_FILE``), then defaults. Every value is validated here, so a bad one
stops the exporter at start with a message that names it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from .sources.spec import SourceSpec, parse_source
from .tic.framing import Mode

DEFAULT_PORT = 9798
_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?")


def parse_duration(value: Any) -> float:
    """Seconds from ``30s``, ``2m``, ``1h30m``, ``500ms`` or a bare number of seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            match = _DURATION.fullmatch(text)
            if match is None or not any(match.groups()):
                raise ValueError(f"{value!r} is not a duration such as 30s, 2m or 1h30m") from None
            h, m, s, ms = (float(g) if g else 0.0 for g in match.groups())
            seconds = h * 3600 + m * 60 + s + ms / 1000
    else:
        raise ValueError(f"{value!r} is not a duration such as 30s, 2m or 1h30m")
    if seconds <= 0:
        raise ValueError("a duration must be positive")
    return seconds


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TicSettings(_Section):
    source: Annotated[list[SourceSpec], NoDecode] = Field(default_factory=list)
    mode: Literal["auto", "historique", "standard"] = "auto"
    stale_after: float = 30.0

    @field_validator("source", mode="before")
    @classmethod
    def _sources(cls, value: Any) -> list[SourceSpec]:
        if isinstance(value, str):
            text = value.strip()
            # An environment variable holds a JSON list, or sources separated by commas/spaces.
            value = json.loads(text) if text.startswith("[") else [v for v in re.split(r"[\s,]+", text) if v]
        if not isinstance(value, list):
            raise ValueError("expected a list of [NAME=]URL")
        specs = [v if isinstance(v, SourceSpec) else parse_source(str(v)) for v in value]
        names = [spec.name for spec in specs]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"meter name {duplicates[0]!r} is given to more than one source: name them NAME=URL")
        return specs

    @field_validator("stale_after", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> float:
        return parse_duration(value)

    @property
    def fixed_mode(self) -> Mode | None:
        return None if self.mode == "auto" else Mode(self.mode)


class WebSettings(_Section):
    listen_address: str = f":{DEFAULT_PORT}"
    telemetry_path: str = "/metrics"
    config_file: Path | None = None

    @field_validator("listen_address")
    @classmethod
    def _address(cls, value: str) -> str:
        split_listen_address(value)
        return value

    @field_validator("telemetry_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/") or value in ("/", "/-/healthy", "/-/ready"):
            raise ValueError("must start with / and not be /, /-/healthy or /-/ready")
        return value


class LogSettings(_Section):
    level: Literal["debug", "info", "warn", "error"] = "info"
    format: Literal["logfmt", "json"] = "logfmt"


class PriceSettings(_Section):
    """Prices of one meter's contract, in euros, all taxes included (as on the bill)."""

    per_kwh: dict[int, float] = Field(default_factory=dict)  # supplier index -> EUR/kWh
    subscription_per_day: float | None = None

    @field_validator("per_kwh")
    @classmethod
    def _indexes(cls, value: dict[int, float]) -> dict[int, float]:
        for index, price in value.items():
            if not 1 <= index <= 10:
                raise ValueError(f"supplier index {index} is not between 1 and 10")
            if price < 0:
                raise ValueError(f"price of index {index} is negative")
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LINKY_EXPORTER_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    tic: TicSettings = Field(default_factory=TicSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    prices: dict[str, PriceSettings] = Field(default_factory=dict)  # meter name -> prices

    @model_validator(mode="after")
    def _prices_name_meters(self) -> Settings:
        names = {spec.name for spec in self.tic.source}
        for meter in self.prices:
            if names and meter not in names:
                raise ValueError(f"prices are given for meter {meter!r}, which no --tic.source names")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _CONFIG_FILE.get("path")
        if path is not None:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=path))
        return tuple(sources)


# The YAML file's path must be known before sources are built; load_settings sets it.
_CONFIG_FILE: dict[str, Path | None] = {}


class SettingsError(Exception):
    """A bad setting, with a one-line message that names it."""


def load_settings(flags: dict[str, Any], config_file: Path | None) -> Settings:
    """Build Settings from flags (nested dict of the flags given), environment and file."""
    if config_file is not None:
        if not config_file.is_file():
            raise SettingsError(f"--config.file: {config_file} does not exist or is not a file")
        try:
            import yaml

            loaded = yaml.safe_load(config_file.read_text())
        except (OSError, UnicodeDecodeError) as error:
            raise SettingsError(f"--config.file: cannot read {config_file}: {error}") from None
        except yaml.YAMLError as error:
            raise SettingsError(f"--config.file: {config_file} is not valid YAML: {' '.join(str(error).split())}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise SettingsError(f"--config.file: {config_file} must hold a mapping (tic:, web:, log:, prices:)")
    _CONFIG_FILE["path"] = config_file
    try:
        return Settings(**flags)
    except ValidationError as error:
        raise SettingsError(_one_line(error)) from None
    except ValueError as error:  # a source that cannot even be decoded (bad JSON in an env var)
        raise SettingsError(" ".join(str(error).split())) from None
    finally:
        _CONFIG_FILE.pop("path", None)


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    location = [str(part) for part in first["loc"] if not str(part).isdigit() or first["loc"][0] == "prices"]
    field = _flag_name(location)
    message = first["msg"].removeprefix("Value error, ")
    more = len(error.errors()) - 1
    return f"{field}: {message}" + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


def _flag_name(location: list[str]) -> str:
    if not location:
        return "configuration"
    if location[0] in ("tic", "web", "log") and len(location) > 1:
        return f"--{location[0]}.{location[1].replace('_', '-')}"
    return ".".join(location)


def split_listen_address(address: str) -> tuple[str, int]:
    """``[host]:port`` (``:9798``, ``127.0.0.1:9798``, ``[::1]:9798``) -> (host, port)."""
    host, sep, port_text = address.rpartition(":")
    if not sep or not port_text.isdigit():
        raise ValueError(f"{address!r} is not [host]:port, e.g. :{DEFAULT_PORT} or 127.0.0.1:{DEFAULT_PORT}")
    port = int(port_text)
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} is out of range")
    host = host.strip("[]")
    return host, port
