import os
import socket
from datetime import timedelta

from django.db import IntegrityError, models, transaction
from django.utils import timezone

# A lock whose holder has not shown a sign of life for this long is taken over (the holder is
# on another host, or its process was killed). On the same host a dead process is seen at once.
STALE_AFTER = timedelta(minutes=5)


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive_here(holder: str) -> bool:
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another host: only the heartbeat can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ScrapeLock(models.Model):
    """Only one scrape at a time, across every host sharing the database."""

    name = models.CharField(primary_key=True, max_length=32)
    holder = models.CharField(max_length=255, blank=True, help_text="host:pid, empty when free")
    acquired_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} held by {self.holder or 'nobody'}"

    @classmethod
    def acquire(cls, holder: str, name: str = "scrape") -> "ScrapeLock | None":
        """Take the lock; returns None on success, or the lock as another process holds it."""
        now = timezone.now()
        for _ in range(2):
            try:
                with transaction.atomic():
                    lock, created = cls.objects.select_for_update().get_or_create(
                        name=name,
                        defaults={"holder": holder, "acquired_at": now, "heartbeat_at": now},
                    )
                    if created or lock.holder == holder or lock.is_free(now):
                        lock.holder, lock.acquired_at, lock.heartbeat_at = holder, now, now
                        lock.save()
                        return None
                    return lock
            except IntegrityError:  # another process created it first: look again
                continue
        return cls.objects.get(name=name)

    def is_free(self, now=None) -> bool:
        now = now or timezone.now()
        if not self.holder:
            return True
        if self.heartbeat_at is None or now - self.heartbeat_at > STALE_AFTER:
            return True
        return not _alive_here(self.holder)

    @classmethod
    def heartbeat(cls, holder: str, name: str = "scrape") -> None:
        cls.objects.filter(name=name, holder=holder).update(heartbeat_at=timezone.now())

    @classmethod
    def release(cls, holder: str, name: str = "scrape") -> None:
        cls.objects.filter(name=name, holder=holder).update(holder="")
