"""Census need types as reference data (DOMAIN.md); the DfE's next change is a new row, not code."""

import datetime

from django.db import migrations

NEED_TYPES = [
    ("SPLD", "Specific learning difficulty", None),
    ("MLD", "Moderate learning difficulty", None),
    ("SLD", "Severe learning difficulty", None),
    ("PMLD", "Profound and multiple learning difficulty", None),
    ("SEMH", "Social, emotional and mental health", None),
    ("SLCN", "Speech, language and communication needs", None),
    ("HI", "Hearing impairment", None),
    ("VI", "Visual impairment", None),
    ("MSI", "Multi-sensory impairment", None),
    ("PD", "Physical disability", None),
    ("ASD", "Autistic spectrum disorder", None),
    ("OTH", "Other difficulty or disability", None),
    ("NSA", "SEN support but no specialist assessment of type of need", None),
    ("DS", "Down syndrome", datetime.date(2025, 1, 1)),
]


def add_need_types(apps, schema_editor):
    NeedType = apps.get_model("pupils", "NeedType")
    for code, label, valid_from in NEED_TYPES:
        NeedType.objects.update_or_create(code=code, defaults={"label": label, "valid_from": valid_from})


class Migration(migrations.Migration):
    dependencies = [("pupils", "0002_initial")]

    operations = [migrations.RunPython(add_need_types, migrations.RunPython.noop)]
