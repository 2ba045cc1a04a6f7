"""Addresses as SMTP carries them: IDNA domains, and whether a local part needs SMTPUTF8.

The directory keeps an address as the county typed it (`hu@例子.测试`,
`马宏伟@qinglan.example`). On the wire a non-ASCII domain travels IDNA-encoded
(`xn--...`), which every server understands; a non-ASCII local part has no
ASCII form at all and can only go to a server that offers SMTPUTF8 (RFC 6531).
"""

from __future__ import annotations

import idna


class AddressError(ValueError):
    """An address that cannot be put on the wire, with the reason in plain words."""


def wire_address(addr: str) -> tuple[str, bool]:
    """`addr` with its domain IDNA-encoded, and True when its local part needs SMTPUTF8."""
    local, at, domain = addr.strip().rpartition("@")
    if not at or not local or not domain:
        raise AddressError(f"{addr!r} is not an e-mail address (no local part or domain)")
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise AddressError(f"the domain of {addr!r} cannot be IDNA-encoded: {exc}") from None
    if any(c in local + domain for c in " \t\r\n<>\"(),;"):
        raise AddressError(f"{addr!r} contains a character an address cannot carry unquoted")
    return f"{local}@{domain}", not local.isascii()
