"""guanxi createuser USERNAME --role ROLE [--organisation SLUG | --organisation-name NAME]"""

from __future__ import annotations

import getpass
import os
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from guanxi.core.errors import ValidationFailed
from guanxi.core.models import Organisation, Team
from guanxi.core.services import organisation_create, user_create


class Command(BaseCommand):
    help = "Create a user of an organisation (and the organisation, if it does not exist yet)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--role", default="admin", help="admin, sales_manager or sales_rep (default admin)"
        )
        parser.add_argument("--organisation", help="slug of an existing organisation")
        parser.add_argument(
            "--organisation-name", help="create a new organisation with this name for the user"
        )
        parser.add_argument("--team", help="team name")
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--language", default="", help="en or zh-hans")
        parser.add_argument("--password", help="the password (default: $GUANXI_PASSWORD or ask)")

    @transaction.atomic  # a refused user leaves no half-made organisation behind
    def handle(self, *args, **opts):
        org = self._organisation(opts)
        password = opts["password"] or os.environ.get("GUANXI_PASSWORD") or self._ask()
        team = None
        if opts["team"]:
            team = Team.objects.filter(organisation=org, name=opts["team"]).first()
            if team is None:
                raise CommandError(f"No team named {opts['team']!r} in {org.name}.")
        try:
            user = user_create(
                actor=None,
                organisation=org,
                username=opts["username"],
                password=password,
                role_code=opts["role"],
                team=team,
                email=opts["email"],
                first_name=opts["first_name"],
                last_name=opts["last_name"],
                language=opts["language"],
            )
        except ValidationFailed as exc:
            raise CommandError(_describe(exc)) from None
        self.stdout.write(f"Created {user.username} ({opts['role']}) in {org.name}.")

    def _organisation(self, opts) -> Organisation:
        if opts["organisation_name"]:
            return organisation_create(
                name=opts["organisation_name"], slug=opts["organisation"] or ""
            )
        if opts["organisation"]:
            org = Organisation.objects.filter(slug=opts["organisation"]).first()
            if org is None:
                raise CommandError(
                    f"No organisation {opts['organisation']!r}; "
                    "give --organisation-name to create it."
                )
            return org
        orgs = list(Organisation.objects.all()[:2])
        if len(orgs) == 1:
            return orgs[0]
        raise CommandError(
            "Say which organisation: --organisation SLUG, or "
            "--organisation-name NAME to create one."
        )

    def _ask(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError("Give --password or set GUANXI_PASSWORD.")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords differ.")
        return first


def _describe(exc: ValidationFailed) -> str:
    return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.fields.items()) or str(
        exc.message
    )
