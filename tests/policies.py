"""A plain Pyramid security policy for tests that replace strato's own."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request


class HeaderSecurityPolicy:
    """Authenticates the caller named by a request header; permits everything."""

    def __init__(self, header: str = "X-Test-User") -> None:
        self.header = header

    def identity(self, request: Request) -> str | None:
        return request.headers.get(self.header)

    def authenticated_userid(self, request: Request) -> str | None:
        return self.identity(request)

    def permits(self, request: Request, context: Any, permission: str) -> bool:
        return True

    def remember(self, request: Request, userid: str, **kw: Any) -> list[Any]:
        return []

    def forget(self, request: Request, **kw: Any) -> list[Any]:
        return []
