"""Factories of the orange carpet's models (it owns its factories, as it owns its tables).

A granted file is a `tests.factories.DossierFactory` walked to "residence granted" by the
status machine; the `permit_granted` signal is muted there, so the invitation a test needs
is made here (`WelcomeInvitationFactory`), not by the plug-in's receiver.
"""

from __future__ import annotations

from datetime import timedelta

import factory

from onboarding.models import Partner, Referral, WelcomeInvitation, WelcomeProfile
from portal import clock
from portal.accounts.models import PartnerKind
from portal.dossiers.models import DossierStatus
from tests.factories import BaseFactory, DossierFactory, TalentFactory

GHENT, ANTWERP, BRUSSELS = "44021", "11002", "21004"


class GrantedDossierFactory(DossierFactory):
    """A file whose single permit was granted ten days ago (`federal_decision_on`)."""

    status = DossierStatus.RESIDENCE_GRANTED
    locale = "nl"
    reference = factory.Sequence(lambda n: f"SP-ONB-{n:06d}")
    worker_email = factory.Sequence(lambda n: f"worker{n}@example.in")
    worker_locale = "en"
    federal_decision = "granted"
    federal_decision_on = factory.LazyFunction(lambda: clock.today() - timedelta(days=10))


class WelcomeProfileFactory(BaseFactory):
    """A talent's welcome profile, of a new talent unless `user=` is given."""

    class Meta:
        model = WelcomeProfile

    user = factory.SubFactory(TalentFactory)
    dossier = None
    preferred_locale = factory.LazyAttribute(lambda p: p.user.locale)


class WelcomeInvitationFactory(BaseFactory):
    """The invitation (and consent record) of one granted file."""

    class Meta:
        model = WelcomeInvitation

    profile = factory.SubFactory(WelcomeProfileFactory)
    dossier = factory.SubFactory(GrantedDossierFactory)
    consent_employer_view = False


class PartnerFactory(BaseFactory):
    """A partner service of a municipality (`kind=`, `refnis=`), reachable by e-mail."""

    class Meta:
        model = Partner

    kind = PartnerKind.MUNICIPALITY
    refnis = GHENT
    name = factory.LazyAttribute(lambda p: f"{p.kind.value.title()} {p.refnis}")
    email = factory.LazyAttribute(lambda p: f"{p.kind.value}-{p.refnis}@partner.example")


class ReferralFactory(BaseFactory):
    """A talent's consented referral to a partner, sent."""

    class Meta:
        model = Referral

    profile = factory.SubFactory(WelcomeProfileFactory)
    talent = factory.SelfAttribute("profile.user")
    partner = factory.SubFactory(PartnerFactory)
    item_code = "register_address"
    shared_data = "[]"
