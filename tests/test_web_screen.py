"""The 筛查 page: uploads stored by content hash, the background screening job, its page, its
JSON progress, cancelling, refusals with Chinese reasons, and department scope."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from web_fixtures import login, make_client

from screening.screen.engine import Screener
from screening.web import jobs

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "docs"
DONGYING = "东营经开区现代服务业扶持办法.pdf"
PINGLUO = "平罗县中医医院血液透析机设备采购公告.txt"
CHENGDU = "成都高新区新经济企业入库通知.docx"


@pytest.fixture(scope="module")
def screener(fake_settings, fake_model):
    return Screener.from_model(fake_settings, fake_model)


def client_for(settings, screener):
    # No lifespan: the worker thread is not started, so the test runs each job itself.
    return make_client(settings, services={"screener": screener})


def sample(name: str) -> tuple[str, bytes, str]:
    return (name, (SAMPLES / name).read_bytes(), "application/octet-stream")


def upload(client, csrf, files, department="", follow=False):
    return client.post(
        "/screen",
        data={"csrf": csrf, "back": "/screen", "department": department},
        files=[("files", f) for f in files],
        follow_redirects=follow,
    )


def job_id_of(response) -> int:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/jobs/")
    return int(location.rsplit("/", 1)[1])


def finish(client, job_id: int, timeout: float = 120.0) -> dict:
    """Run the queued jobs in this thread, then wait until the job's row says it ended."""
    console = client.app.state.console
    console.services["jobs"].run_pending()
    deadline = time.monotonic() + timeout
    while True:
        with console.pool.db() as db:
            job = jobs.get_job(db, job_id)
        if job["status"] not in jobs.ACTIVE or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def ledger_count(client, sql: str, args=()) -> int:
    with client.app.state.console.pool.db() as db:
        return db.execute(sql, list(args)).fetchone()[0]


def test_upload_form_for_admin_and_reviewer(web_settings, screener):
    client = client_for(web_settings, screener)
    login(client, "admin")
    html = client.get("/screen").text
    assert 'enctype="multipart/form-data"' in html
    assert '<input type="file" name="files" multiple' in html
    assert 'id="upload"' in html and "开始筛查" in html
    assert "（不指定）" in html and "县商务局" in html and "县卫生健康局" in html
    reviewer = client_for(web_settings, screener)
    login(reviewer, "shangwu")
    html = reviewer.get("/screen").text
    assert '<option value="县商务局" selected>' in html
    assert "县卫生健康局" not in html and "（不指定）" not in html
    viewer = client_for(web_settings, screener)
    login(viewer, "leader")
    assert viewer.get("/screen").status_code == 403


def revised(name: str) -> tuple[str, bytes, str]:
    """A sample with one more line: content the ledger has never seen."""
    data = (SAMPLES / name).read_bytes() + "\n本公告自发布之日起施行。\n".encode()
    return (name.replace(".txt", "（修订）.txt"), data, "text/plain")


def test_admin_uploads_two_documents_and_the_job_screens_them(web_settings, screener):
    client = client_for(web_settings, screener)
    csrf = login(client, "admin")
    before = ledger_count(client, "select count(*) from documents")
    known = ledger_count(client, "select id from documents where path like ?", [f"%{DONGYING}"])
    new_name = PINGLUO.replace(".txt", "（修订）.txt")
    job_id = job_id_of(upload(client, csrf, [sample(DONGYING), revised(PINGLUO)], "县商务局"))
    queued = client.get(f"/jobs/{job_id}.json").json()
    assert queued == {
        "id": job_id,
        "kind": "screen",
        "status": jobs.QUEUED,
        "done": 0,
        "total": 2,
        "current": "",
        "message": "",
        "active": True,
    }
    page = client.get(f"/jobs/{job_id}").text
    assert f'data-job-url="/jobs/{job_id}.json"' in page and "<progress" in page
    assert f'action="/jobs/{job_id}/cancel"' in page and "取消" in page

    job = finish(client, job_id)
    assert job["status"] == jobs.DONE and job["done"] == job["total"] == 2
    files = {f["name"]: f for f in job["result"]["files"]}
    assert set(files) == {DONGYING, new_name}
    assert all(f["outcome"] == "已筛查" and f["document_id"] for f in files.values())
    assert sum(f["findings"] for f in files.values()) > 0
    done = client.get(f"/jobs/{job_id}.json").json()
    assert done["status"] == jobs.DONE and done["active"] is False and done["done"] == 2

    # Stored by content hash under the ledger's files folder; the name is kept for display.
    with client.app.state.console.pool.db() as db:
        uploads = {r["name"]: dict(r) for r in db.query("select * from uploads")}
        paths = {r["id"]: r["path"] for r in db.query("select id, path from documents")}
    assert set(uploads) == {DONGYING, new_name}
    for row in uploads.values():
        stored = Path(row["stored"])
        assert stored.name == row["sha256"] + Path(row["name"]).suffix
        assert stored.is_file() and row["job_id"] == job_id and row["department"] == "县商务局"
    # New content is a new document at its stored copy; content the ledger already holds at a
    # path that still has it is screened there: one document, its cases kept together.
    assert len(paths) == before + 1
    assert paths[files[new_name]["document_id"]] == uploads[new_name]["stored"]
    assert files[DONGYING]["document_id"] == known

    page = client.get(f"/jobs/{job_id}").text
    assert "data-job-url" not in page  # finished: the result table, no polling
    for f in files.values():
        assert f'href="/documents/{f["document_id"]}"' in page
    listing = client.get("/documents", params={"q": "公告（修订）"}).text
    assert new_name in listing and "共 1 个文件" in listing
    document = client.get(f"/documents/{files[new_name]['document_id']}").text
    assert "原文件已不在" not in document and "本公告自发布之日起施行。" in document


def test_bad_files_are_listed_with_reasons_and_the_good_ones_screened(web_settings, screener):
    settings = web_settings.replace(max_file_mb=0.02)  # 20 KB: the .docx sample is too big
    client = client_for(settings, screener)
    csrf = login(client, "admin")
    files = [
        sample(DONGYING),
        ("空文件.docx", b"", "application/octet-stream"),
        ("伪装成PDF.pdf", "这其实是一段纯文本，不是 PDF 文件。".encode(), "application/pdf"),
        ("损坏.pdf", b"%PDF-1.7\n1 0 obj <<", "application/pdf"),
        sample(CHENGDU),
        sample(PINGLUO),
        ("..\\..\\目录\\东营副本.pdf", (SAMPLES / DONGYING).read_bytes(), "application/pdf"),
    ]
    job_id = job_id_of(upload(client, csrf, files, "县商务局"))
    job = finish(client, job_id)
    assert job["status"] == jobs.DONE and job["total"] == 4 and job["done"] == 4
    rows = {f["name"]: f for f in job["result"]["files"]}
    cases = [
        (DONGYING, "已筛查", ""),
        (PINGLUO, "已筛查", ""),
        ("空文件.docx", "已拒收", "文件为空"),
        (CHENGDU, "已拒收", "文件过大"),
        ("伪装成PDF.pdf", "已筛查", ""),  # read as the text it really is
        ("损坏.pdf", "无法读取", ""),
        ("东营副本.pdf", "内容重复", DONGYING),  # path parts stripped; same content stored once
    ]
    for name, outcome, reason in cases:
        assert rows[name]["outcome"] == outcome, rows[name]
        assert reason in rows[name]["reason"]
    names = [f["name"] for f in job["result"]["files"]]
    assert names[:4] == [DONGYING, "伪装成PDF.pdf", "损坏.pdf", PINGLUO]  # upload order
    assert not any(k.startswith("_") for f in job["result"]["files"] for k in f)
    bad = rows["损坏.pdf"]["reason"]
    assert bad and "损坏.pdf" in bad and "-files" not in bad  # names the upload, not the store
    assert any("\u4e00" <= c <= "\u9fff" for c in bad)
    page = client.get(f"/jobs/{job_id}").text
    assert "未能筛查" in page and "文件为空" in page and "文件过大" in page and bad in page
    stored = ledger_count(client, "select count(*) from uploads")
    assert stored == 4  # 东营 once, 平罗, the two PDFs; nothing refused was stored
    assert not list((Path(client.app.state.console.files_dir) / "uploads").glob("**/*.part"))


def test_uploading_the_same_files_again_changes_nothing(web_settings, screener):
    client = client_for(web_settings, screener)
    csrf = login(client, "admin")
    first = finish(client, job_id_of(upload(client, csrf, [sample(DONGYING), sample(PINGLUO)])))
    documents = ledger_count(client, "select count(*) from documents")
    cases = ledger_count(client, "select count(*) from cases")
    second = finish(client, job_id_of(upload(client, csrf, [sample(PINGLUO), sample(DONGYING)])))
    assert second["status"] == jobs.DONE
    assert {f["outcome"] for f in second["result"]["files"]} == {"未变化（沿用上次结果）"}
    assert all(f["new_cases"] == 0 for f in second["result"]["files"])
    by_name = {f["name"]: f for f in first["result"]["files"]}
    for f in second["result"]["files"]:
        assert f["document_id"] == by_name[f["name"]]["document_id"]
        assert f["findings"] == by_name[f["name"]]["findings"]
    assert ledger_count(client, "select count(*) from documents") == documents
    assert ledger_count(client, "select count(*) from cases") == cases


def test_cancel_a_queued_job_and_stop_a_running_one(web_settings, screener):
    client = client_for(web_settings, screener)
    csrf = login(client, "admin")
    job_id = job_id_of(upload(client, csrf, [sample(DONGYING)]))
    r = client.post(
        f"/jobs/{job_id}/cancel",
        data={"csrf": csrf, "back": f"/jobs/{job_id}"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/jobs/{job_id}"
    state = client.get(f"/jobs/{job_id}.json").json()
    assert state["status"] == jobs.CANCELLED and state["active"] is False
    assert finish(client, job_id)["done"] == 0  # never started

    # A cancel arriving while the job runs: it stops after the file it is on.
    screenings = ledger_count(client, "select count(*) from screenings")
    job_id = job_id_of(upload(client, csrf, [sample(DONGYING), sample(PINGLUO)]))
    with client.app.state.console.pool.db() as db, db.atomic():
        db.execute("update jobs set cancel = 1 where id = ?", [job_id])
    job = finish(client, job_id)
    assert job["status"] == jobs.CANCELLED and job["done"] == 1
    outcomes = [f["outcome"] for f in job["result"]["files"]]
    assert outcomes == ["已筛查", "未筛查（任务已取消）"]
    assert ledger_count(client, "select count(*) from screenings") == screenings + 1
    page = client.get(f"/jobs/{job_id}").text
    assert "已取消" in page and "未筛查（任务已取消）" in page


def test_reviewer_uploads_only_for_their_own_department(web_settings, screener):
    admin = client_for(web_settings, screener)
    admin_csrf = login(admin, "admin")
    other_job = job_id_of(upload(admin, admin_csrf, [sample(PINGLUO)], "县工业和信息化局"))
    finish(admin, other_job)
    reviewer = client_for(web_settings, screener)
    csrf = login(reviewer, "shangwu")
    for department in ("县工业和信息化局", ""):
        r = upload(reviewer, csrf, [sample(DONGYING)], department)
        assert r.status_code == 403, department
    own = job_id_of(upload(reviewer, csrf, [sample(DONGYING)], "县商务局"))
    job = finish(reviewer, own)
    assert job["department"] == "县商务局" and job["operator"] == "shangwu"
    doc_id = job["result"]["files"][0]["document_id"]
    assert reviewer.get(f"/documents/{doc_id}").status_code == 200
    listing = reviewer.get("/screen").text
    assert f'href="/jobs/{own}"' in listing and f'href="/jobs/{other_job}"' not in listing
    for url in (f"/jobs/{other_job}", f"/jobs/{other_job}.json"):
        assert reviewer.get(url).status_code == 403
    r = reviewer.post(f"/jobs/{other_job}/cancel", data={"csrf": csrf, "back": "/screen"})
    assert r.status_code == 403
    other_doc = admin_job_document(admin, other_job)
    for url in (f"/documents/{other_doc}", f"/documents/{other_doc}/original"):
        assert reviewer.get(url).status_code == 403
    assert reviewer.get("/jobs/99999").status_code == 404


def admin_job_document(client, job_id: int) -> int:
    with client.app.state.console.pool.db() as db:
        job = jobs.get_job(db, job_id)
    return job["result"]["files"][0]["document_id"]


def test_too_many_files_and_no_file_are_refused_with_a_message(web_settings, screener):
    client = client_for(web_settings, screener)
    csrf = login(client, "admin")
    r = upload(client, csrf, [("a.txt", b"x", "text/plain")] * 101, follow=True)
    assert "一次最多上传 100 个文件" in r.text and r.url.path == "/screen"
    r = client.post(
        "/screen", data={"csrf": csrf, "back": "/screen", "department": ""}, follow_redirects=True
    )
    assert "请先选择要筛查的文件" in r.text
    assert ledger_count(client, "select count(*) from jobs") == 0


def test_admin_sweeps_a_configured_folder(web_settings, screener, tmp_path):
    folder = tmp_path / "县商务局文件"
    (folder / "2025").mkdir(parents=True)
    (folder / DONGYING).write_bytes((SAMPLES / DONGYING).read_bytes())
    (folder / "2025" / PINGLUO).write_bytes((SAMPLES / PINGLUO).read_bytes())
    settings = web_settings.replace(sweep_folders=(tmp_path / "missing", folder))
    client = client_for(settings, screener)
    csrf = login(client, "admin")
    html = client.get("/screen").text
    assert "筛查配置的文件夹" in html and str(folder) in html
    r = client.post(
        "/screen/folder",
        data={"csrf": csrf, "back": "/screen", "folder": "1", "department": "县商务局"},
        follow_redirects=False,
    )
    job = finish(client, job_id_of(r))
    assert job["status"] == "已完成" and job["done"] == job["total"] == 2
    names = sorted(f["name"] for f in job["result"]["files"])
    assert names == sorted([DONGYING, f"2025/{PINGLUO}"])
    assert all(f["outcome"] == "已筛查" for f in job["result"]["files"])
    with client.app.state.console.pool.db() as db:
        stored = {r[0] for r in db.execute("select path from documents").fetchall()}
    assert str(folder / DONGYING) in stored  # screened where it lives, not copied
    roots = ledger_count(
        client, "select count(*) from sweeps where roots like ?", [f"%{folder.name}%"]
    )
    assert roots == 1
    # A missing folder, a number outside the list: clear messages, no job.
    for choice, message in (("0", "不存在或无法访问"), ("7", "请从列表中选择")):
        before = ledger_count(client, "select count(*) from jobs")
        page = client.post(
            "/screen/folder",
            data={"csrf": csrf, "back": "/screen", "folder": choice},
            follow_redirects=True,
        )
        assert message in page.text
        assert ledger_count(client, "select count(*) from jobs") == before


def test_folder_sweep_is_for_administrators_only(web_settings, screener, tmp_path):
    settings = web_settings.replace(sweep_folders=(tmp_path,))
    client = client_for(settings, screener)
    csrf = login(client, "shangwu")
    assert "筛查配置的文件夹" not in client.get("/screen").text
    r = client.post("/screen/folder", data={"csrf": csrf, "folder": "0"}, follow_redirects=False)
    assert r.status_code == 403
