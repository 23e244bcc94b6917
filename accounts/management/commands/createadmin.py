import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Role


class Command(BaseCommand):
    help = (
        "First run only: create an 'admin' superuser with a random password and print it once. "
        "Does nothing when a superuser already exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin", help="name of the account (admin)")

    def handle(self, *args, username, **options):
        User = get_user_model()
        with transaction.atomic():
            if User.objects.filter(is_superuser=True).exists():
                self.stdout.write("An administrator account exists already; nothing to do.")
                return
            password = secrets.token_urlsafe(12)
            user = User.objects.create_superuser(username=username, password=password)
            user.set_role(Role.SUPER)
        self.stdout.write(
            self.style.SUCCESS("Created the administrator account (shown this once only):")
        )
        self.stdout.write(f"  username: {username}\n  password: {password}")
        self.stdout.write("Change it after logging in: /accounts/password/")
