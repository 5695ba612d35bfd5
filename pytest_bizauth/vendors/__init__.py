"""The vendors pytest-bizauth fakes. Importing this package registers each one's spec;
a vendor is one subpackage and one line here."""

from __future__ import annotations

from . import bill24 as bill24, bizmail as bizmail

__all__ = ["bill24", "bizmail"]
