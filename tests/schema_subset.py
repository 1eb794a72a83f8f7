"""A JSON-schema validator for the subset of OpenAPI 3 schema keywords openapi.yaml uses.

Written for the tests (no dependency): `$ref` into the document, `type` (with `nullable`),
`enum`, `properties` / `required` / `additionalProperties`, `items`, `allOf` / `oneOf` / `anyOf`,
`minimum` / `maximum`, `minLength` / `maxLength`, `pattern`, `minItems` / `maxItems` and the
`date-time` / `date` formats. `discriminator` is honoured through `oneOf`: a value must match
exactly one branch. Unknown keywords are refused, so the subset cannot silently shrink.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Dict, List, Mapping

_ANNOTATIONS = frozenset(
    {"description", "title", "example", "examples", "default", "deprecated", "readOnly", "writeOnly",
     "discriminator", "format", "nullable", "externalDocs", "xml"}
)
_CHECKED = frozenset(
    {"$ref", "type", "enum", "properties", "required", "additionalProperties", "items", "allOf", "oneOf",
     "anyOf", "minimum", "maximum", "minLength", "maxLength", "pattern", "minItems", "maxItems"}
)


class SchemaValidator:
    """Validates JSON values against schemas of one OpenAPI document."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        seen = 0
        while "$ref" in schema:
            target: Any = self.document
            for part in str(schema["$ref"]).lstrip("#/").split("/"):
                target = target[part]
            schema = target
            seen += 1
            if seen > 50:
                raise ValueError(f"$ref cycle at {schema!r}")
        return schema

    def errors(self, value: Any, schema: Mapping[str, Any], path: str = "$") -> List[str]:
        """Every way `value` breaks `schema`, each naming its JSON path; [] when valid."""
        schema = self.resolve(schema)
        unknown = set(schema) - _ANNOTATIONS - _CHECKED - {k for k in schema if str(k).startswith("x-")}
        if unknown:
            raise ValueError(f"schema keywords outside the supported subset at {path}: {sorted(unknown)}")
        if value is None:
            constrained = set(schema) & {"type", "enum", "allOf", "oneOf", "anyOf", "properties"}
            return [] if schema.get("nullable") or not constrained else [f"{path}: null is not allowed"]
        found: List[str] = []
        for part in schema.get("allOf", []):
            found += self.errors(value, part, path)
        branch = self._discriminated_branch(value, schema)
        if branch is not None:
            return found + self.errors(value, branch, path)
        for keyword in ("oneOf", "anyOf"):
            if keyword in schema:
                matching = [branch for branch in schema[keyword] if not self.errors(value, branch, path)]
                if not matching or (keyword == "oneOf" and len(matching) > 1):
                    found.append(f"{path}: matches {len(matching)} branches of {keyword} (needs "
                                 f"{'exactly one' if keyword == 'oneOf' else 'at least one'})")
        if "enum" in schema and value not in schema["enum"]:
            found.append(f"{path}: {value!r} is not one of {schema['enum']}")
        expected = schema.get("type")
        if expected is not None and not _has_type(value, expected):
            return found + [f"{path}: expected {expected}, got {type(value).__name__} {value!r}"]
        if isinstance(value, dict):
            found += self._object_errors(value, schema, path)
        elif isinstance(value, list):
            found += self._array_errors(value, schema, path)
        elif isinstance(value, str):
            found += self._string_errors(value, schema, path)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                found.append(f"{path}: {value} is below the minimum {schema['minimum']}")
            if "maximum" in schema and value > schema["maximum"]:
                found.append(f"{path}: {value} is above the maximum {schema['maximum']}")
        return found

    def _discriminated_branch(self, value: Any, schema: Mapping[str, Any]) -> Any:
        """The oneOf branch a discriminator names for `value`, if the schema has one."""
        discriminator = schema.get("discriminator")
        if not isinstance(discriminator, Mapping) or not isinstance(value, dict):
            return None
        tag = value.get(discriminator.get("propertyName"))
        target = (discriminator.get("mapping") or {}).get(tag)
        return {"$ref": target} if target else None

    def _object_errors(self, value: Dict[str, Any], schema: Mapping[str, Any], path: str) -> List[str]:
        found = [f"{path}: missing required property {name!r}" for name in schema.get("required", [])
                 if name not in value]
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        # Under allOf/oneOf the properties of the other parts are allowed too.
        combined = _all_property_names(self, schema)
        for name, item in value.items():
            where = f"{path}.{name}"
            if name in properties:
                found += self.errors(item, properties[name], where)
            elif isinstance(extra, Mapping):
                found += self.errors(item, extra, where)
            elif extra is False and name not in combined:
                found.append(f"{where}: property not allowed")
        return found

    def _array_errors(self, value: List[Any], schema: Mapping[str, Any], path: str) -> List[str]:
        found = []
        if "minItems" in schema and len(value) < schema["minItems"]:
            found.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            found.append(f"{path}: more than {schema['maxItems']} items")
        for index, item in enumerate(value):
            found += self.errors(item, schema.get("items", {}), f"{path}[{index}]")
        return found

    def _string_errors(self, value: str, schema: Mapping[str, Any], path: str) -> List[str]:
        found = []
        if "minLength" in schema and len(value) < schema["minLength"]:
            found.append(f"{path}: shorter than {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            found.append(f"{path}: longer than {schema['maxLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{path}: {value!r} does not match {schema['pattern']!r}")
        fmt = schema.get("format")
        try:
            if fmt == "date-time":
                datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            elif fmt == "date":
                datetime.date.fromisoformat(value)
        except ValueError:
            found.append(f"{path}: {value!r} is not a {fmt}")
        return found


def _has_type(value: Any, expected: str) -> bool:
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, {"string": str, "boolean": bool, "object": dict, "array": list}[expected])


def _all_property_names(validator: SchemaValidator, schema: Mapping[str, Any]) -> set:
    names = set(schema.get("properties", {}))
    for keyword in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(keyword, []):
            names |= _all_property_names(validator, validator.resolve(part))
    return names
