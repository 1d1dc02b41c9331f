"""``GET /__api__`` is a valid OpenAPI 3.1 document that tells the truth."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from strato.testing import get_user_headers, make_webtest

SETTINGS = {
    "multiauth.policies": "basicauth",
    "article_create_principals": "system.Authenticated",
}
AUTH = get_user_headers("contract", "secret")
#: Objects that exist, so generated requests also reach real objects.
KNOWN_IDS = ("0b7c3f4e-8a5d-4c1e-9f2a-6d3b5e7a9c10", "5f1e2d3c-4b5a-4e6f-8a9b-0c1d2e3f4a5b")


@pytest.fixture(scope="module")
def app():
    return make_webtest("tests.views.contract_app", SETTINGS)


def test_document_is_valid_openapi_3_1(app):
    document = app.get("/__api__").json
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_document_is_public_and_lists_resources(app):
    document = app.get("/__api__").json
    assert "/articles" in document["paths"]
    assert "/articles/{id}" in document["paths"]
    assert "/notes/{id}" in document["paths"]
    assert document["components"]["securitySchemes"]["basicAuth"]["scheme"] == "basic"
    listing = document["paths"]["/articles"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"_sort", "_limit", "_token", "_since", "_fields"} <= names
    assert "412" in listing["responses"]


def test_hello_advertises_the_document(app):
    capabilities = app.get("/").json["capabilities"]
    assert capabilities["openapi"]["url"].endswith("/__api__")


def _schema():
    webtest_app = make_webtest("tests.views.contract_app", SETTINGS, prefixed=False)
    wsgi = webtest_app.app
    # Real objects to hit: some generated ids will exist.
    for object_id in KNOWN_IDS:
        webtest_app.put_json(f"/v1/articles/{object_id}", {"data": {"title": "t"}}, headers=AUTH)
        webtest_app.put_json(f"/v1/notes/{object_id}", {"data": {"text": "t"}}, headers=AUTH)
    config = schemathesis.Config()
    config.projects.default.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], database="none"
    )
    return schemathesis.openapi.from_wsgi("/v1/__api__", wsgi, config=config)


schema = _schema()


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_contract(case):
    """No 5xx, no undocumented status, every response matches the document."""
    if "id" in (case.path_parameters or {}) and len(str(case.path_parameters["id"])) % 2:
        case.path_parameters["id"] = KNOWN_IDS[0]
    case.call_and_validate(
        headers=dict(AUTH),
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            response_headers_conformance,
        ],
    )


@pytest.mark.parametrize("value", ["*'", "12", '"abc"', '"12', ""])
def test_malformed_preconditions_are_documented_400s(app, value):
    document = app.get("/__api__").json
    documented = document["paths"]["/articles/{id}"]["get"]["responses"]
    response = app.get(
        f"/articles/{KNOWN_IDS[0]}", headers={**AUTH, "If-Match": value}, expect_errors=True
    )
    assert response.status_code == 400
    assert str(response.status_code) in documented


@pytest.mark.parametrize("body", ["[]", '"text"', "42", "null"])
def test_non_object_bodies_are_documented_400s(app, body):
    response = app.post(
        "/articles", body, headers={**AUTH, "Content-Type": "application/json"}, expect_errors=True
    )
    assert response.status_code == 400
    assert response.json["errno"] == 107
