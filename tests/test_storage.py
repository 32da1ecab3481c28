"""The upload store: keys only, whole files only, also with two processes on one key."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import select

from portal.storage import FileStorage, S3Storage, check_key, storage

KEY = "0123456789abcdef" * 2

# Each process writes its own payload (a different size and byte) to the same key, over and
# over, and reads the key between writes: every read must be one payload whole.
WORKER = textwrap.dedent(
    """
    import sys
    from portal.storage import FileStorage

    root, key, mine, rounds = sys.argv[1], sys.argv[2], sys.argv[3].encode(), int(sys.argv[4])
    store = FileStorage(root)
    payload = {b"a": b"a" * 300_000, b"b": b"b" * 700_000}
    whole = {value: key_ for key_, value in payload.items()}
    seen = set()
    for _ in range(rounds):
        store.put(key, payload[mine])
        with store.open(key) as handle:
            data = handle.read()
        if data not in whole:
            print(f"PARTIAL {len(data)} bytes", flush=True)
            sys.exit(1)
        seen.add(whole[data])
    print("OK", b"".join(sorted(seen)).decode(), flush=True)
    """
)


@pytest.fixture
def s3():
    """moto's S3, in this process (no network): a client with one empty bucket."""
    moto = pytest.importorskip("moto")
    boto3 = pytest.importorskip("boto3")
    with moto.mock_aws():
        client = boto3.client("s3", region_name="eu-west-1")
        client.create_bucket(
            Bucket="portal", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        yield client


def objects(client) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket="portal").get("Contents", []))


@pytest.fixture(params=["file", "s3"])
def store(request, tmp_path):
    if request.param == "file":
        return FileStorage(tmp_path / "store")
    return S3Storage("portal", prefix="uploads/", client=request.getfixturevalue("s3"))


def test_put_open_exists_delete_on_every_store(store):
    assert not store.exists(KEY)
    store.put(KEY, b"first")
    store.put(KEY, b"second")
    assert store.exists(KEY)
    with store.open(KEY) as handle:
        assert handle.read() == b"second"
    store.delete(KEY)
    store.delete(KEY)  # already gone: no error
    assert not store.exists(KEY)
    with pytest.raises(FileNotFoundError):
        store.open(KEY)


def test_staging_on_every_store(store):
    store.stage(KEY, b"pending")
    assert not store.exists(KEY)
    assert store.promote(KEY) is True
    assert store.promote(KEY) is False  # nothing left to move
    with store.open(KEY) as handle:
        assert handle.read() == b"pending"
    store.stage("f" * 32, b"dropped")
    store.unstage("f" * 32)
    assert not store.exists("f" * 32) and store.promote("f" * 32) is False


def test_the_s3_store_keeps_objects_under_its_prefix_and_no_staged_leftovers(s3):
    store = S3Storage("portal", prefix="uploads/", client=s3)
    store.stage(KEY, b"x")
    assert objects(s3) == [f"uploads/{KEY}.part"]
    store.promote(KEY)
    assert objects(s3) == [f"uploads/{KEY}"]
    with pytest.raises(ValueError):
        store.put("../" + "a" * 29, b"x")


def test_put_open_exists_delete(tmp_path):
    store = FileStorage(tmp_path / "store")
    assert not store.exists(KEY)
    store.put(KEY, b"first")
    store.put(KEY, b"second")
    assert store.exists(KEY)
    with store.open(KEY) as handle:
        assert handle.read() == b"second"
    store.delete(KEY)
    store.delete(KEY)  # already gone: no error
    assert not store.exists(KEY)
    with pytest.raises(FileNotFoundError):
        store.open(KEY)
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == []  # no temporary left


def test_staged_bytes_are_invisible_until_promoted(tmp_path):
    store = FileStorage(tmp_path)
    store.stage(KEY, b"pending")
    assert not store.exists(KEY)
    assert store.promote(KEY) is True
    assert store.promote(KEY) is False  # nothing left to move
    with store.open(KEY) as handle:
        assert handle.read() == b"pending"
    store.stage("f" * 32, b"dropped")
    store.unstage("f" * 32)
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY]


@pytest.mark.parametrize(
    "key", ["../" + "a" * 29, "A" * 32, "a" * 31, "a" * 33, "a" * 31 + "\n", "", "a" * 32 + "/x"]
)
def test_only_the_portals_own_keys_are_accepted(tmp_path, key):
    store = FileStorage(tmp_path)
    with pytest.raises(ValueError):
        check_key(key)
    with pytest.raises(ValueError):
        store.put(key, b"x")
    with pytest.raises(ValueError):
        store.open(key)


def test_the_app_uses_the_folder_store_unless_a_plug_in_names_its_own(app):
    with app.app_context():
        store = storage()
        assert isinstance(store, FileStorage)
        assert str(store.root) == app.config["UPLOAD_DIR"]
        custom = FileStorage(app.config["UPLOAD_DIR"] + "-custom")
        app.extensions["upload_storage"] = custom
        try:
            assert storage() is custom
        finally:
            del app.extensions["upload_storage"]


def test_two_processes_on_one_key_never_see_a_partial_file(tmp_path):
    """Two processes (as two instances on one shared volume) write and read the same key."""
    rounds = "150"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(tmp_path), KEY, mine, rounds],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mine in ("a", "b")
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, out + err
        assert out.startswith("OK")
    # Whatever the interleaving, the key holds one payload whole, and no temporary is left.
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY]
    assert (tmp_path / KEY).read_bytes() in {b"a" * 300_000, b"b" * 700_000}


@pytest.fixture
def on_s3(app, s3, monkeypatch, tmp_path):
    """The portal configured with UPLOAD_STORAGE=s3 (moto), UPLOAD_DIR an empty folder."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setitem(app.config, "UPLOAD_STORAGE", "s3")
    monkeypatch.setitem(app.config, "UPLOAD_S3_BUCKET", "portal")
    monkeypatch.setitem(app.config, "UPLOAD_S3_PREFIX", "uploads/")
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "folder"))
    yield s3
    app.extensions.pop("upload_storage_s3", None)


def test_uploads_go_to_s3_on_commit_and_are_downloaded_from_there(client, on_s3, tmp_path):
    from portal.dossiers.models import Document
    from portal.extensions import db
    from tests.applications_support import PDF, start, upload
    from tests.support import login, make_user

    login(client, make_user("s3@acme.example").email)
    dossier = start(client)
    client.post(f"/applications/{dossier.id}/category", data={"category": "executive"})
    assert upload(client, dossier.id, "passport").status_code == 302
    document = db.session.scalars(select(Document).where(Document.dossier_id == dossier.id)).one()
    assert isinstance(storage(), S3Storage)
    assert objects(on_s3) == [f"uploads/{document.stored_name}"]
    assert not (tmp_path / "folder").exists() or not any((tmp_path / "folder").iterdir())
    download = client.get(f"/applications/{dossier.id}/documents/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.content_length == len(PDF)
    download.close()


def test_a_rollback_leaves_nothing_in_the_bucket(app, db_session, on_s3):
    from portal import uploads
    from portal.extensions import db
    from tests.applications_support import PDF

    stored = uploads.store(PDF, "a.pdf", ("pdf",), 10_000)
    assert objects(on_s3) == [f"uploads/{stored.stored_name}.part"]
    db.session.rollback()
    assert objects(on_s3) == []


def test_the_folder_sweep_leaves_an_object_store_alone(app, db_session, on_s3):
    from portal import uploads
    from portal.extensions import db
    from portal.uploads_sweep import sweep
    from tests.applications_support import PDF

    uploads.store(PDF, "a.pdf", ("pdf",), 10_000)
    db.session.commit()  # a promoted object no row names: an orphan, but not the folder's
    before = objects(on_s3)
    result = sweep(grace=0)
    assert (result.removed, result.missing, result.kept) == (0, 0, 0)
    assert objects(on_s3) == before


def test_a_download_from_the_folder_store_says_its_length(client, tmp_path, monkeypatch, app):
    from portal.dossiers.models import Document
    from portal.extensions import db
    from tests.applications_support import PDF, start, upload
    from tests.support import login, make_user

    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    login(client, make_user("folder@acme.example").email)
    dossier = start(client)
    client.post(f"/applications/{dossier.id}/category", data={"category": "executive"})
    assert upload(client, dossier.id, "passport").status_code == 302
    document = db.session.scalars(select(Document).where(Document.dossier_id == dossier.id)).one()
    download = client.get(f"/applications/{dossier.id}/documents/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.content_length == len(PDF)
    assert download.headers["Cache-Control"] == "no-store"
    download.close()  # as the WSGI server does: closes the file
