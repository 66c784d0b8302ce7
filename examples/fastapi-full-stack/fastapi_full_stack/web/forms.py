"""Form posts validated by the same Pydantic schemas as the JSON API."""

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from .csrf import FORM_FIELD

Model = TypeVar("Model", bound=BaseModel)
FieldErrors = dict[str, str]


def form_values(form: FormData) -> dict[str, str]:
    """The text fields of a posted form, minus the CSRF token."""
    return {
        key: value for key, value in form.items() if isinstance(value, str) and key != FORM_FIELD
    }


def validate(schema: type[Model], data: dict[str, Any]) -> Model | FieldErrors:
    """The validated model, or one message per field to show next to it."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        errors: FieldErrors = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "__all__"
            # The first message per field is enough for a person to fix it.
            errors.setdefault(field, error["msg"].removeprefix("Value error, "))
        return errors
