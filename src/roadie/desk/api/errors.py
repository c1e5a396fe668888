"""Turning the refusals of the apps' write paths into API answers."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from ninja.errors import HttpError


def first_error(exc: ValidationError) -> str:
    """``field: reason`` of the first problem a ``ValidationError`` names."""
    if hasattr(exc, "error_dict"):
        field, messages = next(iter(exc.message_dict.items()))
        return f"{field}: {messages[0]}"
    return exc.messages[0]


@contextmanager
def refusals():
    """``ValidationError`` → 422 naming the field; ``PermissionDenied`` → 403."""
    try:
        yield
    except ValidationError as exc:
        raise HttpError(422, first_error(exc)) from None
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "forbidden") from None
