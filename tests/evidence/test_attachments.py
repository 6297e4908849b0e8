"""Uploads (evidence attachments and catalogue files) are accepted by content from an allow-list,
within a size limit, and always served as a sandboxed download, never as a page of this site."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from compms.development.models import Resource
from compms.evidence.models import EvidenceAttachment
from compms.site import uploads

pytestmark = pytest.mark.django_db

# A complete one-page PDF (header, catalog, pages, page, cross-reference table, trailer).
SMALL_PDF = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
             b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
             b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 200 200]>> endobj\n"
             b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n"
             b"trailer <</Size 4 /Root 1 0 R>>\nstartxref\n188\n%%EOF\n")
HTML = b"<!DOCTYPE html><html><body><script>fetch('/api/v1/people').then(r => r.text())</script></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>')
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
SANDBOX = "default-src 'none'; sandbox"


def evidence_for_kim(api) -> dict:
    response = api("manager").post("/api/v1/evidence", {"employee_id": "E-KIM", "framework": "OPS", "competency": "P",
                                                        "level": 3, "source": "manager", "assessed_on": "2026-01-10"})
    assert response.status_code == 201, response.content
    return response.json()


def attach(api, evidence_id: int, name: str, content: bytes, content_type: str = "application/pdf"):
    return api("manager").post_file(f"/api/v1/evidence/{evidence_id}/attachments",
                                    {"file": SimpleUploadedFile(name, content, content_type=content_type)})


def package(**parts: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name.replace("__", "/"), data)
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_html_disguised_as_a_pdf_is_refused_naming_the_file(org, api, media):
    record = evidence_for_kim(api)
    response = attach(api, record["id"], "certificate.pdf", HTML)
    assert response.status_code == 400
    assert "certificate.pdf is not an accepted kind of file" in response.content.decode()
    assert not EvidenceAttachment.objects.exists() and not any(media.rglob("*.pdf"))


@pytest.mark.parametrize(("name", "content_type"), [("badge.svg", "image/svg+xml"), ("badge.png", "image/png"),
                                                    ("badge.txt", "text/plain")])
def test_svg_is_refused_whatever_it_is_called(org, api, media, name, content_type):
    record = evidence_for_kim(api)
    response = attach(api, record["id"], name, SVG, content_type)
    assert response.status_code == 400
    assert name in response.content.decode()
    assert not EvidenceAttachment.objects.exists()


def test_an_oversized_file_is_refused_with_the_limit(org, api, media, settings):
    settings.COMPMS_UPLOAD_MAX_MB = 1
    record = evidence_for_kim(api)
    response = attach(api, record["id"], "scan.pdf", SMALL_PDF + b"0" * (1024 * 1024 + 10))
    assert response.status_code == 400
    assert "scan.pdf is 1.0 MB; files may be at most 1 MB" in response.content.decode()
    assert not EvidenceAttachment.objects.exists()


def test_a_small_pdf_is_accepted_and_served_as_a_sandboxed_download(org, api, media):
    record = evidence_for_kim(api)
    # The browser's word (text/html) is ignored: the content decides.
    response = attach(api, record["id"], "Pump check (signed).pdf", SMALL_PDF, content_type="text/html")
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "application/pdf"
    download = api("employee").get(response.json()["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="Pump check (signed).pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == SANDBOX
    assert b"".join(download.streaming_content) == SMALL_PDF
    # Access follows the evidence: someone who may not see Kim's evidence gets nothing.
    assert api("assessor").get(response.json()["url"]).status_code == 403


def test_a_file_stored_before_the_checks_is_still_never_served_as_html(org, api, media):
    record = evidence_for_kim(api)
    legacy = EvidenceAttachment(evidence_id=record["id"], name='page".html', content_type="text/html", size=len(HTML))
    legacy.file.save("page.html", io.BytesIO(HTML), save=False)
    legacy.save()
    download = api("employee").get(f"/api/v1/evidence/{record['id']}/attachments/{legacy.pk}")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment; filename=")
    assert '"' not in download["Content-Disposition"].split("filename=")[1].strip('"')
    assert download["Content-Security-Policy"] == SANDBOX and download["X-Content-Type-Options"] == "nosniff"


def test_stored_files_are_not_reachable_under_media_url(org, api, login_client, media):
    record = evidence_for_kim(api)
    stored = EvidenceAttachment.objects.get(pk=attach(api, record["id"], "scan.pdf", SMALL_PDF).json()["id"])
    # Only the download endpoint (which checks who may see the evidence) serves the file.
    assert login_client("hr").get(f"/media/{stored.file.name}").status_code == 404


def test_a_claim_page_upload_is_checked_too(org, login_client, media):
    client = login_client("employee")
    response = client.post("/evidence/claims/", {"competency": org.p.pk, "level": 2, "note": "",
                                                  "attachment": SimpleUploadedFile("proof.pdf", HTML)})
    assert response.status_code == 400
    assert b"proof.pdf is not an accepted kind of file" in response.content
    assert not EvidenceAttachment.objects.exists()


# ---------------------------------------------------------------- catalogue files

def test_a_catalogue_file_is_checked_and_served_as_a_download(org, login_client, media):
    Resource.objects.create(resource_id="PUMP-1", title="Pump course")
    hr = login_client("hr")
    refused = hr.post("/development/catalogue/PUMP-1/", {"file": SimpleUploadedFile("slides.pdf", HTML)}, follow=True)
    assert b"slides.pdf is not an accepted kind of file" in refused.content
    assert not Resource.objects.get(resource_id="PUMP-1").file
    hr.post("/development/catalogue/PUMP-1/", {"file": SimpleUploadedFile("slides.pdf", SMALL_PDF)})
    download = login_client("employee").get("/development/catalogue/PUMP-1/file")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="slides.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff" and download["Content-Security-Policy"] == SANDBOX


def test_the_api_points_at_the_download_not_at_media(org, api, media):
    resource = Resource.objects.create(resource_id="PUMP-1", title="Pump course")
    resource.file.save("slides.pdf", io.BytesIO(SMALL_PDF), save=True)
    listed = api("employee").get("/api/v1/development/resources").json()["items"]
    assert [r["file"] for r in listed] == ["/development/catalogue/PUMP-1/file"]


# ---------------------------------------------------------------- the checks themselves

@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("a.pdf", SMALL_PDF, "application/pdf"),
    ("a.png", PNG, "image/png"),
    ("a.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20, "image/jpeg"),
    ("a.gif", b"GIF89a\x01\x00\x01\x00" + b"\x00" * 20, "image/gif"),
    ("a.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20, "image/webp"),
    ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "application/msword"),
    ("a.docx", package(**{"[Content_Types].xml": b"<Types/>", "word__document.xml": b"<w:document/>"}),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("a.xlsx", package(**{"[Content_Types].xml": b"<Types/>", "xl__workbook.xml": b"<workbook/>"}),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("a.odt", package(mimetype=b"application/vnd.oasis.opendocument.text", content__xml=b"<office/>"),
     "application/vnd.oasis.opendocument.text"),
    ("notes.txt", "Vérifié : pompe 3, 12 °C\n".encode(), "text/plain; charset=utf-8"),
    ("hours.csv", b"date,hours\n2026-01-10,4\n", "text/plain; charset=utf-8"),
])
def test_allowed_kinds_are_recognised_by_content(name, content, content_type):
    checked = uploads.check_upload(SimpleUploadedFile(name, content))
    assert (checked.name, checked.content_type) == (name, content_type)


@pytest.mark.parametrize(("name", "content", "error"), [
    ("a.zip", package(readme__txt=b"hello"), "a.zip is not an accepted kind of file"),
    ("a.docx", package(**{"[Content_Types].xml": b"<Types/>"}), "a.docx is not an accepted kind of file"),
    ("a.txt", b"text with a \x00 NUL", "a.txt is not an accepted kind of file"),
    ("a.txt", b"\xff\xfe not UTF-8", "a.txt is not an accepted kind of file"),
    ("page.html", b"just words", "page.html: .html files are not accepted"),
    ("app.js", b"alert(1)", "app.js: .js files are not accepted"),
    ("a.png", SMALL_PDF, "a.png holds a PDF document, not what its name (.png) says"),
    ("empty.pdf", b"", "empty.pdf is empty"),
])
def test_other_content_is_refused_naming_the_file(name, content, error):
    with pytest.raises(ValidationError) as refused:
        uploads.check_upload(SimpleUploadedFile(name, content), "file")
    assert error in refused.value.message_dict["file"][0]


def test_names_are_made_safe_for_headers_and_folders():
    assert uploads.safe_filename('../../etc/"passwd"\r\nX-Evil: 1.pdf') == "_passwd_X-Evil_ 1.pdf"
    assert uploads.safe_filename("..\\..\\report.pdf") == "report.pdf"
    assert uploads.safe_filename("") == "file"
    assert uploads.safe_filename("Prüfbericht.pdf") == "Prufbericht.pdf"
    assert uploads.safe_filename("報告.pdf") == "file.pdf"
