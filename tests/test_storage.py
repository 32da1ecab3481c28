"""The upload store: keys only, whole files only, also with two processes on one key."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from portal.storage import FileStorage, check_key, storage

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
