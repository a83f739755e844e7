"""Settings of ``linky-exporter serve``: flags, environment variables and a YAML file.

Precedence: command-line flags, then ``LINKY_EXPORTER_*`` environment variables
(nested with ``__``: ``LINKY_EXPORTER_TIC__SOURCE``), then the YAML file given by
``--config.file`` (or ``LINKY_EXPORTER_CONFIG_FILE``), then defaults. Every value is validated here, so a bad one
stops the exporter at start with a message that names it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from ..sources.spec import SourceSpec, parse_source, split_sources
from ..tic.framing import Mode
from .errors import describe_validation_error, describe_value, undecodable_variable, unknown_environment_variable
from .values import DEFAULT_PORT, Price, parse_duration, split_listen_address

ENV_PREFIX = "LINKY_EXPORTER_"
#: The variable that names the YAML file when --config.file is not given.
CONFIG_FILE_VARIABLE = f"{ENV_PREFIX}CONFIG_FILE"


class _Section(BaseModel):
    """A section of settings; each field is a flag of ``serve`` (--SECTION.FIELD), whose help is
    the field's description and whose metavar is in its json_schema_extra."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TicSettings(_Section):
    source: Annotated[list[SourceSpec], NoDecode] = Field(
        default_factory=list,
        description="a meter to read, repeatable: a device (/dev/serial0, /dev/ttyUSB0, /dev/serial/by-id/...), "
        "socket://HOST:PORT, rfc2217://HOST:PORT, file:///capture.tic[?pace=fast&loop=1], or "
        "simulated://MODE[?options]. NAME (default: linky) is the meter label.",
        json_schema_extra={"metavar": "[NAME=]URL"},
    )
    mode: Literal["auto", "historique", "standard"] = Field("auto", description="TIC mode (default: auto)")
    stale_after: float = Field(
        30.0,
        description="drop a meter's values after this long without a valid frame (default: 30s)",
        json_schema_extra={"metavar": "DURATION"},
    )

    @field_validator("source", mode="before")
    @classmethod
    def _sources(cls, value: Any) -> list[SourceSpec]:
        if isinstance(value, str):
            value = _source_list(value.strip())
        if not isinstance(value, list):
            raise ValueError(f"expected a list of [NAME=]URL, got {describe_value(value)}")
        for item in value:
            if not isinstance(item, (str, SourceSpec)):
                raise ValueError(f"each source is a [NAME=]URL string, got {describe_value(item)}")
        specs = [v if isinstance(v, SourceSpec) else parse_source(v) for v in value]
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


def _source_list(text: str) -> list[Any]:
    """A list given as one string (an environment variable): a JSON list, or see split_sources."""
    if not text.startswith("["):
        return split_sources(text)
    try:
        loaded = json.loads(text)
    except ValueError as error:
        raise ValueError(f"starts with [ but is not a JSON list: {error}") from None
    return loaded if isinstance(loaded, list) else [loaded]


class WebSettings(_Section):
    listen_address: str = Field(
        f":{DEFAULT_PORT}",
        description=f"address to listen on (default: :{DEFAULT_PORT})",
        json_schema_extra={"metavar": "[HOST]:PORT"},
    )
    telemetry_path: str = Field(
        "/metrics", description="path of the metrics (default: /metrics)", json_schema_extra={"metavar": "PATH"}
    )
    config_file: Path | None = Field(
        None,
        description="TLS, basic auth, headers and rate limit, in exporter-toolkit's format (docs/web-config.md)",
        json_schema_extra={"metavar": "FILE"},
    )
    max_connections: int = Field(
        default=64,
        ge=0,
        le=1_000_000,
        description="connections held at most; when full, a new one makes room from the address holding the most, "
        "never from an authenticated connection (default: 64, 0: no limit)",
        json_schema_extra={"metavar": "N"},
    )
    read_timeout: float = Field(
        10.0,
        description="time a client has for the TLS handshake and each request, and between keep-alive requests "
        "(default: 10s)",
        json_schema_extra={"metavar": "DURATION"},
    )

    @field_validator("read_timeout", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> float:
        return parse_duration(value)

    @field_validator("config_file", mode="before")
    @classmethod
    def _file(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("is empty: give a file's path, or leave the setting out")
        return value

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
    level: Literal["debug", "info", "warn", "error"] = Field("info", description="default: info")
    format: Literal["logfmt", "json"] = Field("logfmt", description="default: logfmt")


class Prices(_Section):
    """Prices of one meter's contract, in euros, all taxes included (as on the bill)."""

    per_kwh: dict[int, Price] = Field(default_factory=dict)  # supplier index -> EUR/kWh
    subscription_per_day: Price | None = None

    @field_validator("per_kwh")
    @classmethod
    def _indexes(cls, value: dict[int, float]) -> dict[int, float]:
        for index in value:
            if not 1 <= index <= 10:
                raise ValueError(f"supplier index {index} is not between 1 and 10")
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    tic: TicSettings = Field(default_factory=TicSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    prices: dict[str, Prices] = Field(default_factory=dict)  # meter name -> prices
    #: The parsed --config.file, bound by _with_file in a class made for one load.
    _file_values: ClassVar[dict[str, Any] | None] = None

    @model_validator(mode="after")
    def _prices_name_meters(self) -> Settings:
        names = {spec.name for spec in self.tic.source}
        for meter in self.prices:
            if names and meter not in names:
                raise ValueError(
                    f"prices are given for meter {meter!r}, which no --tic.source names (meters: {', '.join(sorted(names))})"
                )
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
        # Flags, then LINKY_EXPORTER_*, then the file (see _with_file).
        file = () if cls._file_values is None else (_ParsedFileSource(settings_cls, cls._file_values),)
        return (init_settings, env_settings, *file)


class _ParsedFileSource(PydanticBaseSettingsSource):
    """The settings of --config.file, parsed once by load_settings (with limits) and handed in."""

    def __init__(self, settings_cls: type[BaseSettings], values: dict[str, Any]):
        super().__init__(settings_cls)
        self.values = values

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self.values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.values)


def _with_file(values: dict[str, Any]) -> type[Settings]:
    """Settings whose last source, below flags and environment, is the parsed file ``values``.

    pydantic-settings asks a class for its sources, not an instance: the file's values
    are bound in a class made for this one load, rather than left in a global.
    """

    class SettingsWithFile(Settings):
        _file_values = values

    return SettingsWithFile


class SettingsError(Exception):
    """A bad setting, with a one-line message that names it."""


def load_settings(flags: dict[str, Any], config_file: Path | None) -> Settings:
    """Build Settings from flags (nested dict of the flags given), environment and file."""
    values: dict[str, Any] | None = None
    if config_file is not None:
        from .yaml_file import ConfigFileError, read_yaml_mapping  # PyYAML only when there is a file

        try:
            values = read_yaml_mapping(config_file)
        except ConfigFileError as error:
            raise SettingsError(f"--config.file: {config_file} {error}") from None
    problem = unknown_environment_variable(ENV_PREFIX, Settings)
    if problem:
        raise SettingsError(problem)
    try:
        return (Settings if values is None else _with_file(values))(**flags)
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error, Settings, flags, values, config_file, ENV_PREFIX)) from None
    except ValueError as error:  # a value pydantic-settings cannot even decode (bad JSON in a variable)
        raise SettingsError(undecodable_variable(error, ENV_PREFIX)) from None
