"""One exception hierarchy for the clients and the fakes.

Every error carries data (the provider's message, the HTTP status, the endpoint) and
builds its text from it. None of them ever holds a password, a secret or a whole token.
"""

from __future__ import annotations

__all__ = [
    "BizAuthError",
    "BizAuthUsageError",
    "InvalidCredentialsError",
    "ProviderError",
    "RequestRejectedError",
    "TokenRejectedError",
    "UnknownNameError",
    "UsageTypeError",
    "UsageValueError",
]


class BizAuthError(Exception):
    """Base class of every error raised by pytest-bizauth's clients."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        endpoint: str | None = None,
        hint: str | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.endpoint = endpoint
        self.hint = hint
        self.code = code
        #: Seconds the provider asked the client to wait (its ``Retry-After``), if any.
        self.retry_after = retry_after

    def __str__(self) -> str:
        where = ""
        if self.endpoint is not None and self.status is not None:
            where = f" (HTTP {self.status} from {self.endpoint})"
        elif self.endpoint is not None:
            where = f" ({self.endpoint})"
        elif self.status is not None:
            where = f" (HTTP {self.status})"
        text = f"{self.message}{where}"
        return f"{text}. {self.hint}" if self.hint else text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, status={self.status!r}, "
            f"endpoint={self.endpoint!r})"
        )


class InvalidCredentialsError(BizAuthError):
    """The provider refused the username/password (or client id/secret) at login."""


class TokenRejectedError(BizAuthError):
    """A resource still answered 401 after the client refreshed its token and retried."""


class RequestRejectedError(BizAuthError):
    """The provider refused a well-authenticated request (a 4xx such as a validation error)."""


class ProviderError(BizAuthError):
    """The provider could not be used: 5xx, network failure, timeout, or an unexpected body.

    ``status`` is ``None`` when no HTTP response arrived (connection error, timeout).
    """


class BizAuthUsageError(Exception):
    """Base class of every error pytest-bizauth raises when it is used wrongly (a bad
    argument, an unknown endpoint or account). Each subclass is also the builtin
    exception a user would expect, so ``except ValueError`` keeps working."""


class UsageValueError(BizAuthUsageError, ValueError):
    """An argument has the right type but a value pytest-bizauth cannot take."""


class UsageTypeError(BizAuthUsageError, TypeError):
    """An argument has a type pytest-bizauth cannot take."""


class UnknownNameError(BizAuthUsageError, KeyError, ValueError):
    """A name (an endpoint, an account, a client id, a transaction) the fake does not
    know: a ``KeyError`` for a lookup, and a ``ValueError`` for an argument."""

    def __str__(self) -> str:
        # KeyError shows its argument's repr; the message reads better as it is.
        return str(self.args[0]) if self.args else ""
