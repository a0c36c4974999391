"""Domain refusals. The wire layer maps each kind to an HTTP status."""


class DomainError(Exception):
    """A rule of the booking model refused the operation. `key` names the message."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class NotFound(DomainError):
    """No such row, or one the caller may not see."""


class Forbidden(DomainError):
    """The row exists and is visible, but the caller may not do this to it."""


class Conflict(DomainError):
    """The row's current state does not allow the operation (e.g. a cancelled booking)."""


class Invalid(DomainError):
    """The request can never succeed on this row (e.g. accepting a plain appointment)."""


class ConcurrentChange(Exception):
    """Someone changed the row between our read and our write; the unit of work is retried."""


class PreconditionFailed(DomainError):
    """A conditional request's precondition (If-Match, If-Unmodified-Since, If-None-Match) is false
    for the row as the unit of work found it: nothing is written (RFC 9110 §13)."""
