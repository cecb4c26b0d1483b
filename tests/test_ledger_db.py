"""Ledger storage: migrations on open, schema version, WAL, refusal of foreign or newer files."""

from __future__ import annotations

import sqlite3

import pytest

from screening import ledger as lg
from screening.errors import LedgerOpenError, LedgerTooNewError
from screening.ledger.db import MIGRATIONS, migration_names

TABLES = {
    "documents",
    "clauses",
    "findings",
    "cases",
    "actions",
    "complaints",
    "feedback",
    "departments",
    "rectifications",
    "attachments",
    "calendar",
}


def test_memory_ledger_has_all_tables_and_version():
    db = lg.open_ledger()
    assert set(db.table_names()) >= TABLES
    n = len(migration_names())
    assert n >= 1
    assert lg.schema_version(db) == n
    assert db.execute("pragma user_version").fetchone()[0] == n
    assert {"finding_id", "data", "engine_version", "status"} <= set(db["findings"].columns_dict)
    assert {"version", "class_1670", "subtype", "standards", "verify_deadline"} <= set(
        db["cases"].columns_dict
    )


def test_file_ledger_is_wal_and_reopens_without_reapplying(tmp_path):
    path = tmp_path / "子目录" / "台账.db"
    db = lg.open_ledger(path)
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    lg.add_department(db, "县财政局")
    applied = [m.applied_at for m in MIGRATIONS.applied(db)]
    db.close()
    db = lg.open_ledger(path)
    assert [m.applied_at for m in MIGRATIONS.applied(db)] == applied
    assert [d["name"] for d in lg.list_departments(db)] == ["县财政局"]
    db.close()


def test_not_a_database(tmp_path):
    path = tmp_path / "台账.db"
    path.write_text("这不是数据库" * 200, encoding="utf-8")
    with pytest.raises(LedgerOpenError, match="SQLite"):
        lg.open_ledger(path)


def test_newer_schema_refused(tmp_path):
    path = tmp_path / "台账.db"
    lg.open_ledger(path).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) values (?, ?, ?)",
        ["screening-ledger", "0099_future", "2030-01-01"],
    )
    conn.commit()
    conn.close()
    with pytest.raises(LedgerTooNewError, match="0099_future"):
        lg.open_ledger(path)


def test_backup_is_a_complete_copy(tmp_path):
    db = lg.open_ledger(tmp_path / "台账.db")
    lg.add_department(db, "县住房和城乡建设局")
    case_id = lg.create_case(db, source="上级交办", title="市里交办线索", operator="甲")
    out = lg.backup(db, tmp_path / "备份" / "台账-备份.db")
    db.close()
    copy = lg.open_ledger(out)
    assert lg.get_case(copy, case_id)["title"] == "市里交办线索"
    assert len(lg.case_actions(copy, case_id)) == 1
    copy.close()


def test_0004_backfills_screenings_from_first_and_last_sightings(tmp_path):
    """A ledger written before the screenings table: each document gets its first and (when
    different) its last sighting, so period reports keep counting it."""
    from sqlite_utils import Database

    path = tmp_path / "旧台账.db"
    old = Database(path)
    MIGRATIONS.apply(old, stop_before="0004_screenings")
    for i, (first, last) in enumerate([("2025-10-09 09:00:00", "2025-10-09 09:00:00"),
                                       ("2025-09-20 09:00:00", "2025-11-02 10:00:00")]):  # fmt: skip
        old["documents"].insert(
            {
                "path": f"/文件/{i}.docx",
                "sha256": f"h{i}",
                "first_seen": first,
                "last_seen": last,
                "screened_with": "m1",
            }
        )
    old.close()
    db = lg.open_ledger(path)
    rows = [(r["document_id"], r["at"], r["engine"]) for r in db["screenings"].rows]
    assert sorted(rows) == [
        (1, "2025-10-09 09:00:00", "m1"),
        (2, "2025-09-20 09:00:00", "m1"),
        (2, "2025-11-02 10:00:00", "m1"),
    ]
    db.close()


def test_migration_names_are_those_a_new_ledger_applies():
    names = migration_names()
    assert names[0] == "0001_initial" and names == sorted(names) and len(set(names)) == len(names)
    assert [m.name for m in MIGRATIONS.applied(lg.open_ledger())] == names
