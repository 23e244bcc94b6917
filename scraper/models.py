import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

# A lock whose holder has not shown a sign of life for this long is taken over (the holder is
# on another host, or its process was killed). On the same host a dead process is seen at once.
STALE_AFTER = timedelta(minutes=5)

# The phases `scrape` reports progress for, as people read them.
PHASE_LABELS = {
    "walk": "Scanning folders",
    "write": "Saving new files",
    "identify": "Identifying on IGDB",
    "images": "Downloading images",
}


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
    def acquire(
        cls, holder: str, name: str = "scrape", *, claimed_by: str = ""
    ) -> "ScrapeLock | None":
        """Take the lock; returns None on success, or the lock as another process holds it.

        claimed_by: a lock held under this placeholder (taken for us by the admin before it
        started this process, see scraper/runs.py) counts as ours."""
        now = timezone.now()
        ours = {holder, claimed_by} - {""}
        for _ in range(2):
            try:
                with transaction.atomic():
                    lock, created = cls.objects.select_for_update().get_or_create(
                        name=name,
                        defaults={"holder": holder, "acquired_at": now, "heartbeat_at": now},
                    )
                    if created or lock.holder in ours or lock.is_free(now):
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
    def hand_over(cls, holder: str, to: str, name: str = "scrape") -> None:
        """Pass a lock held under a placeholder to the process started to use it."""
        cls.objects.filter(name=name, holder=holder).update(holder=to, heartbeat_at=timezone.now())

    @classmethod
    def current(cls, name: str = "scrape") -> "ScrapeLock | None":
        """The lock while someone holds it, else None."""
        lock = cls.objects.filter(name=name).first()
        return None if lock is None or lock.is_free() else lock

    @classmethod
    def release(cls, holder: str, name: str = "scrape") -> None:
        cls.objects.filter(name=name, holder=holder).update(holder="")


class ScrapeRunQuerySet(models.QuerySet):
    def running(self):
        return self.filter(status=ScrapeRun.Status.RUNNING)


class ScrapeRun(models.Model):
    """One `scrape`, from the command line or the admin, recorded by the command itself."""

    class Status(models.TextChoices):
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"
        INTERRUPTED = "interrupted", "interrupted"

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    phase = models.CharField(max_length=32, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    summary = models.TextField(blank=True)
    error = models.TextField(blank=True)
    holder = models.CharField(max_length=255, help_text="host:pid of the scrape process")
    log = models.CharField(
        max_length=255,
        blank=True,
        help_text="its output's file in DATA_DIR/logs, for runs started from the admin",
    )
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="who started it from the admin; empty for the command line",
    )

    objects = ScrapeRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        permissions = [("start_scrape", "Can start a scrape from the admin")]
        indexes = [
            # The admin's "latest run" and the changelist: newest first.
            models.Index(fields=["-started_at"], name="scraperun_started_idx"),
        ]

    def __str__(self):
        return f"scrape of {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def shown_status(self) -> str:
        """The status, with a run whose process died (killed, power cut) shown as interrupted:
        it still says running, but the lock is no longer held by its process."""
        if self.status != self.Status.RUNNING:
            return self.status
        lock = ScrapeLock.current()
        if lock is None or lock.holder != self.holder:
            return self.Status.INTERRUPTED
        return self.status

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS.get(self.phase, self.phase)

    @property
    def progress_text(self) -> str:
        """ "Identifying on IGDB: 445/1,545": the panel and the list's row both show this, and
        the panel's poll refreshes both, so they never disagree."""
        if not self.phase:
            return "-"
        counts = f"{self.done:,}/{self.total:,}" if self.total is not None else f"{self.done:,}"
        return f"{self.phase_label}: {counts}"

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, int(100 * self.done / self.total))
