"""The base of every engine error, so scripts can report any engine's failure as a clear message."""


class EngineError(RuntimeError):
    """An engine cannot serve a request (unreachable service, bad checkpoint path, unsupported input)."""
