"""The TOMP-API 2.0 conformance check: requests and responses against the official OpenAPI modules (tests/data/tomp).

Each module is loaded as published and registered under its file name, so the modules' cross-file ``$ref``s resolve
(``referencing``); schemas are checked with ``jsonschema`` (draft 2020-12, formats checked). An operation is found by
method and path (literal paths before templated ones); a request is checked for its required header and query
parameters, its path parameters and its JSON body; a response for its status (or ``default``), every header the spec
requires, its media type and its body.

Three places of the published schema contradict the spec itself; they are corrected in memory (``CORRECTIONS``),
each only where the published text is exactly as expected, and docs/tomp.md names them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_DIR = Path(__file__).resolve().parents[1] / "data" / "tomp"
BASE = "https://tomp.spec/2.0/"
CORE = "TOMP-API-1-CORE.yaml"
MODULES = (CORE, "TOMP-API-2-OFFERS.yaml", "TOMP-API-3-PRE-SALES.yaml", "TOMP-API-4-PURCHASE.yaml",
           "TOMP-API-5-EXECUTE.yaml", "TOMP-API-6-AFTER-SALES.yaml")
SERVER_PREFIX = "/tomp/v2"


@dataclass(frozen=True)
class Correction:
    """One value of a module replaced in memory: where, what is published, what it becomes, and why."""

    module: str
    pointer: tuple[str, ...]
    published: Any
    corrected: Any
    reason: str


CORRECTIONS = (
    Correction(CORE, ("components", "schemas", "placeReference", "pattern"),
               "^(GPS|gps|{datasource-prefix}|P):[a-zA-Z0-9\\-_.]+$",
               "^(GPS|gps|stop|P):[a-zA-Z0-9\\-_.,]+$",
               "the pattern is a template ({datasource-prefix}: the prefixes of /collections/datasources/items, "
               "here 'stop'), and its character class lacks the comma of every GPS example of the spec "
               "('GPS:6.169639,52.253279')"),
    Correction("TOMP-API-2-OFFERS.yaml", ("components", "schemas", "offerFeature", "allOf", 1, "properties", "type",
                                          "pattern"),
               "^(offer)$", "^(Feature)$",
               "allOf with geojsonFeature (type ^(Feature)$) makes the published offerFeature unsatisfiable; the "
               "offer is marked in properties.type, as the core 'offer' schema has it"),
    Correction(CORE, ("components", "schemas", "error", "properties", "errorcode"),
               {"$ref": "#/components/schemas/tinyInt",
                "description": "The TOMP specific error code. See https://github.com/TOMP-WG/TOMP-API/wiki/"
                               "Error-handling-in-TOMP for more details of this error."},
               {"type": "integer", "minimum": 1000, "maximum": 9999},
               "tinyInt (0..10) cannot hold the codes of the TOMP error table the description points to "
               "(module digit and number, e.g. 3204)"),
)


def _load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((SPEC_DIR / name).read_text(encoding="utf-8"))
    return doc


def _at(doc: Any, pointer: tuple[str | int, ...]) -> Any:
    for part in pointer:
        doc = doc[part]
    return doc


@dataclass(frozen=True)
class Operation:
    """One operation of a module."""

    module: str
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]


class TompSpec:
    """The official modules, corrected (default) or exactly as published."""

    def __init__(self, *, corrected: bool = True) -> None:
        self.docs = {name: _load(name) for name in MODULES}
        if corrected:
            for c in CORRECTIONS:
                parent = _at(self.docs[c.module], c.pointer[:-1])
                assert parent[c.pointer[-1]] == c.published, f"{c.module} changed at {c.pointer}"
                parent[c.pointer[-1]] = c.corrected
        self.registry: Registry[Any] = Registry().with_resources(
            (BASE + name, Resource(contents=doc, specification=DRAFT202012)) for name, doc in self.docs.items())
        ops = []
        for name, doc in self.docs.items():
            for template, item in (doc.get("paths") or {}).items():
                regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
                ops += [Operation(name, method.upper(), template, re.compile(f"^{regex}$"), op)
                        for method, op in item.items()]
        self.operations = sorted(ops, key=lambda o: "{" in o.template)

    # -- lookup ---------------------------------------------------------------------------------------------------
    def operation(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        """The operation for ``method`` and ``path`` (the server prefix taken off) and its path parameters."""
        path = path.split("?", maxsplit=1)[0].removeprefix(SERVER_PREFIX)
        for op in self.operations:
            match = op.pattern.match(path)
            if op.method == method.upper() and match:
                return op, match.groupdict()
        msg = f"no operation {method} {path} in the TOMP 2.0 modules"
        raise LookupError(msg)

    def _deref(self, module: str, pointer: str, node: Any) -> tuple[str, str, Any]:
        """Follow ``$ref``s from ``node`` (at ``pointer`` in ``module``) to the object they name."""
        while isinstance(node, dict) and "$ref" in node:
            target, _, pointer = node["$ref"].partition("#")
            module = target or module
            node = _at(self.docs[module], tuple(_unescape(p) for p in pointer.split("/") if p))
        return module, pointer, node

    def errors(self, module: str, pointer: str, instance: Any) -> list[str]:
        """Why ``instance`` is not valid under the schema at ``pointer`` of ``module`` (empty when it is)."""
        schema = {"$ref": f"{BASE}{module}#{quote(pointer, safe='/~')}"}
        validator = Draft202012Validator(schema, registry=self.registry,
                                         format_checker=Draft202012Validator.FORMAT_CHECKER)
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}"
                for e in validator.iter_errors(instance)]

    def schema_errors(self, module: str, name: str, instance: Any) -> list[str]:
        """Why ``instance`` is not valid under ``components/schemas/<name>`` of ``module``."""
        return self.errors(module, f"/components/schemas/{name}", instance)

    # -- checks ---------------------------------------------------------------------------------------------------
    def check_request(self, method: str, path: str, headers: Mapping[str, str], query: Mapping[str, str],
                      body: Any = None) -> list[str]:
        """What in the request is outside the spec (empty: conforming)."""
        op, path_params = self.operation(method, path)
        at = f"/paths/{_escape(op.template)}/{op.method.lower()}"
        lower = {k.lower(): v for k, v in headers.items()}
        found: list[str] = []
        for i, raw in enumerate(op.spec.get("parameters", [])):
            module, pointer, param = self._deref(op.module, f"{at}/parameters/{i}", raw)
            where = {"header": lower, "query": query, "path": path_params}[param["in"]]
            key = param["name"].lower() if param["in"] == "header" else param["name"]
            if key not in where:
                found += [f"missing {param['in']} parameter {param['name']}"] if param.get("required") else []
                continue
            value: Any = where[key]
            if param.get("schema", {}).get("type") == "integer":
                value = int(value) if str(value).lstrip("-").isdigit() else value
            found += [f"{param['name']}: {e}" for e in self.errors(module, f"{pointer}/schema", value)]
        if "requestBody" in op.spec:
            module, pointer, _body = self._deref(op.module, f"{at}/requestBody", op.spec["requestBody"])
            found += [f"body {e}" for e in self.errors(module, f"{pointer}/content/application~1json/schema", body)]
        return found

    def check_response(self, method: str, path: str, status: int, headers: Mapping[str, str], body: Any) -> list[str]:
        """What in the response is outside the spec (empty: conforming)."""
        op, _ = self.operation(method, path)
        responses = op.spec["responses"]
        key = str(status) if str(status) in responses else "default"
        if key not in responses:
            return [f"status {status} is not in the spec"]
        at = f"/paths/{_escape(op.template)}/{op.method.lower()}/responses/{key}"
        module, pointer, response = self._deref(op.module, at, responses[key])
        lower = {k.lower(): v for k, v in headers.items()}
        found: list[str] = []
        for name, raw in (response.get("headers") or {}).items():
            h_module, h_pointer, header = self._deref(module, f"{pointer}/headers/{_escape(name)}", raw)
            if name.lower() not in lower:
                found += [f"missing header {name}"] if header.get("required") else []
            elif "schema" in header:
                found += [f"header {name}: {e}" for e in self.errors(h_module, f"{h_pointer}/schema",
                                                                     lower[name.lower()])]
        media = lower.get("content-type", "").split(";")[0].strip()
        content = response.get("content") or {}
        if media not in content:
            return [*found, f"media type {media!r} is not one of {sorted(content)}"]
        return found + [f"body {e}" for e in self.errors(module, f"{pointer}/content/{_escape(media)}/schema", body)]


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


@cache
def spec() -> TompSpec:
    """The corrected modules (loaded once)."""
    return TompSpec()
