"""A person's reminder preferences."""

from __future__ import annotations

from django import forms


class PreferenceForm(forms.Form):
    email_digest = forms.BooleanField(required=False, label="Send me a daily e-mail digest of new reminders")
