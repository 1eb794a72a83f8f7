"""OpenAPI document + gen.yaml -> generator IR (`codegen.ir.Api`).

This module decides every name the generated SDK exposes. The rules reproduce the
interface users of formance-sdk-python 4.2.0 already code against (that SDK was produced by
Speakeasy), so they are written down here as general rules; the handful of names no rule
produces live in gen.yaml under `overrides:`.

Naming rules, in the order they apply:

Sub-clients
  * A tag `group.version` is the attribute chain `s.group.version`; untagged operations sit
    on the root `SDK`. Group classes are the PascalCase group (`Ledger`); version classes are
    PascalCase version (`V1`), and when that class name is already taken (tags visited in
    sorted order) `SDK` + version, then `SDK` + group + version (`SDKV1`, `SDKPaymentsV1`).
  * Method: snake_case of `x-speakeasy-name-override`, else of the operationId.

Models
  * Every component schema that is reachable from an operation *as a type* (not only as an
    `allOf` part) and is an object or an enum becomes a class named PascalCase(key), module
    = lower-cased class name. A component that is only `$ref: Other` is a class of its own
    (a copy of Other, under its own name).
  * Schemas used as the JSON body of a `default` response are error classes in `errors`.
  * Inline objects/enums are named after their property (`Cursor`); when that name is
    taken, PascalCase(top-level schema) + property (`AccountsCursorResponseCursor`). Names
    are handed out visiting components in sorted key order (byte order, so `V2Payment`
    comes before `orchestrationPayment`), properties depth-first in name order: the first
    schema to ask gets the short name. Inside error schemas the original named collisions
    from the JSON pointer instead: `Schemas` + property, then `Schemas` + schema + property.
  * The `allOf` branches (without their own `type`) of a discriminated `oneOf` live in the
    union's module and are named `Schemas`, then branch + `Schemas`, in sorted order.
  * Per operation: `operations.<opid lower>.<OpId>Request` (parameters + body) and
    `...<OpId>Response` (envelope). Inline parameter schemas are named after the parameter,
    an inline body `<OpId>RequestBody`.
  * Objects with `additionalProperties` (and no declared properties) are `Dict[str, T]`;
    objects with neither are (empty) classes; `oneOf`/`anyOf` are `Union[...]`; `allOf`
    parts are merged into one class.

Fields
  * snake_case of the wire name, keyword/shadow-safe (`from_`, `date_`, `filter_`).
  * Required fields first, then optional ones; each group sorted by wire name (byte order;
    a request body sorts by its PascalCase field name, so it precedes lower-case params).
  * Not required or `nullable` -> `Optional[...]`; defaults come from the schema `default`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from codegen import naming
from codegen.ir import (
    Api,
    ClientIR,
    Discriminator,
    ErrorIR,
    FieldIR,
    ModelIR,
    OperationIR,
    ResponseIR,
    ServerIR,
    TypeRef,
    UnionAliasIR,
)

Schema = Mapping[str, Any]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON_MEDIA = "application/json"
SCHEMA_REF_PREFIX = "#/components/schemas/"
IDEMPOTENCY_HEADER = "idempotency-key"


def build(spec: Mapping[str, Any], config: Mapping[str, Any]) -> Api:
    """Build the whole IR. Pure function of its inputs: no I/O, deterministic order."""
    return _Builder(spec, config).build()


# --- small helpers -----------------------------------------------------------------------


def _ref_name(ref: str) -> str:
    """`#/components/schemas/V2Posting` -> `V2Posting`."""
    return ref.rsplit("/", 1)[-1]


def _text(node: Mapping[str, Any], key: str) -> str:
    value = node.get(key)
    return value if isinstance(value, str) else ""


def _optional(inner: TypeRef) -> TypeRef:
    """Wrap in Optional once (an Optional is never wrapped again)."""
    if inner.kind == "optional":
        return inner
    return TypeRef(kind="optional", item=inner)


#: OpenAPI constraint keyword -> keyword of the runtime's field specifiers.
_CONSTRAINT_KEYWORDS = {
    "minimum": "minimum",
    "maximum": "maximum",
    "minLength": "min_length",
    "maxLength": "max_length",
    "pattern": "pattern",
}


def _constraints(schema: Mapping[str, Any]) -> dict[str, object]:
    """The constraints of a scalar schema that requests are checked against."""
    return {ours: schema[theirs] for theirs, ours in _CONSTRAINT_KEYWORDS.items() if schema.get(theirs) is not None}


def _python_literal(value: Any) -> str:
    """Python source for a schema `default` (`15`, `'120s'`, `False`)."""
    return repr(value)


def _is_json(media_type: str) -> bool:
    return media_type == JSON_MEDIA or media_type.endswith("+json")


@dataclass(frozen=True)
class _Ctx:
    """Where inline schemas met while building one top-level class are placed and named."""

    package: str  # "shared" | "errors" | "operations"
    module: str  # module that receives the inline classes
    prefix: str  # PascalCase name of the top-level owner, used on collisions
    pointer_style: bool = False  # the errors-package collision rule (see module docstring)

    def candidates(self, hint: str) -> list[str]:
        base = naming.pascal_case(hint)
        if self.pointer_style:
            return [base, "Schemas" + base, "Schemas" + self.prefix + base]
        return [base, self.prefix + base]


# --- schema inspection -------------------------------------------------------------------


class _Schemas:
    """Read-only view of `components`, with the structural questions the builder asks."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.components: Mapping[str, Any] = spec.get("components", {}) or {}
        self.schemas: Mapping[str, Schema] = self.components.get("schemas", {}) or {}

    def deref(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow `$ref` to a parameter / response / request body / schema definition."""
        seen: set[str] = set()
        while "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                raise ValueError(f"circular $ref {ref}")
            seen.add(ref)
            _, _, section, name = ref.split("/", 3)
            node = self.components[section][name]
        return node

    def alias_target(self, name: str) -> str | None:
        """For a component that is only `$ref: X`, the component X (else None)."""
        schema = self.schemas[name]
        if set(schema) - {"$ref", "description", "title"} or "$ref" not in schema:
            return None
        return _ref_name(schema["$ref"])

    def final_target(self, name: str) -> str:
        """Follow alias components to the first one with a body of its own."""
        seen: set[str] = set()
        while True:
            target = self.alias_target(name)
            if target is None or name in seen:
                return name
            seen.add(name)
            name = target

    def shape(self, schema: Schema) -> str:
        """What a schema becomes in Python.

        One of: "ref", "enum", "union", "class", "map", "list", or a scalar kind.
        """
        if "$ref" in schema:
            return "ref"
        if "enum" in schema:
            return "enum"
        if "oneOf" in schema or "anyOf" in schema:
            return "union"
        if "allOf" in schema:
            return "class" if self._allof_is_class(schema) else self._allof_single_shape(schema)
        kind = schema.get("type")
        if kind == "array":
            return "list"
        if kind == "object" or "properties" in schema or "additionalProperties" in schema:
            return "map" if self._is_map(schema) else "class"
        return _scalar_kind(schema)

    def _is_map(self, schema: Schema) -> bool:
        extra = schema.get("additionalProperties")
        return extra is not None and extra is not False and not schema.get("properties")

    def _allof_is_class(self, schema: Schema) -> bool:
        if schema.get("properties"):
            return True
        for part in schema["allOf"]:
            resolved = self.deref(part)
            if self.shape(resolved) == "class":
                return True
        return False

    def _allof_single_shape(self, schema: Schema) -> str:
        parts = schema["allOf"]
        return self.shape(parts[0]) if len(parts) == 1 else "class"

    def is_classlike(self, name: str) -> bool:
        """Does component `name` become a model class (object or enum), possibly via alias?"""
        return self.shape(self.schemas[self.final_target(name)]) in ("class", "enum")

    def is_nullable(self, schema: Schema) -> bool:
        """`nullable: true` on the schema, or on the component it refers to."""
        seen: set[str] = set()
        while True:
            if schema.get("nullable"):
                return True
            if "$ref" not in schema or schema["$ref"] in seen:
                return False
            seen.add(schema["$ref"])
            schema = self.schemas[_ref_name(schema["$ref"])]

    def merged_object(self, schema: Schema) -> tuple[list[tuple[str, Schema]], set[str]]:
        """Properties and required names of a class, its `allOf` parts merged in.

        Properties marked `x-speakeasy-ignore` are left out, as for parameters.
        """
        props: dict[str, Schema] = {}
        required: set[str] = set()
        for part in schema.get("allOf", []):
            part_props, part_required = self.merged_object(self.deref(part))
            props.update(part_props)
            required |= part_required
        props.update(schema.get("properties", {}) or {})
        required |= set(schema.get("required", []) or [])
        kept = [(wire, prop) for wire, prop in props.items() if not prop.get("x-speakeasy-ignore")]
        return kept, required


def _scalar_kind(schema: Schema) -> str:
    kind = schema.get("type")
    fmt = schema.get("format")
    if kind == "string":
        if fmt == "date-time":
            return "datetime"
        if fmt == "date":
            return "date"
        return "str"
    if kind == "integer":
        return "int"
    if kind == "number":
        return "float"
    if kind == "boolean":
        return "bool"
    return "any"


# --- reachability ------------------------------------------------------------------------


class _Reach:
    """Which component schemas the operations use as types, and which as error bodies."""

    def __init__(self, schemas: _Schemas) -> None:
        self.schemas = schemas
        self.used: set[str] = set()  # components used as types (outside error bodies)
        self._expanded: set[str] = set()

    def walk(self, schema: Schema) -> None:
        """Mark every component `schema` uses as a type."""
        if "$ref" in schema:
            self._use(_ref_name(schema["$ref"]))
            return
        for key in ("oneOf", "anyOf"):
            for branch in schema.get(key, []):
                self.walk(branch)
        for part in schema.get("allOf", []):
            self._walk_part(part)
        for sub in (schema.get("properties", {}) or {}).values():
            self.walk(sub)
        for key in ("items", "additionalProperties"):
            sub = schema.get(key)
            if isinstance(sub, Mapping):
                self.walk(sub)

    def walk_body_of(self, name: str) -> None:
        """Walk a component's content without marking the component itself as used."""
        if name in self._expanded:
            return
        self._expanded.add(name)
        target = self.schemas.alias_target(name)
        if target is not None:
            self.walk_body_of(target)
            return
        self.walk(self.schemas.schemas[name])

    def _use(self, name: str) -> None:
        if name in self.used:
            return
        self.used.add(name)
        target = self.schemas.alias_target(name)
        if target is not None and not self.schemas.is_classlike(target):
            self._use(target)  # alias of a map/union/list: the target is the type
            return
        self.walk_body_of(name)

    def _walk_part(self, part: Schema) -> None:
        if "$ref" in part:
            self.walk_body_of(_ref_name(part["$ref"]))
        else:
            self.walk(part)


# --- the builder -------------------------------------------------------------------------


class _Builder:
    """Turns one spec + config into an `Api` (single use)."""

    def __init__(self, spec: Mapping[str, Any], config: Mapping[str, Any]) -> None:
        self.spec = spec
        self.config = config
        self.overrides: Mapping[str, Any] = config.get("overrides", {}) or {}
        self.schemas = _Schemas(spec)
        self.models: dict[str, ModelIR] = {}
        self.taken: dict[str, set[str]] = {"shared": set(), "errors": set(), "operations": set()}
        #: component name -> qualname of its class in `shared` (or in `errors`)
        self.shared_names: dict[str, str] = {}
        self.error_names: dict[str, str] = {}
        self.union_branches = self._find_union_branches()
        #: (package, module, name) -> union alias (named unions keep a name users can import)
        self.aliases: dict[tuple[str, str, str], UnionAliasIR] = {}

    # -- entry point --

    def build(self) -> Api:
        operations = self._collect_operations()
        reach = _Reach(self.schemas)
        error_components = self._reach_operations(operations, reach)
        self._name_components(reach.used, error_components)
        for name in sorted(reach.used):
            self._build_component(name)
        for name in sorted(error_components):
            self._build_error(name)
        self._build_security_model()
        root = self._build_clients(operations)
        info = self.spec.get("info", {}) or {}
        sdk_config = self.config.get("sdk", {}) or {}
        return Api(
            title=_text(info, "title"),
            version=str(info.get("version", "")),
            sdk_version=str(sdk_config.get("version", "")),
            servers=self._servers(),
            token_url=self._token_url(),
            models=sorted(self.models.values(), key=lambda m: (m.package, m.module, m.name)),
            root=root,
            aliases=[self.aliases[key] for key in sorted(self.aliases)],
            examples=dict(self.config.get("examples", {}) or {}),
            descriptions={str(k): str(v) for k, v in (self.config.get("descriptions", {}) or {}).items()},
        )

    # -- operations in the document --

    def _collect_operations(self) -> list[tuple[str, str, Mapping[str, Any], list[Mapping[str, Any]]]]:
        """(path, METHOD, operation, parameters) for every operation, in document order."""
        found = []
        for path, item in (self.spec.get("paths", {}) or {}).items():
            shared_params = [self.schemas.deref(p) for p in item.get("parameters", []) or []]
            for method in HTTP_METHODS:
                operation = item.get(method)
                if operation is None:
                    continue
                params = self._merge_params(shared_params, operation.get("parameters", []) or [])
                found.append((path, method.upper(), operation, params))
        return found

    def _merge_params(
        self, shared: list[Mapping[str, Any]], own: Iterable[Mapping[str, Any]]
    ) -> list[Mapping[str, Any]]:
        """Path-level then operation-level parameters; the operation wins on (name, in)."""
        merged: dict[tuple[str, str], Mapping[str, Any]] = {}
        for param in [*shared, *(self.schemas.deref(p) for p in own)]:
            merged[(param["name"], param["in"])] = param
        return [p for p in merged.values() if not p.get("x-speakeasy-ignore")]

    def _reach_operations(self, operations: list[Any], reach: _Reach) -> set[str]:
        """Walk every schema the operations use; return the error-body components."""
        errors: set[str] = set()
        for _path, _method, operation, params in operations:
            for param in params:
                reach.walk(param.get("schema", {}) or {})
            body = self._request_body(operation)
            if body is not None:
                reach.walk(body[1])
            for status, response in self._responses(operation):
                for media, schema in self._contents(response):
                    if status == "default" and _is_json(media) and "$ref" in schema:
                        errors.add(_ref_name(schema["$ref"]))
                        reach.walk_body_of(_ref_name(schema["$ref"]))
                    else:
                        reach.walk(schema)
        return errors

    def _request_body(self, operation: Mapping[str, Any]) -> tuple[str, Schema, bool, str] | None:
        """(media type, schema, required, description) of the request body, if any."""
        body = operation.get("requestBody")
        if body is None:
            return None
        body = self.schemas.deref(body)
        content = body.get("content", {}) or {}
        if not content:
            return None
        media = JSON_MEDIA if JSON_MEDIA in content else min(content)
        return media, content[media].get("schema", {}) or {}, bool(body.get("required")), _text(body, "description")

    def _responses(self, operation: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
        """(status, response) sorted by status: "200" < "2XX" < "404" < "5XX" < "default"."""
        responses = operation.get("responses") or {}
        return [(str(status), self.schemas.deref(responses[status])) for status in sorted(responses, key=str)]

    @staticmethod
    def _contents(response: Mapping[str, Any]) -> list[tuple[str, Schema]]:
        content = response.get("content") or {}
        return [(media, content[media].get("schema", {}) or {}) for media in sorted(content)]

    # -- component naming --

    def _find_union_branches(self) -> dict[str, str]:
        """allOf branches (without `type`) of discriminated unions: branch -> union name."""
        found: dict[str, str] = {}
        for name in sorted(self.schemas.schemas):
            schema = self.schemas.schemas[name]
            if "discriminator" not in schema:
                continue
            for branch in schema.get("oneOf", []) + schema.get("anyOf", []):
                if "$ref" not in branch:
                    continue
                target = _ref_name(branch["$ref"])
                body = self.schemas.schemas[target]
                if "allOf" in body and "type" not in body:
                    found[target] = name
        return found

    def _name_components(self, used: set[str], errors: set[str]) -> None:
        """Reserve the names of component classes before any inline schema is named."""
        for name in sorted(used):
            if name in self.union_branches or not self.schemas.is_classlike(name):
                continue
            class_name = self._override_class(name) or naming.pascal_case(name)
            self.shared_names[name] = self._reserve("shared", naming.module_name(class_name), class_name)
        for name in sorted(errors):
            class_name = self._override_class(name) or naming.pascal_case(name)
            self.error_names[name] = self._reserve("errors", naming.module_name(class_name), class_name)
        branches = sorted((union, branch) for branch, union in self.union_branches.items() if branch in used)
        for union, branch in branches:
            module = naming.module_name(naming.pascal_case(union))
            candidates = ["Schemas", naming.pascal_case(branch) + "Schemas"]
            class_name = self._override_class(branch) or self._first_free("shared", candidates)
            self.shared_names[branch] = self._reserve("shared", module, class_name)

    def _override_class(self, component: str) -> str | None:
        """gen.yaml `overrides.class_names` entry for a component, if any."""
        value = (self.overrides.get("class_names", {}) or {}).get(component)
        return str(value) if value else None

    def _reserve(self, package: str, module: str, class_name: str) -> str:
        """Claim a class name in its package; two schemas never silently share a class."""
        if class_name in self.taken[package]:
            raise ValueError(f"class name {package}.{class_name} produced twice")
        self.taken[package].add(class_name)
        return f"{package}.{module}.{class_name}"

    def _first_free(self, package: str, candidates: list[str]) -> str:
        return naming.unique_name(candidates, self.taken[package])

    # -- component models --

    def _build_component(self, name: str) -> None:
        """Model of a component class; its inline schemas are named after it."""
        qualname = self.shared_names.get(name)
        if qualname is None or qualname in self.models:
            return
        package, module, class_name = qualname.split(".")
        schema = self.schemas.schemas[self.schemas.final_target(name)]
        owner = naming.pascal_case(name) if name in self.union_branches else class_name
        ctx = _Ctx(package=package, module=module, prefix=owner)
        self._build_model(qualname, schema, ctx, "dataclass", schema_name=name)

    def _build_error(self, name: str) -> None:
        """Exception model (package `errors`) of a schema used as a `default` error body."""
        qualname = self.error_names[name]
        package, module, class_name = qualname.split(".")
        schema = self.schemas.schemas[self.schemas.final_target(name)]
        ctx = _Ctx(package=package, module=module, prefix=class_name, pointer_style=True)
        self._build_model(qualname, schema, ctx, "exception-dataclass", schema_name=name)

    def _build_model(self, qualname: str, schema: Schema, ctx: _Ctx, kind: str, schema_name: str | None) -> None:
        package, module, class_name = qualname.split(".")
        model = ModelIR(
            package=package,
            module=module,
            name=class_name,
            kind=kind,
            description=_text(schema, "description"),
            schema_name=schema_name,
            deprecated=bool(schema.get("deprecated")),
        )
        if schema_name is not None:  # an alias component keeps its own description
            model.description = _text(self.schemas.schemas[schema_name], "description") or model.description
        self.models[qualname] = model  # registered first: recursive schemas refer back
        if self.schemas.shape(schema) == "enum":
            model.kind = "enum"
            model.members, model.enum_base = self._enum_members(schema)
            return
        model.fields = self._object_fields(schema, ctx)

    def _enum_members(self, schema: Schema) -> tuple[dict[str, object], str]:
        base = "int" if schema.get("type") == "integer" else "str"
        members: dict[str, object] = {}
        for value in schema.get("enum", []):
            if value is None:
                continue
            members[naming.enum_member_name(value)] = value
        return members, base

    def _object_fields(self, schema: Schema, ctx: _Ctx) -> list[FieldIR]:
        props, required = self.schemas.merged_object(schema)
        # Visit properties in name order: inline classes are named as they are met, and the
        # result must not depend on how the document happens to order its keys.
        fields = [self._property_field(wire, prop, wire in required, ctx) for wire, prop in sorted(props)]
        return _sorted_fields(fields, {f.name: f.wire or "" for f in fields})

    def _property_field(self, wire: str, prop: Schema, required: bool, ctx: _Ctx) -> FieldIR:
        inner = self._type(prop, ctx, wire)
        nullable = self.schemas.is_nullable(prop)
        field = FieldIR(
            name=naming.attribute_name(wire),
            type=_optional(inner) if (nullable or not required) else inner,
            required=required,
            wire=wire,
            omit_if_none=not required,
            description=_text(prop, "description"),
            deprecated=bool(prop.get("deprecated")),
        )
        field.nullable = nullable
        field.constraints = _constraints(self.schemas.deref(prop))
        if not required:
            field.default = self._default_of(prop)
        return field

    def _default_of(self, schema: Schema) -> str:
        if "default" in schema and schema["default"] is not None:
            return _python_literal(schema["default"])
        return "None"

    # -- types --

    def _type(self, schema: Schema, ctx: _Ctx, hint: str) -> TypeRef:
        """TypeRef for `schema` (never the outer Optional); names inline classes on the way."""
        shape = self.schemas.shape(schema)
        if shape == "ref":
            return self._ref_type(_ref_name(schema["$ref"]), ctx, hint)
        if shape in ("class", "enum"):
            return self._inline_model(schema, ctx, hint)
        if shape == "union":
            union = self._union_type(schema, ctx, hint)
            self._alias(ctx.package, ctx.module, ctx.prefix + naming.pascal_case(hint), union, schema)
            return union
        if shape == "list":
            return TypeRef(kind="list", item=self._type(schema.get("items", {}) or {}, ctx, hint))
        if shape == "map":
            return TypeRef(kind="map", item=self._map_value_type(schema, ctx, hint))
        if "allOf" in schema:  # a single non-object part
            return self._type(schema["allOf"][0], ctx, hint)
        return TypeRef(kind=shape, fmt=schema.get("format"))

    def _map_value_type(self, schema: Schema, ctx: _Ctx, hint: str) -> TypeRef:
        extra = schema.get("additionalProperties")
        if not isinstance(extra, Mapping) or not extra:
            return TypeRef(kind="any")
        return self._type(extra, ctx, hint)

    def _ref_type(self, name: str, ctx: _Ctx, hint: str) -> TypeRef:
        qualname = self.shared_names.get(name)
        if qualname is not None:
            return TypeRef(kind="ref", ref=qualname)
        target = self.schemas.alias_target(name)
        if target is not None:
            return self._ref_type(target, ctx, hint)
        schema = self.schemas.schemas[name]
        if self.schemas.shape(schema) == "union":
            union = self._union_type(schema, ctx, hint)
            alias_name = (self.overrides.get("alias_names", {}) or {}).get(name, naming.pascal_case(name))
            self._alias("shared", naming.module_name(alias_name), alias_name, union, schema)
            return union
        return self._type(schema, ctx, hint)

    def _alias(self, package: str, module: str, name: str, union: TypeRef, schema: Schema) -> None:
        """Record a module-level alias for a union (first name wins; the same union is one alias)."""
        key = (package, module, name)
        if key not in self.aliases:
            self.aliases[key] = UnionAliasIR(package, module, name, union, _text(schema, "description"))

    def _inline_model(self, schema: Schema, ctx: _Ctx, hint: str) -> TypeRef:
        class_name = self._first_free(ctx.package, ctx.candidates(hint))
        qualname = self._reserve(ctx.package, ctx.module, class_name)
        self._build_model(qualname, schema, ctx, "dataclass", schema_name=None)
        return TypeRef(kind="ref", ref=qualname)

    def _union_type(self, schema: Schema, ctx: _Ctx, hint: str) -> TypeRef:
        branches = schema.get("oneOf") or schema.get("anyOf") or []
        options = [self._type(branch, ctx, hint) for branch in branches]
        union = TypeRef(kind="union", options=options)
        discriminator = schema.get("discriminator")
        if isinstance(discriminator, Mapping) and discriminator.get("propertyName"):
            mapping = {
                str(value): self._ref_type(_ref_name(ref), ctx, hint).ref or ""
                for value, ref in (discriminator.get("mapping") or {}).items()
            }
            union.discriminator = Discriminator(property=discriminator["propertyName"], mapping=mapping)
        return union

    # -- security --

    def _oauth_scheme(self) -> tuple[str, Mapping[str, Any]]:
        """The client-credentials scheme the SDK authenticates with."""
        schemes = self.schemas.components.get("securitySchemes", {}) or {}
        wanted = (self.config.get("security", {}) or {}).get("scheme")
        for name in sorted(schemes):
            flows = schemes[name].get("flows", {}) or {}
            if "clientCredentials" in flows and (wanted is None or name == wanted):
                return name, flows["clientCredentials"]
        raise ValueError("no OAuth2 client-credentials security scheme")

    def _token_url(self) -> str:
        return str(self._oauth_scheme()[1].get("tokenUrl", ""))

    def _build_security_model(self) -> None:
        """`shared.Security`: client id/secret for the client-credentials flow + token URL."""
        qualname = self._reserve("shared", "security", "Security")
        location = {"scheme": True, "type": "oauth2", "sub_type": "client_credentials"}
        fields = [
            FieldIR(
                name=naming.attribute_name(wire),
                type=_optional(TypeRef(kind="str")),
                required=False,
                default="None",
                location={"security": {**location, "field_name": wire}},
            )
            for wire in ("clientID", "clientSecret")
        ]
        fields.append(
            FieldIR(
                name="token_url",
                type=_optional(TypeRef(kind="str")),
                required=False,
                default=_python_literal(self._token_url()),
            )
        )
        self.models[qualname] = ModelIR(
            package="shared", module="security", name="Security", kind="dataclass", fields=fields
        )

    def _servers(self) -> list[ServerIR]:
        servers = []
        for server in self.spec.get("servers", []) or []:
            variables: dict[str, dict[str, object]] = {}
            for name, variable in (server.get("variables", {}) or {}).items():
                entry: dict[str, object] = {"default": variable.get("default")}
                if "enum" in variable:
                    entry["enum"] = list(variable["enum"])
                if variable.get("description"):
                    entry["description"] = variable["description"]
                variables[name] = entry
            servers.append(ServerIR(url=server["url"], variables=variables, description=_text(server, "description")))
        return servers

    # -- operations --

    def _build_clients(self, operations: list[Any]) -> ClientIR:
        root = ClientIR(attr="", class_name="SDK", module="sdk")
        tags = sorted({self._tag_of(op) for _p, _m, op, _ps in operations} - {""})
        nodes = self._client_nodes(root, tags)
        for path, method, operation, params in operations:
            node = nodes[self._tag_of(operation)]
            node.operations.append(self._build_operation(path, method, operation, params))
        _sort_tree(root)
        return root

    @staticmethod
    def _tag_of(operation: Mapping[str, Any]) -> str:
        tags = operation.get("tags") or []
        return str(tags[0]) if tags else ""

    def _client_nodes(self, root: ClientIR, tags: list[str]) -> dict[str, ClientIR]:
        """One node per tag segment; class names resolved in sorted tag order."""
        descriptions = {t.get("name"): _text(t, "description") for t in self.spec.get("tags", []) or []}
        nodes: dict[str, ClientIR] = {"": root}
        taken = {"SDK"} | {naming.pascal_case(tag.split(".")[0]) for tag in tags if "." in tag}
        for tag in tags:
            parts = tag.split(".")
            parent = root
            for depth in range(1, len(parts) + 1):
                key = ".".join(parts[:depth])
                if key not in nodes:
                    class_name = self._client_class(parts[:depth], taken)
                    taken.add(class_name)
                    node = ClientIR(
                        attr=naming.snake_case(parts[depth - 1]),
                        class_name=class_name,
                        module=key.replace(".", "_").replace("-", "_"),
                        description=descriptions.get(key, ""),
                        path=[naming.snake_case(part) for part in parts[:depth]],
                    )
                    parent.children.append(node)
                    nodes[key] = node
                parent = nodes[key]
        return nodes

    def _client_class(self, parts: list[str], taken: set[str]) -> str:
        override = (self.overrides.get("client_classes", {}) or {}).get(".".join(parts))
        if override:
            return str(override)
        leaf = naming.pascal_case(parts[-1])
        if len(parts) == 1:
            return leaf
        group = "".join(naming.pascal_case(p) for p in parts[:-1])
        return naming.unique_name([leaf, "SDK" + leaf, "SDK" + group + leaf], taken)

    def _build_operation(
        self, path: str, method: str, operation: Mapping[str, Any], params: list[Mapping[str, Any]]
    ) -> OperationIR:
        operation_id = str(operation["operationId"])
        base = operation_id[0].upper() + operation_id[1:]
        module = operation_id.lower()
        ctx = _Ctx(package="operations", module=module, prefix=base)
        method_name = operation.get("x-speakeasy-name-override") or operation_id
        op = OperationIR(
            operation_id=operation_id,
            method_name=naming.snake_case(str(method_name)),
            http_method=method,
            path=path,
            client_path=self._client_path(operation),
            summary=_text(operation, "summary"),
            description=_text(operation, "description"),
            deprecated=bool(operation.get("deprecated")) or self._deprecated_by_config(operation),
        )
        self._build_request(op, operation, params, ctx, base)
        self._build_response(op, operation, ctx, base)
        op.scopes = self._scopes(operation)
        op.security_required = self._security_required(operation)
        op.idempotency_header = next(
            (p["name"] for p in params if p["in"] == "header" and p["name"].lower() == IDEMPOTENCY_HEADER), None
        )
        op.branch_hint = self._branch_hint(op, params)
        return op

    def _branch_hint(self, op: OperationIR, params: list[Mapping[str, Any]]) -> str | None:
        """The request attribute gen.yaml names to settle an ambiguous response union."""
        hints = (self.config.get("decoding", {}) or {}).get("branch_hints", {}) or {}
        param_name = hints.get(op.operation_id)
        if param_name is None:
            return None
        if not any(p["name"] == param_name for p in params):
            raise ValueError(f"gen.yaml decoding.branch_hints: {op.operation_id} has no parameter {param_name!r}")
        return naming.attribute_name(param_name)

    def _client_path(self, operation: Mapping[str, Any]) -> list[str]:
        tag = self._tag_of(operation)
        return [naming.snake_case(part) for part in tag.split(".")] if tag else []

    def _deprecated_by_config(self, operation: Mapping[str, Any]) -> bool:
        deprecated_tags = set(self.overrides.get("deprecated_tags", []) or [])
        return self._tag_of(operation) in deprecated_tags

    # -- request --

    def _build_request(
        self, op: OperationIR, operation: Mapping[str, Any], params: list[Mapping[str, Any]], ctx: _Ctx, base: str
    ) -> None:
        body = self._request_body(operation)
        body_field: FieldIR | None = None
        if body is not None:
            media, schema, required, description = body
            op.body_media_type, op.body_required = media, required
            body_type = self._body_type(schema, ctx, base, media)
            optional = not required or self.schemas.is_nullable(schema)
            op.body_type = _optional(body_type) if optional else body_type
            body_field = FieldIR(
                name=self._body_field_name(schema),
                type=op.body_type,
                required=required,
                default=None if required else "None",
                location={"request": {"media_type": media}},
                description=description,
            )
            body_field.nullable = self.schemas.is_nullable(schema)
        if not params:
            if body_field is not None:
                op.request_type, op.request_required = body_field.type, body_field.required
            return
        fields = [self._param_field(param, ctx) for param in params]
        sort_keys = {f.name: self._param_sort_key(f) for f in fields}
        if body_field is not None:
            op.body_field = body_field.name
            fields.append(body_field)
            sort_keys[body_field.name] = naming.pascal_case(body_field.name)
        qualname = self._reserve("operations", ctx.module, base + "Request")
        self.models[qualname] = ModelIR(
            package="operations",
            module=ctx.module,
            name=base + "Request",
            kind="request",
            fields=_sorted_fields(fields, sort_keys),
        )
        op.request_model = qualname
        op.request_type = TypeRef(kind="ref", ref=qualname)
        op.request_required = True

    def _body_type(self, schema: Schema, ctx: _Ctx, base: str, media: str = JSON_MEDIA) -> TypeRef:
        if not _is_json(media) and self.schemas.deref(schema).get("type") == "string":
            # A raw body: text, bytes or a binary file, streamed as given.
            options = [TypeRef(kind="str"), TypeRef(kind="bytes"), TypeRef(kind="binary_file")]
            return TypeRef(kind="union", options=options)
        if self.schemas.shape(schema) == "class":
            return self._inline_model_named(schema, ctx, base + "RequestBody")
        return self._type(schema, ctx, "RequestBody")

    def _inline_model_named(self, schema: Schema, ctx: _Ctx, class_name: str) -> TypeRef:
        qualname = self._reserve(ctx.package, ctx.module, class_name)
        self._build_model(qualname, schema, ctx, "dataclass", schema_name=None)
        return TypeRef(kind="ref", ref=qualname)

    def _body_field_name(self, schema: Schema) -> str:
        """snake_case of the body's component when it is a class or named union, else request_body."""
        if "$ref" in schema:
            name = _ref_name(schema["$ref"])
            target = self.schemas.schemas[self.schemas.final_target(name)]
            if self.schemas.is_classlike(name) or self.schemas.shape(target) == "union":
                return naming.snake_case(name)
        return "request_body"

    @staticmethod
    def _param_sort_key(field: FieldIR) -> str:
        location = field.location or {}
        for spec in location.values():
            return str(spec.get("field_name", field.name))
        return field.name

    def _param_field(self, param: Mapping[str, Any], ctx: _Ctx) -> FieldIR:
        schema = param.get("schema", {}) or {}
        required = bool(param.get("required"))
        inner = self._type(schema, ctx, param["name"])
        nullable = self.schemas.is_nullable(schema)
        field = FieldIR(
            name=naming.attribute_name(param["name"]),
            type=_optional(inner) if (nullable or not required) else inner,
            required=required,
            default=None if required else self._default_of(schema),
            location=self._param_location(param),
            description=_text(param, "description"),
            deprecated=bool(param.get("deprecated")),
        )
        field.nullable = nullable
        field.constraints = _constraints(self.schemas.deref(schema))
        return field

    @staticmethod
    def _param_location(param: Mapping[str, Any]) -> dict[str, dict[str, object]]:
        where = param["in"]
        if where == "path":
            key, style, explode = "path_param", param.get("style", "simple"), param.get("explode", False)
        elif where == "query":
            key, style, explode = "query_param", param.get("style", "form"), param.get("explode", True)
        elif where == "header":
            key, style, explode = "header", param.get("style", "simple"), param.get("explode", False)
        else:
            raise ValueError(f"unsupported parameter location {where!r} for {param['name']}")
        return {key: {"field_name": param["name"], "style": style, "explode": bool(explode)}}

    # -- response --

    def _build_response(self, op: OperationIR, operation: Mapping[str, Any], ctx: _Ctx, base: str) -> None:
        envelope: list[FieldIR] = []
        seen: set[str] = set()
        streamed: list[str] = []
        for status, response in self._responses(operation):
            if response.get("headers") and status != "default":
                op.response_headers = True
            contents = self._contents(response)
            if status == "default":
                op.errors.extend(self._errors(contents))
                streamed.extend(media for media, _ in contents if not _is_json(media))
                continue
            if not contents:
                op.responses.append(ResponseIR(status=status))
                continue
            for media, schema in contents:
                field_name, body_type = self._response_body(schema, ctx, base)
                op.responses.append(ResponseIR(status=status, content_type=media, field=field_name, type=body_type))
                if field_name not in seen:
                    seen.add(field_name)
                    envelope.append(FieldIR(name=field_name, type=_optional(body_type), required=False, default="None"))
        if streamed:
            # A binary `default` body (log export) is the success payload of a bodiless 2XX:
            # the runtime streams it instead of decoding it.
            for response_ir in op.responses:
                if response_ir.content_type is None and response_ir.status.startswith("2"):
                    response_ir.content_type = streamed[0]
        qualname = self._reserve("operations", ctx.module, base + "Response")
        self.models[qualname] = ModelIR(
            package="operations",
            module=ctx.module,
            name=base + "Response",
            kind="response",
            fields=self._envelope_fields(op.response_headers) + envelope,
        )
        op.response_model = qualname

    def _response_body(self, schema: Schema, ctx: _Ctx, base: str) -> tuple[str, TypeRef]:
        if "$ref" in schema:
            name = _ref_name(schema["$ref"])
            return naming.snake_case(name), self._ref_type(name, ctx, name)
        if self.schemas.shape(schema) == "class":
            return "object", self._inline_model_named(schema, ctx, base + "ResponseBody")
        return "res", self._type(schema, ctx, base + "ResponseBody")

    def _errors(self, contents: list[tuple[str, Schema]]) -> list[ErrorIR]:
        found = []
        for media, schema in contents:
            if _is_json(media) and "$ref" in schema:
                found.append(
                    ErrorIR(
                        status="default", content_type=media, error_class=self.error_names[_ref_name(schema["$ref"])]
                    )
                )
        return found

    @staticmethod
    def _envelope_fields(with_headers: bool) -> list[FieldIR]:
        fields = [FieldIR(name="content_type", type=TypeRef(kind="str"), required=True)]
        if with_headers:
            # The response's own case-insensitive header mapping (str values), as 4.2.0 gives.
            fields.append(FieldIR(name="headers", type=TypeRef(kind="headers"), required=True))
        fields.append(FieldIR(name="status_code", type=TypeRef(kind="int"), required=True))
        fields.append(
            FieldIR(
                name="raw_response",
                type=TypeRef(kind="http_response"),
                required=True,
                description="The HTTP response, for headers and anything the model does not carry.",
            )
        )
        return fields

    # -- security per operation --

    def _scopes(self, operation: Mapping[str, Any]) -> list[str]:
        base = list((self.config.get("security", {}) or {}).get("base_scopes", []) or [])
        requirements = operation.get("security", self.spec.get("security", [])) or []
        own = [scope for requirement in requirements for scopes in requirement.values() for scope in scopes]
        return base + own

    def _security_required(self, operation: Mapping[str, Any]) -> bool:
        anonymous = set((self.config.get("security", {}) or {}).get("anonymous_schemes", []) or [])
        requirements = operation.get("security", self.spec.get("security", [])) or []
        if not requirements:
            return False
        return not any(not requirement or set(requirement) <= anonymous for requirement in requirements)


def _sorted_fields(fields: list[FieldIR], sort_keys: Mapping[str, str]) -> list[FieldIR]:
    """Required fields first, then optional; each group in byte order of its sort key."""
    return sorted(fields, key=lambda f: (not f.required, sort_keys.get(f.name, f.name)))


def _sort_tree(node: ClientIR) -> None:
    node.children.sort(key=lambda child: child.attr)
    node.operations.sort(key=lambda op: op.method_name)
    for child in node.children:
        _sort_tree(child)
