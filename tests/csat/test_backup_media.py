"""Uploaded files are part of the backup (issue #21 item 4): scripts/media_archive.sh, which
backup.sh, restore.sh and backup_restore_check.sh call; needs no database."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "media_archive.sh"
BASH = shutil.which("bash") or "/bin/bash"

pytestmark = pytest.mark.skipif(shutil.which("tar") is None, reason="no tar")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own script
        [BASH, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=60, check=False
    )


def test_media_round_trip_and_the_check(tmp_path: Path) -> None:
    media = tmp_path / "media"
    (media / "agreements" / "2026" / "03").mkdir(parents=True)
    (media / "agreements" / "2026" / "03" / "0f1e2d3c.pdf").write_bytes(b"%PDF-1.4 signed")
    (media / "imports").mkdir()
    (media / "imports" / "abc.upload").write_bytes("手机号\n13800138000\n".encode())
    archive = tmp_path / "backup" / "csat.dump.media.tar.gz"

    assert run("backup", media, archive).returncode == 0
    assert archive.stat().st_mode & 0o777 == 0o600
    restored = tmp_path / "restored"
    assert run("restore", archive, restored).returncode == 0
    assert (restored / "agreements" / "2026" / "03" / "0f1e2d3c.pdf").read_bytes() == b"%PDF-1.4 signed"
    check = run("compare", media, restored)
    assert check.returncode == 0, check.stderr
    assert "2 files" in check.stdout

    (restored / "imports" / "abc.upload").write_bytes(b"changed")
    assert run("compare", media, restored).returncode == 1
    (restored / "imports" / "abc.upload").unlink()
    assert run("compare", media, restored).returncode == 1


def test_no_media_folder_yet_is_an_empty_archive(tmp_path: Path) -> None:
    archive = tmp_path / "a.tar.gz"
    assert run("backup", tmp_path / "missing", archive).returncode == 0
    assert run("restore", archive, tmp_path / "out").returncode == 0
    assert list((tmp_path / "out").iterdir()) == []


def test_backup_sh_archives_media_root() -> None:
    text = (ROOT / "scripts" / "backup.sh").read_text()
    assert 'media_archive.sh" backup "${MEDIA_ROOT' in text
    assert 'media_archive.sh" restore' in (ROOT / "scripts" / "restore.sh").read_text()
    assert 'media_archive.sh" compare' in (ROOT / "scripts" / "backup_restore_check.sh").read_text()


def test_usage_error() -> None:
    assert run("nonsense").returncode == 2


@pytest.mark.django_db
def test_ticket_attachments_and_thumbnails_are_in_the_backup(
    tmp_path: Path, media_root: Path, make_ticket_for_backup: Any
) -> None:
    """Issue #22: attachments (and their thumbnails) live under MEDIA_ROOT, so the media archive
    that backup.sh writes carries them, byte for byte."""
    attachment = make_ticket_for_backup()
    archive = tmp_path / "backup" / "csat.dump.media.tar.gz"
    assert run("backup", media_root, archive).returncode == 0
    restored = tmp_path / "restored"
    assert run("restore", archive, restored).returncode == 0
    for field in (attachment.file, attachment.thumbnail):
        assert field.name.startswith("attachments/")
        assert (restored / field.name).read_bytes() == Path(field.path).read_bytes()
    assert run("compare", media_root, restored).returncode == 0


@pytest.fixture
def make_ticket_for_backup(agent: Any, care: Any, customer: Any) -> Any:
    def make() -> Any:
        import io

        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image

        from complaints.services import workflow
        from complaints.services.attachments import complaint_attachment_add

        ticket = workflow.complaint_create(
            actor=agent, customer=customer, content="车门划痕", received_by_department=care, category="sales"
        )
        out = io.BytesIO()
        Image.new("RGB", (300, 200), (1, 2, 3)).save(out, "JPEG")
        return complaint_attachment_add(
            complaint=ticket, actor=agent, upload=SimpleUploadedFile("p.jpg", out.getvalue())
        )

    return make
