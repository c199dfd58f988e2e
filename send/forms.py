"""Form helpers every app uses: service errors shown on the form, choices given at run time, forms built from a
model's fields, the date input."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Field, Model, QuerySet
from django.forms.models import fields_for_model
from django.http import HttpRequest

T = TypeVar("T")


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def limit_choices(
    field: forms.Field,
    queryset: QuerySet[Any],
    *,
    label: Callable[[Any], str] | None = None,
    to_field_name: str | None = None,
) -> None:
    """Give a model choice field its choices at run time: the view knows the tenant and the user, the form class
    (built at import) does not. `label` words each choice; `to_field_name` posts e.g. a UUID instead of the id."""
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{field!r} is not a model choice field")
    field.queryset = queryset
    if label is not None:
        field.label_from_instance = label  # type: ignore[assignment]  # Django's documented way to word choices
    if to_field_name is not None:
        field.to_field_name = to_field_name


class DateInput(forms.DateInput):
    input_type = "date"


class ModelFieldsForm(forms.Form):
    """A plain form with a model's fields, as the model words them (labels, choices, help), and no model
    validation: the service validates and saves. Relations get no choices here (the scoped default manager cannot
    run at import); the view gives them with `limit_choices`."""

    model: type[Model]
    model_fields: tuple[str, ...] = ()
    _model_field_cache: ClassVar[dict[str, forms.Field]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        declared = self.fields
        self.fields = {**copy.deepcopy(self._model_fields()), **declared}

    @classmethod
    def _model_fields(cls) -> dict[str, forms.Field]:
        cached: dict[str, forms.Field] | None = cls.__dict__.get("_model_field_cache")
        if cached is None:
            callback: Any = _formfield
            cached = dict(fields_for_model(cls.model, fields=list(cls.model_fields), formfield_callback=callback))
            cls._model_field_cache = cached
        return cached


def _formfield(field: Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    related = field.related_model
    if related is not None and related != "self":
        kwargs["queryset"] = related._base_manager.none()
    formfield = field.formfield(**kwargs)
    if isinstance(formfield, forms.DateField):
        formfield.widget = DateInput()
    if isinstance(formfield, forms.CharField) and isinstance(formfield.widget, forms.Textarea):
        formfield.widget.attrs["rows"] = 4
    return formfield


def save_form(request: HttpRequest, form: forms.Form, save: Callable[[dict[str, Any]], T], message: str) -> T | None:
    """The view's one step for a form backed by a service: on a valid POST, `save(cleaned_data)` (which returns what
    it saved); its ValidationError goes on the form's fields and nothing is saved; success is a message. None
    unless it saved."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save(form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    messages.success(request, message)
    return saved
