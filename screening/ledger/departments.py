"""Departments (责任部门) that cases are assigned to."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from ..errors import DepartmentExistsError
from .cases import CLOSED, DISMISSED, require_field
from .db import insert_row, now


def add_department(db: Database, name: str, *, contact: str = "", note: str = "") -> int:
    name = require_field(name, "添加部门", "部门名称", "NAME")
    with db.atomic():
        if db["departments"].count_where("name = ?", [name]):
            raise DepartmentExistsError(name=name)
        pk = insert_row(
            db,
            "departments",
            {"name": name, "contact": contact, "note": note, "created_at": now()},
        )
    return pk


def list_departments(db: Database) -> list[dict[str, Any]]:
    return list(
        db.query(
            "select d.*, (select count(*) from cases c where c.department = d.name "
            "and c.status not in (?, ?)) as open_cases from departments d order by d.id",
            [DISMISSED, CLOSED],
        )
    )
