from django.contrib import admin

from scraper.models import ScrapeLock


@admin.register(ScrapeLock)
class ScrapeLockAdmin(admin.ModelAdmin):
    """Read-only: shows who is scraping; a stale lock is taken over by the next scrape."""

    list_display = ["name", "holder", "acquired_at", "heartbeat_at"]
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
