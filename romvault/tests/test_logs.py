"""The server log (settings.LOGGING): one record, one line, whatever the request holds."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_request_with_a_disallowed_host_logs_one_line(client, server_log):
    response = client.get("/healthz", headers={"host": "attacker.example"})
    assert response.status_code == 400
    lines = server_log.getvalue().splitlines()
    assert len(lines) == 1 and "Invalid HTTP_HOST header: 'attacker.example'" in lines[0]
