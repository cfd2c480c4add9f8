"""What reaches a terminal: text that comes from input is shown, never obeyed; and a
reader that goes away (`convgen render | head -1`) stops the output, not the work.

A YAML line, a file name, a campaign row's name or a CSV cell may hold characters a
terminal acts upon: ESC starts a sequence that can clear the screen, retitle the window
or rewrite lines already printed; a C1 control (U+0080–U+009F) does the same in one
character; a lone CR sends the cursor back over what was printed; a bidirectional
override prints a text in another order than it is written. Everything convgen prints
that comes from input goes through `visible`.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Any, TextIO

# C0 controls, DEL and C1 controls; the line and paragraph separators; the bidirectional
# embeddings, overrides and isolates (those values.py refuses in a value); lone surrogates,
# which is how Python holds a file name that is not UTF-8, and which no terminal can take.
_C0 = "\x00-\x1f"
_OTHERS = "\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


@functools.cache
def _unsafe(chars: str) -> re.Pattern[str]:
    # Compiled when first needed: a class beyond Latin-1 takes `re` a millisecond or so to
    # compile, which every start would pay for characters that nearly never come.
    return re.compile(f"[{chars}]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:
        # A byte of a file name that is not UTF-8 (surrogateescape): shown as that byte.
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every character a terminal would act upon written as a Python escape
    (`\\x1b`, `\\r`, `\\u202e`); the rest, accents and other scripts included, as it is.

    A backslash stays as it is: a quoted line shows the file as written, and a `\\x1b`
    typed in a double-quoted YAML value is harmless text either way."""
    if text.isprintable():  # nearly always, at C speed; false also for a no-break space, kept below
        return text
    return _unsafe(_C0 + _OTHERS).sub(_escape, text)


def json_visible(text: str) -> str:
    """A JSON text with the characters `visible` escapes written as JSON escapes (`\\u009b`):
    the same JSON, read back to the same values, that a terminal shows without obeying and
    that any encoding can write. JSON's structure is ASCII, so they can only be inside strings."""
    if text.isascii():
        return text
    # json.dumps has escaped C0 controls already; with ensure_ascii=False (so that accents
    # stay readable) it leaves the others as they are.
    return _unsafe(_OTHERS).sub(lambda match: f"\\u{ord(match.group()):04x}", text)


class QuietStream:
    """A standard stream that goes quiet once its reader has gone.

    Python ignores SIGPIPE, so writing to a closed pipe raises BrokenPipeError wherever
    the write happens: amid a batch it would stop the documents being written, and at exit
    the interpreter complains about what it could not flush. As with `git log | head -1`,
    nothing more is printed, quietly; unlike git (killed by SIGPIPE), the run goes on to
    write every document and the report, and ends with its own exit code.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if self.gone:
            return len(text)
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._reader_gone()
            return len(text)

    def flush(self) -> None:
        if self.gone:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._reader_gone()

    def _reader_gone(self) -> None:
        self.gone = True
        # What is still buffered goes to /dev/null rather than to the closed pipe: else the
        # stream's last flush, when the interpreter exits, would fail and be reported.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, self._stream.fileno())
            finally:
                os.close(devnull)
        except (OSError, ValueError):
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
