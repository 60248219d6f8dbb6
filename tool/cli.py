"""The ``stepping-stones`` command: one group, subcommands owned by their features."""

from __future__ import annotations

import importlib

import click
from flask import Flask

# Modules that expose their click commands and groups as a tuple named ``commands``.
SUBCOMMANDS = (
    "tool.generation.cli",
    "tool.generation.ladders.cli",
    "tool.lti.cli",
    "tool.admin.cli",
    "tool.db_cli",
    "tool.demo",
)


def app_for_command() -> Flask:
    """An app built from settings for a CLI command; its database pool closes with the command."""
    from tool import create_app

    app = create_app()
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(app.extensions["db_engine"].dispose)
    return app


@click.group()
def main() -> None:
    """Stepping Stones: self-efficacy sequences for students who avoid a skill."""


def _register() -> None:
    for name in SUBCOMMANDS:
        for command in importlib.import_module(name).commands:
            main.add_command(command)


_register()


def init_app(app: Flask) -> None:
    """Expose the same commands under ``flask`` for operators used to it."""
    for command in main.commands.values():
        app.cli.add_command(command)
