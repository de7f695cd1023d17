"""The OpenAPI document for /api, generated from the declared operations (``api.operation``):
each one's command, query and view models give its request, parameters and answers."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from commerce.views import ErrorBody
from pickup_counter.api import OPERATIONS, UNKEYED, Operation

REF = "#/components/schemas/{model}"
_PATH_PARAMS = {"id": {"type": "integer", "minimum": 1}, "number": {"type": "string", "pattern": "^#?[0-9]{1,10}$"},
                "line": {"type": "integer", "minimum": 1}, "item_id": {"type": "integer", "minimum": 1}}
_KEY = {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 200},
        "description": "a write sent again with the same key is done once and answers as the first time"}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _parameters(op: Operation, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    params = [{"name": name, "in": "path", "required": True, "schema": schema}
              for name, schema in _PATH_PARAMS.items() if f"{{{name}}}" in op.path]
    if op.query is not None:
        query = schemas[op.query.__name__]
        for name, schema in query["properties"].items():
            param = {"name": name, "in": "query", "required": name in query.get("required", ()), "schema": schema}
            if "description" in schema:
                param["description"] = schema["description"]
            params.append(param)
    if op.method != "GET" and (op.method, op.path) not in UNKEYED:  # a password's body keeps no key
        params.append(_KEY)
    return params


def _operation(op: Operation, schemas: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {"summary": op.summary + (f" (role: {op.role})" if op.role else ""),
                           "operationId": f"{op.method.lower()}{op.path.replace('/', '_').replace('{', '').replace('}', '')}",
                           "responses": {}}
    for status, view in op.answers.items():
        content = _json(_ref(view)) if view is not None else {}
        if "csv" in op.content:
            content["text/csv"] = {"schema": {"type": "string", "description": op.content["csv"]}}
        doc["responses"][str(status)] = {"description": view.__doc__.strip().splitlines()[0]
                                         if view is not None and view.__doc__ else "OK", "content": content}
    for status in op.errors:
        doc["responses"][str(status)] = {"description": "refused", "content": _json(_ref(ErrorBody))}
    if op.role:
        doc["security"] = [{"bearer": []}, {"session": []}]
    params = _parameters(op, schemas)
    if params:
        doc["parameters"] = params
    if op.body is not None:
        doc["requestBody"] = {"required": op.body_required, "content": _json(_ref(op.body))}
    elif "form" in op.content:
        doc["requestBody"] = {"required": True, "description": op.content["form"], "content": {
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "format": "binary"}}}},
            "text/csv": {"schema": {"type": "string"}}}}
    return doc


def document() -> dict[str, Any]:
    ops = sorted(OPERATIONS.values(), key=lambda o: (o.path, o.method))
    requests = {m for o in ops for m in (o.body, o.query) if m is not None}
    answers = {v for o in ops for v in o.answers.values() if v is not None} | {ErrorBody}
    models = [(m, "validation") for m in sorted(requests, key=lambda m: m.__name__)]
    models += [(m, "serialization") for m in sorted(answers, key=lambda m: m.__name__)]
    _, top = models_json_schema(models, ref_template=REF)
    schemas = top.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, schemas)
    paths["/api/openapi.json"] = {"get": {"summary": "This document", "operationId": "get_openapi",
                                          "responses": {"200": {"description": "OpenAPI 3.1", "content": _json(
                                              {"type": "object"})}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "PlusOne API", "version": "0.2.0",
                 "description": "Errors are {error: {code, message, field?, fields?}}; code is one of ErrorCode."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "session": {"type": "apiKey", "in": "cookie", "name": "plusone_session",
                                            "description": "a signed-in page; writes also send X-CSRF-Token"}},
            "schemas": schemas,
        },
        "paths": paths,
    }
