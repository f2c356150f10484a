"""Forms the web layer shares: sign-in, preferences, tokens, owner changes, confirmations."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from guanxi.core import access
from guanxi.core.filters import parse_id
from guanxi.core.models import Scope


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class VersionForm(forms.Form):
    """Only the version the user saw: a delete or an action on a stale page is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(
        z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/")
    )
    return [(z, z.replace("_", " ")) for z in zones]


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        required=False,
        help_text=_("For example the script or integration that will use it."),
    )


class AssignForm(VersionForm):
    owner = forms.ChoiceField(label=_("New owner"))

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(str(u.pk), u.display_name) for u in users]


class UserRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    team = forms.ChoiceField(label=_("Team"), required=False)

    def __init__(self, *args, roles=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(str(r.pk), r.name) for r in roles]
        self.fields["team"].choices = [("", _("No team"))] + [(str(t.pk), t.name) for t in teams]


class RoleForm(forms.Form):
    """A role's visibility and its rights matrix: one checkbox per object and action."""

    scope = forms.ChoiceField(label=_("Visibility"), choices=Scope.choices)

    def __init__(self, *args, role=None, **kwargs):
        super().__init__(*args, **kwargs)
        granted = role.permissions if role is not None else {}
        for obj in access.OBJECTS:
            for action in access.ACTIONS:
                self.fields[f"perm__{obj}__{action}"] = forms.BooleanField(
                    required=False,
                    initial=action in granted.get(obj, ()),
                    label=format_lazy(
                        _("{object}: {action}"),
                        object=access.OBJECT_LABELS[obj],
                        action=access.ACTION_LABELS[action],
                    ),
                )

    def permissions(self) -> dict[str, list[str]]:
        data = self.cleaned_data
        return {
            obj: [a for a in access.ACTIONS if data.get(f"perm__{obj}__{a}")]
            for obj in access.OBJECTS
        }

    def matrix(self):
        """Rows of (object label, [bound checkbox per action]) for the template."""
        return [
            (access.OBJECT_LABELS[obj], [self[f"perm__{obj}__{a}"] for a in access.ACTIONS])
            for obj in access.OBJECTS
        ]


# --- Record forms: their cleaned data is what the domain service receives -------------------


class RecordField(forms.CharField):
    """A related record chosen by id. The choices only help the user; the service checks
    that the record exists and that the user may see it (``Select a record you can see.``)."""

    widget = forms.Select

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        pk = parse_id(str(value))
        if pk is None:
            raise forms.ValidationError(_("Select a valid choice."), code="invalid_choice")
        return pk


class TagsField(forms.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Tags"))
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("help_text", _("Separate tags with commas."))
        super().__init__(*args, **kwargs)


def date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def record_choices(rows, blank=True) -> list[tuple[str, str]]:
    out = [("", "—")] if blank else []
    out.extend((str(r.pk), str(r)) for r in rows)
    return out


class RecordForm(VersionForm):
    """A form over a domain record: ``service_fields`` go to the service as its ``data``.

    ``owner`` (on create) and ``version`` are passed separately, as the services take them.
    """

    service_fields: tuple[str, ...] = ()

    def __init__(self, *args, actor, instance=None, **kwargs):
        self.actor = actor
        self.instance = instance
        if instance is not None:
            kwargs["initial"] = {**self.initial_from(instance), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        if instance is not None:
            self.fields.pop("owner", None)
        self.setup()

    def setup(self) -> None:
        """Fill choices the user may pick from (subclasses)."""

    def initial_from(self, obj) -> dict:
        initial = {"version": obj.version}
        for name in self.service_fields:
            if name == "tags":
                initial[name] = ", ".join(t.name for t in obj.tags.all())
                continue
            field = obj._meta.get_field(name)
            initial[name] = getattr(obj, field.attname)
        return initial

    def service_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in self.service_fields if k in self.fields}


def owner_field(actor, users) -> forms.ChoiceField:
    field = forms.ChoiceField(label=_("Owner"), initial=str(actor.pk), required=False)
    field.choices = [(str(u.pk), u.display_name) for u in users]
    return field
