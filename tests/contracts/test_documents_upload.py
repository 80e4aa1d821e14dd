"""Uploading documents: type rules by the file's bytes, the size limit, who may attach what."""

import hashlib
import re
from decimal import Decimal

import pytest

from contracts.models import Contract, Document
from contracts.services.documents import document_upload
from tests.contracts.documents_helpers import (
    HTML,
    clearance,
    docx_bytes,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    post,
    signed_contract,
    txt_bytes,
    upload,
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.fixture
def project(make_project):
    return make_project("greenlit")


def target(world, project, kind) -> dict:
    """The fields that attach a document of ``kind`` to its object."""
    if kind == Document.Kind.SIGNED_CONTRACT:
        return {"contract": signed_contract(world, project).pk}
    if kind == Document.Kind.CLEARANCE_SCAN:
        return {"clearance": clearance(world, project).pk}
    return {}


ACCEPTED = [
    ("signed_contract", "contract.pdf", pdf_bytes, "application/pdf"),
    ("clearance_scan", "scan.pdf", pdf_bytes, "application/pdf"),
    ("clearance_scan", "scan.png", png_bytes, "image/png"),
    ("clearance_scan", "scan.jpeg", jpeg_bytes, "image/jpeg"),
    ("clearance_scan", "scan.JPG", jpeg_bytes, "image/jpeg"),
    ("script", "script.pdf", pdf_bytes, "application/pdf"),
    (
        "script",
        "script.docx",
        docx_bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("script", "剧本.txt", txt_bytes, "text/plain"),
    ("synopsis", "synopsis.txt", txt_bytes, "text/plain"),
    ("synopsis", "synopsis.pdf", pdf_bytes, "application/pdf"),
]


@pytest.mark.parametrize(("kind", "name", "make", "content_type"), ACCEPTED)
def test_each_kind_accepts_its_types_read_from_the_bytes(
    world, api, project, kind, name, make, content_type
):
    content = make()
    response = post(
        api(world.producer_a),
        kind=kind,
        project=project.pk,
        # The client's content type is not trusted: the bytes decide.
        file=upload(name, content, content_type="application/x-anything"),
        **target(world, project, kind),
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["content_type"] == content_type
    assert body["original_name"] == name
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["download_url"].endswith(f"/api/v1/documents/{body['id']}/download/")


REFUSED = [
    ("signed_contract", "contract.pdf", HTML, "A signed contract must be one of: PDF."),
    ("signed_contract", "contract.png", png_bytes(), "A signed contract must be one of: PDF."),
    ("signed_contract", "contract.docx", docx_bytes(), "A signed contract must be one of: PDF."),
    ("clearance_scan", "scan.pdf", HTML, "A clearance scan must be one of: PDF, JPEG, PNG."),
    ("clearance_scan", "scan.txt", txt_bytes(), "A clearance scan must be one of: PDF, JPEG, PNG."),
    ("script", "script.pdf", b"\x00\x01binary", "A script must be one of: PDF, DOCX"),
    ("script", "script.png", png_bytes(), "A script must be one of: PDF, DOCX"),
    ("script", "script.docx", docx_bytes(with_document=False), "A script must be one of: PDF"),
    ("synopsis", "synopsis.txt", "梗概".encode("gb18030"), "A synopsis must be one of: PDF"),
    ("synopsis", "synopsis.txt", b"text with a \x00 NUL", "A synopsis must be one of: PDF"),
]


@pytest.mark.parametrize(("kind", "name", "content", "message"), REFUSED)
def test_content_of_the_wrong_type_is_refused_on_file_and_nothing_is_written(
    world, api, project, media, kind, name, content, message
):
    response = post(
        api(world.producer_a),
        kind=kind,
        project=project.pk,
        file=upload(name, content, content_type="application/pdf"),
        **target(world, project, kind),
    )
    assert response.status_code == 400
    [error] = response.json()["fields"]["file"]
    assert error.startswith(message)
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_an_html_page_named_pdf_is_refused_as_a_script_though_html_is_utf8_text(
    world, api, project
):
    response = post(
        api(world.producer_a), kind="script", project=project.pk, file=upload("x.pdf", HTML)
    )
    assert response.status_code == 400
    assert response.json()["fields"]["file"] == [
        "The file's content is plain text (UTF-8), so its name must end in .txt."
    ]


def test_a_pdf_renamed_png_is_refused_as_a_scan_a_real_png_is_accepted(world, api, project):
    scan = clearance(world, project)
    client = api(world.producer_a)
    renamed = post(
        client,
        kind="clearance_scan",
        project=project.pk,
        clearance=scan.pk,
        file=upload("scan.png", pdf_bytes(), content_type="image/png"),
    )
    assert renamed.status_code == 400
    assert renamed.json()["fields"]["file"] == [
        "The file's content is PDF, so its name must end in .pdf."
    ]
    real = post(
        client,
        kind="clearance_scan",
        project=project.pk,
        clearance=scan.pk,
        file=upload("scan.png", png_bytes(), content_type="image/png"),
    )
    assert real.status_code == 201, real.json()
    assert real.json()["content_type"] == "image/png"


def test_the_size_limit_comes_from_the_setting(world, api, project, settings, media):
    settings.MDPROD_DOCUMENT_MAX_MB = Decimal("0.001")  # 1,048 bytes
    client = api(world.producer_a)
    too_big = post(client, kind="script", project=project.pk, file=upload("big.txt", b"a" * 1049))
    assert too_big.status_code == 400
    assert too_big.json()["fields"]["file"] == ["The file is larger than the limit of 0.001 MB."]
    assert stored_files(media) == []
    at_limit = post(client, kind="script", project=project.pk, file=upload("ok.txt", b"a" * 1048))
    assert at_limit.status_code == 201, at_limit.json()


def test_an_empty_file_is_refused(world, api, project):
    response = post(
        api(world.producer_a), kind="synopsis", project=project.pk, file=upload("s.txt", b"")
    )
    assert response.status_code == 400
    assert response.json()["fields"]["file"] == ["The file is empty."]
    assert not Document.objects.exists()


def test_the_stored_path_does_not_contain_the_original_name(world, project, media):
    document = document_upload(
        project=project,
        kind="script",
        file=upload("绝密 secret-plan.pdf", pdf_bytes()),
        actor=world.producer_a,
    )
    assert re.fullmatch(rf"documents/{project.pk}/[0-9a-f]{{32}}\.pdf", document.file.name)
    assert "secret" not in document.file.name
    [stored] = stored_files(media)
    assert stored.read_bytes() == pdf_bytes()
    assert document.original_name == "绝密 secret-plan.pdf"


def test_a_client_path_in_the_name_is_reduced_to_the_file_name(world, project):
    document = document_upload(
        project=project,
        kind="synopsis",
        file=upload("../../etc/synopsis.txt", txt_bytes()),
        actor=world.producer_a,
    )
    assert document.original_name == "synopsis.txt"


# Who may attach what -------------------------------------------------------------------------


def test_either_party_attaches_the_signed_contract(world, api, project):
    contract = signed_contract(world, project, status=Contract.Status.ACTIVE)
    for user in (world.producer_a, world.content_manager):
        response = post(
            api(user),
            kind="signed_contract",
            project=project.pk,
            contract=contract.pk,
            file=upload("c.pdf", pdf_bytes()),
        )
        assert response.status_code == 201, response.json()


@pytest.mark.parametrize(("user", "status"), [("rater", 404), ("shanghai_reviewer", 403)])
def test_others_who_see_the_project_cannot_attach_the_signed_contract(
    world, api, project, user, status
):
    contract = signed_contract(world, project)
    response = post(
        api(getattr(world, user)),
        kind="signed_contract",
        project=project.pk,
        contract=contract.pk,
        file=upload("c.pdf", pdf_bytes()),
    )
    # The rater does not see the contract at all; the regulator sees it but is no party.
    assert response.status_code == status
    if status == 404:
        assert response.json()["detail"] == "No such contract in your scope."
    assert not Document.objects.exists()


@pytest.mark.parametrize("status", [Contract.Status.DRAFT, Contract.Status.SENT])
def test_a_signed_copy_needs_the_producers_signature(world, api, project, status):
    contract = signed_contract(world, project, status=status)
    response = post(
        api(world.content_manager),
        kind="signed_contract",
        project=project.pk,
        contract=contract.pk,
        file=upload("c.pdf", pdf_bytes()),
    )
    assert response.status_code == 400
    assert response.json()["fields"]["contract"] == [
        "A signed copy can be attached once the producer has signed the contract; this version "
        f"is {contract.get_status_display().lower()}."
    ]


def test_the_object_must_match_the_kind_and_the_project(world, api, project, make_project):
    client = api(world.producer_a)
    no_contract = post(
        client, kind="signed_contract", project=project.pk, file=upload("c.pdf", pdf_bytes())
    )
    assert no_contract.json()["fields"]["contract"] == [
        "A signed contract needs the contract it is a copy of."
    ]
    other = signed_contract(world, make_project("greenlit"))
    elsewhere = post(
        client,
        kind="signed_contract",
        project=project.pk,
        contract=other.pk,
        file=upload("c.pdf", pdf_bytes()),
    )
    assert elsewhere.json()["fields"]["contract"] == ["This contract belongs to another project."]
    script_with_clearance = post(
        client,
        kind="script",
        project=project.pk,
        clearance=clearance(world, project).pk,
        file=upload("s.pdf", pdf_bytes()),
    )
    assert script_with_clearance.json()["fields"]["clearance"] == [
        "Only a clearance scan belongs to a clearance."
    ]
    no_clearance = post(
        client, kind="clearance_scan", project=project.pk, file=upload("s.pdf", pdf_bytes())
    )
    assert no_clearance.json()["fields"]["clearance"] == [
        "A clearance scan needs the clearance it is a scan of."
    ]
    assert not Document.objects.exists()


def test_the_issuer_or_the_producer_attaches_a_clearance_scan(world, api, project):
    scan = clearance(world, project)
    for user in (world.shanghai_reviewer, world.producer_a):
        response = post(
            api(user),
            kind="clearance_scan",
            project=project.pk,
            clearance=scan.pk,
            file=upload("scan.jpg", jpeg_bytes()),
        )
        assert response.status_code == 201, response.json()
    refused = post(
        api(world.content_manager),
        kind="clearance_scan",
        project=project.pk,
        clearance=scan.pk,
        file=upload("scan.jpg", jpeg_bytes()),
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "Only a member of the issuing organisation or a producer of the project can attach a "
        "clearance's scan."
    )


@pytest.mark.parametrize("user", ["content_manager", "rater", "admin_a"])
def test_only_a_producer_uploads_the_script(world, api, project, user):
    response = post(
        api(getattr(world, user)), kind="script", project=project.pk, file=upload("s.txt", b"x")
    )
    assert response.status_code == 403
    assert (
        response.json()["detail"]
        == "Only a producer of the project's company can upload its script."
    )


def test_a_project_outside_the_callers_scope_is_not_found(world, api, project):
    response = post(
        api(world.producer_b), kind="script", project=project.pk, file=upload("s.txt", b"x")
    )
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "No such project in your scope."}
    assert not Document.objects.exists()


@pytest.mark.parametrize("state", ["completed", "rejected", "withdrawn"])
def test_no_script_for_a_closed_project(world, api, make_project, state):
    project = make_project(state)
    response = post(
        api(world.producer_a), kind="synopsis", project=project.pk, file=upload("s.txt", b"x")
    )
    assert response.status_code == 409
    assert response.json()["code"] == "documents_closed"


def test_under_work_for_hire_the_platform_uploads_the_script_not_the_producer(world, api, project):
    signed_contract(
        world,
        project,
        status=Contract.Status.ACTIVE,
        commissioning_model=Contract.Model.WORK_FOR_HIRE,
    )
    refused = post(
        api(world.producer_a), kind="script", project=project.pk, file=upload("s.txt", b"x")
    )
    assert refused.status_code == 403
    assert "the producer may not revise it" in refused.json()["detail"]
    accepted = post(
        api(world.content_manager), kind="script", project=project.pk, file=upload("s.txt", b"x")
    )
    assert accepted.status_code == 201, accepted.json()
    # The synopsis is still the producer's.
    synopsis = post(
        api(world.producer_a), kind="synopsis", project=project.pk, file=upload("s.txt", b"x")
    )
    assert synopsis.status_code == 201


def test_unknown_fields_and_json_bodies_are_refused(world, api, project):
    client = api(world.producer_a)
    unknown = post(
        client,
        kind="script",
        project=project.pk,
        file=upload("s.txt", b"x"),
        uploaded_by=world.producer_b.pk,
    )
    assert unknown.status_code == 400
    assert unknown.json()["fields"]["uploaded_by"] == ["Unknown field."]
    as_json = client.post(
        "/api/v1/documents/", {"kind": "script", "project": project.pk}, format="json"
    )
    assert as_json.status_code == 415
