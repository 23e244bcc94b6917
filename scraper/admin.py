from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from romvault import config
from scraper import runs
from scraper.models import ScrapeLock, ScrapeRun

START_PERMISSION = "scraper.start_scrape"


@admin.register(ScrapeLock)
class ScrapeLockAdmin(admin.ModelAdmin):
    """Read-only: shows who is scraping; a stale lock is taken over by the next scrape."""

    list_display = ["name", "holder", "acquired_at", "heartbeat_at"]
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ScrapeRun)
class ScrapeRunAdmin(admin.ModelAdmin):
    """Every scrape, from the command line or started here with "Scan and scrape now"."""

    list_display = ["started_at", "status_shown", "progress", "triggered_by", "finished_at"]
    list_select_related = ["triggered_by"]
    fields = [
        "started_at",
        "finished_at",
        "status_shown",
        "progress",
        "summary",
        "error",
        "holder",
        "triggered_by",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="status")
    def status_shown(self, run):
        return run.shown_status

    @admin.display(description="progress")
    def progress(self, run):
        if not run.phase:
            return "-"
        counts = f"{run.done:,}/{run.total:,}" if run.total is not None else f"{run.done:,}"
        return f"{run.phase_label}: {counts}"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("start/", wrap(require_POST(self.start_view)), name="scraper_scraperun_start"),
            path("status/", wrap(require_GET(self.status_view)), name="scraper_scraperun_status"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), **self.status(request)})

    def status(self, request) -> dict:
        """What the status panel shows: the lock is the truth about whether a scrape runs."""
        lock = ScrapeLock.current()
        run = runs.latest()
        running = lock is not None
        return {
            "scrape_running": running,
            # The process is starting, or runs on another host without a record yet.
            "scrape_starting": running and (run is None or run.holder != lock.holder),
            "scrape_lock": lock,
            "scrape_run": run,
            "can_start_scrape": request.user.has_perm(START_PERMISSION),
            "config_file": config.config_file(),
            "status_url": reverse("admin:scraper_scraperun_status"),
            "start_url": reverse("admin:scraper_scraperun_start"),
        }

    def start_view(self, request):
        if not request.user.has_perm(START_PERMISSION):
            raise PermissionDenied
        started = runs.start_in_background(request.user)
        if isinstance(started, ScrapeLock):
            since = date_format(localtime(started.acquired_at), "DATETIME_FORMAT")
            messages.warning(
                request,
                f"A scrape is already running ({started.holder}, since {since}); "
                "wait for it to finish.",
            )
        else:
            messages.success(
                request,
                f"Scrape started (process {started.pid}); its output goes to {started.log}.",
            )
        return redirect("admin:scraper_scraperun_changelist")

    def status_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = self.status(request)
        # The poll of a page that showed a running scrape: once it ends, reload the whole page
        # so the list below shows the finished run.
        if request.htmx and request.GET.get("was") == "running" and not context["scrape_running"]:
            return HttpResponseClientRefresh()
        return TemplateResponse(request, "admin/scraper/scraperun/_status.html", context)
