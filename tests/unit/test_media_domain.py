"""The media domain: kinds, sniffing, size limits, quotas, eager URLs, months."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gitalong.core.errors import InvalidArgument, ResourceExhausted
from gitalong.media import model as media

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 16
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 "
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"
MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  "


@pytest.mark.parametrize(("head", "fmt"), [(PNG, "png"), (JPG, "jpg"), (WEBP, "webp"), (HEIC, "heic"),
                                           (MP4, "mp4"), (MOV, "mov"), (b"GIF89a....", "gif"),
                                           (b"%PDF-1.7", "pdf"), (b"hello world!", None), (b"", None)])
def test_the_real_format_is_read_from_the_magic_bytes(head: bytes, fmt: str | None) -> None:
    assert media.sniff_format(head) == fmt


def test_each_kind_has_its_folder_formats_limit_and_eager_versions() -> None:
    assert media.folder_for("u1", "avatar") == "gitalong/u1/avatars"
    assert media.folder_for("u1", "showcase") == "gitalong/u1/showcase"
    assert media.folder_for("u1", "video") == "gitalong/u1/videos"
    assert media.KINDS["video"].formats == ("mp4", "mov")
    assert media.Limits().max_bytes("avatar") == 10 * media.MB
    assert media.Limits().max_bytes("video") == 100 * media.MB
    assert media.KINDS["showcase"].eager[0] == {"width": 400, "height": 300, "crop": "fill"}
    assert media.KINDS["video"].eager[1]["format"] == "jpg"


def test_a_pdf_named_like_a_photo_is_refused_and_the_message_says_what_it_is() -> None:
    with pytest.raises(InvalidArgument) as caught:
        media.check_file("avatar", "me.jpg", 100, b"%PDF-1.7 ...", media.Limits())
    assert "pdf content" in caught.value.message and ".jpg" in caught.value.message
    assert caught.value.details == {"errors": [{"field": "file", "message": "pdf content is not allowed for avatar"}]}


def test_a_video_is_not_an_avatar_and_an_image_is_not_a_video() -> None:
    with pytest.raises(InvalidArgument):
        media.check_file("avatar", "a.mp4", 100, MP4, media.Limits())
    with pytest.raises(InvalidArgument):
        media.check_file("video", "a.png", 100, PNG, media.Limits())
    assert media.check_file("video", "clip.mov", 100, MOV, media.Limits()) == "mov"


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(InvalidArgument) as caught:
        media.check_file("showcase", "a.png", 0, b"", media.Limits())
    assert "empty" in caught.value.message


def test_a_file_exactly_at_the_limit_passes_and_one_byte_more_is_too_large() -> None:
    limits = media.Limits(image_max_bytes=1000)
    assert media.check_file("showcase", "a.png", 1000, PNG, limits) == "png"
    with pytest.raises(media.FileTooLarge) as caught:
        media.check_file("showcase", "a.png", 1001, PNG, limits)
    assert caught.value.http_status == 413


def test_a_server_upload_over_the_request_cap_is_sent_to_the_direct_path() -> None:
    size = media.SERVER_UPLOAD_MAX_BYTES + 1
    assert media.check_file("video", "v.mp4", size, MP4, media.Limits()) == "mp4"
    with pytest.raises(media.FileTooLarge, match="create_upload_signature"):
        media.check_file("video", "v.mp4", size, MP4, media.Limits(), server_upload=True)


def test_the_quota_counts_live_records_and_refuses_the_file_or_byte_over() -> None:
    limits = media.Limits(quota_files=3, quota_bytes=1000)
    usage = media.Usage.of([
        {"status": "ready", "bytes": 400}, {"status": "pending", "bytes": 0},
        {"status": "delete_failed", "bytes": 900}, {"status": "rejected", "bytes": 900},
    ])
    assert usage == media.Usage(files=2, bytes=400)
    media.check_quota(usage, limits, adding_bytes=600)  # exactly full is fine
    with pytest.raises(ResourceExhausted) as caught:
        media.check_quota(usage, limits, adding_bytes=601)
    assert caught.value.details == {"quota": "bytes", "used": 400, "limit": 1000}
    with pytest.raises(ResourceExhausted) as caught:
        media.check_quota(media.Usage(files=3, bytes=0), limits)
    assert (caught.value.details or {})["quota"] == "files"


def test_limits_come_from_the_environment_when_set() -> None:
    limits = media.Limits.from_env({"GITALONG_MEDIA_IMAGE_MAX_BYTES": "5", "GITALONG_MEDIA_QUOTA_FILES": "2"})
    assert (limits.image_max_bytes, limits.quota_files, limits.quota_bytes) == (5, 2, 200 * media.MB)


def test_eager_results_become_thumbnail_medium_and_poster_urls() -> None:
    eager = [{"secure_url": "https://x/a"}, {"secure_url": "https://x/b"}]
    assert media.urls_from_eager("showcase", eager) == {"thumbnail_url": "https://x/a", "medium_url": "https://x/b"}
    assert media.urls_from_eager("video", eager) == {
        "medium_url": "https://x/a", "poster_url": "https://x/b", "thumbnail_url": "https://x/b"}
    assert media.urls_from_eager("avatar", []) == {}


def test_only_our_public_ids_name_a_record() -> None:
    assert media.parse_public_id("gitalong/u_1/videos/m42") == ("u_1", "m42")
    assert media.parse_public_id("gitalong/u1/other/m42") is None
    assert media.parse_public_id("elsewhere/m42") is None


def test_months_have_bounds_and_the_job_summarises_the_month_before() -> None:
    assert media.month_bounds("2026-12") == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert media.previous_month(datetime(2027, 1, 1, 3, tzinfo=UTC)) == "2026-12"
    assert media.previous_month(datetime(2026, 3, 31, tzinfo=UTC)) == "2026-02"


def test_the_monthly_summary_counts_uploads_and_the_plan_share() -> None:
    usage = media.MonthlyUsage("2026-10")
    usage.add({"owner_id": "a", "kind": "avatar", "resource_type": "image", "bytes": 300})
    usage.add({"owner_id": "a", "kind": "video", "resource_type": "video", "bytes": 700})
    summary = usage.summary(media.Limits(plan_bandwidth_bytes=10_000))
    assert summary["uploads"] == 2 and summary["images"] == 1 and summary["videos"] == 1
    assert summary["bytes"] == 1000 and summary["uploading_users"] == 1
    assert summary["bandwidth_percent"] == 10.0 and summary["bandwidth_source"] == "uploads"
    assert usage.summary(media.Limits(plan_bandwidth_bytes=10_000), 2500)["bandwidth_percent"] == 25.0
