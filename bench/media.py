"""Media: what the SDK path costs against the local fake Cloudinary (no emulators).

Times, per file size, a signed server upload (``CloudinaryStore.upload``: SDK signing, multipart
encoding, the fake's signature check and storage), magic-byte sniffing + limit checks, signing a
direct upload, and verifying a notification signature. Prints medians in milliseconds.

    ./dev bench media [runs]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "shared")]

from fakes import cloudinary_server as fake  # noqa: E402
from gitalong.infra.cloudinary_store import CloudinaryStore, settings_from  # noqa: E402
from gitalong.media import model as media  # noqa: E402

MB = 1024 * 1024


def _median_ms(fn: object, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    server = fake.FakeCloudinary(0).start()
    server.state.notify = False
    env = {"CLOUDINARY_URL": fake.cloudinary_url(), "CLOUDINARY_UPLOAD_PREFIX": server.base_url}
    store = CloudinaryStore(settings_from(None, env))
    eager = store.build_eager(media.KINDS["showcase"].eager)
    print(f"media bench, median of {runs} runs")
    for size in (100_000, MB, 10 * MB):
        data = b"\x89PNG\r\n\x1a\n" + b"\x00" * (size - 8)
        ms = _median_ms(lambda d=data: store.upload(d, "a.png", "image", {"public_id": "bench", "folder": "f",
                                                                          "eager": eager}), runs)
        print(f"  upload {size / MB:6.2f} MB through the SDK to the fake: {ms:8.1f} ms")
        check = _median_ms(lambda d=data: media.check_file("showcase", "a.png", len(d), d[:64], media.Limits()),
                           runs)
        print(f"  sniff + limits of {size / MB:6.2f} MB:                  {check:8.3f} ms")
    params = {"public_id": "m", "folder": "f", "timestamp": int(time.time()), "eager": eager}
    print(f"  sign a direct upload:                         {_median_ms(lambda: store.sign(params), runs):8.3f} ms")
    body, ts = '{"notification_type": "upload"}', int(time.time())
    sig = fake.notification_signature(body, ts)
    verify = _median_ms(lambda: store.verify_notification(body, str(ts), sig, 7200), runs)
    print(f"  verify a notification signature:              {verify:8.3f} ms")
    server.stop()


if __name__ == "__main__":
    main()
