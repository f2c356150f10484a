"""guanxi token create --user NAME | token list --user NAME | token revoke PREFIX"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from guanxi.core.models import ApiToken, User
from guanxi.core.services import token_create, token_revoke


class Command(BaseCommand):
    help = "Create, list or revoke API tokens. `create` prints the token alone on its last line."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token for a user")
        create.add_argument("--user", required=True)
        create.add_argument("--name", default="command line")
        listing = sub.add_parser("list", help="list a user's active tokens")
        listing.add_argument("--user", required=True)
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args, **opts):
        action = opts["action"]
        if action == "revoke":
            token = ApiToken.objects.filter(prefix=opts["prefix"], revoked_at__isnull=True).first()
            if token is None:
                raise CommandError("No active token with that prefix.")
            token_revoke(actor=token.user, token=token)
            self.stdout.write(f"Revoked {token.prefix}…")
            return
        user = User.objects.filter(username=opts["user"]).first()
        if user is None:
            raise CommandError(f"No user {opts['user']!r}.")
        if action == "list":
            for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
                used = token.last_used_at.isoformat() if token.last_used_at else "never"
                self.stdout.write(f"{token.prefix}…  {token.name}  last used {used}")
            return
        if not user.is_active or user.organisation_id is None:
            raise CommandError(f"{user.username} cannot use the API.")
        _, secret = token_create(actor=user, user=user, name=opts["name"])
        self.stderr.write(
            f"Token for {user.username} (shown once; send it as 'Authorization: Bearer <token>'):"
        )
        self.stdout.write(secret)
