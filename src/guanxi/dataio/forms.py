"""Forms of the import and export pages."""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from guanxi.core import access
from guanxi.dataio.importer.adapters import KEY_LABELS
from guanxi.dataio.importer.registry import adapters
from guanxi.dataio.models import ImportMode

ENCODING_CHOICES = [
    ("", _("Detect")),
    ("utf-8", "UTF-8"),
    ("gb18030", "GB18030 / GBK"),
]


class UploadForm(forms.Form):
    object_type = forms.ChoiceField(label=_("Import into"))
    file = forms.FileField(label=_("CSV or XLSX file"))
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODING_CHOICES, required=False)
    mode = forms.ChoiceField(label=_("Mode"), choices=ImportMode.choices, initial="create")
    key = forms.ChoiceField(label=_("Find existing records by"), required=False)
    template = forms.ChoiceField(label=_("Mapping template"), required=False)

    def __init__(self, *args, actor, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [
            (name, a.label)
            for name, a in adapters().items()
            if access.has_right(actor, name, "create")
        ]
        keys = {k for a in adapters().values() for k in a.keys}
        self.fields["key"].choices = [("", "—")] + [(k, KEY_LABELS[k]) for k in sorted(keys)]
        self.fields["template"].choices = [("", "—")] + [
            (str(t.pk), f"{t.name} ({adapters()[t.object_type].label})") for t in templates
        ]


class MappingForm(forms.Form):
    """A select per column of the file: which field it fills."""

    template_name = forms.CharField(label=_("Save as template"), max_length=100, required=False)

    def __init__(self, *args, job, adapter, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        choices = [("", _("(do not import)")), *adapter.field_labels()]
        self.columns = []
        for i, title in enumerate(job.header):
            name = f"col_{i}"
            self.fields[name] = forms.ChoiceField(
                label=title or _("Column %(n)d") % {"n": i + 1},
                choices=choices,
                required=False,
                initial=job.mapping[i] if i < len(job.mapping) else "",
            )
            samples = [r[i] for r in job.sample if i < len(r) and r[i]][:3]
            self.columns.append((name, samples))

    def bound_columns(self):
        return [(self[name], samples) for name, samples in self.columns]

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(name) or "" for name, _s in self.columns]


class ExportForm(forms.Form):
    file_format = forms.ChoiceField(
        label=_("Format"), choices=[("xlsx", "Excel (XLSX)"), ("csv", "CSV")], initial="xlsx"
    )
    columns = forms.MultipleChoiceField(
        label=_("Columns"), widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, *args, columns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["columns"].choices = [(c.name, capfirst(c.label)) for c in columns]
        self.fields["columns"].initial = [c.name for c in columns]
