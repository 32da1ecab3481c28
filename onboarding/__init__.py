"""The orange carpet: the welcome of arriving talent.

Imports `portal`, never the reverse: portal signals "permit granted", onboarding listens.
"""


def init_app(app) -> None:
    """Plug the orange carpet into the portal (called by `portal.create_app`)."""
