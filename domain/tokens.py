"""Bearer tokens: random, shown once, stored only as a SHA-256 digest.

A slow password hash buys nothing here: the tokens carry 256 bits of entropy.
"""

import hashlib
import secrets

PREFIX = "trl_"


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
