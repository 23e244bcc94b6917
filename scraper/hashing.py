"""CRC32, MD5 and SHA-1 of files in one streaming pass each, several files at once.

Memory stays flat whatever the file size: files are read in 1 MiB chunks. hashlib and zlib
release the GIL on large buffers, so a small thread pool keeps a disk busy.
"""

import hashlib
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

CHUNK = 1024 * 1024


def hash_file(path: str) -> dict[str, str]:
    crc, md5, sha1 = 0, hashlib.md5(usedforsecurity=False), hashlib.sha1(usedforsecurity=False)
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            crc = zlib.crc32(chunk, crc)
            md5.update(chunk)
            sha1.update(chunk)
    return {"crc32": f"{crc:08x}", "md5": md5.hexdigest(), "sha1": sha1.hexdigest()}


def _safe_hash(path: str) -> tuple[str, dict[str, str], str]:
    try:
        return path, hash_file(path), ""
    except OSError as exc:
        return path, {}, exc.strerror or str(exc)


def hash_files(paths: Iterable[str], workers: int = 4) -> Iterator[tuple[str, dict[str, str], str]]:
    """(path, digests, error) for each path, in order; error is "" on success."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_safe_hash, paths)
