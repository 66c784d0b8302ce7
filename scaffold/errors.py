"""Errors raised by scaffold; only `scaffold.cli` turns them into exit codes.

ScaffoldError
 ├── GitError
 └── UserMessageError
      ├── InvalidAnswerError
      ├── DestinationError
      └── NoTerminalError
"""

from __future__ import annotations


class ScaffoldError(Exception):
    """Root of every error scaffold raises on purpose."""


class UserMessageError(ScaffoldError):
    """A problem the user can fix: print the one-line message and exit 2."""


class InvalidAnswerError(UserMessageError):
    """An answer (flag, name or default) failed its choices or validator."""


class DestinationError(UserMessageError):
    """The destination folder cannot be written as asked."""


class NoTerminalError(UserMessageError):
    """Questions remain but there is no terminal to ask them on."""


class GitError(ScaffoldError):
    """A git command failed; the message carries git's own words."""
