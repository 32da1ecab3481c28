"""The portal's own-data download carries the orange carpet's section: the two halves of
the registry contract (portal/privacy/own_data.py and onboarding/own_data.py) meet."""

from __future__ import annotations

from datetime import date

from onboarding import services
from tests.onboarding.support import granted_dossier, make_talent
from tests.support import login, make_user


def test_the_download_holds_the_welcome_section_at_the_top(app, client, db_session):
    with app.test_request_context("/?lang=en"):
        tara = make_talent("tara@example.in", dossier=granted_dossier(make_user("hr@acme.example")))
        services.save_profile(
            tara,
            arrival_on=date.today(),
            street="Kouter 1",
            postal_code="9000",
            has_partner=False,
            preferred_locale="en",
        )
        other = make_talent("omar@example.in", dossier=granted_dossier(make_user("hr@o.example")))
        services.save_profile(
            other,
            arrival_on=date.today(),
            street="Veldstraat 99",
            postal_code="9000",
            has_partner=False,
            preferred_locale="en",
        )
    login(client, "tara@example.in")
    data = client.get("/account/my-data.json?lang=en").get_json()
    assert data["welcome"]["profile"]["street"] == "Kouter 1"
    assert "Veldstraat" not in client.get("/account/my-data.json").get_data(as_text=True)
