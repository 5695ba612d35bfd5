"""The ``khqr_string`` init answers: an EMVCo merchant-presented QR payload, as KHQR
(Cambodia's national QR standard) writes it, for the transaction's amount and currency.

Each field is a tag of two digits, a length of two digits and the value; the payload
ends with tag 63, the CRC-16/CCITT-FALSE of everything before its value, as four
upper-case hex digits. The fields follow the vendor's init example: a dynamic QR
(tag 01 = ``12``), the merchant account (tag 30), the amount with the fee (tag 54)
and the fee itself (tags 55 and 56), the currency by its ISO 4217 number (tag 53), the
store and the merchant's reference (tag 62), and the creation time (tag 99).
"""

from __future__ import annotations

import binascii

__all__ = ["crc16", "khqr_string"]

#: ISO 4217 numeric codes of the currencies Bill24 takes.
CURRENCY_NUMBERS = {"KHR": "116", "USD": "840"}
#: The fake merchant's Bakong account, id and bank (invented).
ACCOUNT = "bizauth@fake"
MERCHANT_NAME = "BIZAUTH FAKE MERCHANT"
MERCHANT_CITY = "Phnom Penh"


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection (the
    standard library's ``crc_hqx`` started at 0xFFFF)."""
    return binascii.crc_hqx(data, 0xFFFF)


def _tag(tag: str, value: str) -> str:
    value = value[:99]
    return f"{tag}{len(value):02d}{value}"


def _amount(value: float) -> str:
    return f"{value:.2f}"


def khqr_string(
    *,
    identity_code: str,
    currency: str,
    total: float,
    fee: float,
    merchant_id: str,
    device_code: str,
    created_ms: int,
) -> str:
    """The payload for a transaction of ``total`` (the amount with its ``fee``)."""
    account = _tag("00", ACCOUNT) + _tag("01", merchant_id[:25]) + _tag("02", "BILL24")
    extra = _tag("03", "Bill24") + _tag("05", identity_code[:25])
    if device_code:
        extra += _tag("07", device_code[:25])
    fields = [
        _tag("00", "01"),
        _tag("01", "12"),
        _tag("30", account),
        _tag("52", "5999"),
        _tag("58", "KH"),
        _tag("59", MERCHANT_NAME),
        _tag("60", MERCHANT_CITY),
        _tag("54", _amount(total)),
        _tag("53", CURRENCY_NUMBERS[currency]),
    ]
    if fee:
        fields += [_tag("55", "02"), _tag("56", _amount(fee))]
    fields += [_tag("62", extra), _tag("99", _tag("00", str(created_ms)))]
    payload = "".join(fields) + "6304"
    return payload + f"{crc16(payload.encode()):04X}"
