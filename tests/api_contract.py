"""The API's answers against its OpenAPI document: each JSON answer of /api must be one the
document declares for that operation (its status, and its body valid against the schema)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from aiohttp import web
from jsonschema import Draft202012Validator

from pickup_counter.openapi import document


def _validator(doc: dict, ref: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": ref, "components": doc["components"]})


@dataclass
class Contract:
    problems: list[str] = field(default_factory=list)
    checked: int = 0

    @classmethod
    def watch(cls, app: web.Application) -> Contract:
        contract = cls()

        async def check(request: web.Request, response: web.StreamResponse) -> None:
            contract.check(request, response)

        app.on_response_prepare.append(check)
        return contract

    def check(self, request: web.Request, response: web.StreamResponse) -> None:
        if not request.path.startswith("/api") or not isinstance(response, web.Response):
            return
        doc = document()
        route = request.match_info.route.resource
        path = route.canonical if route is not None else None
        op = doc["paths"].get(path, {}).get(request.method.lower()) if path else None
        where = f"{request.method} {request.path} → {response.status}"
        if op is None:
            if response.status < 400:
                self.problems.append(f"{where}: no operation in the document")
                return
            schema = "#/components/schemas/ErrorBody"  # unknown routes and methods answer the error shape too
        else:
            answer = op["responses"].get(str(response.status))
            if answer is None:
                self.problems.append(f"{where}: status not in the document ({', '.join(op['responses'])})")
                return
            content = answer.get("content", {})
            if response.content_type not in content:
                self.problems.append(f"{where}: {response.content_type} not in the document ({', '.join(content)})")
                return
            schema = content[response.content_type]["schema"].get("$ref")
        if response.content_type != "application/json" or schema is None:
            return
        body = json.loads(response.body)
        self.checked += 1
        for error in _validator(doc, schema).iter_errors(body):
            self.problems.append(f"{where}: {'/'.join(map(str, error.absolute_path)) or 'body'}: {error.message[:300]}")
