"""Accounts as plain data: what ``accounts()`` lists and ``add_account()`` takes, for the
control API and ``bizauth serve --account``."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._redact import secret
from ..errors import UsageTypeError, UsageValueError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .._types import JSONObject, JSONView

__all__ = ["account_data", "account_fields"]


def account_fields(
    fields: JSONView, kinds: Mapping[str, Iterable[str]], default: str, vendor: str
) -> tuple[str, JSONObject]:
    """An account's ``kind`` and its other fields from plain data, checked against what
    each kind takes (``kinds``: kind -> field names)."""
    if not isinstance(fields, Mapping):
        raise UsageTypeError(f"an account is an object of fields, not {type(fields).__name__}")
    kind = fields.get("kind", default)
    if kind not in kinds:
        raise UsageValueError(f"a {vendor} account's kind is one of {sorted(kinds)}, not {kind!r}")
    given = {k: v for k, v in fields.items() if k != "kind"}
    allowed = list(kinds[kind])
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise UsageValueError(
            f"a {vendor} {kind} has no field {', '.join(map(repr, unknown))}; "
            f"it takes: {', '.join(allowed)}"
        )
    return kind, given


def account_data(kind: str, account: Any) -> JSONObject:
    """An account dataclass as plain data, credentials included but held masked: they
    serialize (JSON, comparisons) as themselves and show as ``***`` in a ``repr``."""
    fields = dataclasses.asdict(account)
    return {
        "kind": kind,
        **{k: secret(v) if k.lower() in _CREDENTIALS else v for k, v in fields.items()},
    }


#: The fields of an account that are credentials.
_CREDENTIALS = frozenset({"password", "secret", "token"})
