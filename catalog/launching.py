"""How to start one file of a game: romvault's choice (scraper/launch.py) or a super user's.

Plain data in, plain data out: the caller hands over the file's member list and the game's
overrides, nothing here reads the disk or the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scraper.launch import CD_EXTENSIONS, FLOPPY_EXTENSIONS, PROGRAMS, choose_start

__all__ = [
    "GameStart",
    "cannot_play",
    "conf_errors",
    "find_member",
    "listed_members",
    "player_conf",
    "start_file",
]

IMAGES = FLOPPY_EXTENSIONS | CD_EXTENSIONS
BOOTABLE = FLOPPY_EXTENSIONS
CONF_SECTION = re.compile(r"^\[([A-Za-z0-9_]+)\]$")
CONF_SETTING = re.compile(r"^[A-Za-z0-9_.]+\s*=.*$")


@dataclass(frozen=True, slots=True)
class GameStart:
    """The chooser's Start, with who chose it and the extra dosbox.conf lines for the player."""

    path: str | None
    command: tuple[str, ...]
    reason: str
    candidates: tuple[str, ...] = ()
    conf: str = ""
    by_admin: bool = False
    # "known", "installer", "none" or "unlisted": what the game list's Start column says.
    state: str = "none"


def extension(path: str) -> str:
    name = path.rpartition("/")[2].rpartition("\\")[2]
    return name.rpartition(".")[2].upper() if "." in name else ""


def normalise(path: str) -> str:
    return path.strip().replace("\\", "/").strip("/")


def listed_members(path: str, size: int, members, file_count) -> list[tuple[str, int]] | None:
    """The (path, size) members to start from, or None when the file has not been listed.

    A file that is itself a program or an image (GAME.EXE, DISK1.IMG) is never listed as an
    archive: it is its own single member."""
    if file_count is not None or members:
        return [(normalise(str(p)), int(s)) for p, s in members]
    if extension(path) in PROGRAMS | IMAGES:
        return [(path.rpartition("/")[2], size)]
    return None


def find_member(wanted: str, members) -> str | None:
    """The member's path as listed, matched case-insensitively, with either slash."""
    key = normalise(wanted).upper()
    if not key:
        return None
    return next((path for path, _ in members if normalise(path).upper() == key), None)


def _dos(path: str) -> str:
    dos = path.replace("/", "\\")
    return f'"{dos}"' if " " in dos else dos


def _program_lines(path: str, args: str, mounts: list[str]) -> tuple[str, ...]:
    folder, _, name = path.rpartition("/")
    lines = [*mounts, f"cd {_dos(folder)}"] if folder else [*mounts]
    lines.append(f"{_dos(name)} {args}".rstrip())
    return tuple(lines)


def _state(start) -> str:
    if start.path is None:
        return "none"
    return "installer" if start.reason.startswith("The only program is an installer") else "known"


def start_file(
    title: str,
    path: str,
    size: int,
    members,
    file_count,
    listing_error: str = "",
    *,
    start_path: str = "",
    start_args: str = "",
    boot_disk: str = "",
    dosbox_conf: str = "",
) -> GameStart:
    """How to start one file of a game: the game's overrides where they apply to this file,
    else the chooser's pick (with the override's arguments, if any)."""
    conf = dosbox_conf.strip()
    if listing_error:
        reason = f"This archive could not be read: {listing_error.rstrip('.')}."
        return GameStart(None, (), reason, conf=conf, state="unlisted")
    listed = listed_members(path, size, members, file_count)
    if listed is None:
        reason = "This file's contents have not been listed yet: run a scan."
        return GameStart(None, (), reason, conf=conf, state="unlisted")
    chosen = choose_start(listed, title)
    mounts = [line for line in chosen.command if line.startswith("imgmount ")]
    args = start_args.strip()
    if boot_disk and (disk := find_member(boot_disk, listed)):
        command = (f"imgmount a {_dos(disk)} -t floppy", "boot -l a")
        reason = f"Chosen by an admin: boot from {disk}."
        return GameStart(disk, command, reason, chosen.candidates, conf, True, "known")
    if start_path and (program := find_member(start_path, listed)):
        command = _program_lines(program, args, mounts)
        reason = f"Chosen by an admin: {program}."
        return GameStart(program, command, reason, chosen.candidates, conf, True, "known")
    reason, command = chosen.reason, chosen.command
    if chosen.path and args:
        command = (*command[:-1], f"{command[-1]} {args}")
        reason += f" An admin added the arguments {args}."
    missing = start_path or boot_disk
    if missing:
        reason += f" (The admin's choice, {normalise(missing)}, is not in this file.)"
    return GameStart(
        chosen.path, command, reason, chosen.candidates, conf, bool(args), _state(chosen)
    )


def conf_errors(text: str) -> list[str]:
    """What is wrong with extra dosbox.conf lines: each must be a [section], a key=value
    inside one, a comment or blank. romvault writes [autoexec] itself."""
    errors, section = [], None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if match := CONF_SECTION.match(line):
            section = match[1].lower()
            if section == "autoexec":
                errors.append(
                    f"Line {number}: romvault writes [autoexec] itself; set the program, its "
                    "arguments or the boot disk above instead."
                )
        elif CONF_SETTING.match(line):
            if section is None:
                errors.append(f"Line {number}: “{line}” comes before any [section] (e.g. [cpu]).")
        else:
            errors.append(
                f"Line {number}: “{line}” is not a [section], a key=value setting or a # comment."
            )
    return errors


# What the player runs: js-dos unpacks a zip onto drive C:; a program or a disk or CD image is
# put there as one file. Other archives (rar, 7z, ...) are listed for downloads but cannot play.
PLAYABLE = PROGRAMS | IMAGES | {"ZIP"}
# Defaults for the player's DOSBox: a fast 486-class machine with a VGA card and sound, which
# most DOS games run on. The admin's extra lines for a game come after them and win.
PLAYER_DEFAULTS = """\
[sdl]
autolock=true

[dosbox]
machine=svga_s3
memsize=16

[cpu]
core=auto
cputype=auto
cycles=auto

[sblaster]
sbtype=sb16
"""


def cannot_play(filename: str, start: GameStart) -> str:
    """Why this file cannot be played in the browser, or "" when it can."""
    ext = extension(filename)
    if ext not in PLAYABLE:
        kind = f".{ext.lower()} archives" if ext else "files without an extension"
        return (
            f"The browser player opens zip archives, DOS programs and disk images, not {kind}: "
            "repack this file as a .zip to play it."
        )
    if not start.command:
        return start.reason
    return ""


def player_conf(start: GameStart) -> str:
    """The whole dosbox.conf the player runs: defaults, the admin's lines, then [autoexec]
    mounting the game's files as C: and running the start command."""
    autoexec = ["[autoexec]", "@echo off", "mount c .", "c:", *start.command]
    parts = [PLAYER_DEFAULTS, start.conf, "\n".join(autoexec)]
    return "\n".join(part.strip() + "\n" for part in parts if part.strip())
