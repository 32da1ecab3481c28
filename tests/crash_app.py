"""The app the crash tests run as subprocesses: as `wsgi`, but partner webhooks may reach
the tests' local http receiver (only code can allow that, never the environment)."""

from portal import create_app


def create():
    return create_app({"ONBOARDING_WEBHOOK_ALLOW_PRIVATE": True})
