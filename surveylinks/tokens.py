"""The link's token: a random nonce (the row's key, never its id) signed with the secret key.

A tampered token fails the signature before any database lookup; a well-formed token that names no
link is as unknown as a tampered one (no enumeration).
"""

from __future__ import annotations

import secrets

from django.core import signing

SALT = "surveylinks.link"
_signer = signing.Signer(salt=SALT)


def new_nonce() -> str:
    return secrets.token_urlsafe(18)  # 144 random bits, 24 characters


def token_for(nonce: str) -> str:
    return _signer.sign(nonce)


def nonce_from(token: str) -> str | None:
    if not token or len(token) > 100:
        return None
    try:
        return _signer.unsign(token)
    except signing.BadSignature:
        return None
