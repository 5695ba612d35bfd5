"""Names for the shapes the package passes around, so that a signature says what it
holds: a JSON object is a body, a token's claims or an account as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["JSONObject", "JSONView"]

#: A JSON object: a request's or an answer's body, a token's claims, an account's
#: fields. Its values are whatever JSON holds.
JSONObject = dict[str, Any]
#: A JSON object that is only read.
JSONView = Mapping[str, Any]
