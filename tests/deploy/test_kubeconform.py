"""The Kubernetes manifests (deploy/k8s, rendered by kustomize) checked by kubeconform against the
JSON schemas of a current Kubernetes release.

kubeconform is built from its Go module (common.testing.gotools, through the Go module proxy).
Its schemas are normally downloaded from a GitHub repository (yannh/kubernetes-json-schema),
which this machine kind cannot reach; they are made here instead from the API's own OpenAPI
document, ``api/openapi-spec/swagger.json`` of the Go module ``k8s.io/kubernetes`` at the release
(the module proxy carries it), the way that repository makes them (openapi2jsonschema, "standalone
strict"): one file per kind and version, every reference resolved within the file, objects closed
to unknown fields, int-or-string and quantities accepting both.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from common.testing.gotools import go_install, go_module_dir
from common.testing.infra import load_config

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.37.2"  # the newest release when this was written (December 2026)
KUBECONFORM_VERSION = "v0.6.7"  # v0.7+ need Go 1.26; this one builds with Go 1.22
SCHEMA_SET = f"v{KUBERNETES_VERSION}-standalone-strict"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
INT_OR_STRING = {"oneOf": [{"type": "string"}, {"type": "integer"}]}

pytestmark = pytest.mark.timeout(1800)  # a first run builds kubeconform and makes the schemas


def _strict(node: Any) -> Any:
    """openapi2jsonschema's --strict and int-or-string rules, applied to a copy."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("format") == "int-or-string":
        return copy.deepcopy(INT_OR_STRING)
    out = {key: _strict(value) for key, value in node.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def _references(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            found.add(ref.removeprefix("#/definitions/"))
        for value in node.values():
            _references(value, found)
    elif isinstance(node, list):
        for value in node:
            _references(value, found)


def make_schemas(swagger: dict[str, Any], target: Path) -> int:
    """One standalone schema per kind and version of ``swagger`` in ``target``; their number."""
    definitions = {name: _strict(schema) for name, schema in swagger["definitions"].items()}
    # Quantities are strings or numbers in manifests ("500m", 1).
    definitions[QUANTITY] = {"oneOf": [{"type": "string"}, {"type": "number"}]}
    target.mkdir(parents=True)
    written = 0
    for name, schema in swagger["definitions"].items():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            group = gvk["group"].split(".")[0]
            suffix = f"-{group}-{gvk['version']}" if group else f"-{gvk['version']}"
            needed: set[str] = set()
            pending = [name]
            while pending:
                current = pending.pop()
                if current in needed:
                    continue
                needed.add(current)
                found: set[str] = set()
                _references(definitions[current], found)
                pending.extend(found - needed)
            standalone = {
                "$ref": f"#/definitions/{name}",
                "definitions": {key: definitions[key] for key in sorted(needed)},
            }
            (target / f"{gvk['kind'].lower()}{suffix}.json").write_text(json.dumps(standalone))
            written += 1
    return written


@pytest.fixture(scope="module")
def schemas() -> Path:
    """<cache>/kubernetes-json-schema with SCHEMA_SET in it, made once."""
    home = load_config().cache_dir / "kubernetes-json-schema"
    if not (home / SCHEMA_SET / ".complete").exists():
        source = go_module_dir("k8s.io/kubernetes", f"v{KUBERNETES_VERSION}")
        swagger = json.loads((source / "api" / "openapi-spec" / "swagger.json").read_text())
        partial = home / f"{SCHEMA_SET}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        count = make_schemas(swagger, partial)
        # The module's folder names its version (the document itself says "unversioned").
        (partial / ".complete").write_text(f"{source.name} {count}\n")
        shutil.rmtree(home / SCHEMA_SET, ignore_errors=True)
        partial.rename(home / SCHEMA_SET)
    return home


@pytest.fixture(scope="module")
def kubeconform() -> Path:
    return go_install(
        "github.com/yannh/kubeconform/cmd/kubeconform", KUBECONFORM_VERSION, "kubeconform"
    )


@pytest.fixture(scope="module")
def rendered() -> str:
    kubectl = shutil.which("kubectl")  # part of this machine image (google-cloud-sdk)
    assert kubectl is not None, "kubectl is needed to render the kustomize base"
    result = subprocess.run(
        [kubectl, "kustomize", str(K8S)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def validate(kubeconform: Path, schemas: Path, manifests: str) -> list[dict[str, Any]]:
    """kubeconform's verdict on every resource of ``manifests``."""
    result = subprocess.run(
        [
            str(kubeconform),
            "-strict",
            "-summary",
            "-verbose",
            "-output",
            "json",
            "-kubernetes-version",
            KUBERNETES_VERSION,
            "-schema-location",
            str(schemas),
            "-",
        ],
        input=manifests,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(result.stdout)
    resources: list[dict[str, Any]] = report["resources"]
    assert result.returncode == (0 if all(r["status"] == "statusValid" for r in resources) else 1)
    return resources


class TestSchemas:
    def test_they_are_made_from_the_releases_openapi_document(self, schemas: Path) -> None:
        source, count = (schemas / SCHEMA_SET / ".complete").read_text().split()
        assert source == f"kubernetes@v{KUBERNETES_VERSION}"
        assert int(count) > 100
        for name in ("deployment-apps-v1", "job-batch-v1", "service-v1", "ingress-networking-v1"):
            assert (schemas / SCHEMA_SET / f"{name}.json").is_file(), name

    def test_objects_are_closed_and_references_resolve_within_the_file(self, schemas: Path) -> None:
        schema = json.loads((schemas / SCHEMA_SET / "deployment-apps-v1.json").read_text())
        deployment = schema["definitions"]["io.k8s.api.apps.v1.Deployment"]
        assert deployment["additionalProperties"] is False
        found: set[str] = set()
        _references(schema, found)
        assert found <= set(schema["definitions"])


class TestManifests:
    def test_every_rendered_resource_is_valid(
        self, kubeconform: Path, schemas: Path, rendered: str
    ) -> None:
        resources = validate(kubeconform, schemas, rendered)
        documents = [doc for doc in yaml.safe_load_all(rendered) if doc]
        assert len(resources) == len(documents)
        invalid = [
            (r["kind"], r["name"], r["msg"]) for r in resources if r["status"] != "statusValid"
        ]
        assert invalid == []
        kinds = {r["kind"] for r in resources}
        assert {"Namespace", "ConfigMap", "Deployment", "Service", "Job", "Ingress"} <= kinds

    def test_a_misspelt_field_is_refused(
        self, kubeconform: Path, schemas: Path, rendered: str
    ) -> None:
        documents = [doc for doc in yaml.safe_load_all(rendered) if doc]
        deployment = next(doc for doc in documents if doc["kind"] == "Deployment")
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        container["resource"] = container.pop("resources")
        (verdict,) = validate(kubeconform, schemas, yaml.safe_dump(deployment))
        assert verdict["status"] == "statusInvalid"
        assert "resource" in verdict["msg"]

    def test_a_wrongly_typed_value_is_refused(
        self, kubeconform: Path, schemas: Path, rendered: str
    ) -> None:
        documents = [doc for doc in yaml.safe_load_all(rendered) if doc]
        deployment = next(doc for doc in documents if doc["kind"] == "Deployment")
        deployment["spec"]["replicas"] = "two"
        (verdict,) = validate(kubeconform, schemas, yaml.safe_dump(deployment))
        assert verdict["status"] == "statusInvalid"
        assert "replicas" in verdict["msg"]

    def test_a_kind_of_no_schema_is_an_error_not_a_pass(
        self, kubeconform: Path, schemas: Path
    ) -> None:
        unknown = {
            "apiVersion": "example.dk/v1",
            "kind": "Boligafdeling",
            "metadata": {"name": "x"},
        }
        (verdict,) = validate(kubeconform, schemas, yaml.safe_dump(unknown))
        assert verdict["status"] == "statusError"
