"""The serve command's flags: one per setting of Settings' sections, named, described and constrained there."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from .errors import flag_name
from .settings import CONFIG_FILE_VARIABLE, Settings

# Flag groups of --help: one per section of Settings, whose fields are the flags.
FLAG_GROUPS = {"tic": "TIC sources", "web": "web", "log": "logs"}


def add_serve_flags(parser: argparse.ArgumentParser) -> None:
    """A flag per setting of Settings' sections, named, described and constrained there."""
    for section, title in FLAG_GROUPS.items():
        group = parser.add_argument_group(title)
        for name, field in Settings.model_fields[section].annotation.model_fields.items():
            options: dict[str, Any] = {"dest": f"{section}.{name}", "help": field.description}
            if get_origin(field.annotation) is Literal:
                options["choices"] = list(get_args(field.annotation))
            else:
                options["metavar"] = (field.json_schema_extra or {})["metavar"]
            if get_origin(field.annotation) is list:
                options["action"] = "append"
            group.add_argument(flag_name((section, name)), **options)
    parser.add_argument("--config.file", dest="config_file", metavar="FILE", type=Path, help=f"YAML file with any of the settings (tic:, web:, log:, prices:); also {CONFIG_FILE_VARIABLE}")
    parser.add_argument("--check-config", action="store_true", help="validate the configuration, print it, exit 0 if good and 1 if not")


def flags_to_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The flags given, as the nested dict Settings takes (absent flags stay absent)."""
    nested: dict[str, Any] = {}
    for key, value in vars(args).items():
        if "." not in key or value is None:
            continue
        section, name = key.split(".", 1)
        nested.setdefault(section, {})[name] = value
    return nested


def config_file_given(args: argparse.Namespace) -> Path | None:
    """--config.file, else the file named by the environment (blank: none)."""
    if args.config_file is not None:
        return args.config_file
    value = os.environ.get(CONFIG_FILE_VARIABLE, "").strip()
    return Path(value) if value else None
