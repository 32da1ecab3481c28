"""Row ids sent as text (a URL's `<int:…>`, a form's button, a cursor, the session cookie):
1 to PostgreSQL's integer in ASCII digits (`validation.record_id`, `RecordIdConverter`), so
an id no row can have is not found, never a failed query (500)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "01",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1e3",
        "1_000",
        "\u00b2",  # a superscript two: isdigit() says yes, int() fails
        "\uff11",  # a fullwidth one
        "\u0663",  # an Arabic-Indic three
        "2147483648",  # PostgreSQL's integer + 1
        "99999999999999999999",  # past SQLite's integers
        "9" * 5000,  # past Python's int() of a string
        "",
        None,
    ],
)
def test_a_text_that_names_no_row_is_no_record_id(text):
    from portal.validation import record_id

    assert record_id(text) is None


def test_a_record_id_is_read_up_to_postgresqls_integer():
    from portal.validation import INT_MAX, record_id

    assert record_id("1") == 1 and record_id(str(INT_MAX)) == INT_MAX == 2**31 - 1


def test_a_url_whose_id_no_row_can_have_names_no_page(app):
    """Every route with an `<int:…>`: an id past PostgreSQL's integers (or SQLite's, or
    in other digits) matches no route, so the page is not found instead of the query
    failing (500)."""
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    adapter = app.url_map.bind("localhost")
    routes = [rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert len(routes) > 20  # the files, documents, requests, referrals, tickets, ...
    for rule in routes:
        for bad in ("2147483648", "99999999999999999999", "\u00b2", "0", "007"):
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<int:{name}>", bad)
            method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
            with pytest.raises((NotFound, MethodNotAllowed)):
                adapter.match(path, method=method)
        good = rule.rule
        for name in rule.arguments:
            good = good.replace(f"<int:{name}>", "2147483647")
        if "<" not in good:
            assert adapter.match(good, method=sorted(rule.methods - {"HEAD", "OPTIONS"})[0])


def test_pages_of_ids_no_row_can_have_answer_404(app, client, db_session):
    from portal.accounts.models import Role
    from tests.support import login, make_user

    make_user("officer@bigid.example", Role.OFFICER)
    login(client, "officer@bigid.example")
    for id_ in ("2147483647", "2147483648", "99999999999999999999"):
        assert client.get(f"/backoffice/dossiers/{id_}").status_code == 404
        assert client.get(f"/backoffice/dossiers/{id_}/documents/{id_}").status_code == 404
