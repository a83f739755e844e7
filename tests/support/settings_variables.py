"""The LINKY_EXPORTER_ environment variables the settings read, for the tests of the files that set them."""

from __future__ import annotations

from linky_exporter.config.settings import Settings


def known_variables() -> set[str]:
    """Every LINKY_EXPORTER_ variable that sets a flag's value."""
    names = set()
    for section in ("tic", "web", "log"):
        model = Settings.model_fields[section].annotation
        names |= {f"LINKY_EXPORTER_{section.upper()}__{field.upper()}" for field in model.model_fields}
    return names
