"""Forms of the records pages: the CTF upload and the export's destination."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet

from records.ctf_reader import MAX_BYTES
from records.models import AccessRequestKind, Destination, SentHow
from schools.models import School
from send.forms import DateInput, limit_choices

LAESTAB = re.compile(r"^\d{7}$")


class CtfUploadForm(forms.Form):
    file = forms.FileField(label="CTF file (XML)", help_text="The Common Transfer File from the previous school")
    school: forms.ModelChoiceField[School] = forms.ModelChoiceField(
        queryset=School.objects.none(),
        required=False,
        label="School the pupil joins",
        help_text="Used when the file names no destination school; otherwise the file's destination is used",
    )

    def __init__(self, *args: Any, schools: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["school"], schools)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1_000_000:.1f} MB; a CTF may be at most {MAX_BYTES // 1_000_000} MB."
            )
        return upload


class CtfExportForm(forms.Form):
    destination = forms.CharField(
        label="Destination school's LAESTAB",
        required=False,
        max_length=7,
        help_text="7 digits: the LA number then the school's establishment number. Leave empty if not known.",
    )

    def clean_destination(self) -> str:
        value = self.cleaned_data["destination"].strip()
        if value and not LAESTAB.match(value):
            raise forms.ValidationError("A LAESTAB is 7 digits: the LA number then the school's number.")
        return value


class LeaverForm(forms.Form):
    left_on = forms.DateField(label="Leaving date", widget=DateInput)
    destination = forms.ChoiceField(choices=Destination.choices, widget=forms.RadioSelect)
    destination_urn = forms.CharField(
        label="Destination school's URN", max_length=6, required=False, help_text="6 digits, if a school in England"
    )
    destination_name = forms.CharField(label="Destination school's name", max_length=200, required=False)


class TransferSentForm(forms.Form):
    sent_on = forms.DateField(label="Sent on", widget=DateInput)
    how = forms.ChoiceField(
        label="How", choices=[(value, label) for value, label in SentHow.choices if value != SentHow.WITHIN_TRUST]
    )
    note = forms.CharField(max_length=300, required=False, help_text="For example the S2S reference")


class LaToldForm(forms.Form):
    told_on = forms.DateField(label="LA told on", widget=DateInput)


class AccessRequestForm(forms.Form):
    kind = forms.ChoiceField(choices=AccessRequestKind.choices, widget=forms.RadioSelect)
    requester = forms.CharField(label="Who asked", max_length=200, help_text="For example: the pupil's mother")
    received_on = forms.DateField(label="Received on", widget=DateInput)


class ReleaseForm(forms.Form):
    released_on = forms.DateField(label="Released on", widget=DateInput)
    reviewed = forms.BooleanField(label="I have reviewed the items that may hold other people's information")


class LegalHoldForm(forms.Form):
    reason = forms.CharField(max_length=300, help_text="The claim, complaint or inquiry that needs the record kept")


class DestroyForm(forms.Form):
    confirm = forms.BooleanField(label="I approve the destruction of this record; it cannot be undone")
