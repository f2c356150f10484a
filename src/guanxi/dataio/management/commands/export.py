"""guanxi export OBJECT --user NAME — a list, as that user sees it, to a CSV or XLSX file."""

from __future__ import annotations

import shutil
import sys

from django.core.management.base import BaseCommand, CommandError

from guanxi.core.errors import DomainError
from guanxi.core.models import User
from guanxi.dataio import services


class Command(BaseCommand):
    help = "Export accounts, contacts, deals, activities or leads (needs the export right)."

    def add_arguments(self, parser):
        parser.add_argument("object", help="account, contact, opportunity, activity, lead")
        parser.add_argument("--user", required=True, help="whose rights and view apply")
        parser.add_argument("--format", default="csv", choices=["csv", "xlsx"])
        parser.add_argument("--columns", default="", help="field names, comma-separated")
        parser.add_argument("--filter", action="append", default=[], metavar="NAME=VALUE")
        parser.add_argument("-q", "--query", default="", help="full-text search")
        parser.add_argument("--output", "-o", default="-", help="file to write (- : stdout)")

    def handle(self, *args, **opts):
        actor = User.objects.filter(username=opts["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {opts['user']!r}.")
        filters = {}
        for item in opts["filter"]:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--filter {item!r}: write NAME=VALUE.")
            filters[name.strip()] = value.strip()
        columns = [c.strip() for c in opts["columns"].split(",") if c.strip()] or None
        try:
            job = services.export_start(
                actor=actor,
                object_type=opts["object"],
                columns=columns,
                filters=filters,
                query=opts["query"],
                file_format=opts["format"],
                run_now=True,
            )
        except DomainError as exc:
            raise CommandError(str(exc.fields or exc.message)) from None
        if opts["output"] == "-":
            with open(job.file_path, "rb") as handle:
                shutil.copyfileobj(handle, sys.stdout.buffer)
        else:
            shutil.copyfile(job.file_path, opts["output"])
            self.stderr.write(f"Exported {job.rows} rows to {opts['output']}.")
