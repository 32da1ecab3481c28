"""Which of the portal's languages a short e-mail is written in, from its common words.

Enough to answer in the writer's language; words shared by two of the languages ("de",
"en", "die", "is", "an") are left out. Returns None when the text says too little.
"""

from __future__ import annotations

import re

WORDS = {
    "nl": {
        "het", "een", "van", "ik", "wij", "jullie", "u", "uw", "niet", "met", "voor", "dat",
        "aanvraag", "bijlage", "bijlagen", "graag", "groeten", "vriendelijke", "dank",
        "hierbij", "zijn", "hebben", "ook", "maar", "deze", "wordt", "kunnen", "bedankt",
        "geachte", "beste", "mevrouw", "meneer", "aanvragen", "vergunning", "werknemer",
    },
    "fr": {
        "le", "la", "les", "un", "une", "et", "des", "du", "je", "vous", "nous", "est", "pas",
        "pour", "avec", "sur", "que", "demande", "pièce", "pièces", "jointe", "jointes",
        "cordialement", "merci", "bonjour", "veuillez", "madame", "monsieur", "au", "aux",
        "permis", "travailleur", "ci-joint", "trouver", "notre", "votre",
    },
    "de": {
        "der", "das", "ein", "eine", "und", "ich", "sie", "wir", "ist", "nicht", "mit", "für",
        "auf", "dass", "antrag", "anhang", "anbei", "grüße", "freundlichen", "danke", "bitte",
        "guten", "sehr", "geehrte", "geehrter", "unser", "unseren", "ihre", "ihnen", "den",
        "dem", "arbeitnehmer", "genehmigung",
    },
    "en": {
        "the", "a", "and", "of", "i", "you", "we", "not", "with", "for", "on", "that",
        "application", "attached", "attachment", "attachments", "please", "regards", "kind",
        "thank", "thanks", "dear", "hello", "our", "your", "find", "permit", "worker", "this",
    },
}  # fmt: skip
TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)?", re.UNICODE)
MIN_HITS = 2


def _own_lines(text: str) -> str:
    """The writer's own words: quoted lines ("> ...") of earlier messages left out."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))


def detect(text: str) -> str | None:
    counts = dict.fromkeys(WORDS, 0)
    for token in TOKEN.findall(_own_lines(text or "").lower()[:20000]):
        for language, words in WORDS.items():
            if token in words:
                counts[language] += 1
    ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)
    (best, hits), (_second, runner_up) = ranked[0], ranked[1]
    if hits >= MIN_HITS and hits > runner_up:
        return best
    return None
