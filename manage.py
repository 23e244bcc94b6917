#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "romvault.settings")
    if sys.argv[1:2] == ["setup"]:
        # The settings refuse to load without a SECRET_KEY, and `setup` is how a new install
        # makes its config file: give that file a key first.
        from romvault import config

        config.ensure_secret_key()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
