from django.contrib import admin
from django.urls import include, path

from catalog.views import healthz
from romvault.views import favicon

admin.site.site_header = "romvault administration"
admin.site.site_title = "romvault admin"
handler403 = "romvault.views.permission_denied"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("", include("catalog.urls")),
]
