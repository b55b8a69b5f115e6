"""`multipart/form-data` request bodies, for operations that also take uploads as forms.

The `openai` SDK sends files as forms (its `images.edit`, for one). A form is read into
the same request model as the JSON body, so one validator serves both: a text part is
the field's value (coerced as a form's strings must be: `"2"` is 2, `"true"` is true),
a file part becomes a `data:<its type>;base64,…` URL, and repeated names or names
ending in `[]` make a list. The model sees `{"form": True}` as validation context, in
case a field is spelt differently in forms.
"""

from __future__ import annotations

import ast
import base64
import re
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ValidationError, ValidationInfo

from .errors import MeshError
from .validation import validation_details

M = TypeVar("M", bound=BaseModel)

FORM_TYPE = "multipart/form-data"


def is_form(content_type: str | None) -> bool:
    return content_type is not None and content_type.lower().startswith(FORM_TYPE)


def validate_form(model: type[M], raw: bytes, content_type: str) -> M:
    """The form's fields validated as `model`; a broken form is a 400, bad fields a 422."""
    data = parse_form(raw, content_type)
    try:
        return model.model_validate(data, strict=False, context={"form": True})
    except ValidationError as exc:
        raise MeshError(
            422,
            "validation_error",
            "Request form failed validation.",
            details=validation_details(exc),
        ) from None


def parse_form(raw: bytes, content_type: str) -> dict[str, Any]:
    header = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(header + raw)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise _broken("it has no parts (is the boundary right?)")
    if message.defects:
        raise _broken(f"{message.defects[0].__class__.__name__}")
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            raise _broken("a part has no name in its Content-Disposition")
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        value: str
        if part.get_filename() is not None:
            media_type = part.get_content_type() if part.get("content-type") else ""
            media_type = media_type or "application/octet-stream"
            value = f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"
        else:
            value = content.decode(part.get_content_charset() or "utf-8", "replace")
        listed = name.endswith("[]")
        name = name.removesuffix("[]")
        if name in fields:
            existing = fields[name]
            fields[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            fields[name] = [value] if listed else value
    return fields


_DISPOSITION = re.compile(
    rb'\r?\ncontent-disposition:[^\r\n]*?\bname="([^"]*)"[^\r\n]*?\bfilename="([^"]*)"',
    re.IGNORECASE,
)


def file_names(raw: bytes) -> dict[str, str]:
    """Each file part's `filename`, by part name (the first of a name wins): a scan of
    the part headers, cheaper than parsing a large upload a second time."""
    names: dict[str, str] = {}
    for found in _DISPOSITION.finditer(raw):
        names.setdefault(
            found.group(1).decode("utf-8", "replace"), found.group(2).decode("utf-8", "replace")
        )
    return names


def _python_list(value: Any, info: ValidationInfo) -> Any:
    """A form's `['a', 'b']`: how the official SDK stringifies a list (contract §14)."""
    if (info.context or {}).get("form") and isinstance(value, str) and value.startswith("["):
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return value
        if isinstance(parsed, list):
            return parsed
    return value


PythonList = BeforeValidator(_python_list)
"""For a list field of a form-taking request model: a text part spelt as a Python list
literal is that list (a JSON body is left alone)."""


def _broken(problem: str) -> MeshError:
    return MeshError(
        400,
        "invalid_request",
        f"Request body is not valid multipart/form-data: {problem}.",
        details=[{"type": "form_invalid", "loc": ["body"], "msg": problem}],
    )
