from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    """Each role is a Group of the same name holding its permissions (see accounts/roles.py)."""

    DEMO = "demo", "Demo: browse only"
    NORMAL = "normal", "Normal: browse, download, favourites"
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
