"""The codec's entry points, for the rest of the runtime and for `sdk.utils`.

The work is split by job:
    wire_values      what a scalar may look like on the wire (decoding rules, datetimes)
    type_info        what is read from a model class or an annotation (fields, defaults)
    union_choice     which branch of a union a value decodes to
    decoders         compiled, validating decoders (JSON -> models)
    encoders         compiled, validating encoders (models -> JSON) and request constraints
    reference_codec  the slow, readable specification both compiled paths are tested against
    model_base       the `Model` base class (to_dict / from_dict / ...)
    model_fields     the field specifiers generated models declare their fields with
"""

from __future__ import annotations

import json
from typing import Any

from .decoders import DecodeError, decode, decoder_for
from .encoders import encode_value, encoder_for
from .model_fields import exclude_if_none, get_field_name
from .reference_codec import reference_decode, reference_encode
from .type_info import field_types, json_fields, optional_inner
from .wire_values import format_datetime, parse_date, parse_datetime

__all__ = [
    "DecodeError",
    "decode",
    "decoder_for",
    "dumps",
    "encode_value",
    "encoder_for",
    "exclude_if_none",
    "field_types",
    "format_datetime",
    "get_field_name",
    "json_fields",
    "optional_inner",
    "parse_date",
    "parse_datetime",
    "reference_decode",
    "reference_encode",
]


def dumps(data: Any) -> str:
    """Compact JSON text of encoded data, as sent on the wire."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)
