"""Typed configs from TOML files: model defaults, overlaid by a file, overlaid by explicit values.

Shared by the command line (flags are the explicit values) and the library (``sciReason.training`` stages
accept a TOML path or a dict), so it lives in the core package rather than in ``sciReason.cli``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sciReason.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

C = TypeVar("C", bound=BaseModel)

__all__ = ["load_toml", "resolve_config"]


def load_toml(path: Path | None, section: str | None = None) -> dict[str, Any]:
    """Read a TOML config file; ``section`` picks a table (e.g. ``[design]``) when the file has one."""
    if path is None:
        return {}
    p = Path(path).expanduser()
    if not p.is_file():
        raise ConfigError(f"config file {str(p)!r} does not exist")
    try:
        data = tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {str(p)!r} is not valid TOML: {exc}") from None
    if section and isinstance(data.get(section), dict):
        return dict(data[section])
    return data


def resolve_config(
    model: type[C], config_file: Path | None, flags: Mapping[str, Any], section: str | None = None
) -> C:
    """Build a config: model defaults, overlaid by the TOML file, overlaid by the flags actually given.

    Flags whose value is ``None`` were not given on the command line and do not override the file.
    """
    values = load_toml(config_file, section)
    values.update({k: v for k, v in flags.items() if v is not None})
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']} (got {err.get('input')!r})"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid {model.__name__}: {problems}") from None
