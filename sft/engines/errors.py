"""The base of every engine error, so scripts can report any engine's failure as a clear message."""

from sft.errors import UserError


class EngineError(UserError, RuntimeError):
    """An engine cannot serve a request (unreachable service, bad checkpoint path, unsupported input)."""
