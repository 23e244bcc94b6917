"""Login throttling: repeated failures for one account or from one address are slowed, then
refused for a while.

Policy: 5 failures for a username, or 20 from a client address, within 15 minutes lock that
username (or address) until 15 minutes after its latest failure. While locked, the password is
not even checked, so a correct one is refused too (no oracle). From the third failure for an
account, each further failure answers a second late. A successful login clears the account's
failures (not the address's).

An attempt counts as a failure before its password is checked, and the check of the count and
that row are one transaction that parallel attempts take in turn: guesses sent at once see each
other, so however many there are, no more than 5 passwords get checked (counted after the
check, all of them would be while the first were still being checked). A right password then
takes its row away again.

Failures are rows of accounts.LoginFailure (see there for why not the cache). The address is
REMOTE_ADDR, unless REMOTE_ADDR is one of settings.TRUSTED_PROXIES: then it is the last address
in X-Forwarded-For that is not a trusted proxy (the one the outermost trusted proxy saw). From
anyone else X-Forwarded-For is ignored: any client can send one, and trusting it would let an
attacker pick a fresh address for every guess. Behind a proxy left out of TRUSTED_PROXIES, every
client shares the proxy's count, and 20 failures anywhere lock the login for everyone.
"""

import ipaddress
import math
import time
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from accounts.models import LoginFailure

WINDOW = timedelta(minutes=15)  # failures older than this are forgotten
LOCKOUT = timedelta(minutes=15)  # refused this long after the latest failure
MAX_PER_USERNAME = 5
MAX_PER_ADDRESS = 20
SLOW_AFTER = 3  # failures for an account before each further failure answers late
DELAY = 1.0  # seconds
THROTTLED = "throttled"  # the ValidationError code; the login view answers 429 for it
# PostgreSQL advisory lock held while an attempt is counted (any number, unique in romvault).
ATTEMPT_LOCK = 7_146_201

sleep = time.sleep  # tests replace it


def _remote_address(request) -> str:
    raw = (request.META.get("REMOTE_ADDR") or "").strip()
    trusted = set(settings.TRUSTED_PROXIES)
    if raw not in trusted:
        return raw
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed(hops):  # the right end was written by our own proxies
        if hop and hop not in trusted:
            return hop
    return raw


def client_address(request) -> str:
    """The client's address; an IPv6 address counts as its /64, the block one client holds."""
    raw = _remote_address(request) if request is not None else ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:64]
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _key(username: str) -> str:
    return username.strip().casefold()[:150]


def _lock_left(failures, limit, now) -> timedelta | None:
    counted = failures.filter(at__gte=now - WINDOW).aggregate(n=Count("pk"), latest=Max("at"))
    if counted["n"] >= limit:
        left = counted["latest"] + LOCKOUT - now
        if left > timedelta(0):
            return left
    return None


def locked_for(username: str, address: str, now=None) -> timedelta | None:
    """How long logins for `username` or from `address` are still refused; None: not locked."""
    now = now or timezone.now()
    lefts = [
        _lock_left(LoginFailure.objects.filter(username=_key(username)), MAX_PER_USERNAME, now)
    ]
    if address:
        lefts.append(_lock_left(LoginFailure.objects.filter(address=address), MAX_PER_ADDRESS, now))
    lefts = [left for left in lefts if left is not None]
    return max(lefts) if lefts else None


def _take_turn() -> None:
    """Inside a transaction: wait until no other attempt is being counted, until commit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ATTEMPT_LOCK])
    # SQLite: settings.py opens every transaction with BEGIN IMMEDIATE, which takes the
    # database's one write lock at once, so the transaction itself is the turn.


def begin_attempt(username: str, address: str) -> timedelta | None:
    """Count an attempt as a failure, unless locked already: then how long still. Prunes
    the expired failures."""
    now = timezone.now()
    with transaction.atomic():
        _take_turn()
        LoginFailure.objects.filter(at__lt=now - WINDOW).delete()
        left = locked_for(username, address, now)
        if left is None:
            LoginFailure.objects.create(username=_key(username), address=address, at=now)
    return left


def failures(username: str) -> int:
    """The account's failures within the window."""
    since = timezone.now() - WINDOW
    return LoginFailure.objects.filter(username=_key(username), at__gte=since).count()


def clear(username: str) -> None:
    LoginFailure.objects.filter(username=_key(username)).delete()


def message(left: timedelta) -> str:
    minutes = max(1, math.ceil(left.total_seconds() / 60))
    return f"Too many failed attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}."


class ThrottledLoginMixin:
    """For AuthenticationForm and its subclasses (the admin's too): check, then authenticate."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not (username and password):
            return super().clean()  # nothing was tried; the field errors say what is missing
        address = client_address(self.request)
        left = begin_attempt(username, address)
        if left:
            raise forms.ValidationError(message(left), code=THROTTLED)
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            left = locked_for(username, address)
            if left:
                raise forms.ValidationError(message(left), code=THROTTLED) from None
            if failures(username) >= SLOW_AFTER:
                sleep(DELAY)
            raise
        clear(username)  # the attempt's own row too
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


def is_throttled(form) -> bool:
    return any(error.code == THROTTLED for error in form.non_field_errors().as_data())
