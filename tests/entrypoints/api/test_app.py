"""The application: factory, lifespan, and the OpenAPI document."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.entrypoints.api.conftest import API, DATABASE_FILE
from zhengming.bootstrap import Services, build_services
from zhengming.entrypoints.api import create_app
from zhengming.entrypoints.api.errors import HTTP_ERROR_CODES
from zhengming.settings import Settings

PATHS = {
    f"{API}/customers": {"get", "post"},
    f"{API}/customers/{{ref}}": {"get", "patch", "delete"},
    f"{API}/customers/{{ref}}/rename": {"post"},
    f"{API}/customers/{{ref}}/names": {"post"},
    f"{API}/customers/{{ref}}/names/{{name_id}}": {"delete"},
    f"{API}/customers/{{ref}}/archive": {"post"},
    f"{API}/customers/{{ref}}/restore": {"post"},
    f"{API}/customers/{{ref}}/history": {"get"},
    f"{API}/duplicates/check": {"post"},
    f"{API}/duplicates/clusters": {"get"},
    f"{API}/duplicates/clusters/{{cluster_id}}": {"get"},
    f"{API}/duplicates/clusters/{{cluster_id}}/decision": {"post"},
    f"{API}/scans": {"post"},
    f"{API}/jobs/{{job_id}}": {"get"},
    f"{API}/customers/{{ref}}/links": {"get", "post"},
    f"{API}/links/{{link_id}}/end": {"post"},
    f"{API}/merges/preview": {"post"},
    f"{API}/merges": {"post"},
    f"{API}/merges/{{merge_id}}": {"get"},
    f"{API}/merges/{{merge_id}}/undo": {"post"},
    f"{API}/customers/{{ref}}/merges": {"get"},
    f"{API}/search": {"get"},
    f"{API}/imports": {"post"},
    f"{API}/imports/{{batch_id}}": {"get"},
    f"{API}/imports/{{batch_id}}/run": {"post"},
    f"{API}/imports/{{batch_id}}/revert": {"post"},
    f"{API}/exports/customers.csv": {"get"},
    f"{API}/exports/customers.xlsx": {"get"},
    f"{API}/health": {"get"},
}


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # Built once: generating the document is the slow part, and it needs no database.
    app = create_app(settings=Settings(data_dir=tmp_path_factory.mktemp("openapi")))
    response = TestClient(app).get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_openapi_lists_every_path(openapi: dict[str, Any]) -> None:
    assert {path: set(ops) for path, ops in openapi["paths"].items()} == PATHS


def test_every_operation_has_a_summary_and_documents_its_errors(openapi: dict[str, Any]) -> None:
    error_schema = {"$ref": "#/components/schemas/ErrorPublic"}
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            errors = {s: r for s, r in operation["responses"].items() if s.startswith(("4", "5"))}
            assert "500" in errors, where
            for status, response in errors.items():
                if path.endswith("/health") and status == "503":
                    continue  # an outdated schema answers the health body itself
                schema = response["content"]["application/json"]["schema"]
                assert schema == error_schema, f"{where} {status}"
                assert response["description"], f"{where} {status}"
    # FastAPI's own validation-error shape is never announced: 422 is ErrorPublic too.
    assert "HTTPValidationError" not in openapi["components"]["schemas"]


def test_changes_document_the_version_precondition(openapi: dict[str, Any]) -> None:
    for path, method in [
        (f"{API}/customers/{{ref}}", "patch"),
        (f"{API}/customers/{{ref}}/rename", "post"),
    ]:
        operation = openapi["paths"][path][method]
        assert "428" in operation["responses"]
        assert "if-match" in [p["name"].lower() for p in operation["parameters"]]


def test_http_error_codes_are_documented_with_their_status() -> None:
    assert {code: status for code, (status, _) in HTTP_ERROR_CODES.items()} == {
        "input.too_large": 413,
        "precondition.required": 428,
        "method_not_allowed": 405,
    }


def test_health_reports_the_database_revision(client: TestClient) -> None:
    response = client.get(f"{API}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["current"] is True
    assert body["database"]["revision"] == body["database"]["head"]


def test_health_is_503_on_an_outdated_database(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path), upgrade=False)
    try:
        with TestClient(create_app(services)) as client:
            response = client.get(f"{API}/health")
        assert response.status_code == 503
        assert response.json()["status"] == "outdated"
        assert response.json()["database"]["revision"] is None
    finally:
        services.close()


def test_without_services_the_lifespan_builds_and_closes_them(
    tmp_path: Path, migrated_database: Path
) -> None:
    # A migrated copy: the lifespan's upgrade then only confirms the revision (fast).
    shutil.copyfile(migrated_database, tmp_path / DATABASE_FILE)
    app = create_app(settings=Settings(data_dir=tmp_path))
    with TestClient(app) as client:
        built = app.state.services
        assert isinstance(built, Services)
        assert client.get(f"{API}/health").json()["status"] == "ok"
        created = client.post(f"{API}/customers", json={"name": "北京字节跳动科技有限公司"})
        assert created.status_code == 201
    assert app.state.services is None


def test_the_factory_reads_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHENGMING_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ZHENGMING_MAX_REQUEST_BYTES", "2048")
    app = create_app()  # what `uvicorn --factory zhengming.entrypoints.api.app:create_app` calls
    with TestClient(app) as client:
        response = client.post(f"{API}/duplicates/check", json={"name": "甲" * 2000})
    assert response.status_code == 413
    assert response.json()["details"] == {"max_bytes": 2048}


def test_services_and_settings_are_exclusive(services: Services) -> None:
    with pytest.raises(TypeError):
        create_app(services, settings=Settings())
