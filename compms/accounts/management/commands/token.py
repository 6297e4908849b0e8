from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from compms.access import SYSTEM
from compms.accounts import services
from compms.accounts.models import User


class Command(BaseCommand):
    help = "Manage API bearer tokens: `compms token create USERNAME [--name NAME]` prints a new token."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it (shown once)")
        create.add_argument("username")
        create.add_argument("--name", default="command line")

    def handle(self, *args, action: str, **options) -> None:
        if action == "create":
            try:
                user = User.objects.get(username=options["username"])
            except User.DoesNotExist:
                raise CommandError(f"no user named {options['username']!r}") from None
            try:
                _token, raw = services.create_token(user, options["name"], SYSTEM)
            except ValidationError as exc:
                raise CommandError("; ".join(f"--{field}: {' '.join(problems)}"
                                             for field, problems in exc.message_dict.items())) from None
            self.stdout.write(raw)
