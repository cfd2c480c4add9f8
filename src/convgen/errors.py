"""One exception tree; the CLI maps each class to an exit code (cli.md)."""

from __future__ import annotations

from typing import Any, Union

from .i18n import Lang, Msg

Said = Union[str, Msg]
"""What an error says: one text in both languages, or one that reads the same in both."""


class ConvgenError(Exception):
    """Base of every error convgen reports to its user.

    The message, hint and problems are given as text in both languages (`Msg`) or as a
    plain text that reads the same in both (a path, a name); `message` is the French one,
    as logs and tests read it, and `text(lang)` the one the user asked for.
    """

    exit_code = 1

    def __init__(self, message: Said, hint: Said | None = None) -> None:
        self.said = _msg(message)
        self.hinted = None if hint is None else _msg(hint)
        super().__init__(self.said.fr)

    @property
    def message(self) -> str:
        return self.said.fr

    @property
    def hint(self) -> str | None:
        return None if self.hinted is None else self.hinted.fr

    def text(self, lang: Lang = "fr") -> str:
        return self.said.get(lang)

    def hint_text(self, lang: Lang = "fr") -> str | None:
        return None if self.hinted is None else self.hinted.get(lang)

    def problem_texts(self, lang: Lang = "fr") -> list[str]:
        return [_msg(problem).get(lang) for problem in getattr(self, "problems", [])]

    def __reduce__(self):
        # Errors raised in a worker process travel back to the parent by pickling.
        return (type(self), (self.said, self.hinted))


def _msg(text: Said) -> Msg:
    return text if isinstance(text, Msg) else Msg(text, text)


class Bilingual:
    """Mixin of an exception of a library's kind (Jinja's, OSError, …) that carries its text
    in both languages as `said`; its message, as the library shows it, is the French one.
    Later arguments go to the library's exception as they are."""

    def __init__(self, said: Msg, *more: Any) -> None:
        super().__init__(said.fr, *more)  # type: ignore[call-arg]
        self.said = said
        self._more = more

    def __reduce__(self):
        # Rebuilt from the same arguments when it crosses from a worker process.
        return (type(self), (self.said, *self._more))


class UsageError(ConvgenError):
    """The command line itself is wrong: bad option, missing file, PATH matching nothing."""

    exit_code = 2


class ExternalToolError(ConvgenError):
    """A component outside convgen (LibreOffice, …) is missing or failed."""

    exit_code = 3


class ClashError(UsageError):
    """Inputs of a run would write the same documents: said before anything is written.

    `problems` names each pair of inputs; the message, the first.
    """

    def __init__(self, message: Said, hint: Said | None = None, problems: list[Said] | None = None) -> None:
        super().__init__(message, hint)
        self.problems = problems or []

    def __reduce__(self):
        return (type(self), (self.said, self.hinted, self.problems))


class TemplateError(UsageError):
    """A DOCX template is unusable: not a DOCX, Jinja syntax error, unknown name.

    `problems` lists each one with the Word text around it, so that the message can
    say where to look in Word rather than in XML.
    """

    def __init__(self, message: Said, hint: Said | None = None, problems: list[Said] | None = None) -> None:
        super().__init__(message, hint)
        self.problems = problems or []

    def __reduce__(self):
        return (type(self), (self.said, self.hinted, self.problems))


class Interrupted(ConvgenError):
    """Ctrl-C or SIGTERM stopped a run between two agreements.

    `done` holds what was finished (each agreement whole: all its copies or none);
    the caller reports it. The exit code is the shell's for that signal (130, 143).
    """

    def __init__(self, signum: int, done: list, total: int, checking: bool = False) -> None:
        super().__init__(M_INTERRUPTED)
        self.signum = signum
        self.done = done
        self.total = total
        # Stopped before every agreement was checked: nothing was put in OUT, since the
        # rules across agreements had not yet passed.
        self.checking = checking
        self.exit_code = 128 + signum

    def __reduce__(self):
        return (type(self), (self.signum, self.done, self.total, self.checking))


M_INTERRUPTED = Msg("interrompu.", "interrupted.")


INTERNAL_EXIT = 70
"""Exit code of an internal error, a bug of convgen rather than a problem of its input or
its command line: BSD's EX_SOFTWARE (sysexits.h, "internal software error"), so that a
script tells it apart from 1, an agreement with errors, and never takes a crash for a
verdict on the agreements."""


class InternalError(Exception):
    """A bug met in a worker process, carried back to the run by its kind alone: the
    exception itself may not survive pickling, and its message may hold personal data."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind
