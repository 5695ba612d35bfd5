"""BizMail Delivery's contract as its client and its fake both read it: hosts, paths,
lifetimes, message texts and the limits of its field tables."""

from __future__ import annotations

__all__ = [
    "ACCESS_TTL",
    "ATTACHMENTS_LIMIT",
    "BASE_URL",
    "FROM_LIMIT",
    "FROM_NAME_LIMIT",
    "HOSTS",
    "MAIL_PATH",
    "REFRESH_PATH",
    "REFRESH_TTL",
    "SECRET",
    "TOKEN_PATH",
]

BASE_URL = "https://smtp-api.bizfly.vn"
HOSTS = ("smtp-api.bizfly.vn",)
#: Documented lifetimes: a day for access tokens, 90 days for refresh tokens.
ACCESS_TTL = 86_400
REFRESH_TTL = 7_776_000
#: The HS256 secret a :class:`~pytest_bizauth.FakeBizMail` signs with unless told otherwise.
SECRET = "pytest-bizauth/bizmail/hs256-test-secret/not-for-production"

TOKEN_PATH = "/api/1.0/auth/token"
REFRESH_PATH = "/api/1.0/auth/refresh"
MAIL_PATH = "/api/1.0/mail/store"

#: The longest ``from`` address and ``from_name`` the vendor's field tables allow.
FROM_LIMIT = 255
FROM_NAME_LIMIT = 255
#: Documented (mail/send): the attachments' total size must not exceed 20MB.
ATTACHMENTS_LIMIT = 20 * 1024 * 1024

# Documented bodies, verbatim.
CREDENTIALS_REQUIRED = "username and password are required"
INVALID_CREDENTIALS = "Invalid credentials"
INTERNAL_ERROR = "Internal server error"
REFRESH_REQUIRED = "refresh_token is required"
REFRESH_EXPIRED = "Refresh token expired"
REFRESH_INVALID = "Invalid refresh token"
USER_NOT_FOUND = "User not found"
TOKEN_INVALID = "Missing or invalid token"
TOKEN_EXPIRED = "Token expired"
# Invented bodies (the vendor documents the statuses, not the JSON): see docs/fidelity.md.
VALIDATION_ERROR = "Validation error"
#: Documented (mail/send): "400 Bad Request: Attachment too large".
ATTACHMENT_TOO_LARGE = "Attachment too large"
MAIL_STORED = "Mail stored"
MAIL_BODY = "send the mail as multipart/form-data"
