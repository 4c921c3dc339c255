"""Text from nodes shown to people: a program that goes FATAL writes its own
log lines, and its own name is in them, so what reaches a terminal has its
control characters (escape sequences, carriage returns, bidirectional
overrides) shown as visible escapes, never acted on."""

from __future__ import annotations

import re

_ACTS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: "re.Match[str]") -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{{{code:04x}}}"


def visible(text: str) -> str:
    """`text` with every control character but line breaks and tabs shown
    as `\\xNN` (`\\u{NNNN}` beyond one byte)."""
    return _ACTS.sub(_escape, text)
