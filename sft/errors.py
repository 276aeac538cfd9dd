"""The one base class of user-facing errors, and the one way every command reports them.

A :class:`UserError` is something the person running a command can act on: a bad option, a dataset record, an
unknown checkpoint name, a corrupt registry, an unreachable service, a model that is not offered. Its message
says what is wrong and where (file, record, field, URL). Each error class of the project derives from it and from
the matching builtin (``ConfigError(UserError, ValueError)``), so callers can catch either.

Every command's ``main`` is wrapped in :func:`reports_user_errors`: a user error becomes one line on stderr,
``error: <message>``, and exit status :data:`EXIT_USER_ERROR`, never a traceback. Anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec

P = ParamSpec("P")

EXIT_USER_ERROR = 2  # as argparse exits on a bad command line


class UserError(Exception):
    """Something the user can fix; the message says what and where."""


def reports_user_errors(main: Callable[P, int]) -> Callable[P, int]:
    """Wrap a command's ``main``: a :class:`UserError` prints ``error: <message>`` and returns exit status 2."""

    @functools.wraps(main)
    def run(*args: P.args, **kwargs: P.kwargs) -> int:
        try:
            return main(*args, **kwargs)
        except UserError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USER_ERROR

    return run
