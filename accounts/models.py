from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    """Each role is a Group of the same name holding its permissions (see accounts/roles.py)."""

    DEMO = "demo", "Demo: browse only"
    NORMAL = "normal", "Normal: browse, download, play, favourites"
    SUPER = "super", "Super: manages everything"


class User(AbstractUser):
    def __str__(self):
        return self.username

    @property
    def role(self) -> str:
        """The highest role among the user's groups, or "" when they have none."""
        names = {group.name for group in self.groups.all()}
        for role in reversed(Role.values):
            if role in names:
                return role
        return ""

    def set_role(self, role: str) -> None:
        """Put the user in exactly one role group; super users get the admin (is_staff)."""
        from django.contrib.auth.models import Group

        role_groups = Group.objects.filter(name__in=Role.values)
        self.groups.remove(*role_groups)
        if role:
            self.groups.add(Group.objects.get(name=role))
        self.is_staff = self.is_superuser or role == Role.SUPER
        self.save(update_fields=["is_staff"])


class LoginFailure(models.Model):
    """One failed login (or one whose password is being checked), kept for
    accounts/throttle.py's window (15 minutes), then pruned.

    A table rather than Django's cache: the default LocMemCache lives in one process and
    gunicorn runs two workers (more behind a load balancer), so each would count alone; the
    database is the one store every worker shares, SQLite or PostgreSQL alike.
    """

    username = models.CharField(max_length=150)  # casefolded, as typed: users that exist or not
    address = models.CharField(max_length=64, blank=True)  # REMOTE_ADDR; IPv6 as its /64
    at = models.DateTimeField()

    class Meta:
        indexes = [
            # Failures for one account within the window: the lock check on every login POST.
            models.Index(fields=["username", "at"], name="loginfailure_username_at"),
            # Failures from one address within the window: the same check, per client.
            models.Index(fields=["address", "at"], name="loginfailure_address_at"),
            # Pruning rows older than the window.
            models.Index(fields=["at"], name="loginfailure_at"),
        ]

    def __str__(self):
        return f"{self.username} from {self.address or '?'} at {self.at:%Y-%m-%d %H:%M:%S}"
