from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from catalog.models import Game
from scraper import pipeline, runs
from scraper.models import ScrapeLock, ScrapeRun

START_PERMISSION = "scraper.start_scrape"


class StartForm(forms.Form):
    """The options of "Scan and scrape now": each is one of `manage.py scrape`'s switches."""

    retry = forms.BooleanField(
        required=False,
        label="Retry unmatched",
        help_text="Also look again for the games that had no confident match.",
    )
    refresh = forms.BooleanField(
        required=False,
        label="Refresh metadata",
        help_text="Fetch the metadata of matched games again, instead of looking up new "
        "ones. Fields edited by hand are kept.",
    )
    hash = forms.BooleanField(
        required=False,
        label="Hash files",
        help_text="Compute CRC32, MD5 and SHA-1 of new, changed and not yet hashed files "
        "(reads every byte: slow on a large library).",
    )
    images = forms.BooleanField(
        required=False,
        label="Download images",
        help_text="Keep covers and screenshots in the media folder (each downloaded once).",
    )

    def flags(self) -> list[str]:
        return [f"--{name}" for name, on in self.cleaned_data.items() if on]


def _read(path, size: int, block: int = 64 * 1024):
    """The first `size` bytes of a file, a block at a time."""
    with path.open("rb") as file:
        while size > 0 and (data := file.read(min(block, size))):
            size -= len(data)
            yield data


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

    list_display = [
        *("started_at", "status_shown", "progress", "triggered_by", "finished_at"),
        "log_link",
    ]
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
        "log_link",
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
        # The status panel's poll replaces this cell too (by its id) while the run goes on.
        return format_html('<span id="run-{}-progress">{}</span>', run.pk, run.progress_text)

    @admin.display(description="log")
    def log_link(self, run):
        if not run.log:
            return "-"  # run from the command line: its output went to its terminal
        url = reverse("admin:scraper_scraperun_log", args=[run.pk])
        return format_html('<a href="{}" title="{}">Show log</a>', url, run.log)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("start/", wrap(require_POST(self.start_view)), name="scraper_scraperun_start"),
            path("status/", wrap(require_GET(self.status_view)), name="scraper_scraperun_status"),
            path("<path:object_id>/stop/", wrap(require_POST(self.stop_view)),
                 name="scraper_scraperun_stop"),
            path("<path:object_id>/log/", wrap(require_GET(self.log_view)),
                 name="scraper_scraperun_log"),
            *super().get_urls(),
        ]  # fmt: skip

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
            "status_url": reverse("admin:scraper_scraperun_status"),
            "start_url": reverse("admin:scraper_scraperun_start"),
            "start_form": StartForm(),
            "unmatched": pipeline.retryable().count(),
            "unmatched_url": reverse("admin:catalog_game_changelist")
            + f"?match_status__exact={Game.MatchStatus.NO_MATCH}",
        }

    def start_view(self, request):
        if not request.user.has_perm(START_PERMISSION):
            raise PermissionDenied
        form = StartForm(request.POST)
        form.is_valid()  # checkboxes only: whatever is sent reads as on or off
        started = runs.start_in_background(request.user, form.flags())
        if isinstance(started, ScrapeLock):
            since = date_format(localtime(started.acquired_at), "DATETIME_FORMAT")
            messages.warning(
                request,
                f"A scrape is already running ({started.holder}, since {since}); "
                "wait for it to finish.",
            )
        else:
            options = " ".join(form.flags())
            messages.success(
                request,
                f"Scrape started (process {started.pid}{', ' + options if options else ''}); "
                f"its output goes to {started.log}.",
            )
        return redirect("admin:scraper_scraperun_changelist")

    def stop_view(self, request, object_id):
        if not request.user.has_perm(START_PERMISSION):
            raise PermissionDenied
        run = self.get_object(request, object_id)
        if run is None:
            raise Http404("No such scrape run.")
        try:
            runs.stop(run)
        except runs.NotStopped as exc:
            messages.warning(request, str(exc))
        else:
            messages.success(
                request,
                "Asked the scrape to stop: it saves what it has in hand and ends as "
                "interrupted. A later scrape continues where it stopped.",
            )
        return redirect("admin:scraper_scraperun_changelist")

    def log_view(self, request, object_id):
        run = self.get_object(request, object_id)
        if run is None or not self.has_view_permission(request, run):
            raise Http404("No such scrape run.")
        path = runs.log_path(run)
        if path is None:
            raise Http404("This run's log is not kept (older logs are deleted).")
        # The log of a running scrape grows while it is sent: send what it held at the start,
        # as its Content-Length says.
        size = path.stat().st_size
        response = StreamingHttpResponse(
            _read(path, size), content_type="text/plain; charset=utf-8"
        )
        response["Content-Length"] = str(size)
        response["Content-Disposition"] = f'inline; filename="{path.name}"'
        return response

    def status_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = self.status(request)
        # The poll of a page that showed a running scrape: once it ends, reload the whole page
        # so the list below shows the finished run.
        if request.htmx and request.GET.get("was") == "running" and not context["scrape_running"]:
            return HttpResponseClientRefresh()
        context["poll"] = bool(request.htmx)
        return TemplateResponse(request, "admin/scraper/scraperun/_status.html", context)
