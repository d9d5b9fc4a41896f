"""Errors the engine raises, with messages written for the person who will read them."""


class EngineError(Exception):
    """An operation on a traced program failed; the message says why and what to do."""


class AttachError(EngineError):
    pass


class LaunchError(EngineError):
    pass
