from urllib.parse import unquote, urlsplit

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views

from accounts.throttle import ThrottledAuthenticationForm, ThrottledLoginMixin, is_throttled


class LoginView(auth_views.LoginView):
    """Django's login, throttled (accounts/throttle.py): a refused attempt answers 429."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    authentication_form = ThrottledAuthenticationForm

    def get_redirect_url(self):
        url = super().get_redirect_url()
        # `next` back to this page would send a signed-in user round in circles (Django then
        # answers 500): go to LOGIN_REDIRECT_URL instead.
        if url and unquote(urlsplit(url).path) == self.request.path:
            return ""
        return url

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        if form is not None and form.is_bound and is_throttled(form):
            context["throttled"] = form.non_field_errors()[0]
        return context

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if is_throttled(form):
            response.status_code = 429
        return response


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's own login page counts and refuses the same way (it answers 200, not 429)."""
