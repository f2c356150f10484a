"""Settings → Web forms: the form builder and its embed snippet (administrators only)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import access
from guanxi.core.errors import ValidationFailed
from guanxi.customers.models import Source
from guanxi.leads import configuration, selectors
from guanxi.leads.configuration import FORM_FIELDS
from guanxi.leads.models import Lead, LeadKind, WebForm
from guanxi.leads.public import clean_origin, embed
from guanxi.web import crud
from guanxi.web.forms import VersionForm
from guanxi.web.ui import apply_errors, page


def _field_choices() -> list[tuple[str, str]]:
    return [(f, capfirst(Lead._meta.get_field(f).verbose_name)) for f in FORM_FIELDS]


def _model_label(name: str):
    return capfirst(WebForm._meta.get_field(name).verbose_name)


class WebFormForm(VersionForm):
    """The builder's form; its cleaned data is what ``configuration.web_form_save`` takes."""

    service_fields = configuration.WEB_FORM_FIELDS

    name = forms.CharField(
        label=_model_label("name"),
        max_length=100,
        help_text=gettext_lazy("The title of the form's page, such as “Ask for a quote”."),
    )
    fields = forms.MultipleChoiceField(
        label=gettext_lazy("Ask for"), required=False, widget=forms.CheckboxSelectMultiple
    )
    required = forms.MultipleChoiceField(
        label=gettext_lazy("Required"), required=False, widget=forms.CheckboxSelectMultiple
    )
    kind = forms.ChoiceField(label=_model_label("kind"), choices=LeadKind.choices)
    source = forms.ChoiceField(label=_model_label("source"), choices=Source.choices)
    campaign = forms.CharField(label=_model_label("campaign"), max_length=100, required=False)
    consent_text = forms.CharField(
        label=_model_label("consent_text"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=WebForm._meta.get_field("consent_text").help_text,
    )
    consent_required = forms.BooleanField(label=_model_label("consent_required"), required=False)
    success_message = forms.CharField(
        label=_model_label("success_message"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Shown after sending; empty: a short default thank-you."),
    )
    redirect_url = forms.URLField(
        label=_model_label("redirect_url"),
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy(
            "Send people to this page of your website instead of the thank-you message."
        ),
    )
    allowed_origins = forms.CharField(
        label=_model_label("allowed_origins"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=WebForm._meta.get_field("allowed_origins").help_text,
    )
    is_active = forms.BooleanField(label=_model_label("is_active"), required=False, initial=True)

    def __init__(self, *args, instance: WebForm | None = None, **kwargs):
        if instance is not None:
            initial = {name: getattr(instance, name) for name in self.service_fields}
            kwargs["initial"] = {**initial, "version": instance.version}
        else:
            kwargs.setdefault(
                "initial",
                {"fields": ["name", "company", "mobile", "email", "message"], "is_active": True},
            )
        super().__init__(*args, **kwargs)
        self.fields["fields"].choices = _field_choices()
        self.fields["required"].choices = _field_choices()

    def clean_redirect_url(self) -> str:
        url = self.cleaned_data["redirect_url"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("Enter an http or https address."))
        return url

    def clean_allowed_origins(self) -> str:
        """One origin a line, written the way browsers send it; a bad line is an error."""
        origins = []
        for line in self.cleaned_data["allowed_origins"].splitlines():
            if not line.strip():
                continue
            try:
                origin = clean_origin(line)
            except ValueError:
                raise forms.ValidationError(
                    _("“%(line)s” is not a website address such as https://www.example.com.")
                    % {"line": line.strip()[:100]}
                ) from None
            if origin not in origins:
                origins.append(origin)
        return "\n".join(origins)

    def field_rows(self):
        """(label, "ask" checkbox, "required" checkbox) for each field a form may ask for."""
        ask, req = self["fields"].subwidgets, self["required"].subwidgets
        return [
            (label, a, r) for (_name, label), a, r in zip(_field_choices(), ask, req, strict=True)
        ]

    def service_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in self.service_fields}


@page
def form_list(request):
    actor = request.user
    items = selectors.web_forms(actor)
    stats = selectors.web_form_stats(actor, items)
    rows = [(f, stats.get(f.pk, {"leads": 0, "last": None})) for f in items]
    return render(request, "leads/forms/form_list.html", {"rows": rows})


@page
def form_create(request):
    actor = request.user
    access.require_admin(actor)
    form = WebFormForm(request.POST or None)
    response = crud.save(
        request,
        form,
        lambda f: configuration.web_form_save(actor=actor, data=f.service_data()),
        success=lambda wf: reverse("leads:form_edit", args=[wf.pk]),
        message=_("The web form was created. Put it on your website with the code below."),
    )
    return response or render(request, "leads/forms/form_edit.html", {"form": form})


@page
def form_edit(request, pk: int):
    actor = request.user
    web_form = selectors.web_form_get(actor, pk)
    form = WebFormForm(request.POST or None, instance=web_form)
    response = crud.save(
        request,
        form,
        lambda f: configuration.web_form_save(
            actor=actor,
            data=f.service_data(),
            form=web_form,
            version=f.cleaned_data["version"],
        ),
        success=lambda wf: reverse("leads:form_edit", args=[wf.pk]),
        message=_("The web form was saved."),
    )
    if response is not None:
        return response
    stats = selectors.web_form_stats(actor, [web_form]).get(web_form.pk, {"leads": 0})
    return render(
        request,
        "leads/forms/form_edit.html",
        {"form": form, "web_form": web_form, "embed": embed(request, web_form), "stats": stats},
    )


@page
def form_delete(request, pk: int):
    actor = request.user
    web_form = selectors.web_form_get(actor, pk)
    confirm = VersionForm(request.POST or None, initial={"version": web_form.version})
    if request.method == "POST" and confirm.is_valid():
        try:
            configuration.web_form_delete(actor=actor, form=web_form)
        except ValidationFailed as exc:
            apply_errors(confirm, exc)
        else:
            messages.success(request, _("“%(name)s” was deleted.") % {"name": web_form.name})
            return redirect("leads:form_list")
    stats = selectors.web_form_stats(actor, [web_form]).get(web_form.pk, {"leads": 0})
    return render(
        request,
        "leads/forms/form_delete.html",
        {"form": confirm, "web_form": web_form, "stats": stats},
    )


urlpatterns = [
    path("settings/forms/", form_list, name="form_list"),
    path("settings/forms/new/", form_create, name="form_create"),
    path("settings/forms/<int:pk>/", form_edit, name="form_edit"),
    path("settings/forms/<int:pk>/delete/", form_delete, name="form_delete"),
]
