"""Credentials for rendered services with auth: the settings that configure them and the headers
that get a request through. One key and one secret for every test, so that a service restarted
by a test takes the same credentials."""

from __future__ import annotations

import json
import time

import jwt

API_KEY = "apiseed-tests-key-0123456789abcdef"
JWT_SECRET = "apiseed-tests-secret-0123456789abcdef"


def auth_settings(auth: str) -> dict[str, str]:
    """The settings (without the package prefix) that configure `auth`."""
    if auth == "api-key":
        return {"API_KEYS": json.dumps([API_KEY])}
    if auth == "jwt":
        return {"JWT_SECRET": JWT_SECRET}
    return {}


def credentials_for(auth: str) -> dict[str, str]:
    """The headers that let a request through `auth`."""
    if auth == "api-key":
        return {"x-api-key": API_KEY}
    if auth == "jwt":
        return {"authorization": f"Bearer {token()}"}
    return {}


def token(lifetime: float = 3600, **claims: object) -> str:
    """A JWT the services with auth=jwt accept (unless `claims` or `lifetime` spoil it)."""
    now = int(time.time())
    return jwt.encode({"sub": "tests", "exp": now + lifetime, **claims}, JWT_SECRET, "HS256")
