"""Error pages (templates/_error.html and the pages that extend it) with DEBUG off, as served.

Each is in the site's layout with a way back; for an htmx request the status stays an error so
htmx swaps nothing, and static/js/app.js shows the page's heading and message instead.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from romvault.tests.test_deploy import run_python

pytestmark = pytest.mark.django_db

LOGOUT_FORM = re.compile(
    r'<form method="post" action="/accounts/logout/">\s*'
    r'<input type="hidden" name="csrfmiddlewaretoken" value="\w+">'
)


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def main(response):
    """The page's <main>: the error message, without the header's menu."""
    return re.search(r'<main id="main".*?</main>', response.content.decode(), re.S).group()


def test_a_user_without_a_role_logs_in_to_a_page_that_says_whom_to_ask(client, make_user):
    make_user(username="newcomer")
    response = client.post(
        reverse("accounts:login"),
        {"username": "newcomer", "password": "correct horse battery"},
        follow=True,
    )
    assert response.status_code == 403
    assert [t.name for t in response.templates][:2] == ["accounts/no_role.html", "_error.html"]
    page = main(response)
    assert "Your account has no access yet" in page
    assert "logged in as <strong" in page and "newcomer" in page
    assert "Ask the administrator" in page
    assert LOGOUT_FORM.search(page)  # a log-out button that works: POST with its CSRF token
    assert 'href="/"' not in page  # no link back into the catalogue it cannot see
    assert "/static/css/app.css" in response.content.decode()  # the site's layout

    client.post(reverse("accounts:logout"))
    assert client.get("/").status_code == 302  # logged out: sent to the login page


def test_every_page_of_a_user_without_a_role_says_the_same(client, make_user, make_game):
    client.force_login(make_user())
    for url in ("/", reverse("catalog:favorites"), make_game().get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 403
        assert "Your account has no access yet" in main(response), url


def test_a_demo_user_refused_a_download_gets_the_styled_403_with_ways_back(
    client, demo_user, make_rom
):
    client.force_login(demo_user)
    response = client.get(reverse("catalog:rom-download", args=[make_rom().pk]))
    assert response.status_code == 403
    page = main(response)
    assert "Your account may not do that" in page
    assert 'href="/">Back to the catalogue</a>' in page
    assert LOGOUT_FORM.search(page)
    assert "no access yet" not in page


def test_404_is_in_the_site_layout_with_a_way_back(client, normal_user):
    client.force_login(normal_user)
    response = client.get("/no/such/<page>/")
    assert response.status_code == 404
    page = main(response)
    assert "Page not found" in page
    assert "/no/such/%3Cpage%3E/" in page  # the address, quoted
    assert 'href="/">Back to the catalogue</a>' in page
    assert LOGOUT_FORM.search(page)
    assert ">normal<" in response.content.decode()  # the header's menu is there too


def test_404_for_a_visitor_offers_the_catalogue_without_a_log_out(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = main(response)
    assert 'href="/">Go to the catalogue</a>' in page
    assert "logout" not in page


def test_an_expired_form_gets_the_styled_csrf_page(normal_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "This form has expired" in main(response)


def test_htmx_errors_keep_their_status_so_htmx_swaps_nothing(client, normal_user, make_game):
    client.force_login(normal_user)
    htmx = {"HX-Request": "true", "HX-Current-URL": "http://testserver/"}
    response = client.get("/games/999999/gone/", headers=htmx)
    assert response.status_code == 404
    # What static/js/app.js reads out of the answer for its banner.
    html = response.content.decode()
    assert '<h1 id="error-heading">Not found</h1>' in html
    assert "What you clicked is no longer there" in html  # not "a mistyped link"


@pytest.mark.parametrize(
    ("method", "url", "current", "next_url"),
    [
        ("get", "/?q=doom", "/", "/%3Fq%3Ddoom"),  # the live search
        ("post", "/favorites/{pk}/", "/games/{pk}/doom/", "/games/{pk}/doom/"),  # a favourite
        ("get", "/admin/scraper/scraperun/", "/admin/", "/admin/"),  # a fragment of another page
    ],
)
def test_an_htmx_request_after_the_session_ended_loads_the_login_page_whole(
    client, make_game, method, url, current, next_url
):
    pk = make_game(title="Doom").pk
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver" + current.format(pk=pk)}
    response = getattr(client, method)(url.format(pk=pk), headers=headers)
    # Not a redirect the request would follow (and htmx then swap the login form in): htmx
    # loads the login page as a page, which comes back to where the user was.
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=" + next_url.format(pk=pk)
    assert not response.content


def test_without_htmx_the_login_redirect_is_left_alone(client):
    response = client.get("/?q=doom")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/%3Fq%3Ddoom"


# The real thing: a server process whose database cannot be reached (nothing listens on port 1).
DATABASE_DOWN = """
import django
django.setup()
from django.core.management import call_command
from django.test import Client
call_command("collectstatic", interactive=False, verbosity=0)
client = Client(raise_request_exception=False, HTTP_HOST="localhost")
client.cookies["sessionid"] = "a" * 32  # a signed-in visitor: the session needs the database
response = client.get("/")
print(response.status_code)
print(response.content.decode())
"""


def test_500_renders_in_the_site_layout_while_the_database_is_down(tmp_path):
    result = run_python(
        tmp_path,
        DATABASE_DOWN,
        DEBUG="false",
        SECRET_KEY="production-like-" + "s3Cr" * 15,
        DATABASE_URL="postgres://postgres@127.0.0.1:1/romvault",
    )
    assert result.returncode == 0, result.stderr
    status, html = result.stdout.split("\n", 1)
    assert status == "500"
    assert "OperationalError" in result.stderr  # the failure was the database, and was logged
    assert "Something went wrong on the server" in html
    assert 'href="/">Go to the catalogue</a>' in html
    assert re.search(r'href="/static/css/app\.[0-9a-f]{12}\.css"', html)  # the layout's CSS
