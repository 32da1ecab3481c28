"""What each checklist step says: why, how, by when and who helps (English source, translated)."""

from __future__ import annotations

from portal.i18n import _l

CARD_WHY = {
    "A": _l(
        "The card proves your right to live and work here. A single permit gives you an A card."
    ),
    "H": _l(
        "The card proves your right to live and work here. As the holder of an EU Blue Card, you receive an H card."
    ),
}

TEXTS: dict[str, dict] = {
    # Before you travel: for a worker still abroad (see onboarding/rules.py, "abroad").
    "d_visa": {
        "title": _l("Apply for your D visa at the Belgian embassy or consulate"),
        "short": _l("D visa"),
        "why": _l(
            "The single permit lets you work and live here, but to enter Belgium for a long stay you need a long-stay visa (type D), issued by the Belgian embassy or consulate for the country where you live."
        ),
        "how": _l(
            "Make an appointment with the Belgian post, and bring your passport and the decision that grants your single permit. The post tells you which other documents it needs."
        ),
        "when": _l("As soon as your permit is granted: before you book your journey."),
        "helper": _l("The Belgian embassy or consulate (visa section)"),
    },
    "travel_documents": {
        "title": _l("Keep your travel documents together"),
        "short": _l("Travel documents"),
        "why": _l(
            "At the border and at the municipality you show the documents that allow you to stay."
        ),
        "how": _l(
            "Take in your hand luggage: your passport with the D visa, the decision that grants your single permit, your employment contract, and a copy of each of them."
        ),
        "when": _l("Before you leave."),
        "helper": _l("Information only"),
    },
    "municipality_documents": {
        "title": _l("Pack what the municipality will ask for"),
        "short": _l("Documents for the municipality"),
        "why": _l(
            "You register at the municipality within days of your arrival; documents from abroad are hard to obtain once you are here."
        ),
        "how": _l(
            "Bring your passport with the D visa, the decision that grants your single permit, passport photos, proof of your address in Belgium (such as the rental contract), and, for family members who come along, their birth and marriage certificates, legalised or with an apostille."
        ),
        "when": _l("Before you leave."),
        "helper": _l("Your municipality (civil affairs) can tell you what it asks for"),
    },
    "municipal_registration": {
        "title": _l("Register at the municipality"),
        "short": _l("Registration at the municipality"),
        "why": _l(
            "Belgian law asks you to report to the municipality where you live within 8 working days of your arrival."
        ),
        "how": _l(
            "Go to the foreigners' or population service of your municipality with your passport and the decision that grants your single permit. A local police officer then visits your address to check that you live there."
        ),
        "when": _l(
            "Within 8 working days of your arrival. Fill in your arrival date in your profile to see the date."
        ),
        "helper": _l("Your municipality (civil affairs)"),
    },
    "family_registration": {
        "title": _l("Register the family members who come with you"),
        "short": _l("Registration of the family"),
        "why": _l("Family members who come to live with you register at the municipality too."),
        "how": _l(
            "Go together, with their passports and the documents of their own residence procedure (family reunification)."
        ),
        "when": _l("Within 8 working days of their arrival."),
        "helper": _l("Your municipality (civil affairs)"),
    },
    "residence_card": {
        "title": _l("Collect your electronic residence card (%(card)s card)"),
        "short": _l("Residence card"),
        "why": "",
        "how": _l(
            "After the address check, the municipality invites you to have your photo and fingerprints taken, and later to collect the card."
        ),
        "when": _l("After your registration: the municipality sends you an invitation."),
        "helper": _l("Your municipality (civil affairs)"),
    },
    "health_insurance": {
        "title": _l("Join a health-insurance fund"),
        "short": _l("Health insurance"),
        "why": _l(
            "A health-insurance fund (mutualiteit) pays back a large part of the costs of doctors, medicines and hospital stays."
        ),
        "how": _l(
            "Choose a fund and join it with the proof of social-security registration that your employer gives you."
        ),
        "when": _l("As soon as you start working."),
        "helper": _l("Information only: any health-insurance fund in Belgium"),
    },
    "school": {
        "title": _l("Pre-register your child born on %(date)s at a school"),
        "short": _l("School pre-registration"),
        "why": _l(
            "In Flanders you first pre-register (aanmelden) at one to five schools, then enrol (inschrijven) at the school that gives your child a place. Education is compulsory from 5 to 18 years."
        ),
        "how": _l(
            "Use the online pre-registration of your municipality, or ask its school registration desk (the local consultation platform)."
        ),
        "when": _l("As soon as you know your address."),
        "helper": _l("The school registration desk of your municipality"),
    },
    "childcare": {
        "title": _l("Find childcare for your child born on %(date)s"),
        "short": _l("Childcare"),
        "why": _l(
            "Children under 3 can go to a childcare centre (kinderopvang). From 2½ years, a child can also go to nursery school."
        ),
        "how": _l(
            "Ask the local childcare desk (Lokaal Loket Kinderopvang, Huis van het Kind). For an income-based price you need an income certificate from Opgroeien (Kind en Gezin)."
        ),
        "when": _l("As early as you can: places are scarce."),
        "helper": _l("The local childcare desk"),
    },
    "civic_integration": {
        "title": _l("Follow the civic integration course"),
        "short": _l("Civic integration"),
        "why": _l(
            "The civic integration course (inburgering) teaches social orientation and Dutch and helps you register with VDAB. For workers who come with a work permit it is voluntary."
        ),
        "how": _l(
            "Contact the Agency for Integration and Civic Integration (Agentschap Integratie en Inburgering)."
        ),
        "when": _l("Whenever it suits you."),
        "helper": _l("The Agency for Integration and Civic Integration (information)"),
    },
    "dutch_lessons": {
        "title": _l("Learn Dutch"),
        "short": _l("Dutch lessons"),
        "why": _l(
            "Dutch is the language of Flanders: of the municipality, the school and most neighbours."
        ),
        "how": _l(
            "The Huis van het Nederlands in your region advises you on a course that fits your level and your hours."
        ),
        "when": _l("Whenever it suits you: courses start throughout the year."),
        "helper": _l("Huis van het Nederlands (information)"),
    },
    "bank_account": {
        "title": _l("Open a Belgian bank account"),
        "short": _l("Bank account"),
        "why": _l("Your salary is paid into a bank account, and most bills are paid by transfer."),
        "how": _l(
            "Visit a bank with your passport and your residence document; some banks ask for the residence card."
        ),
        "when": _l("In your first weeks."),
        "helper": _l("Any bank (information)"),
    },
    "family_doctor": {
        "title": _l("Choose a family doctor"),
        "short": _l("Family doctor"),
        "why": _l(
            "A family doctor who keeps your medical record helps you faster, and you pay less."
        ),
        "how": _l(
            "Ask your health-insurance fund or your neighbours for a doctor near your home, and make a first appointment."
        ),
        "when": _l("After you have joined a health-insurance fund."),
        "helper": _l("Information only"),
    },
}

# The orange carpet for entrepreneurs: a professional card (`Permit.PROFESSIONAL_CARD`) was
# granted. Source: ../shared/DOMAIN.md, "The professional card", row "after a grant from
# abroad" (D visa, municipal registration, A card; registration in the KBO and with a
# social insurance fund via a business counter). No employer: nothing here mentions one.
ENTREPRENEUR_TEXTS: dict[str, dict] = {
    "kbo_registration": {
        "title": _l("Register your business in the Crossroads Bank for Enterprises (KBO)"),
        "short": _l("KBO registration"),
        "why": _l(
            "As a self-employed person, or as the director of a company, you need an enterprise number in the Crossroads Bank for Enterprises (KBO) before you start your activity."
        ),
        "how": _l(
            "An accredited business counter (ondernemingsloket) registers your business in the KBO for you and checks your access to the profession where it is regulated. Bring your passport, the decision that grants your professional card and, for a company, its articles of association."
        ),
        "when": _l("Before you start your activity."),
        "helper": _l("An accredited business counter (ondernemingsloket)"),
    },
    "social_insurance_fund": {
        "title": _l("Join a social insurance fund for the self-employed"),
        "short": _l("Social insurance fund"),
        "why": _l(
            "Self-employed people pay their social contributions to a social insurance fund (sociaal verzekeringsfonds); it opens your rights to health care, family allowances and a pension."
        ),
        "how": _l(
            "Choose a social insurance fund; the business counter can register you with it when it registers your business in the KBO."
        ),
        "when": _l("At the latest on the day you start your activity."),
        "helper": _l("An accredited business counter (ondernemingsloket)"),
    },
}

# What the other steps say to an entrepreneur where their usual text names the single
# permit, an employer or a salary (only the parts that differ).
ENTREPRENEUR_OVERRIDES: dict[str, dict] = {
    "d_visa": {
        "why": _l(
            "The professional card lets you work here as self-employed, but to enter Belgium for a long stay you need a long-stay visa (type D), issued by the Belgian embassy or consulate for the country where you live."
        ),
        "how": _l(
            "Make an appointment with the Belgian post, and bring your passport and the decision that grants your professional card. The post tells you which other documents it needs."
        ),
    },
    "travel_documents": {
        "how": _l(
            "Take in your hand luggage: your passport with the D visa, the decision that grants your professional card, your business plan, and a copy of each of them."
        ),
    },
    "municipality_documents": {
        "how": _l(
            "Bring your passport with the D visa, the decision that grants your professional card, passport photos, proof of your address in Belgium (such as the rental contract), and, for family members who come along, their birth and marriage certificates, legalised or with an apostille."
        ),
    },
    "municipal_registration": {
        "how": _l(
            "Go to the foreigners' or population service of your municipality with your passport and the decision that grants your professional card. A local police officer then visits your address to check that you live there."
        ),
    },
    "residence_card": {
        "why": _l(
            "The card proves your right to live here. As the holder of a professional card, you receive an A card."
        ),
    },
    "health_insurance": {
        "how": _l(
            "Choose a fund and join it with the certificate of your social insurance fund for the self-employed."
        ),
        "when": _l("As soon as you start your activity."),
    },
    "bank_account": {
        "why": _l(
            "Your business income is paid into a bank account, and most bills are paid by transfer; a separate account for your business keeps its books clear."
        ),
    },
}
