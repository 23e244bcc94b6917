"""What is inside a game file, read at scan time without extracting anything.

A zip (and a .dosz, a zip by another name) is listed from its central directory alone: one read
at the end of the file, no decompression. A RAR is listed from its headers by rarfile (pure
Python, no unrar tool needed). 7z, LHA and ARJ are not listed. A disk or CD image, or a plain
program, is its own single member.

Only the members that decide how to start a game are kept (programs and disk or CD images, see
scraper/launch.py); file_count counts every file. No Django here: the scanner stores the result.
"""

import itertools
import os
import struct
from typing import NamedTuple

import rarfile

__all__ = ["KEPT_EXTENSIONS", "Listing", "is_listed", "list_members"]

PROGRAMS = frozenset({"exe", "com", "bat"})
IMAGES = frozenset({"img", "ima", "imz", "vfd", "iso", "cue", "bin", "mdf", "mds", "ccd"})
KEPT_EXTENSIONS = PROGRAMS | IMAGES
# The same, as the lower-case bytes after the dot of a zip entry's raw name: cp437 and UTF-8 agree
# on ASCII, so only kept names need decoding. All are three letters (_read_directory relies on it).
KEPT_SUFFIXES = frozenset(ext.encode() for ext in KEPT_EXTENSIONS if len(ext) == 3)
# The last four bytes of a kept name, "." and its suffix in every mix of cases: one slice and one
# set look-up per entry.
KEPT_ENDINGS = frozenset(
    b"." + bytes(letters)
    for suffix in KEPT_SUFFIXES
    for letters in itertools.product(*({c, bytes([c]).upper()[0]} for c in suffix))
)
ZIPS = frozenset({"zip", "dosz"})
RARS = frozenset({"rar"})
# A file of these kinds on its own is what the game runs or mounts: its own single member.
SINGLE = KEPT_EXTENSIONS | {"vhd", "chd", "dsk"}
# A pathological archive (100,000 members) keeps this many programs and images; all are counted.
MAX_KEPT = 2000
MAX_PATH = 255


class Listing(NamedTuple):
    members: list  # [[path, size], ...] of the programs and images, in archive order
    file_count: int | None  # every file in the archive; None when it was not listed
    error: str = ""  # why the archive could not be read (or is of no use to play)


class ListingError(Exception):
    pass


def _ext(name: str) -> str:
    dot = name.rfind(".")
    return name[dot + 1 :].lower() if dot > name.rfind("/") else ""


def is_listed(path: str) -> bool:
    """Whether list_members reads this kind of file (by its extension)."""
    ext = _ext(path)
    return ext in ZIPS or ext in RARS or ext in SINGLE


def list_members(path: str, size: int | None = None) -> Listing:
    """The programs and images inside the file at path, its file count, and any error.

    A broken, truncated or encrypted archive gives an error message (and, where its list could
    still be read, its members); this never raises for a bad file.
    """
    ext = _ext(path)
    try:
        if ext in ZIPS:
            return _list_zip(path, size)
        if ext in RARS:
            return _list_rar(path)
        if ext in SINGLE:
            name = path.rpartition("/")[2]
            return Listing([[name, os.path.getsize(path) if size is None else size]], 1)
    except ListingError as exc:
        return Listing([], None, str(exc))
    except OSError as exc:
        return Listing([], None, f"cannot read the file ({exc.strerror or exc})")
    return Listing([], None, "")


def _listing(members: list, count: int, encrypted: bool, kind: str) -> Listing:
    error = ""
    if encrypted:
        error = f"the {kind} is encrypted: its files are listed but cannot be unpacked to play"
    return Listing(members, count, error)


# End of central directory record, the zip64 locator and record, and a central directory entry.
EOCD = struct.Struct("<4s4H2LH")
EOCD_SIG = b"PK\x05\x06"
ZIP64_LOCATOR_SIZE = 20
ZIP64_LOCATOR_SIG = b"PK\x06\x07"
ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
ZIP64_EOCD_SIG = b"PK\x06\x06"
# A central directory entry is 46 bytes; this reads its signature, flags, uncompressed size and
# the lengths of the name, extra field and comment that follow it.
ENTRY = struct.Struct("<4s4xH14xL3H12x")
ENTRY_SIG = b"PK\x01\x02"
# Most zips end with the central directory and a short or no comment: one read of this many
# bytes from the end holds all of a small archive's list.
TAIL = 16384
MAX_COMMENT = 65535


def _list_zip(path: str, size: int | None) -> Listing:
    # os.pread on a bare descriptor: three system calls for a small archive (open, one read at
    # the end, close), where a file object would add a stat, seeks and an end-of-file read.
    fd = os.open(path, os.O_RDONLY)
    try:
        if size is None:
            size = os.fstat(fd).st_size
        if size < EOCD.size:
            raise ListingError("not a zip archive (too short)")
        start = max(0, size - TAIL)
        tail = os.pread(fd, size - start, start)
        pos = tail.rfind(EOCD_SIG, max(0, len(tail) - EOCD.size - MAX_COMMENT))
        if pos < 0 and start > 0:  # a long archive comment
            start = max(0, size - EOCD.size - MAX_COMMENT - 4)
            tail = os.pread(fd, size - start, start)
            pos = tail.rfind(EOCD_SIG)
        if pos < 0 or pos + EOCD.size > len(tail):
            raise ListingError("not a zip archive, or a truncated one (no central directory)")
        _, disk, _, _, entries, cd_size, cd_offset, _ = EOCD.unpack_from(tail, pos)
        eocd_at = start + pos
        if disk:
            raise ListingError("a multi-part zip (spanned over several files) cannot be listed")
        locator_at = pos - ZIP64_LOCATOR_SIZE
        if locator_at >= 0 and tail[locator_at : locator_at + 4] == ZIP64_LOCATOR_SIG:
            eocd_at -= ZIP64_LOCATOR_SIZE + ZIP64_EOCD.size
            record = os.pread(fd, ZIP64_EOCD.size, max(0, eocd_at))
            if eocd_at < 0 or len(record) < ZIP64_EOCD.size or record[:4] != ZIP64_EOCD_SIG:
                raise ListingError("a broken zip64 archive (bad end record)")
            fields = ZIP64_EOCD.unpack(record)
            entries, cd_size, cd_offset = fields[7], fields[8], fields[9]
        # Data before the archive (a self-extractor's stub) shifts every offset, as in zipfile.
        cd_at = eocd_at - cd_size
        if cd_at < 0 or cd_offset > cd_at:
            raise ListingError("a truncated or broken zip archive (bad central directory)")
        if cd_at >= start:
            at, directory = cd_at - start, tail
        else:
            at, directory = 0, os.pread(fd, cd_size, cd_at)
    finally:
        os.close(fd)
    return _read_directory(directory, at, at + cd_size, entries)


def _read_directory(directory: bytes, at: int, end: int, entries: int) -> Listing:
    """The entries of the central directory in directory[at:end]. Runs once per archive and
    entry: a name is looked at as bytes, its last four for the extension, and decoded only when
    it is kept."""
    if entries and end <= at:
        raise ListingError("a broken zip archive (empty central directory)")
    members, count, all_flags = [], 0, 0
    unpack, entry_size, kept = ENTRY.unpack_from, ENTRY.size, KEPT_ENDINGS
    try:
        while at < end:
            signature, flags, file_size, name_len, extra_len, comment_len = unpack(directory, at)
            if signature != ENTRY_SIG:
                raise ListingError("a broken zip archive (bad central directory entry)")
            name_at = at + entry_size
            name_end = name_at + name_len
            at = name_end + extra_len + comment_len
            if directory[name_end - 4 : name_end] in kept and name_len > 4:
                count += 1
                all_flags |= flags
                if len(members) >= MAX_KEPT:
                    continue
                raw = directory[name_at:name_end]
                # Like zipfile: UTF-8 when the entry says so (bit 11), else DOS code page 437.
                # Both agree on ASCII, which has a fast decoder (cp437's is written in Python).
                if raw.isascii():
                    name = raw.decode("ascii")
                elif flags & 0x800:
                    name = raw.decode("utf-8", "replace")
                else:
                    name = raw.decode("cp437")
                if file_size == 0xFFFFFFFF:
                    file_size = _zip64_size(directory[name_end : name_end + extra_len])
                members.append([name.replace("\\", "/").lstrip("/")[:MAX_PATH], file_size])
            elif name_len and directory[name_end - 1] not in b"/\\":  # not a folder
                count += 1
                all_flags |= flags
    except struct.error:
        at = end + 1
    if at > end or end > len(directory):
        raise ListingError("a broken zip archive (central directory cut short)")
    encrypted = bool(all_flags & 0x1)
    return _listing(members, count, encrypted, "zip archive")


def _zip64_size(extra: bytes) -> int:
    """The uncompressed size from an entry's zip64 extra field (header id 1)."""
    at = 0
    while at + 4 <= len(extra):
        header_id, length = struct.unpack_from("<2H", extra, at)
        if header_id == 1 and length >= 8:
            return struct.unpack_from("<Q", extra, at + 4)[0]
        at += 4 + length
    raise ListingError("a broken zip64 archive (an entry has no zip64 size)")


def _list_rar(path: str) -> Listing:
    try:
        # strict: a cut-off archive is an error, not a shorter list.
        with rarfile.RarFile(path, errors="strict") as rar:
            infos = rar.infolist()
            if not infos and rar.needs_password():
                raise ListingError("the RAR archive's file list is encrypted (password needed)")
            files = [info for info in infos if not info.is_dir()]
            members = [
                [info.filename.replace("\\", "/").lstrip("/")[:MAX_PATH], info.file_size]
                for info in files
                if _ext(info.filename) in KEPT_EXTENSIONS
            ][:MAX_KEPT]
            encrypted = any(info.needs_password() for info in files)
            return _listing(members, len(files), encrypted, "RAR archive")
    except ListingError:
        raise
    except rarfile.NeedFirstVolume:
        raise ListingError(
            "a later part of a multi-part RAR archive: its first part lists it"
        ) from None
    except rarfile.RarCannotExec:
        # RAR 1.5 to 3 compress an archive comment: rarfile unpacks it with an outside tool.
        raise ListingError(
            "an old RAR archive with a comment: listing it needs unrar, unar, 7z or bsdtar"
        ) from None
    except OSError:
        raise
    except Exception as exc:  # rarfile's own errors, or its parser tripping on a damaged file
        raise ListingError(f"a broken or unsupported RAR archive ({exc})"[:200]) from None
