"""A queue page's statements are built once per filter set and day, and kept: what they
read is always the files as they are now, each officer's "Files I took" stays their own,
and a cursor's values are parameters, never part of what is kept."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal import clock
from portal.backoffice import queue
from portal.dossiers.models import DossierStatus
from portal.extensions import db
from tests.factories import EmployerFactory, OfficerFactory, QueuedDossierFactory


@pytest.fixture(autouse=True)
def _nothing_kept():
    for kept in (queue._where, queue._count_statement, queue._page_statement):
        kept.cache_clear()
    queue._earlier_statement.cache_clear()
    yield


@pytest.fixture
def employer(db_session):
    return EmployerFactory()


def ids(page) -> list[int]:
    return [row.id for row in page.rows]


def test_the_same_filters_build_their_statements_once_and_read_the_files_as_they_are(
    officer, employer
):
    later = QueuedDossierFactory(owner=employer, deadline_in=10)
    page = queue.dossier_queue(officer)
    assert ids(page) == [later.id] and page.total == 1
    sooner = QueuedDossierFactory(owner=employer, deadline_in=5)
    page = queue.dossier_queue(officer)
    assert ids(page) == [sooner.id, later.id] and page.total == 2
    assert queue._page_statement.cache_info()[:2] == (1, 1)  # (hits, misses)
    assert queue._count_statement.cache_info()[:2] == (1, 1)
    # Unsaved changes are saved before the queue reads, as the ORM's own reads do.
    sooner.status = DossierStatus.DRAFT
    assert ids(queue.dossier_queue(officer)) == [later.id]
    # Another filter set is a statement of its own.
    assert ids(queue.dossier_queue(officer, owner="unassigned")) == [later.id]
    assert queue._page_statement.cache_info().misses == 2


def test_files_i_took_stay_each_officers_own(officer, employer):
    other = OfficerFactory()
    mine = QueuedDossierFactory(owner=employer, assigned_officer_id=officer.id)
    theirs = QueuedDossierFactory(owner=employer, assigned_officer_id=other.id)
    db.session.flush()
    assert ids(queue.dossier_queue(officer, owner="mine")) == [mine.id]
    assert ids(queue.dossier_queue(other, owner="mine")) == [theirs.id]
    assert ids(queue.dossier_queue(officer, owner="mine")) == [mine.id]
    assert len(ids(queue.dossier_queue(other, owner="all"))) == 2


def test_the_day_is_part_of_what_is_kept(officer, employer):
    """ "Recently forwarded" counts back from the day asked: a statement kept from one day
    never answers for another."""
    today = clock.today()
    forwarded = QueuedDossierFactory(
        owner=employer, status=DossierStatus.FORWARDED, forwarded_on=today - timedelta(days=10)
    )
    assert ids(queue.dossier_queue(officer, state="forwarded", today=today)) == [forwarded.id]
    later = today + timedelta(days=queue.FORWARDED_WINDOW_DAYS)
    assert ids(queue.dossier_queue(officer, state="forwarded", today=later)) == []
    assert ids(queue.dossier_queue(officer, state="forwarded", today=today)) == [forwarded.id]


def test_cursors_are_parameters_of_one_kept_statement_per_direction(officer, employer):
    """Five dated files and an undated one (last), two a page: every page after the first
    reads through the same statement with the cursor's values, and the undated file is
    reached after the dated ones (a NULL sort value is a statement of its own)."""
    dated = [QueuedDossierFactory(owner=employer, deadline_in=days).id for days in (1, 2, 3, 4, 5)]
    undated = QueuedDossierFactory(owner=employer, deadline_on=None).id
    db.session.flush()
    pages = [queue.dossier_queue(officer, per_page=2)]
    while pages[-1].next_cursor:
        pages.append(queue.dossier_queue(officer, per_page=2, after=str(pages[-1].next_cursor)))
    assert [ids(page) for page in pages] == [dated[:2], dated[2:4], [dated[4], undated]]
    assert [page.first for page in pages] == [1, 3, 5]
    back = queue.dossier_queue(officer, per_page=2, before=str(pages[1].previous_cursor))
    assert ids(back) == dated[:2] and back.first == 1 and back.previous_cursor is None
    # First page; after a dated file (twice, with other values); before a dated file.
    assert queue._page_statement.cache_info().misses == 3
    assert queue._page_statement.cache_info().hits == 1
    # From the undated file backwards: its NULL deadline is a statement of its own.
    before_undated = queue.dossier_queue(officer, per_page=2, before=str(undated))
    assert ids(before_undated) == dated[3:5] and before_undated.first == 4
    assert queue._page_statement.cache_info().misses == 4


def test_the_open_filter_writes_each_status_in_and_is_never_rewritten_per_run(officer, employer):
    """The open queue's status list is fixed (`portal.db.among`): each status written into
    the SQL (so that PostgreSQL plans the page once), no "expanding" list whose SQL
    SQLAlchemy rewrites on every run (issue 15); and the queue still holds exactly the
    files being decided on, in both of its forms."""
    from sqlalchemy import select
    from sqlalchemy.dialects import postgresql, sqlite

    from portal.dossiers.models import Dossier

    for condition in (queue._OPEN_FILTER, queue._OPEN_FILTER_UNINDEXED):
        for dialect in (sqlite.dialect(), postgresql.dialect()):
            compiled = select(Dossier.id).where(condition).compile(dialect=dialect)
            assert "POSTCOMPILE" not in str(compiled)
            assert not any(bind.expanding for bind in compiled.binds.values())
            assert not [value for value in compiled.params.values() if value != ""]  # `|| ''`
            written = re.findall(r"'([a-z_]+)'", str(compiled))
            assert sorted(written) == sorted(status.value for status in queue.OPEN)
    shown = {
        status: QueuedDossierFactory(owner=employer, status=status) for status in DossierStatus
    }
    db.session.flush()
    page = queue.dossier_queue(officer, per_page=100)
    expected = {shown[status].id for status in queue.OPEN}
    assert set(ids(page)) == expected and page.total == len(expected)


def test_the_first_page_walks_the_deadline_index_on_either_database(officer, employer):
    """The queue's page is read along the deadline index, checking each file's status on the
    way, and stops after a page, on SQLite and on PostgreSQL alike. With 2,000 files of
    which a fifth are open, PostgreSQL read every file and sorted them when the status was
    hidden from its statistics as it is from SQLite's planner (`status || ''`)."""
    from sqlalchemy import insert

    from portal.dossiers.models import Dossier

    status = DossierStatus
    statuses = [status.SUBMITTED, status.FORWARDED, status.WORK_AUTHORISED, status.WITHDRAWN]
    statuses += [status.RESIDENCE_GRANTED]  # a fifth open, as in the benchmark's files
    start = clock.now() - timedelta(days=400)
    db.session.execute(
        insert(Dossier),
        [
            {
                "reference": f"SP-2026-PLAN{number:05d}",
                "status": statuses[number % 5],
                "created_by_id": employer.id,
                "organisation_id": employer.organisation_id,
                "locale": "nl",
                "submitted_at": start + timedelta(hours=number),
                "deadline_on": (start + timedelta(days=number % 300)).date(),
                "category": "highly_qualified",
                "sections_done": "",
                "is_posting": False,
                "thresholds_missing": False,
                "reduced_threshold": False,
            }
            for number in range(2000)
        ],
    )
    db.session.execute(db.text("ANALYZE dossier"))
    shape = queue._shape(officer, today=clock.today())
    statement = queue._page_statement(shape, "deadline", False, None, queue.PER_PAGE)
    connection = db.session.connection()
    dialect = connection.dialect
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN QUERY PLAN " if dialect.name == "sqlite" else "EXPLAIN "
    plan = "\n".join(str(row[-1]) for row in connection.exec_driver_sql(explain + sql))
    assert "ix_dossier_deadline_on" in plan, plan
    # SQLite served by the status index: every open file found first, then sorted.
    assert "ix_dossier_status" not in plan, plan
    # PostgreSQL blind to the status: every file read and sorted (the page's inner query;
    # the outer one fetches its 51 rows by id, as it finds cheaper).
    assert "Seq Scan on dossier dossier_1" not in plan, plan


def test_a_search_read_as_a_union_keeps_its_plans_on_postgresql_only(officer, employer):
    """On PostgreSQL the count and the page of a search read as the union of its branches
    run the plans made once for them (`queue._plans_kept`): generic plans, set for the
    queue's statements alone, never for the queue without a search, and never on SQLite."""
    from sqlalchemy import text

    from tests.support import statements_sent

    QueuedDossierFactory(owner=employer, worker_first_name="Priya", worker_last_name="Sharma")
    db.session.flush()
    postgresql = db.engine.dialect.name == "postgresql"
    with statements_sent() as seen:
        for _ in range(7):  # psycopg prepares a statement from its fifth run on
            page = queue.dossier_queue(officer, query="priya")
            assert [row.worker_last_name for row in page.rows] == ["Sharma"]
    settings = [sql for sql in seen if sql.startswith("SET LOCAL plan_cache_mode")]
    expected = ["SET LOCAL plan_cache_mode = force_generic_plan"] + [
        "SET LOCAL plan_cache_mode = DEFAULT"
    ]
    assert settings == (expected * 7 if postgresql else [])
    with statements_sent() as seen:
        queue.dossier_queue(officer)
    assert not [sql for sql in seen if sql.startswith("SET")]
    if postgresql:
        connection = db.session.connection()
        assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"
        plans = (
            connection.execute(
                text(
                    "SELECT generic_plans FROM pg_prepared_statements"
                    " WHERE statement LIKE 'SELECT dossier.id, dossier.reference%worker_first_key%'"
                )
            )
            .scalars()
            .all()
        )
        assert plans and max(plans) >= 1, plans  # the page's rows, by its one plan
