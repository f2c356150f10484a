"""``guanxi demo``: load the demo organisation (鑫味食品 / Xinwei Foods) with its customers."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from guanxi.demo import loader
from guanxi.demo.leads import load_leads
from guanxi.demo.orders import load_orders
from guanxi.demo.payments import add_payments
from guanxi.demo.planning import load_planning
from guanxi.demo.quotes import load_quotes


class Command(BaseCommand):
    help = "Create a demo organisation with customers, contacts, deals and activities."
    # Loading data needs the models only, not the URL configuration or templates.
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            choices=sorted(loader.SIZES, key=loader.SIZES.get),
            default="small",
            help="small ≈ 1,000 accounts, medium ≈ 100,000, large ≈ 1,000,000",
        )
        parser.add_argument("--accounts", type=int, help="An exact number of accounts instead")
        parser.add_argument("--seed", type=int, default=loader.DEFAULT_SEED)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the demo already exists"
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete an existing demo organisation first"
        )

    def handle(self, *args, size, accounts, seed, if_empty, reset, **options):
        if loader.demo_organisation() is not None:
            if if_empty:
                self.stdout.write("The demo organisation is already there.")
                self._login()
                return
            if not reset:
                raise CommandError(
                    "The demo organisation already exists. Use --reset to delete and "
                    "recreate it, or --if-empty to keep it."
                )
            self.stdout.write("Deleting the demo organisation…")
            loader.delete_demo()
        count = accounts if accounts is not None else loader.SIZES[size]
        if count < 1:
            raise CommandError("--accounts must be at least 1.")
        self.stdout.write(f"Loading the demo: {count:,} accounts (seed {seed})…")
        result = loader.load(accounts=count, seed=seed, progress=self.stdout.write)
        for table, n in result.counts.items():
            self.stdout.write(f"  {table:<24} {n:>12,}")
        leads = load_leads(result.organisation, min(400, max(30, count // 3)), seed=seed)
        self.stdout.write(f"  {'leads':<24} {leads:>12,}")
        planned = load_planning(result.organisation, seed=seed)
        self.stdout.write(f"  {'targets':<24} {planned:>12,}")
        made = load_quotes(result.organisation)
        self.stdout.write(f"  {'quotes':<24} {made:>12,}")
        made = load_orders(result.organisation)
        self.stdout.write(f"  {'orders':<24} {made:>12,}")
        made = add_payments(result.organisation)
        self.stdout.write(f"  {'receipts':<24} {made:>12,}")
        self._login()

    def _login(self) -> None:
        users = ", ".join(u[0] for u in loader.USERS)
        self.stdout.write(
            self.style.SUCCESS(
                f"Open {loader.URL} and sign in as one of: {users}\n"
                f"Password for all of them: {loader.PASSWORD}"
            )
        )
