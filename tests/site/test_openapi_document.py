"""The OpenAPI document names every schema once: two classes with one name would be merged into a
single, wrong, component, and clients generated from the document would send the wrong fields."""

from __future__ import annotations

import json
from collections import defaultdict

from ninja import Schema


def all_subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    pending = [cls]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                pending.append(sub)
    return found


def test_every_api_schema_has_its_own_name() -> None:
    import compms.api  # noqa: F401  (builds every router, so every schema class exists)

    # Classes that share a name and the very same fields (ErrorOut: {detail}) make one correct component.
    shapes: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for cls in all_subclasses(Schema):
        if cls.__module__.startswith("compms."):
            shape = json.dumps(cls.model_json_schema(), sort_keys=True)
            shapes[cls.__name__][shape].append(f"{cls.__module__}.{cls.__qualname__}")
    collisions = {name: sorted(w for where in by_shape.values() for w in where)
                  for name, by_shape in shapes.items() if len(by_shape) > 1}
    assert collisions == {}


def test_the_document_lists_every_operation_once(client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    operation_ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert len(operation_ids) >= 170
