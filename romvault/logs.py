"""The log's format (settings.LOGGING): one record, one line."""

import logging

from romvault.text import printable


class Formatter(logging.Formatter):
    """Escapes control characters in the message: a logged file name or request value holding a
    newline would otherwise start a line that reads as a record of its own. A traceback, added
    after the message, keeps its lines."""

    def formatMessage(self, record):
        return printable(super().formatMessage(record))


class WithoutTraceback(logging.Filter):
    """Keeps a record's message and drops its traceback: for errors the client made, such as a
    request for a host name not in ALLOWED_HOSTS (Django logs each with 15 lines of its own
    code)."""

    def filter(self, record):
        record.exc_info = record.exc_text = None
        return True
