from django.apps import AppConfig


class RomvaultConfig(AppConfig):
    name = "romvault"

    def ready(self):
        # Every process (manage.py, gunicorn's workers, the scrape the admin starts) makes its
        # files at rest private before anything opens the database or writes a file.
        from romvault import datadir

        datadir.secure()
