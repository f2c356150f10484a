"""guanxi import_leads FILE --user NAME [--owner NAME] — leads from a CSV file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from guanxi.core.errors import DomainError
from guanxi.core.models import User
from guanxi.leads.importer import import_leads


class Command(BaseCommand):
    help = "Import leads from a CSV file (UTF-8 or GBK); bad rows are listed, good rows land."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="who imports (their rights apply)")
        parser.add_argument("--owner", help="give every lead to this user (default: the rules)")

    def handle(self, *args, file, user, owner=None, **options):
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {user!r}.")
        owner_id = None
        if owner:
            found = User.objects.filter(username=owner, organisation=actor.organisation).first()
            if found is None:
                raise CommandError(f"No user {owner!r} in {actor.organisation}.")
            owner_id = found.pk
        try:
            result = import_leads(actor=actor, raw=Path(file).read_bytes(), owner=owner_id)
        except (OSError, DomainError) as exc:
            raise CommandError(str(getattr(exc, "fields", None) or exc)) from None
        for err in result.errors:
            self.stderr.write(f"line {err['line']}: {err['field'] or '-'}: {err['message']}")
        self.stdout.write(f"Imported: {result.created}. Refused: {len(result.errors)}.")
