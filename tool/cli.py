"""The ``stepping-stones`` command: one group, subcommands owned by their features."""

from __future__ import annotations

import importlib

import click
from flask import Flask

# Modules that expose a click command or group named ``command``.
SUBCOMMANDS = (
    "tool.generation.cli",
    "tool.lti.cli",
    "tool.db_cli",
    "tool.demo",
)


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
