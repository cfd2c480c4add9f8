"""The command line: the only part of convgen that knows typer and rich."""

from convgen.cli.commands import Kind, app, main

__all__ = ["Kind", "app", "main"]
