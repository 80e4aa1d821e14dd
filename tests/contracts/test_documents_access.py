"""Who sees which documents (list, detail, download), the download itself, and the admin."""

import hashlib
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Contract, Document
from contracts.services.documents import document_upload
from tests.contracts.documents_helpers import (
    DOCUMENTS,
    clearance,
    jpeg_bytes,
    pdf_bytes,
    signed_contract,
    txt_bytes,
    upload,
)

SIGNED_PDF = pdf_bytes("signed by both parties")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def attach(world, project, kind, *, name=None, content=None, actor=None, **target):
    defaults = {
        "signed_contract": ("合同（签署版）.pdf", SIGNED_PDF),
        "clearance_scan": ("registration.jpg", jpeg_bytes()),
        "script": ("script.txt", txt_bytes()),
        "synopsis": ("synopsis.pdf", pdf_bytes("synopsis")),
    }[kind]
    return document_upload(
        project=project,
        kind=kind,
        file=upload(name or defaults[0], content or defaults[1]),
        actor=actor or world.producer_a,
        **target,
    )


@pytest.fixture
def docs(world, make_project):
    """One document of each kind on an ORDINARY project of Studio A (Shanghai)."""
    project = make_project("greenlit")
    contract = signed_contract(world, project, status=Contract.Status.ACTIVE)
    scan_of = clearance(world, project)
    return SimpleNamespace(
        project=project,
        contract=contract,
        signed=attach(world, project, "signed_contract", contract=contract),
        scan=attach(world, project, "clearance_scan", clearance=scan_of),
        script=attach(world, project, "script"),
        synopsis=attach(world, project, "synopsis"),
    )


def listed(client, query="") -> set[int]:
    response = client.get(DOCUMENTS + query)
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


ALL = {"signed", "scan", "script", "synopsis"}
VISIBLE = {
    "producer_a": ALL,
    "content_manager": ALL,
    # Raters rate the proposal from its script and see the clearance register like everyone who
    # sees the project; contracts are not theirs to see.
    "rater": {"script", "synopsis", "scan"},
    # The regulator sees the clearance and the proposal, never the contract's money.
    "shanghai_reviewer": {"scan", "script", "synopsis"},
    "zhejiang_reviewer": set(),
    "national_reviewer": set(),
    "producer_b": set(),
    "other_content_manager": set(),
    "outsider": set(),
}


@pytest.mark.parametrize(("user", "kinds"), VISIBLE.items())
def test_each_user_sees_the_documents_of_what_they_may_see(world, api, docs, user, kinds):
    client = api(getattr(world, user))
    expected = {getattr(docs, kind).pk for kind in kinds}
    assert listed(client) == expected
    for kind in ALL:
        document = getattr(docs, kind)
        detail = client.get(f"{DOCUMENTS}{document.pk}/")
        download = client.get(f"{DOCUMENTS}{document.pk}/download/")
        if kind in kinds:
            assert detail.status_code == 200
            assert download.status_code == 200
            assert b"".join(download.streaming_content) == document.file.open("rb").read()
        else:
            assert detail.status_code == 404
            assert download.status_code == 404
            assert download.json()["code"] == "not_found"


def test_the_platform_sees_no_contract_document_before_submission(world, api, make_project):
    project = make_project("draft")
    attach(world, project, "script")
    assert listed(api(world.content_manager)) == set()
    assert listed(api(world.rater)) == set()


def test_the_download_streams_the_same_bytes_under_the_original_name(world, api, docs):
    response = api(world.content_manager).get(f"{DOCUMENTS}{docs.signed.pk}/download/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == SIGNED_PDF
    assert hashlib.sha256(body).hexdigest() == docs.signed.sha256
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(SIGNED_PDF))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote('合同（签署版）.pdf')}" in disposition


def test_the_download_ignores_what_the_client_accepts(world, api, docs):
    response = api(world.producer_a).get(
        f"{DOCUMENTS}{docs.synopsis.pk}/download/", HTTP_ACCEPT="application/pdf"
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes("synopsis")


def test_a_newer_upload_supersedes_and_is_listed_first(world, api, docs):
    newer = attach(world, docs.project, "script", name="script-v2.txt", content=b"v2")
    rows = api(world.producer_a).get(DOCUMENTS, {"kind": "script"}).json()["results"]
    assert [(r["id"], r["superseded"]) for r in rows] == [
        (newer.pk, False),
        (docs.script.pk, True),
    ]
    # A newer synopsis does not supersede the script, nor a scan of another clearance this one.
    other_scan = attach(
        world, docs.project, "clearance_scan", clearance=clearance(world, docs.project)
    )
    scans = api(world.producer_a).get(DOCUMENTS, {"kind": "clearance_scan"}).json()["results"]
    assert [(r["id"], r["superseded"]) for r in scans] == [
        (other_scan.pk, False),
        (docs.scan.pk, False),
    ]


def test_filters(world, api, docs):
    client = api(world.producer_a)
    assert listed(client, f"?contract={docs.contract.pk}") == {docs.signed.pk}
    assert listed(client, f"?clearance={docs.scan.clearance_id}") == {docs.scan.pk}
    assert listed(client, f"?project={docs.project.pk}&kind=synopsis") == {docs.synopsis.pk}
    assert client.get(DOCUMENTS + "?kind=poster").status_code == 400
    assert client.get(DOCUMENTS + "?project=1.5").status_code == 400


def test_documents_cannot_be_changed_or_deleted(world, api, docs):
    client = api(world.producer_a)
    url = f"{DOCUMENTS}{docs.script.pk}/"
    assert client.delete(url).status_code == 405
    assert client.patch(url, {"original_name": "x"}, format="json").status_code == 405
    assert Document.objects.count() == 4


def test_the_list_costs_the_same_queries_whatever_its_size(world, api, make_project):
    client = api(world.content_manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(DOCUMENTS).status_code == 200
        return len(queries)

    project = make_project("greenlit")
    contract = signed_contract(world, project)
    attach(world, project, "signed_contract", contract=contract)
    attach(world, project, "clearance_scan", clearance=clearance(world, project))
    count()  # the user's memberships are read once and kept on the user
    small = count()
    for _ in range(3):
        other = make_project("greenlit")
        attach(world, other, "signed_contract", contract=signed_contract(world, other))
        attach(world, other, "clearance_scan", clearance=clearance(world, other))
        attach(world, other, "script")
    assert Document.objects.count() == 11
    assert count() == small


# Admin ---------------------------------------------------------------------------------------

CHANGELIST = "/admin/contracts/document/"


def test_admin_list_is_scoped_with_download_links_through_the_checked_view(world, client, docs):
    client.force_login(world.rater)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/api/v1/documents/{docs.script.pk}/download/" in html
    assert f"/api/v1/documents/{docs.signed.pk}/download/" not in html
    assert "/media/" not in html
    assert client.get(f"{CHANGELIST}{docs.signed.pk}/change/").status_code == 404
    download = client.get(f"/api/v1/documents/{docs.script.pk}/download/")
    assert download.status_code == 200
    assert client.get(f"/api/v1/documents/{docs.signed.pk}/download/").status_code == 404


def test_admin_list_query_count_is_constant(world, client, make_project, docs):
    client.force_login(world.producer_a)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CHANGELIST).status_code == 200
        return len(queries)

    small = count()
    for _ in range(3):
        other = make_project("greenlit")
        attach(world, other, "signed_contract", contract=signed_contract(world, other))
        attach(world, other, "script")
    assert count() == small


def test_admin_upload_goes_through_the_service(world, client, docs, media):
    client.force_login(world.producer_a)
    form = client.get(f"{CHANGELIST}add/")
    assert form.status_code == 200
    assert b'enctype="multipart/form-data"' in form.content
    response = client.post(
        f"{CHANGELIST}add/",
        {"project": docs.project.pk, "kind": "synopsis", "file": upload("new.txt", b"v2")},
    )
    assert response.status_code == 302
    document = Document.objects.get(original_name="new.txt")
    assert document.uploaded_by == world.producer_a
    assert document.content_type == "text/plain"


def test_admin_upload_refusal_is_on_the_form_and_nothing_is_written(world, client, docs):
    client.force_login(world.producer_a)
    response = client.post(
        f"{CHANGELIST}add/",
        {
            "project": docs.project.pk,
            "kind": "signed_contract",
            "contract": docs.contract.pk,
            "file": upload("c.pdf", b"<html></html>"),
        },
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form["kind"].value() == "signed_contract"
    refusal = "A signed contract must be one of: PDF. This file's content is not."
    assert refusal in [text for errors in form.errors.values() for text in errors]
    assert [str(m) for m in response.context["messages"]] == []
    assert Document.objects.count() == 4


def test_admin_has_no_change_or_delete(world, client, docs):
    client.force_login(world.producer_a)
    page = client.get(f"{CHANGELIST}{docs.script.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.get(f"{CHANGELIST}{docs.script.pk}/delete/").status_code == 403


def test_schema_documents_the_binary_download(api, world):
    schema = api(world.producer_a).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/documents/{id}/download/"]["get"]
    content = operation["responses"]["200"]["content"]
    assert set(content) == {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "text/plain",
    }
    assert {c["schema"]["format"] for c in content.values()} == {"binary"}
    upload_op = schema["paths"]["/api/v1/documents/"]["post"]
    assert list(upload_op["requestBody"]["content"]) == ["multipart/form-data"]


def test_the_project_page_links_to_its_documents(world, client, docs, make_project):
    other = make_project("greenlit")
    attach(world, other, "script", name="other-script.txt")
    client.force_login(world.producer_a)
    project_page = client.get(f"/admin/workflow/project/{docs.project.pk}/change/")
    link = f"{CHANGELIST}?project__id__exact={docs.project.pk}"
    assert link.replace("&", "&amp;") in project_page.content.decode()
    listing = client.get(link)
    assert listing.status_code == 200
    assert "script.txt" in listing.content.decode()
    assert "other-script.txt" not in listing.content.decode()
