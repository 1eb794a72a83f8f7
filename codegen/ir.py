"""The generator's intermediate representation (IR).

`spec_model.build(spec, gen_config)` turns openapi.yaml + gen.yaml into one `Api` value;
the emitters (`emit_*.py`) turn an `Api` into files. Everything about *names* is decided
while building the IR, so emitters never invent a name, and the naming rules can be checked
against the reference surface without writing any file.

All containers are plain lists/dicts in a deterministic order (the order the emitters write).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

# --- types -------------------------------------------------------------------------------

#: Scalar kinds. `int` covers int64 and `bigint` (Python ints are exact either way; `fmt`
#: keeps the wire format for docs and tests). `any` is an untyped JSON value. `binary_file` is
#: a file opened in binary mode (a binary request body is Union[str, bytes, binary_file]);
#: `http_response` and `headers` are the envelope's raw response and its header mapping.
SCALAR_KINDS = (
    "str", "int", "float", "bool", "datetime", "date", "any", "bytes", "binary_file", "http_response", "headers"
)


@dataclass
class TypeRef:
    """A Python type, as a small tree.

    kind is one of SCALAR_KINDS, or:
      - "list":     `item` is the element type                     -> List[item]
      - "map":      `item` is the value type (keys are str)        -> Dict[str, item]
      - "optional": `item` is the wrapped type                     -> Optional[item]
      - "ref":      `ref` is a model's qualified name, e.g. "shared.v2posting.V2Posting"
      - "union":    `options` are the branches in declaration order -> Union[...]
    """

    kind: str
    item: Optional[TypeRef] = None
    ref: Optional[str] = None
    options: List[TypeRef] = field(default_factory=list)
    #: For "union": the property that names the branch, and wire value -> branch qualname.
    discriminator: Optional[Discriminator] = None
    #: Wire format from the spec ("bigint", "int64", "date-time", "uuid", "binary", ...).
    fmt: Optional[str] = None


@dataclass
class Discriminator:
    property: str  # wire name of the property, e.g. "responseType"
    mapping: Dict[str, str]  # wire value -> qualified model name


# --- models ------------------------------------------------------------------------------


@dataclass
class FieldIR:
    name: str  # Python attribute name (snake_case, keyword-safe)
    type: TypeRef  # the full annotation, including the outer "optional" when not required
    required: bool  # True: no default in the dataclass
    #: Python source of the default when not required: "None", "15", "'/api/auth/oauth/token'".
    default: Optional[str] = None
    #: JSON property name; None for fields that are not JSON properties (request/response
    #: envelope fields, operation parameters).
    wire: Optional[str] = None
    omit_if_none: bool = False  # left out of JSON when None (optional JSON properties)
    #: Where an operation-request field goes on the wire, exactly one key of:
    #:   {"path_param":  {"field_name": "ledger", "style": "simple", "explode": False}}
    #:   {"query_param": {"field_name": "pageSize", "style": "form", "explode": True}}
    #:   {"header":      {"field_name": "Idempotency-Key", "style": "simple", "explode": False}}
    #:   {"request":     {"media_type": "application/json"}}
    #:   {"security":    {"scheme": True, "type": "oauth2", "sub_type": "client_credentials",
    #:                    "field_name": "clientID"}}
    location: Optional[Dict[str, Dict[str, object]]] = None
    description: str = ""
    deprecated: bool = False
    #: The schema allows an explicit JSON null (`nullable: true`). For an optional field this
    #: tells "left unset" (omitted) apart from "set to None" (sent as null); the original SDK
    #: marked such fields with an UNSET sentinel default.
    nullable: bool = False
    #: Value constraints of the schema that are checked before a request is sent, by runtime
    #: keyword: {"minimum": 0, "maximum": 1000, "min_length": 1, "max_length": 64, "pattern": "^a"}.
    constraints: Dict[str, object] = field(default_factory=dict)


@dataclass
class ModelIR:
    package: str  # "shared" | "operations" | "errors"
    module: str  # module file name inside the package, e.g. "v2posting"
    name: str  # class name, e.g. "V2Posting"
    #: "dataclass" | "enum" | "exception-dataclass" | "request" | "response"
    #:   request/response are the per-operation classes in `operations` (dataclasses too).
    kind: str
    fields: List[FieldIR] = field(default_factory=list)
    #: enums: Python member name -> wire value (str, or int for integer enums)
    members: Dict[str, object] = field(default_factory=dict)
    enum_base: str = "str"  # "str" | "int"
    description: str = ""
    schema_name: Optional[str] = None  # components/schemas key, when the model is named there
    deprecated: bool = False

    @property
    def qualname(self) -> str:
        return f"{self.package}.{self.module}.{self.name}"


@dataclass
class UnionAliasIR:
    """A named union, e.g. `shared.ConnectorConfig = Union[StripeConfig, ...]`.

    Unions are not classes, so they do not appear among the models; 4.2.0 users still refer to
    them by name in type hints, so each gets a module-level alias.
    """

    package: str
    module: str
    name: str
    type: TypeRef  # kind "union"
    description: str = ""


# --- operations --------------------------------------------------------------------------


@dataclass
class ResponseIR:
    """One documented response of an operation that is returned (not raised)."""

    status: str  # "200", "201", "204", "2XX", "404", "5XX", ...
    content_type: Optional[str] = None  # None when the response has no body
    #: Envelope attribute that receives the decoded body, e.g. "v2_create_transaction_response".
    field: Optional[str] = None
    type: Optional[TypeRef] = None


@dataclass
class ErrorIR:
    """A documented error response raised as a typed exception."""

    status: str  # "default", "4XX", "400", ...
    content_type: str
    error_class: str  # qualified: "errors.v2errorresponse.V2ErrorResponse"


@dataclass
class OperationIR:
    operation_id: str  # "v2CreateTransaction"
    method_name: str  # Python method on the sub-client, "create_transaction"
    http_method: str  # "GET", "POST", ...
    path: str  # "/api/ledger/v2/{ledger}/transactions"
    client_path: List[str]  # attribute chain from SDK to the sub-client, ["ledger", "v2"]
    summary: str = ""
    description: str = ""
    deprecated: bool = False
    #: The method's single `request` argument: its annotation and whether it may be omitted
    #: (None when the operation takes no input). It is either the operation's request model
    #: (operations.*Request, holding parameters and the body) or, when the operation has a
    #: body and no parameters, the body type itself.
    request_type: Optional[TypeRef] = None
    request_required: bool = True
    #: Qualified name of operations.*Request when one exists (the first case above).
    request_model: Optional[str] = None
    #: The body, if any: media type, whether required, and the request-model field that
    #: carries it (None when the `request` argument *is* the body).
    body_media_type: Optional[str] = None
    body_required: bool = False
    body_field: Optional[str] = None
    body_type: Optional[TypeRef] = None
    response_model: str = ""  # qualified: "operations.v2createtransaction.V2CreateTransactionResponse"
    responses: List[ResponseIR] = field(default_factory=list)
    errors: List[ErrorIR] = field(default_factory=list)
    #: True when the response model carries the HTTP headers (`headers` field), e.g. HEAD counts.
    response_headers: bool = False
    scopes: List[str] = field(default_factory=list)  # OAuth2 scopes, e.g. ["auth:read", "ledger:write"]
    #: False when the operation may be called without credentials.
    security_required: bool = True
    #: Header name when the operation accepts an idempotency key ("Idempotency-Key").
    idempotency_header: Optional[str] = None
    #: Request attribute whose value names the branch of an ambiguous response union
    #: (gen.yaml `decoding.branch_hints`).
    branch_hint: Optional[str] = None


@dataclass
class ClientIR:
    """A node of the sub-client tree: `SDK`, then `s.ledger`, then `s.ledger.v2`."""

    attr: str  # attribute name on the parent ("" for the root SDK)
    class_name: str  # "SDK", "Ledger", "V2", "SDKOrchestrationV1", ...
    module: str  # module name for the generated class, e.g. "ledger_v2" ("sdk" for root)
    description: str = ""
    operations: List[OperationIR] = field(default_factory=list)
    children: List[ClientIR] = field(default_factory=list)
    #: Attribute chain from the SDK object: ["ledger", "v2"] ([] for the root).
    path: List[str] = field(default_factory=list)


@dataclass
class ServerIR:
    url: str
    variables: Dict[str, Dict[str, object]] = field(default_factory=dict)  # name -> {default, enum?}
    description: str = ""


@dataclass
class Api:
    title: str
    version: str  # API version from info.version
    sdk_version: str  # package version from gen.yaml
    servers: List[ServerIR]
    #: tokenUrl of the OAuth2 client-credentials scheme (relative to the server URL).
    token_url: str
    models: List[ModelIR]  # every model, sorted by (package, module, name)
    root: ClientIR
    aliases: List[UnionAliasIR] = field(default_factory=list)  # sorted by (package, module, name)
    #: gen.yaml `examples:` (what example values no rule can derive); read by codegen/examples.py.
    examples: Dict[str, Any] = field(default_factory=dict)
    #: gen.yaml `descriptions:`, class name -> our description of a model the spec leaves bare.
    descriptions: Dict[str, str] = field(default_factory=dict)

    def model(self, qualname: str) -> ModelIR:
        for candidate in self.models:
            if candidate.qualname == qualname:
                return candidate
        raise KeyError(qualname)

    def operations(self) -> List[OperationIR]:
        found: List[OperationIR] = []

        def walk(node: ClientIR) -> None:
            found.extend(node.operations)
            for child in node.children:
                walk(child)

        walk(self.root)
        return found
