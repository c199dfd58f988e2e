"""The OpenAPI schema is part of the repository: integrators read it, and a change to it is a decision.

When this fails, the code changed the API: regenerate with `make schema`, read the diff, and commit it.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.validation import validate_schema

COMMITTED = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.yaml"


def current_schema() -> bytes:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    return OpenApiYamlRenderer().render(schema, renderer_context={})


def test_the_committed_schema_is_the_one_the_code_serves() -> None:
    assert COMMITTED.read_bytes() == current_schema(), "The API changed: run `make schema` and commit the diff."


def test_every_operation_has_a_summary_and_the_bearer_scheme() -> None:
    schema = yaml.safe_load(COMMITTED.read_text())
    assert schema["components"]["securitySchemes"]["ApiClientToken"]["scheme"] == "bearer"
    for path, operations in schema["paths"].items():
        if path.startswith("/api/v1/schema") or path.startswith("/api/v1/docs"):
            continue
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
            assert {"ApiClientToken": []} in operation["security"], f"{method.upper()} {path}"


def test_bulk_operations_document_their_examples_and_idempotency_key() -> None:
    schema = yaml.safe_load(COMMITTED.read_text())
    for resource in ("pupils", "staff", "classes", "contacts"):
        operation = schema["paths"][f"/api/v1/{resource}/bulk/"]["post"]
        assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
        assert operation["requestBody"]["content"]["application/json"]["examples"]
