"""Listing a collection: querystring, pages and their tokens.

:class:`Listing` is one of the parts :class:`~strato.resource.Resource` is
assembled from: it turns the querystring of a plural request into filters,
sorting and a page size, checks the ``_token`` of the next pages and builds
the ``Next-Page`` URL.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import urlencode

from pyramid.request import Request

from strato.components import get_components
from strato.errors import send_alert
from strato.resource.model import Model
from strato.resource.pagination import (
    TokenError,
    TokenSigner,
    build_pagination_rules,
    position_of,
    query_fingerprint,
)
from strato.resource.query import (
    FieldRules,
    QueryError,
    apply_fields,
    parse_fields,
    parse_filters,
    parse_limit,
    parse_sort,
)
from strato.storage import COMPARISON, Filter, Sort

__all__ = ["Listing"]


class Listing:
    """Querystring and pagination helpers of the plural views."""

    request: Request
    context: Any
    model: Model
    rules: FieldRules
    name: ClassVar[str]
    _shared_filter: Filter | None
    _fields: list[str] | None

    def _invalid(self, location: str, name: str | None, description: str) -> None:
        raise NotImplementedError  # pragma: no cover - provided by Resource

    @contextlib.contextmanager
    def _querystring_errors(self) -> Iterator[None]:
        try:
            yield
        except QueryError as exc:
            self._invalid("querystring", exc.name, exc.description)

    def _plural_query(self) -> tuple[list[Filter], list[Sort], int, bool]:
        params = self.request.GET
        with self._querystring_errors():
            filters = parse_filters(params.items(), self.rules)
            sorting = parse_sort(params.get("_sort"), self.rules)
            settings = self.request.registry.settings
            limit = parse_limit(
                params.get("_limit"),
                settings.get("paginate_by"),
                int(settings.get("storage_max_fetch_size", 10000)),
            )
            # Checked before anything is read or deleted: a bad ``_fields``
            # must not fail a plural DELETE after the deletion.
            self._fields = parse_fields(params.get("_fields"), self.rules)
        if not any(s.field == self.model.id_field for s in sorting):
            sorting.append(Sort(self.model.id_field, sorting[-1].direction))
        shared_ids = getattr(self.context, "shared_ids", None)
        if shared_ids is not None:
            # The caller may only see the objects shared with it.
            self._shared_filter = Filter(self.model.id_field, sorted(shared_ids), COMPARISON.IN)
            filters.insert(0, self._shared_filter)
        include_deleted = any(f.field == self.model.modified_field for f in filters)
        if "_to" in params:
            send_alert(self.request, "_to is deprecated, use _before instead")
        return filters, sorting, limit, include_deleted

    def _token_signer(self) -> TokenSigner:
        settings = self.request.registry.settings
        secret = settings.get("pagination_token_secret") or ""
        if not secret:
            base = str(settings.get("userid_hmac_secret") or "")
            secret = hashlib.sha256(f"strato-pagination:{base}".encode()).hexdigest()
        validity = int(settings.get("pagination_token_validity_seconds", 600))
        return TokenSigner(secret, validity)

    def _fingerprint(self, filters: list[Filter], sorting: list[Sort]) -> str:
        scope = f"{self.name}\x00{self.model.parent_id}\x00{self.request.prefixed_userid}"
        # The sharing filter is left out: objects shared with the caller while
        # it pages must not invalidate its token.
        asked = [f for f in filters if f is not self._shared_filter]
        return query_fingerprint(scope, asked, sorting)

    def _pagination_rules(
        self, filters: list[Filter], sorting: list[Sort], single_use: bool = False
    ) -> list[list[Filter]] | None:
        token = self.request.GET.get("_token")
        if token is None:
            return None
        try:
            position, nonce = self._token_signer().decode(
                token, self._fingerprint(filters, sorting)
            )
        except TokenError as exc:
            self._invalid("querystring", "_token", str(exc))
        if single_use:
            cache = get_components(self.request).cache
            if cache is None or cache.delete(nonce) is None:
                self._invalid("querystring", "_token", "_token was already used or has expired.")
        return build_pagination_rules(position, sorting)

    def _next_page(
        self,
        last: dict[str, Any],
        filters: list[Filter],
        sorting: list[Sort],
        limit: int,
        single_use: bool = False,
    ) -> str:
        signer = self._token_signer()
        token, nonce = signer.encode(
            position_of(last, sorting), self._fingerprint(filters, sorting)
        )
        if single_use:
            cache = get_components(self.request).cache
            if cache is not None:
                cache.set(nonce, "valid", signer.validity_seconds)
        params = [(k, v) for k, v in self.request.GET.items() if k not in ("_limit", "_token")]
        params += [("_limit", str(limit)), ("_token", token)]
        service = f"{self.name}-plural"
        matchdict = {k: v for k, v in (self.request.matchdict or {}).items() if k != "id"}
        url: str = self.request.route_url(service, **matchdict)
        return f"{url}?{urlencode(params)}"

    def _split_page(
        self, objects: list[dict[str, Any]], limit: int
    ) -> tuple[list[dict[str, Any]], bool]:
        """The page to answer, and whether a next page may hold more objects.

        One object more than the page is fetched to know. When the storage
        caps the fetch at the page size, a full page may be the last one: a
        ``Next-Page`` leading to an empty page is better than objects never
        listed.
        """
        if len(objects) > limit:
            return objects[:limit], True
        storage = get_components(self.request).storage
        cap = getattr(storage, "max_fetch_size", None)
        full = bool(objects) and cap is not None and len(objects) == limit >= cap
        return objects, full

    def _apply_fields(self, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self._fields is None:
            return objects
        return [apply_fields(o, self._fields, self.rules) for o in objects]
