"""The pupil record's sections: contacts, the contact log, notes, documents and access arrangements,
and a timeline of everything dated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pupils.models import AccessArrangement, Contact, ContactKind, ContactLogEntry, Pupil, PupilNote
from send.uploads import StoredFile, files_of, store_upload


class DateInput(forms.DateInput):
    input_type = "date"


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["kind", "name", "relationship", "parental_responsibility", "organisation", "phone", "email"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("parental_responsibility") and data.get("kind") == ContactKind.PROFESSIONAL:
            self.add_error("parental_responsibility", "Only a parent or carer can have parental responsibility.")
        return data


class ContactLogForm(forms.ModelForm):
    class Meta:
        model = ContactLogEntry
        fields = ["happened_on", "with_whom", "method", "summary", "follow_up_on"]
        widgets = {"happened_on": DateInput, "follow_up_on": DateInput, "summary": forms.Textarea(attrs={"rows": 4})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        happened, follow_up = data.get("happened_on"), data.get("follow_up_on")
        if happened and happened > timezone.localdate():
            self.add_error("happened_on", "The contact cannot be in the future.")
        if happened and follow_up and follow_up < happened:
            self.add_error("follow_up_on", "The follow-up cannot be before the contact.")
        return data


class NoteForm(forms.ModelForm):
    class Meta:
        model = PupilNote
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}


class AccessArrangementForm(forms.ModelForm):
    class Meta:
        model = AccessArrangement
        fields = ["arrangement", "evidence", "assessments"]
        widgets = {"evidence": forms.Textarea(attrs={"rows": 3})}


class DocumentForm(forms.Form):
    file = forms.FileField(help_text="A PDF, Word document, PNG or JPEG, up to 20 MB")


@dataclass(frozen=True)
class Section:
    form: type[forms.BaseForm]
    action: str  # the policy action on the pupil
    title: str
    saved: str


SECTIONS = {
    "contact": Section(ContactForm, "manage_record", "Add a contact", "Contact added."),
    "contact_log": Section(ContactLogForm, "manage_record", "Log a contact", "Contact logged."),
    "note": Section(NoteForm, "add_note", "Add a note", "Note added."),
    "access_arrangement": Section(
        AccessArrangementForm, "manage_record", "Add an access arrangement", "Access arrangement added."
    ),
    "document": Section(DocumentForm, "manage_record", "Upload a document", "Document uploaded."),
    "photo": Section(forms.Form, "manage_record", "Add a photo", "Photo saved."),  # replaced below
}
AUTHOR_FIELD = {ContactLogEntry: "recorded_by", PupilNote: "written_by", AccessArrangement: "recorded_by"}


@transaction.atomic
def add_to_record(pupil: Pupil, form: forms.BaseForm, by: Any) -> Any:
    """Save a section's form for the pupil, with its author; a document goes through the upload checks."""
    if isinstance(form, DocumentForm):
        return store_upload(form.cleaned_data["file"], pupil, by)
    if isinstance(form, PhotoForm):
        return set_photo(pupil, form.cleaned_data["photo"], by)
    if not isinstance(form, forms.ModelForm):
        raise ValidationError("Unknown section")
    item = form.save(commit=False)
    item.pupil = pupil
    if type(item) in AUTHOR_FIELD:
        setattr(item, AUTHOR_FIELD[type(item)], by)
    item.save()
    return item


@dataclass(frozen=True)
class TimelineItem:
    on: dt.date
    kind: str
    text: str
    by: str


def record_sections(pupil: Pupil) -> dict[str, Any]:
    """Everything the record page lists, each section one query."""
    documents = list(files_of(pupil).select_related("uploaded_by"))
    contact_log = list(pupil.contact_log.select_related("recorded_by"))
    notes = list(pupil.notes.select_related("written_by"))
    return {
        "contacts": list(pupil.contacts.all()),
        "contact_log": contact_log,
        "notes": notes,
        "documents": documents,
        "access_arrangements": list(pupil.access_arrangements.all()),
        "timeline": timeline(pupil, contact_log, notes, documents),
    }


def _name(user: Any) -> str:
    return (user.full_name or user.email) if user is not None else ""


def timeline(pupil: Pupil, contact_log: list[Any], notes: list[Any], documents: list[Any]) -> list[TimelineItem]:
    items = [
        TimelineItem(
            e.happened_on, "Contact", f"{e.get_method_display()} with {e.with_whom}: {e.summary}", _name(e.recorded_by)
        )
        for e in contact_log
    ]
    items += [TimelineItem(timezone.localtime(n.created_at).date(), "Note", n.text, _name(n.written_by)) for n in notes]
    items += [
        TimelineItem(timezone.localtime(d.uploaded_at).date(), "Document", d.original_name, _name(d.uploaded_by))
        for d in documents
    ]
    for change in pupil.register_changes.select_related("recorded_by"):
        items.append(
            TimelineItem(
                change.starts_on,
                "Register",
                f"{change.get_status_display()}: {change.reason}",
                _name(change.recorded_by),
            )
        )
    for version in pupil.passport_versions.select_related("written_by"):
        items.append(
            TimelineItem(
                timezone.localtime(version.created_at).date(),
                "Passport",
                f"Version {version.number} ({version.get_status_display().lower()})",
                _name(version.written_by),
            )
        )
    if pupil.admission_date:
        items.append(TimelineItem(pupil.admission_date, "Admission", f"Admitted to {pupil.school.name}", ""))
    return sorted(items, key=lambda item: item.on, reverse=True)


class PhotoForm(forms.Form):
    photo = forms.ImageField(help_text="A PNG or JPEG photo, with the parents' consent")


@transaction.atomic
def set_photo(pupil: Pupil, upload: Any, by: Any) -> StoredFile:
    """Only where the school shows photos, and only images (checked by content, like every upload)."""
    if not pupil.school.pupil_photos:
        raise ValidationError({"photo": "This school does not show pupil photos (a setting in Trust admin)."})
    stored = store_upload(upload, pupil, by, purpose=StoredFile.PHOTO)
    if not stored.content_type.startswith("image/"):
        raise ValidationError({"photo": "Upload a PNG or JPEG photo."})
    pupil.photo = stored
    pupil.save(update_fields=["photo", "updated_at"])
    return stored


SECTIONS["photo"] = Section(PhotoForm, "manage_record", "Add a photo", "Photo saved.")
