"""The option parser in French: its usage errors translated (it words them in English, so each
known form is matched, anything else shown as it is), its help's own words, and the language
of a command line known before the command runs (--lang, CONVGEN_LANG)."""

from __future__ import annotations

import os
import re
from typing import Any

import typer
import typer.core
from typer.core import TyperCommand, TyperGroup

from convgen.cli.terminal import visible

_UsageError = next(base for base in typer.BadParameter.__mro__ if base.__name__ == "UsageError")


class _FrenchUsageError(_UsageError):  # type: ignore[misc, valid-type]
    """A usage error of the option parser, said in French, laid out as the parser would."""

    def show(self, file: Any = None) -> None:
        lines = []
        if self.ctx is not None:
            lines.append(self.ctx.get_usage().strip())
            lines.append(f"Aide : {self.ctx.command_path} -h")
            lines.append("")
        # The message quotes the command line, which may hold a file name (a glob's).
        lines.append("Erreur : " + "\n".join(visible(line) for line in self.message.split("\n")))
        typer.echo("\n".join(lines), err=True)


# What the parser says, and how to say it in French; the parser's wording is its own
# (English), so each known form is matched and anything else is shown as it is.
_DETAILS = (
    (r"'(.*)' is not one of (.*?)\.?$", lambda m: f"« {m[1]} » n'est pas une valeur acceptée ; valeurs acceptées : {_unquote(m[2])}"),
    (r"Input should be greater than or equal to (\S+)", lambda m: f"un nombre supérieur ou égal à {m[1]} est attendu"),
    (r"Input should be less than or equal to (\S+)", lambda m: f"un nombre inférieur ou égal à {m[1]} est attendu"),
    (r"Input should be a valid integer", lambda m: "un nombre entier est attendu"),
    (r"Input should be a valid boolean", lambda m: "true ou false attendu"),
    (r"'(.*)' is not a valid (integer|int)", lambda m: f"« {m[1]} » : un nombre entier est attendu"),
)


_MESSAGES = (
    (r"No such command '(.*)'\.", lambda m: f"commande inconnue : « {m[1]} »"),
    (r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", lambda m: f"argument en trop : {m[1]}"),
    (r"Missing command\.", lambda m: "commande manquante"),
    (r"Option '(.*)' requires an argument\.", lambda m: f"l'option {m[1]} attend une valeur"),
    (r"Option '(.*)' does not take a value\.", lambda m: f"l'option {m[1]} ne prend pas de valeur"),
    (r"No such option: (\S+)(?: \(Possible options: (.*)\)| Did you mean (.*)\?)?", lambda m: _no_such_option(m)),
    (r"Missing (argument|option) (.*?)\.(?:\s*Choose from:\s*(.*))?$", lambda m: _missing(m)),
    (r"Invalid value for (.*?)(?: \(env var: .*?\))?: (.*)$", lambda m: f"valeur invalide pour {_unquote(m[1], '/')} : {_detail(m[2])}"),
    (r"Invalid value: (.*)$", lambda m: f"valeur invalide : {_detail(m[1])}"),
)


def _unquote(text: str, sep: str = ",") -> str:
    joint = ", " if sep == "," else f" {sep} "
    return joint.join(part.strip().strip("'\"") for part in text.replace("\n", " ").split(sep) if part.strip())


def _detail(text: str) -> str:
    text = text.removeprefix("Value error, ").strip()
    for pattern, said in _DETAILS:
        match = re.search(pattern, text, re.S)
        if match:
            return said(match)
    return text


def _no_such_option(match: Any) -> str:
    near = match[2] or match[3]
    return f"option inconnue : {match[1]}" + (f" (options proches : {_unquote(near)})" if near else "")


def _missing(match: Any) -> str:
    what = "argument" if match[1] == "argument" else "option"
    names = _unquote(match[2], "/").upper() if what == "argument" else _unquote(match[2], "/")
    return f"{what} manquant{'e' if what == 'option' else ''} : {names}" + (f" ({_unquote(match[3])})" if match[3] else "")


def _in_french(error: Any) -> Any:
    if isinstance(error, _FrenchUsageError) or type(error).__name__ == "NoArgsIsHelpError" or english_asked():
        return error
    english = error.format_message()
    for pattern, said in _MESSAGES:
        match = re.match(pattern, english, re.S)
        if match:
            return _FrenchUsageError(said(match), error.ctx)
    return _FrenchUsageError(english, error.ctx)


_argv: list[str] = []  # the command line being parsed, to know the language of its errors


def english_asked() -> bool:
    if os.environ.get("CONVGEN_LANG") == "en" or "--lang=en" in _argv:
        return True
    return any(arg == "--lang" and value == "en" for arg, value in zip(_argv, _argv[1:]))


class _French:
    """The help's own words in French: the usage line, the help option."""

    def format_usage(self, ctx: Any, formatter: Any) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix="Utilisation : ")  # type: ignore[attr-defined]

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = "Affiche cette aide et quitte."
        return option


# Section titles and notes typer writes in the help, through gettext.
_HELP_WORDS = {
    "Commands": "Commandes",
    "default: {default}": "défaut : {default}",
    "required": "obligatoire",
    "env var: {var}": "variable d'environnement : {var}",
}
if callable(getattr(typer.core, "_", None)):
    typer.core._ = lambda text: _HELP_WORDS.get(text, text)  # type: ignore[attr-defined]


class Command(_French, TyperCommand):
    pass


class Group(_French, TyperGroup):
    """Typer's command group, whose option parser reports usage errors in French."""

    def make_context(self, info_name: Any, args: Any, parent: Any = None, **extra: Any) -> Any:
        if parent is None:
            _argv[:] = args
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except _UsageError as error:
            raise _in_french(error) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _UsageError as error:
            raise _in_french(error) from None
