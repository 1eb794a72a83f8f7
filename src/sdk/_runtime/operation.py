"""Operations as data: what the generated sub-clients declare and the pipeline executes."""

from __future__ import annotations

from typing import Any, Callable, Optional, Tuple, TypeVar


class ResponseSpec:
    """A documented response that is returned in the envelope (not raised)."""

    __slots__ = ("status", "content_type", "field")

    def __init__(self, status: str, content_type: Optional[str] = None, field: Optional[str] = None) -> None:
        self.status = status  # "200", "2XX", "404", ...
        self.content_type = content_type
        self.field = field  # envelope attribute receiving the decoded body

    def __repr__(self) -> str:
        return f"ResponseSpec({self.status!r}, {self.content_type!r}, {self.field!r})"


class ErrorSpec:
    """A documented error response, raised as a typed exception from sdk.models.errors."""

    __slots__ = ("status", "content_type", "error_class")

    def __init__(self, status: str, content_type: str, error_class: str) -> None:
        self.status = status  # "default", "4XX", "400", ...
        self.content_type = content_type
        self.error_class = error_class  # "errors.v2errorresponse.V2ErrorResponse"

    def __repr__(self) -> str:
        return f"ErrorSpec({self.status!r}, {self.content_type!r}, {self.error_class!r})"


class Pagination:
    """How a cursor-paginated list operation asks for its next page and where its items are.

    Attribute names, not wire names: `cursor_field` receives the next cursor, `cleared_fields`
    (other spellings of the cursor) are emptied, `page_size_fields` are kept; every other
    query parameter and the body are left out of the next pages, which the cursor describes.
    The items are `response.<page_field>.<cursor_attr>.data`.
    """

    __slots__ = ("cursor_field", "cleared_fields", "page_size_fields", "page_field", "cursor_attr")

    def __init__(
        self,
        cursor_field: str,
        page_field: str,
        *,
        cleared_fields: Tuple[str, ...] = (),
        page_size_fields: Tuple[str, ...] = (),
        cursor_attr: str = "cursor",
    ) -> None:
        self.cursor_field = cursor_field
        self.page_field = page_field
        self.cleared_fields = cleared_fields
        self.page_size_fields = page_size_fields
        self.cursor_attr = cursor_attr

    def __repr__(self) -> str:
        return f"Pagination(cursor_field={self.cursor_field!r}, page_field={self.page_field!r})"


class Operation:
    """Everything specific to one API operation; the pipeline does the rest.

    Model classes are referenced by qualified name (relative to `sdk.models`) and resolved on
    first use, so declaring an operation imports nothing.
    """

    __slots__ = (
        "operation_id",
        "http_method",
        "path",
        "request_model",
        "body_field",
        "body_media_type",
        "body_required",
        "body_model",
        "response_model",
        "responses",
        "errors",
        "scopes",
        "security_required",
        "idempotency_header",
        "deprecated",
        "response_headers",
        "branch_hint",
        "pagination",
        "_plan",
    )

    def __init__(
        self,
        operation_id: str,
        http_method: str,
        path: str,
        *,
        response_model: str,
        request_model: Optional[str] = None,
        body_field: Optional[str] = None,
        body_media_type: Optional[str] = None,
        body_required: bool = False,
        body_model: Optional[str] = None,
        responses: Tuple[ResponseSpec, ...] = (),
        errors: Tuple[ErrorSpec, ...] = (),
        scopes: Tuple[str, ...] = (),
        security_required: bool = True,
        idempotency_header: Optional[str] = None,
        deprecated: bool = False,
        response_headers: bool = False,
        branch_hint: Optional[str] = None,
        pagination: Optional[Pagination] = None,
    ) -> None:
        self.operation_id = operation_id
        self.http_method = http_method
        self.path = path
        self.request_model = request_model
        self.body_field = body_field
        self.body_media_type = body_media_type
        self.body_required = body_required
        #: The body's model when the method's `request` argument is the body itself.
        self.body_model = body_model
        self.response_model = response_model
        self.responses = responses
        self.errors = errors
        self.scopes = scopes
        self.security_required = security_required
        self.idempotency_header = idempotency_header
        self.deprecated = deprecated
        self.response_headers = response_headers
        #: Request attribute whose value names the branch of an ambiguous response union.
        self.branch_hint = branch_hint
        #: Set on cursor-paginated list operations: what `sdk.utils.paginate` needs.
        self.pagination = pagination
        self._plan: Any = None  # compiled by the pipeline on first call

    def __repr__(self) -> str:
        return f"<Operation {self.operation_id}: {self.http_method} {self.path}>"


F = TypeVar("F", bound=Callable[..., Any])


def bind(operation: Operation) -> Callable[[F], F]:
    """Attach `operation` to the method that calls it, so the method is introspectable."""

    def attach(method: F) -> F:
        method.operation = operation  # type: ignore[attr-defined]
        return method

    return attach
