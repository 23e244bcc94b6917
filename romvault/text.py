"""Text from outside (file names, IGDB records, requests) made safe to show or to log."""

import re

# Characters that show nothing yet change how the text around them reads: bidi marks,
# embeddings, overrides and isolates (U+202E makes "RTL gnp.exe" display as "RTL exe.png"),
# zero-width spaces and joiners, word joiners and invisible operators, the BOM, tag characters.
INVISIBLE = (
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi
    "\u180e\u200b-\u200d\u2060-\u2064\u206a-\u206f\ufeff\U000e0000-\U000e007f"  # the others
)
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
# What would start a new line or move the cursor in a log, or hide or reorder its text.
_UNPRINTABLE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{INVISIBLE}]")


def strip_invisible(text: str) -> str:
    return _INVISIBLE.sub("", text)


def printable(text: str) -> str:
    """One line, shown as written: control and invisible characters escaped as in Python
    ("\\n", "\\x1b", "\\u202e"), everything else left alone."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
