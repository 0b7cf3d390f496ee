"""The ``sciReason`` / ``scireason`` command line.

Each command group lives in its own module and registers itself on the root app through
``register(app)``. Command modules import heavy packages (torch, rdkit, optuna) only inside commands,
so ``sciReason --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

from sciReason.cli._common import EXIT_CODES, MARKUP_MODE

_EPILOG = "Exit codes: " + "; ".join(f"{code} {what}" for code, what in EXIT_CODES.items()) + "."

app = typer.Typer(
    name="sciReason",
    help="Scientific reasoning models: task functions, design campaigns, evaluation, serving and training.",
    epilog=_EPILOG,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold API keys
    add_completion=False,
    rich_markup_mode=MARKUP_MODE,
)


def _version(value: bool) -> None:
    if value:
        from sciReason import __version__

        typer.echo(f"sciReason {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = None,
) -> None:
    """Scientific reasoning models: task functions, design campaigns, evaluation, serving and training."""


# (module, what it adds). Each module exposes ``register(app: typer.Typer) -> None``.
_COMMAND_MODULES = (
    "sciReason.cli.tasks",  # tasks list / show
    "sciReason.cli.run",  # translate / extract / predict / classify / generate
    "sciReason.cli.oracles",  # oracles list / score
    "sciReason.cli.design",  # design
    "sciReason.cli.serve",  # serve
    "sciReason.cli.eval",  # eval
    "sciReason.cli.train",  # train pretrain|sft|coldstart|rl
)


def _register_all() -> None:
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # A command module still being written is skipped; any other missing import is a real bug.
            if exc.name != name:
                raise
            continue
        module.register(app)


_register_all()


def main() -> None:
    app()
