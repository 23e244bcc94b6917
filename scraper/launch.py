"""How to start a DOS game from its archive's member list: which program, and the DOS lines.

Pure standard library: no Django, no I/O. The scan calls `choose_start` for every archive, so it
stays linear in the number of members, with precompiled patterns and no pairwise comparisons.
Commands assume the archive is drive C: and the session starts in C:\\.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from scraper.launch_names import (
    DECOY_PATTERNS,
    FOLDER_CHANGERS,
    GENERIC,
    PUBLISHER_LAUNCHERS,
    RESIDENT_HOSTS,
    SIDE_FOLDERS,
    VARIANT,
    VARIANT_BONUS,
)

__all__ = ["Start", "choose_start"]

PROGRAMS = {"EXE", "COM", "BAT"}

FLOPPY_EXTENSIONS = {"IMG", "IMA", "VFD"}
CD_EXTENSIONS = {"ISO", "CUE", "BIN"}
# A .IMG is a floppy only at a floppy's size: games also use .IMG (and .BIN) for their own data.
FLOPPY_SIZES = {163840, 184320, 327680, 368640, 737280, 1228800, 1474560, 1720320, 2949120}
CD_BIN_MIN_SIZE = 20_000_000
ROMAN = {"II": "2", "III": "3", "IV": "4", "V": "5", "VI": "6", "VII": "7", "VIII": "8", "IX": "9"}
# Points a program gains or loses (see _rank), tuned on the shared set of real games; the title
# likeness counts 4 at most, a decoy loses 10. The subtitle is a hint (HECK.BAT for "Hell - A
# Cyberpunk Thriller" reads as main title plus subtitle too); a batch file beside a resident DPMI
# host beats any name (nothing else there starts alone); a lone program on top beats a folder level.
# A .PIF file is how Windows starts a DOS program: the publisher shipped it for the one a player
# starts, so it counts as much as a name like the game's (TENTACLE.PIF beside DOTT.EXE).
# A batch file that changes into the folder the game was installed in gives way to the programs.
W = dict(
    first=0.3, bat_twin=1, bat=-0.3, size=0.3, sierra=1.0, sci=0.75, len=0.06, depth=2,
    generic=0.5, subtitle=0.5, lettered=2.0, host=5.0, lone_top=3.0, pif=4.0, wrapper=2.0,
)  # fmt: skip
# "Main title - subtitle" or "Main title: subtitle": an add-on or episode named in the subtitle
# ships its own program beside the base game's (HEXENDK.EXE beside HEXEN.EXE for "Hexen -
# Deathkings of the Dark Citadel"): a name like the whole title but not the main title alone.
# "Base game + add-on + add-on" names its add-ons after the first "+" (BWING.EXE beside XWING.EXE).
SUBTITLE = re.compile(r"^(.*?) \+ |^(.*?)(?: - |: )")
SEPARATOR = re.compile(r"[_-]")  # "BS_FIRE": a series' initials, then the episode
DISK_NUMBER = re.compile(r"(DIS[KC]|SIDE|CD)?[ _-]*(\d+)( OF \d+)?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Start:
    path: str | None
    command: tuple[str, ...]
    reason: str
    candidates: tuple[str, ...] = ()


@dataclass(slots=True, eq=False)  # hashed by identity: rules map programs to programs
class _Program:
    path: str
    folder: tuple[str, ...]
    name: str
    stem: str
    ext: str
    size: int
    score: float = 0.0
    kind: str = ""
    why: str = ""  # the reason a rule other than the name gave it first place


def _alnum(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def _title_forms(title: str) -> list[str]:
    """The title as space-separated upper-case words, CamelCase split ("SimCity" -> "SIM CITY"),
    once as written and once with Roman numerals as digits ("Ultima VII" -> "ULTIMA 7")."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", title.replace("'", ""))
    words = re.findall(r"[A-Z0-9]+", spaced.upper())
    arabic = [ROMAN.get(word, word) if i else word for i, word in enumerate(words)]
    forms = [" ".join(words)]
    if arabic != words:
        forms.append(" ".join(arabic))
    return [form for form in forms if form]


def _likeness(stem: str, title: str) -> float:
    """How well a program's name abbreviates the title, 0 to 1: each letter found in order in
    the title scores 1 at a word start or right after the previous one, 0.5 inside a word, 0 when
    missing ("AITD2" and "INDARK" for "ALONE IN THE DARK 2" both score 1)."""
    if not stem or not title:
        return 0.0
    if f" {stem} " in f" {title} " or stem == title.replace(" ", ""):
        return 1.0
    padded = " " + title
    points, pos, matched = 0.0, 0, False
    for char in stem:
        if matched and padded.startswith(char, pos):
            points, pos = points + 1, pos + 1
            continue
        at = padded.find(" " + char, pos)
        if at >= 0:
            points, pos, matched = points + 1, at + 2, True
            continue
        at = padded.find(char, pos)
        if at >= 0:
            points, pos, matched = points + 0.5, at + 1, True
        elif char.isdigit():
            points += 0.25  # "KEEN1" for "Commander Keen": an episode number the title lacks
    return points / len(stem) * (0.6 if len(stem) == 1 else 1.0)


def _best(stem: str, forms: list[str], default: float = 0.0) -> float:
    return max((_likeness(stem, form) for form in forms), default=default)


def _decoy_kind(stem: str) -> str:
    for kind, pattern in DECOY_PATTERNS.items():
        if pattern.search(stem):
            return kind
    return ""


def _size_points(size: int) -> float:
    """0 for a few-kB stub, 1 from about 1 MB: the game is usually the biggest program."""
    return min(1.0, max(0.0, math.log2(max(size, 1) / 1000) / 10))


def _split(path: str) -> tuple[tuple[str, ...], str, str, str]:
    *folder, name = path.split("/")
    stem, _, ext = name.rpartition(".")
    return tuple(folder), name, stem or ext, ext.upper() if stem else ""


def _dos(parts: tuple[str, ...] | list[str]) -> str:
    path = "\\".join(parts)
    return f'"{path}"' if " " in path else path


def _natural(path: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.upper())]


def _disk_set(images: list[tuple[str, int]]) -> list[str]:
    """The images of one game in disk order: those named like the first once disk numbers are
    dropped ("Game (Disk 1 of 3).img", "DISK2.IMG"); a lone image is its own set."""
    ordered = sorted((path for path, _ in images), key=_natural)
    key = DISK_NUMBER.sub("", ordered[0].rsplit(".", 1)[0]).upper()
    return [p for p in ordered if DISK_NUMBER.sub("", p.rsplit(".", 1)[0]).upper() == key]


def _images(members: list[tuple[str, int]]) -> tuple[list[str], list[str]]:
    """(floppy images, CD images) worth mounting, each as one set in disk order."""
    floppies, cds, cue_folders = [], [], set()
    for path, size in members:
        ext = path.rpartition(".")[2].upper()
        if ext in FLOPPY_EXTENSIONS and (ext != "IMG" or size in FLOPPY_SIZES):
            floppies.append((path, size))
        elif ext in CD_EXTENSIONS:
            cds.append((path, size))
            if ext == "CUE":
                cue_folders.add(path.rpartition("/")[0])
    # A .BIN is mounted through its .CUE when there is one, and alone only when CD-sized.
    cds = [
        (path, size)
        for path, size in cds
        if not path.upper().endswith(".BIN")
        or (path.rpartition("/")[0] not in cue_folders and size >= CD_BIN_MIN_SIZE)
    ]
    return (_disk_set(floppies) if floppies else []), (_disk_set(cds) if cds else [])


def _mounts(floppies: list[str], cds: list[str]) -> list[str]:
    lines = []
    if floppies:
        lines.append(f"imgmount a {' '.join(_dos(p.split('/')) for p in floppies)} -t floppy")
    if cds:
        lines.append(f"imgmount d {' '.join(_dos(p.split('/')) for p in cds)} -t iso")
    return lines


def _common_folder(paths: list[str]) -> tuple[str, ...]:
    """The folder every member sits in ("GAME/" in most zips), or () when they differ."""
    common: list[str] | None = None
    for path in paths:
        folder = path.split("/")[:-1]
        if common is None:
            common = folder
            continue
        n = 0
        while n < min(len(common), len(folder)) and common[n] == folder[n]:
            n += 1
        del common[n:]
        if not common:
            break
    return tuple(common or ())


def _is_lettered_variant(stem: str, folder: tuple[str, ...], exts: dict) -> bool:
    """SMAIN.EXE beside MAIN.EXE: a program named like another plus a letter is its variant
    (language, sound, multiplayer). Not a digit (KEEN5 is an episode), nor beside a batch file
    (DESCENT.BAT launches DESCENTR.EXE)."""
    for plain, letter in ((stem[1:], stem[:1]), (stem[:-1], stem[-1:])):
        if letter.isalpha() and exts.get((folder, plain), {"BAT"}) != {"BAT"}:
            return True
    return False


def _wrappers(batch_files: dict[str, list[_Program]]) -> dict[_Program, _Program]:
    """Batch files with a namesake in a folder below (PHCD.BAT and SCARYDOS/PHCD.BAT), mapped to
    it: a wrapper that changes into that folder, often by an absolute path that only held where
    it was installed, so the namesake takes its place."""
    wrapped = {}
    for namesakes in batch_files.values():
        for upper in namesakes:
            below = [
                p for p in namesakes if p.folder[: len(upper.folder)] == upper.folder != p.folder
            ]
            if below:
                inner = wrapped[upper] = min(below, key=lambda p: len(p.folder))
                where = "\\".join(inner.folder[len(upper.folder) :])
                inner.why = (
                    f"{upper.name} above only calls the one in {where}, which starts the game."
                )
    return wrapped


def _rank(
    programs: list[_Program],
    forms: list[str],
    root: tuple[str, ...],
    main_forms: list[str],
    pifs: set[str],
) -> None:
    """Score every program: the name's likeness to the title counts most, then its folder,
    then how deep it sits; decoys sink, generic names and batch files give way a little."""
    exts: dict[tuple, set[str]] = {}
    hosted, changing = set(), set()  # folders with a resident DPMI host, with folder changers
    batch_files: dict[str, list[_Program]] = {}  # by name
    top, deeper = [], False  # the top folder's programs that are not decoys; any below it?
    for p in programs:
        exts.setdefault((p.folder, p.stem.upper()), set()).add(p.ext)
        if p.ext == "BAT":
            batch_files.setdefault(p.name.upper(), []).append(p)
        if RESIDENT_HOSTS.match(p.stem.upper()):
            hosted.add(p.folder)
        elif FOLDER_CHANGERS.match(p.stem.upper()):
            changing.add(p.folder)
        p.kind = _decoy_kind(_alnum(p.stem))
        deeper |= len(p.folder) > len(root)
        if len(p.folder) == len(root) and not p.kind:
            top.append(p)
    # One program on top and the rest in subfolders: it starts the game from there (UFO.BAT,
    # PLAY.COM running SYS/FIGHT.EXE).
    lone_top = top[0] if len(top) == 1 and deeper else None
    wrapped = _wrappers(batch_files)
    place = {inner: len(upper.folder) for upper, inner in wrapped.items()}  # the wrapper's depth
    while lone_top in wrapped:
        lone_top = wrapped[lone_top]
    for p in programs:
        stem = _alnum(p.stem)
        inner = p.folder[len(root) : place.get(p, len(p.folder))]
        likeness = _best(stem, forms)
        bare, bonus = stem, 0.0
        variant = VARIANT.match(stem)
        if variant:
            core = variant["core"] or variant["core2"]
            core_likeness = _best(core, forms)
            if core_likeness >= likeness:
                bare, likeness = core, core_likeness
                bonus = VARIANT_BONUS[variant["affix"] or "CDPREFIX"]
        # "BS_FIRE" for "Blake Stone - Planet Strike": the part before a separator names the game.
        head = SEPARATOR.split(p.stem, 1)[0]
        if len(head) >= 2 and head != p.stem:
            head = _alnum(head)
            head_likeness = _best(head, forms)
            if head_likeness > likeness:
                bare, likeness = head, head_likeness
        # HEXENDK: 0.93 like "Hexen - Deathkings of the Dark Citadel", 0.71 like "Hexen" alone.
        if likeness >= 0.75 and likeness - _best(bare, main_forms, 1.0) >= 0.2:
            bonus += W["subtitle"]
        if likeness >= 0.5 and any(form.startswith(bare[0]) for form in forms):
            bonus += W["first"]
        if PUBLISHER_LAUNCHERS.match(stem):
            likeness = max(likeness, W["sierra"] if stem == "SIERRA" else W["sci"])
        kind = p.kind
        if kind and any(f" {stem} " in f" {form} " for form in forms):
            kind = ""  # a game really called so
        generic = bool(GENERIC.match(bare))
        score = 4 * likeness + bonus + W["len"] * len(bare) * likeness - W["depth"] * len(inner)
        if p.folder and stem == _alnum(p.folder[-1]) and not generic:
            score += 2  # T7G/T7G.BAT, CARMA/CARMA.BAT: named like its folder
        score += 1.5 * max((_best(_alnum(f), forms) for f in inner), default=0)
        if any(SIDE_FOLDERS.match(_alnum(f)) for f in inner):
            score -= 3
        twins = exts[(p.folder, p.stem.upper())]
        if p.ext == "BAT":
            # A batch file beside the program of the same name is that program's launcher.
            score += W["bat_twin"] if len(twins) > 1 else W["bat"]
            if p.folder in hosted:
                score, p.why = score + W["host"], f"{p.name} loads the DPMI host the game needs."
        else:
            score += W["size"] * _size_points(p.size)
            if p.ext == "COM" and "EXE" in twins:
                score += 0.5  # DOS runs X.COM before X.EXE: the .COM is the loader
        if generic:
            score -= W["generic"]
        if pifs and p.path.rpartition(".")[0].upper() in pifs:
            score += W["pif"]
            p.why = f"{p.name} has a .PIF file: the publisher's shortcut to it in Windows."
        if p is lone_top:
            score += W["lone_top"]
            p.why = p.why or f"{p.name} is the only program on top: it starts those below."
        if p.ext != "BAT" and _is_lettered_variant(p.stem.upper(), p.folder, exts):
            score -= W["lettered"]
        if p in wrapped or (p.ext == "BAT" and p.folder in changing):
            score -= W["wrapper"]
        if kind:
            score -= 10
        p.score, p.kind = score, kind


def choose_start(members: list[tuple[str, int]], title: str = "") -> Start:
    """The program that starts the game, the DOS lines that run it, and why."""
    members = [(path.replace("\\", "/").strip("/"), size) for path, size in members]
    programs, images, pifs = [], [], set()
    for path, size in members:
        ext = path.rpartition(".")[2].upper()  # most members are data: split only the rest
        if ext in PROGRAMS:
            folder, name, stem, ext = _split(path)
            programs.append(_Program(path, folder, name, stem, ext, size))
        elif ext in FLOPPY_EXTENSIONS or ext in CD_EXTENSIONS:
            images.append((path, size))
        elif ext == "PIF":
            pifs.add(path.rpartition(".")[0].upper())
    floppies, cds = _images(images)
    mounts = _mounts(floppies, cds)
    root = _common_folder([path for path, _ in members])
    subtitle = SUBTITLE.match(title)
    main_forms = _title_forms(subtitle[1] or subtitle[2]) if subtitle else []
    _rank(programs, _title_forms(title), root, main_forms, pifs)
    programs.sort(key=lambda p: -p.score)
    candidates = tuple(p.path for p in programs)
    best = programs[0] if programs else None
    if best is not None and (not best.kind or (best.kind == "installer" and not mounts)):
        lines = [*mounts, f"cd {_dos(best.folder)}"] if best.folder else [*mounts]
        lines.append(_dos([best.name]))
        if best.kind == "installer":
            reason = f"The only program is an installer ({best.name}): install the game first."
        elif best.why:
            reason = best.why
        elif _best(_alnum(best.stem), _title_forms(title)) >= 0.75:
            reason = f"{best.name} is named like the game."
        elif best.folder and _alnum(best.stem) == _alnum(best.folder[-1]):
            reason = f"{best.name} is named like its folder."
        elif len([p for p in programs if not p.kind]) == 1:
            reason = f"{best.name} is the only program that is not a set-up or helper program."
        else:
            reason = f"{best.name} ranks first: no program is named like the game."
        if mounts:
            reason = reason[:-1] + ", with the game's " + ("CD on D:." if cds else "disks on A:.")
        return Start(best.path, tuple(lines), reason, candidates)
    if cds:
        reason = "A CD image and no program to start from C:: it is mounted as D: to install or "
        return Start(None, (*mounts, "d:", "dir /w"), reason + "start from it.", candidates)
    if floppies:
        disks = "disk image" if len(floppies) == 1 else f"{len(floppies)} disk images"
        # The images' contents are not read at scan time: show A: rather than guess "boot",
        # which hangs on a disk without a boot sector; a booter gets "boot -l a" as an override.
        reason = f"A floppy game: its {disks} are mounted on A: in order."
        return Start(None, (*mounts, "a:", "dir /w"), reason, candidates)
    if best is not None:
        helpers = ", ".join(p.name for p in programs[:3])
        reason = f"Only helper programs ({helpers}): none of them starts a game."
        return Start(None, (), reason, candidates)
    return Start(None, (), "No DOS program (.EXE, .COM, .BAT) in this archive.", candidates)
