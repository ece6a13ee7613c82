"""The import pages (/imports/) and /api/import/: templates, preview, errors.xlsx, confirm, access."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from csat.models import ServiceVisit
from intake import services
from intake.columns import columns_of, required_of
from intake.models import ImportJob
from tests.intake.support import (
    XLSX_TYPE,
    csv_bytes,
    grid,
    make_job,
    upload,
    visit_row,
    xlsx_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

KINDS = ["customers", "sales", "service_visits"]


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


def browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sheet_rows(content: bytes, index: int = 0) -> list[tuple[Any, ...]]:
    workbook = load_workbook(io.BytesIO(content))
    return list(workbook.worksheets[index].iter_rows(values_only=True))


def good_file() -> bytes:
    return xlsx_bytes(grid("service_visits", [visit_row(1), visit_row(2), visit_row(3)]))


def bad_file() -> bytes:
    rows = [visit_row(1), visit_row(2, mobile="12345"), visit_row(3, service_advisor="nobody")]
    return xlsx_bytes(grid("service_visits", rows))


# --- template downloads -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_template_download_is_a_valid_xlsx_with_headers_example_and_notes(agent: Any, kind: str) -> None:
    response = browser(agent).get(reverse("import-template", args=[kind]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert "attachment" in response["Content-Disposition"]
    content = response.content
    workbook = load_workbook(io.BytesIO(content))
    assert len(workbook.worksheets) == 2

    rows = sheet_rows(content)
    columns = columns_of(kind)
    assert list(rows[0]) == [str(c.header) for c in columns]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in str(h)) for h in rows[0])  # Chinese headers
    assert list(rows[1]) == [c.example or None for c in columns]  # the example row

    notes = sheet_rows(content, 1)
    assert workbook.worksheets[1].title == "填写说明"
    documented = {row[0]: row[1] for row in notes[1 : len(columns) + 1]}
    assert set(documented) == {str(c.header) for c in columns}
    assert {h for h, req in documented.items() if req == "是"} == {
        str(c.header) for c in columns if c.key in required_of(kind)
    }
    assert any("示例" in str(row[0]) for row in notes[len(columns) + 1 :] if row and row[0])


def test_unknown_template_kind_is_404(agent: Any) -> None:
    assert browser(agent).get("/imports/templates/complaints.xlsx").status_code == 404


# --- upload → preview → confirm -----------------------------------------------------------------


def test_upload_page_lists_templates_and_form(agent: Any) -> None:
    response = browser(agent).get(reverse("import-list"))
    assert response.status_code == 200
    html = response.content.decode()
    for kind in KINDS:
        assert reverse("import-template", args=[kind]) in html
    assert 'type="file"' in html


def test_upload_shows_preview_with_counts_and_confirm_imports(
    agent: Any, store_a: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = browser(agent)
    response = client.post(
        reverse("import-list"),
        {"kind": "service_visits", "store": store_a.pk, "file": upload(good_file(), "visits.xlsx")},
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("import-detail", args=[job.pk])

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="count-total">3<' in html
    assert 'data-testid="count-created">3<' in html
    assert 'data-testid="count-rejected">0<' in html
    assert "确认导入" in html
    assert ServiceVisit.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("import-confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert ServiceVisit.objects.count() == 3
    html = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "已导入" in html and "确认导入" not in html


def test_chinese_file_uploaded_from_an_english_session(agent: Any, store_a: Any, staff_a: Any) -> None:
    response = browser(agent).post(
        reverse("import-list"),
        {"kind": "service_visits", "store": store_a.pk, "file": upload(good_file(), "visits.xlsx")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert (job.status, job.errors, job.created_count) == (ImportJob.Status.PREVIEW, [], 3)


def test_preview_lists_errors_and_offers_errors_xlsx(agent: Any, store_a: Any, staff_a: Any) -> None:
    client = browser(agent)
    client.post(
        reverse("import-list"),
        {"kind": "service_visits", "store": store_a.pk, "file": upload(bad_file(), "v.xlsx")},
    )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.INVALID
    html = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert 'data-testid="count-rejected">2<' in html
    assert "手机号必须是 11 位大陆手机号" in html
    assert "系统中没有该员工：nobody" in html
    assert "确认导入" not in html
    assert reverse("import-errors", args=[job.pk]) in html

    response = client.get(reverse("import-errors", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    rows = sheet_rows(response.content)
    # Each error with the offending value as the file had it (issue #22).
    assert rows[0] == ("行号", "列", "文件中的值", "错误")
    assert rows[1:] == [
        (3, "手机号", "12345", "手机号必须是 11 位大陆手机号"),
        (4, "服务顾问", "nobody", "系统中没有该员工：nobody"),
    ]
    assert html.count('data-testid="error-value">12345<') == 1


def test_errors_xlsx_never_contains_a_formula_from_the_file(agent: Any, store_a: Any, staff_a: Any) -> None:
    """A staff name like =HYPERLINK(…) comes back in the message: it must be text, not a formula."""
    evil = '=HYPERLINK("http://evil.example","点我")'
    data = csv_bytes(grid("service_visits", [visit_row(1, service_advisor=evil)]))
    job = services.import_job_create(
        user=agent, store=store_a, kind="service_visits", uploaded_file=upload(data, "v.csv")
    )
    job.refresh_from_db()
    assert job.errors[0]["message"].endswith(evil)
    job.errors = [*job.errors, {"row": 9, "column": "备注", "message": "=1+1"}]
    job.save(update_fields=["errors"])
    content = browser(agent).get(reverse("import-errors", args=[job.pk])).content
    workbook = load_workbook(io.BytesIO(content))
    cells = [cell for row in workbook.worksheets[0].iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert [c.value for c in cells if c.column == 4] == [job.errors[0]["message"], "=1+1"]
    assert [c.value for c in cells if c.column == 3] == [evil, None]  # the offending value, as text


def test_upload_with_bad_extension_is_a_form_error(agent: Any, store_a: Any) -> None:
    response = browser(agent).post(
        reverse("import-list"),
        {"kind": "customers", "store": store_a.pk, "file": upload(b"x,y\n1,2\n", "a.xls")},
    )
    assert response.status_code == 400
    assert "只支持 .xlsx 或 .csv 文件" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_for_another_store_is_refused(agent: Any, store_a: Any, store_b: Any) -> None:
    response = browser(agent).post(
        reverse("import-list"), {"kind": "customers", "store": store_b.pk, "file": upload(b"a\n1\n", "a.csv")}
    )
    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_htmx_poll_returns_the_status_partial(agent: Any, store_a: Any) -> None:
    job = make_job(store_a, agent, status=ImportJob.Status.VALIDATING, total_rows=5000, processed_rows=0)
    cache.set(services.progress_key(job.pk), 1000)
    client = browser(agent)
    response = client.get(reverse("import-detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "csat/imports/partials/_status.html"
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="import-status"')
    assert "<html" not in html
    assert f'hx-get="{reverse("import-detail", args=[job.pk])}"' in html
    assert 'aria-valuenow="1000"' in html and "1000 / 5000" in html

    full = client.get(reverse("import-detail", args=[job.pk]))
    assert "<html" in full.content.decode()

    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.PREVIEW)
    done = client.get(reverse("import-detail", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-get" not in done  # polling stops when the job stops running


# --- access -------------------------------------------------------------------------------------


def page_urls(job: ImportJob) -> list[tuple[str, str]]:
    return [
        ("get", reverse("import-list")),
        ("get", reverse("import-detail", args=[job.pk])),
        ("get", reverse("import-errors", args=[job.pk])),
        ("get", reverse("import-template", args=["customers"])),
        ("post", reverse("import-confirm", args=[job.pk])),
        ("post", reverse("import-cancel", args=[job.pk])),
    ]


@pytest.mark.parametrize("who", ["hq", "front_line"])
def test_pages_are_forbidden_to_head_office_and_front_line_staff(
    request: pytest.FixtureRequest, who: str, agent: Any, store_a: Any
) -> None:
    user = request.getfixturevalue(who)
    job = make_job(store_a, agent)
    client = browser(user)
    for method, url in page_urls(job):
        assert getattr(client, method)(url).status_code == 403, url
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW


@pytest.mark.parametrize("who", ["agent", "ccmanager", "sales_manager", "gm"])
def test_pages_are_open_to_customer_care_and_managers(
    request: pytest.FixtureRequest, who: str, agent: Any, store_a: Any
) -> None:
    user = request.getfixturevalue(who)
    job = make_job(store_a, agent)
    client = browser(user)
    for method, url in page_urls(job)[:4]:
        assert getattr(client, method)(url).status_code == 200, url


def test_anonymous_is_sent_to_login() -> None:
    response = Client().get(reverse("import-list"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_another_stores_job_is_404(agent: Any, agent_b: Any, store_b: Any) -> None:
    job = make_job(store_b, agent_b)
    client = browser(agent)
    for method, url in page_urls(job)[1:]:
        if "templates" in url:
            continue
        assert getattr(client, method)(url).status_code == 404, url
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW


# --- query counts -------------------------------------------------------------------------------


def test_preview_page_query_count_is_pinned(agent: Any, store_a: Any, django_assert_num_queries: Any) -> None:
    errors = [
        {"row": n, "column": "手机号", "message": "手机号必须是 11 位大陆手机号"} for n in range(2, 300)
    ]
    job = make_job(store_a, agent, status=ImportJob.Status.INVALID, errors=errors, rejected_count=298)
    client = browser(agent)
    client.get(reverse("import-detail", args=[job.pk]))  # warm the session
    # the job with its store and errors (the session, the signed-in user and the layout's unread
    # count are kept): however many errors the job lists.
    with django_assert_num_queries(1):
        response = client.get(reverse("import-detail", args=[job.pk]))
    assert response.status_code == 200
    errors_table = response.content.decode().split('data-testid="import-errors"', 1)[1].split("</table>")[0]
    assert errors_table.count("<tr><td>") == 200  # the page lists the first 200


def test_upload_page_query_count_does_not_grow_with_jobs(agent: Any, store_a: Any) -> None:
    client = browser(agent)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("import-list")).status_code == 200
        return len(ctx.captured_queries)

    queries()  # warm: the layout's unread count is kept across requests
    for _ in range(2):
        make_job(store_a, agent)
    few = queries()
    for _ in range(8):
        make_job(store_a, agent, confirmed_by=agent)
    assert queries() == few


# --- API ----------------------------------------------------------------------------------------


def test_api_upload_returns_id_status_and_counts(client_for: Any, agent: Any, staff_a: Any) -> None:
    response = client_for(agent).post(
        "/api/import/", {"kind": "service_visits", "file": upload(good_file(), "v.xlsx")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert isinstance(body["id"], int)
    assert body["status"] == "preview"
    assert body["kind"] == "service_visits"
    assert (body["total_rows"], body["created_count"], body["updated_count"], body["unchanged_count"]) == (
        3,
        3,
        0,
        0,
    )
    assert body["rejected_count"] == 0 and body["errors"] == []
    assert ServiceVisit.objects.count() == 0


@pytest.mark.django_db(transaction=True)  # real commits: the import starts when the confirmation commits
def test_api_upload_with_confirm_imports_at_once(client_for: Any, agent: Any, staff_a: Any) -> None:
    response = client_for(agent).post(
        "/api/import/",
        {"kind": "service_visits", "file": upload(good_file(), "v.xlsx"), "confirm": "true"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "done"
    assert response.json()["created_count"] == 3
    assert ServiceVisit.objects.count() == 3


def test_api_upload_with_confirm_of_a_bad_file_imports_nothing(
    client_for: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(agent).post(
            "/api/import/",
            {"kind": "service_visits", "file": upload(bad_file(), "v.xlsx"), "confirm": "true"},
            format="multipart",
        )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "invalid"
    assert {(e["row"], e["column"]) for e in body["errors"]} == {(3, "手机号"), (4, "服务顾问")}
    assert ServiceVisit.objects.count() == 0


def test_api_get_and_confirm(
    client_for: Any, agent: Any, staff_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    api = client_for(agent)
    job_id = api.post(
        "/api/import/", {"kind": "service_visits", "file": upload(good_file(), "v.xlsx")}, format="multipart"
    ).json()["id"]
    detail = api.get(f"/api/import/{job_id}/")
    assert detail.status_code == 200
    assert detail.json()["status"] == "preview"
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = api.post(f"/api/import/{job_id}/confirm/")
    assert confirmed.status_code == 200
    assert api.get(f"/api/import/{job_id}/").json()["status"] == "done"
    assert ServiceVisit.objects.count() == 3


def test_api_confirm_of_an_invalid_job_is_409_with_a_message(
    client_for: Any, agent: Any, staff_a: Any
) -> None:
    api = client_for(agent)
    body = api.post(
        "/api/import/", {"kind": "service_visits", "file": upload(bad_file(), "v.xlsx")}, format="multipart"
    ).json()
    assert body["status"] == "invalid"
    detail = api.get(f"/api/import/{body['id']}/").json()
    assert len(detail["errors"]) == 2
    response = api.post(f"/api/import/{body['id']}/confirm/")
    assert response.status_code == 409
    assert "待确认" in response.json()["detail"]


@pytest.mark.parametrize("name", ["dms.xls", "dms.txt", "dms.xlsx.exe", "dms"])
def test_api_bad_extension_is_400(client_for: Any, agent: Any, name: str) -> None:
    response = client_for(agent).post(
        "/api/import/", {"kind": "customers", "file": upload(b"a,b\n1,2\n", name)}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json()
    assert not ImportJob.objects.exists()


def test_api_unknown_kind_is_400(client_for: Any, agent: Any) -> None:
    response = client_for(agent).post(
        "/api/import/", {"kind": "complaints", "file": upload(b"a\n1\n", "a.csv")}, format="multipart"
    )
    assert response.status_code == 400
    assert "kind" in response.json()


@pytest.mark.parametrize("who", ["hq", "front_line"])
def test_api_is_forbidden_to_head_office_and_front_line_staff(
    request: pytest.FixtureRequest, client_for: Any, who: str, agent: Any, store_a: Any
) -> None:
    api = client_for(request.getfixturevalue(who))
    job = make_job(store_a, agent)
    assert api.get("/api/import/").status_code == 403
    assert api.get(f"/api/import/{job.pk}/").status_code == 403
    assert api.post(f"/api/import/{job.pk}/confirm/").status_code == 403
    response = api.post(
        "/api/import/", {"kind": "customers", "file": upload(b"a\n1\n", "a.csv")}, format="multipart"
    )
    assert response.status_code == 403
    assert ImportJob.objects.count() == 1


@pytest.mark.parametrize("who", ["agent", "ccmanager"])
def test_api_is_open_to_customer_care(
    request: pytest.FixtureRequest, client_for: Any, who: str, store_a: Any
) -> None:
    user = request.getfixturevalue(who)
    make_job(store_a, user)
    response = client_for(user).get("/api/import/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_api_another_stores_job_is_404(client_for: Any, agent: Any, agent_b: Any, store_b: Any) -> None:
    job = make_job(store_b, agent_b)
    api = client_for(agent)
    assert api.get(f"/api/import/{job.pk}/").status_code == 404
    assert api.post(f"/api/import/{job.pk}/confirm/").status_code == 404
    assert api.get("/api/import/").json()["results"] == []
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW


def test_api_upload_to_another_store_is_400(client_for: Any, agent: Any, store_b: Any) -> None:
    response = client_for(agent).post(
        "/api/import/",
        {"kind": "customers", "store": store_b.pk, "file": upload(b"a\n1\n", "a.csv")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "store" in response.json()


def test_api_list_query_count_is_the_same_for_2_and_10_jobs(agent: Any, store_a: Any) -> None:
    api = APIClient()
    api.force_login(agent)  # a real session: the user and profile are loaded per request

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = api.get("/api/import/")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    queries()  # warm: the signed-in user is kept (csat.backends)
    for _ in range(2):
        make_job(store_a, agent, errors=[{"row": 2, "column": "手机号", "message": "x"}])
    two = queries()
    for _ in range(8):
        make_job(store_a, agent, confirmed_by=agent)
    ten = queries()
    assert len(api.get("/api/import/").json()["results"]) == 10
    assert ten == two
    assert two == 2  # count, the page (store and users joined); the session and the user are kept


def test_the_preview_shows_how_the_first_rows_were_read(agent: Any, store_a: Any, staff_a: Any) -> None:
    """Issue #22 "Import": the preview shows the parsed rows — how plates and dates were read."""
    rows = [visit_row(1, plate="粤b 12345"), visit_row(2)]
    client = browser(agent)
    client.post(
        reverse("import-list"),
        {
            "kind": "service_visits",
            "store": store_a.pk,
            "file": upload(xlsx_bytes(grid("service_visits", rows)), "v.xlsx"),
        },
    )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PREVIEW and [r["row"] for r in job.preview_rows] == [2, 3]
    first = {cell["column"]: cell for cell in job.preview_rows[0]["cells"]}
    assert (first["车牌号"]["raw"], first["车牌号"]["read"]) == ("粤b 12345", "粤B12345")
    html = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    preview = html[html.index('data-testid="import-preview"') :]
    assert "粤B12345" in preview and "粤b 12345" in preview


def test_the_template_has_drop_downs_for_coded_columns_and_no_preformatted_rows(agent: Any) -> None:
    from demo.seed import STORES

    content = browser(agent).get(reverse("import-template", args=["service_visits"])).content
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet.max_row == 2  # header and example only: no rows formatted ahead
    headers = [c.value for c in sheet[1]]
    lists = {
        headers[sheet[str(dv.sqref).split(":")[0]].column - 1]: dv.formula1
        for dv in sheet.data_validations.dataValidation
    }
    assert lists["维修类型"] == '"保养,机修,钣喷,索赔保修,事故车"'
    assert lists["质量返修"] == '"是,否"'
    # The example names real demo accounts, which the demo seed creates.
    example = dict(zip(headers, (c.value for c in sheet[2]), strict=True))
    assert example["服务顾问"] == f"{STORES[0][0].lower()}_advisor1"


def test_the_users_own_store_is_pre_selected(store_a: Any, store_b: Any) -> None:
    from csat.models import Store
    from intake.forms import ImportUploadForm

    form = ImportUploadForm(stores=Store.objects.all(), own_store_id=store_b.pk)
    assert form.fields["store"].initial == store_b.pk
    assert ImportUploadForm(stores=Store.objects.filter(pk=store_a.pk)).fields["store"].initial == store_a
