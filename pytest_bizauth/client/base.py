"""What a client shows its users whatever drives it: its flow's settings and cache."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from .flow import check_leeway, check_on_token

if TYPE_CHECKING:
    from .flow import AuthFlow, Cached, IssuedTokens

__all__ = ["ClientBase"]


class ClientBase:
    """A client is an auth flow (what to send, the cache) and a driver (how to send)."""

    def __init__(self, flow: AuthFlow, driver: Any) -> None:
        self._flow = flow
        self._driver = driver

    @property
    def timeout(self) -> Any:
        """How long the client waits for an answer (as its HTTP library takes it)."""
        return self._driver.timeout

    @timeout.setter
    def timeout(self, value: Any) -> None:
        self._driver.timeout = value

    @property
    def base_url(self) -> str:
        return self._flow.base_url

    @property
    def leeway(self) -> float:
        """Seconds before expiry at which the client renews its token."""
        return self._flow.leeway

    @leeway.setter
    def leeway(self, value: float) -> None:
        self._flow.leeway = check_leeway(value)

    @property
    def on_token(self) -> Callable[[IssuedTokens], None] | None:
        """Called with each token set the client receives."""
        return self._flow.on_token

    @on_token.setter
    def on_token(self, value: Callable[[IssuedTokens], None] | None) -> None:
        self._flow.on_token = check_on_token(value)

    @property
    def cached_tokens(self) -> Cached | None:
        """The token set in use (its ``repr`` masks the tokens), or ``None``."""
        return self._flow.cached

    @property
    def has_token(self) -> bool:
        return self._flow.cached is not None

    def forget_tokens(self) -> None:
        """Drop the cached tokens: the next call logs in."""
        self._flow.cached = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._flow.describe()})"
