from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from provision.models import InterventionGroup
from pupils.models import ContactLogEntry
from reviews.apdr.models import EvidenceKind, Gathered, Progress, Target, Voice
from send.forms import DateInput, limit_choices
from send.uploads import StoredFile


def _text(label: str, help_text: str = "", rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label, help_text=help_text, required=False, widget=forms.Textarea(attrs={"rows": rows})
    )


class PlanForm(forms.Form):
    starts_on = forms.DateField(widget=DateInput, label="Starts")
    review_on = forms.DateField(
        widget=DateInput, label="Review date", required=False, help_text="Leave empty for the school's termly date"
    )
    concerns = _text("Concerns", "What the class teacher, parents and the pupil are worried about")
    strengths = _text("Strengths", "What the pupil does well and enjoys")
    assessment_data = _text("Assessment data", "Scores, reading ages, observations, attendance")
    specialist_advice = _text("Specialist advice", "EP, SALT, OT, CAMHS... and the date of their advice")
    contact_log_used: forms.ModelMultipleChoiceField[ContactLogEntry] = forms.ModelMultipleChoiceField(
        queryset=ContactLogEntry.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Conversations this plan draws on",
    )
    documents_used: forms.ModelMultipleChoiceField[StoredFile] = forms.ModelMultipleChoiceField(
        queryset=StoredFile.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Documents this plan draws on",
    )
    strategies = _text("Strategies", "How staff will teach and support, one per line")
    who_does_what = _text("Who does what", rows=3)

    def __init__(
        self, *args: Any, contact_log: QuerySet[ContactLogEntry], documents: QuerySet[StoredFile], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(
            self.fields["documents_used"], documents, label=lambda d: f"{d.original_name} ({d.uploaded_at:%-d %b %Y})"
        )
        limit_choices(
            self.fields["contact_log_used"],
            contact_log,
            label=lambda e: f"{e.happened_on:%-d %b %Y}, {e.with_whom}: {e.summary[:60]}",
        )


class TargetForm(forms.Form):
    outcome = forms.CharField(max_length=300, required=False, label="Longer-term outcome")
    wording = forms.CharField(
        label="Target", widget=forms.Textarea(attrs={"rows": 2}), help_text="What the pupil will be able to do"
    )
    success_criteria = _text("How we will know", "What the pupil will do, how often, measured how", rows=2)
    provision: forms.ModelChoiceField[InterventionGroup] = forms.ModelChoiceField(
        queryset=InterventionGroup.objects.none(),
        required=False,
        label="Provision that delivers it",
        empty_label="Quality-first teaching only",
    )
    who = forms.CharField(max_length=200, required=False, label="Who")

    def __init__(self, *args: Any, groups: QuerySet[InterventionGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self.fields["provision"], groups)


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(choices=EvidenceKind.choices)
    happened_on = forms.DateField(widget=DateInput, label="Date")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="What was seen or done")


class ContributionForm(forms.Form):
    voice = forms.ChoiceField(choices=Voice.choices, label="Whose view")
    stage = forms.ChoiceField(choices=[("plan", "When planning"), ("review", "At the review")])
    given_on = forms.DateField(widget=DateInput, label="Date")
    gathered = forms.ChoiceField(choices=Gathered.choices, label="How it was gathered")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="Their view, in their words where you can")


class ReviewForm(forms.Form):
    reviewed_on = forms.DateField(widget=DateInput, label="Review held on")
    what_worked = _text("What worked")
    next_steps = _text("Next steps")
    next_review_on = forms.DateField(
        widget=DateInput, required=False, label="Next review date", help_text="Leave empty for the school's termly date"
    )

    def __init__(self, *args: Any, targets: list[Target], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets = targets
        for target in targets:
            self.fields[f"progress_{target.pk}"] = forms.ChoiceField(
                choices=[("", "Choose"), *Progress.choices], required=False, label=f"Progress: {target.wording}"
            )
            self.fields[f"note_{target.pk}"] = forms.CharField(
                required=False, label="Note on progress", widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields[f"carry_{target.pk}"] = forms.BooleanField(
                required=False, label="Carry this target into the next plan"
            )
        self.order_fields(["reviewed_on"])

    def progress(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {t.pk: (data.get(f"progress_{t.pk}") or "", data.get(f"note_{t.pk}") or "") for t in self.targets}

    def carried(self) -> set[int]:
        return {t.pk for t in self.targets if self.cleaned_data.get(f"carry_{t.pk}")}
