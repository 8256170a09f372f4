"""The one reader of every input file sim takes (scenario, ``extends:`` base, dataset
config, ``.xosc``): regular files only (checked before the file is opened, and again on the
open descriptor), at most :func:`max_input_bytes` bytes, never a read that the file decides
the length of; then UTF-8 text without control characters (:func:`decode_text`).
"""

from __future__ import annotations

import codecs
import re

from sim.errors import ScenarioError
from sim.inputs import (
    DEFAULT_MAX_INPUT_BYTES,
    MAX_INPUT_ENV,
    InputRefused,
    env_limit,
    max_input_bytes,
    read_input,
)

__all__ = [
    "DEFAULT_MAX_INPUT_BYTES",
    "MAX_INPUT_ENV",
    "InputRefused",
    "decode_text",
    "env_limit",
    "max_input_bytes",
    "read_input",
]


# what the YAML spec allows in a stream (ruamel's reader says the same, without a line)
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def decode_text(data: bytes, display: str) -> str:
    """UTF-8 (an optional BOM dropped) without control characters; errors say line:col."""
    try:
        text = codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError as err:
        good = data[: err.start].decode("utf-8-sig", errors="replace")
        bad = _NON_PRINTABLE.search(good)  # report whichever problem comes first
        if bad is None:
            line, col = _line_col(good, len(good))
            raise ScenarioError(
                f"not UTF-8 text ({err.reason})", file=display, line=line, column=col
            ) from None
        text = good
    bad = _NON_PRINTABLE.search(text)
    if bad:
        line, col = _line_col(text, bad.start())
        raise ScenarioError(
            f"control character U+{ord(bad.group()):04X} is not allowed in YAML (binary data?)",
            file=display,
            line=line,
            column=col,
        )
    return text
