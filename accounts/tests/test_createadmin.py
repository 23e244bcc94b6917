import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def run():
    out = StringIO()
    call_command("createadmin", stdout=out)
    return out.getvalue()


def test_first_run_creates_an_admin_and_prints_its_password_once():
    first = run()
    password = re.search(r"password: (\S+)", first).group(1)
    user = authenticate(username="admin", password=password)
    assert user is not None and user.is_superuser and user.is_staff
    assert user.role == "super"

    second = run()
    assert password not in second
    assert "exists already" in second
    assert get_user_model().objects.filter(is_superuser=True).count() == 1


def test_each_install_gets_a_different_random_password():
    first = re.search(r"password: (\S+)", run()).group(1)
    get_user_model().objects.all().delete()
    second = re.search(r"password: (\S+)", run()).group(1)
    assert first != second
    assert len(first) >= 16
