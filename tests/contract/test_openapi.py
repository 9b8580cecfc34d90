"""The OpenAPI documents of the FastAPI and the Flask service describe the same API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from tests.contract.conftest import Service

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("contract")]

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    503: "Service Unavailable",
}
# docs/wire-format.md: operation, its success status and schema, its problem responses.
OPERATIONS = {
    ("/health/live", "get"): ("getLiveness", "200", "Health", []),
    ("/health/ready", "get"): ("getReadiness", "200", "Readiness", [503]),
    ("/api/v1/items", "get"): ("listItems", "200", "ItemPage", [422]),
    ("/api/v1/items", "post"): ("createItem", "201", "Item", [400, 413, 415, 422]),
    ("/api/v1/items/{item_id}", "get"): ("getItem", "200", "Item", [404, 422]),
    ("/api/v1/items/{item_id}", "put"): ("replaceItem", "200", "Item", [400, 404, 413, 415, 422]),
    ("/api/v1/items/{item_id}", "delete"): ("deleteItem", "204", None, [404, 422]),
}
SCHEMAS = {"Health", "Item", "ItemCreate", "ItemPage", "Problem", "Readiness", "ValidationIssue"}
# docs/wire-format.md, Authentication: the scheme each auth choice documents. Every operation but
# the health probes names it and may answer 401.
SECURITY_SCHEMES = {
    "api-key": {"ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
    "jwt": {"BearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
}
PUBLIC_PATHS = {"/health/live", "/health/ready"}


@pytest.fixture(scope="module")
def documents(services: list[Service]) -> dict[str, dict[str, Any]]:
    found = {}
    for service in services:
        response = httpx.get(f"{service.url}/openapi.json")
        assert response.status_code == 200, service.name
        assert response.headers["content-type"] == "application/json", service.name
        found[service.name] = response.json()
    return found


def test_every_document_is_valid_openapi_3_1(documents: dict[str, dict[str, Any]]) -> None:
    for name, document in documents.items():
        assert document["openapi"].startswith("3.1."), name
        assert document["info"] == {"title": "Demo Service", "version": "0.1.0"}, name
        validate(document)


def without_auth(document: dict[str, Any]) -> dict[str, Any]:
    """The document as it would be without auth: no security, no 401 responses."""
    paths = {
        path: {
            method: {
                **{key: value for key, value in operation.items() if key != "security"},
                "responses": {
                    code: response
                    for code, response in operation["responses"].items()
                    if code != "401"
                },
            }
            for method, operation in operations.items()
        }
        for path, operations in document["paths"].items()
    }
    return {**document, "paths": paths}


def assert_same_operations(
    name: str, document: dict[str, Any], reference_name: str, reference: dict[str, Any]
) -> None:
    assert set(document["paths"]) == set(reference["paths"]), (name, reference_name)
    for path, operations in reference["paths"].items():
        assert set(document["paths"][path]) == set(operations), (name, path)
        for method, operation in operations.items():
            # Parameters, request body, responses, operationId, summary, tags: everything.
            assert document["paths"][path][method] == operation, (
                name,
                reference_name,
                path,
                method,
            )


def test_the_documents_describe_the_same_operations(
    services: list[Service], documents: dict[str, dict[str, Any]]
) -> None:
    first = services[0]
    by_auth: dict[str, Service] = {}
    for service in services:
        reference = by_auth.setdefault(service.auth, service)
        document = documents[service.name]
        assert_same_operations(service.name, document, reference.name, documents[reference.name])
        # Auth changes nothing but the security requirements and the 401 responses.
        assert_same_operations(
            service.name, without_auth(document), first.name, without_auth(documents[first.name])
        )


def test_the_documents_share_their_schemas(documents: dict[str, dict[str, Any]]) -> None:
    (_, reference), *others = documents.items()
    assert set(reference["components"]["schemas"]) == SCHEMAS
    for name, document in others:
        assert document["components"]["schemas"] == reference["components"]["schemas"], name


def test_each_auth_choice_documents_its_scheme(
    services: list[Service], documents: dict[str, dict[str, Any]]
) -> None:
    for service in services:
        document = documents[service.name]
        schemes = document["components"].get("securitySchemes")
        assert schemes == SECURITY_SCHEMES.get(service.auth), service.name
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                expected: list[dict[str, list[str]]] | None = (
                    None
                    if service.auth == "none" or path in PUBLIC_PATHS
                    else [{name: []} for name in SECURITY_SCHEMES[service.auth]]
                )
                assert operation.get("security") == expected, (service.name, path, method)


def test_the_operations_are_those_of_the_wire_format(
    services: list[Service], documents: dict[str, dict[str, Any]]
) -> None:
    for service in services:
        name, document = service.name, documents[service.name]
        found = {
            (path, method): operation
            for path, operations in document["paths"].items()
            for method, operation in operations.items()
        }
        assert set(found) == set(OPERATIONS), name
        for key, (operation_id, success, schema, listed) in OPERATIONS.items():
            operation = found[key]
            authenticated = service.auth != "none" and key[0] not in PUBLIC_PATHS
            problems = sorted([*listed, 401]) if authenticated else listed
            assert operation["operationId"] == operation_id, (name, key)
            codes = {code for code in operation["responses"] if code >= "400"}
            assert codes == {str(status) for status in problems} | {"default"}, (name, key)
            # 405 and 500, which any operation may answer, are the shared default response.
            assert operation["responses"]["default"] == {
                "description": "Any other error",
                "content": PROBLEM,
            }, (name, key)
            for status in problems:
                assert operation["responses"][str(status)] == {
                    "description": TITLES[status],
                    "content": PROBLEM,
                }, (name, key, status)
            content = operation["responses"][success].get("content")
            if schema is None:
                assert content is None, (name, key)
            else:
                ref = {"$ref": f"#/components/schemas/{schema}"}
                assert content == {"application/json": {"schema": ref}}, (name, key)


def test_the_parameters_of_the_sample_resource(documents: dict[str, dict[str, Any]]) -> None:
    for name, document in documents.items():
        listing = document["paths"]["/api/v1/items"]["get"]["parameters"]
        item = document["paths"]["/api/v1/items/{item_id}"]["get"]["parameters"]
        body = document["paths"]["/api/v1/items"]["post"]["requestBody"]

        assert [(p["name"], p["in"], p["required"]) for p in listing] == [
            ("limit", "query", False),
            ("offset", "query", False),
        ], name
        limit = listing[0]["schema"]
        assert [limit[key] for key in ("type", "minimum", "maximum", "default")] == [
            "integer",
            1,
            100,
            20,
        ], name
        assert [(p["name"], p["in"], p["required"]) for p in item] == [("item_id", "path", True)], (
            name
        )
        assert body["required"] is True, name
        schema_ref = {"$ref": "#/components/schemas/ItemCreate"}
        assert body["content"] == {"application/json": {"schema": schema_ref}}, name


def test_the_schemas_say_exactly_what_is_accepted(documents: dict[str, dict[str, Any]]) -> None:
    for name, document in documents.items():
        item = document["components"]["schemas"]["ItemCreate"]["properties"]
        created = document["paths"]["/api/v1/items"]["post"]["responses"]["201"]

        assert item["name"]["minLength"] == 1, name
        assert item["name"]["maxLength"] == 100, name
        # Not whitespace only (the name is stored stripped), and no NUL.
        assert item["name"]["pattern"].startswith("^[^\\x00]*[^\\x00\t\n"), name
        assert item["price"]["exclusiveMinimum"] == 0, name
        assert item["tags"]["maxItems"] == 10, name
        assert created["headers"]["Location"]["schema"] == {"type": "string"}, name


def test_the_documents_leave_out_their_own_routes(documents: dict[str, dict[str, Any]]) -> None:
    for name, document in documents.items():
        assert not {"/openapi.json", "/docs", "/redoc"} & set(document["paths"]), name
