"""Real DOS programs for the player's tests, and game files built from them as games ship.

The programs are assembly in `dos/`, assembled with nasm (Debian's `nasm`, installed by
`make browser-deps`) when a test first asks for one. Each game file says how DOS starts it:
romvault's chooser (`scraper.launch.choose_start`) for the archives, the admin's start lines
for the disk images it cannot look inside, and what the program prints once it ran.
"""

import functools
import io
import os
import shutil
import struct
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from scraper.launch import choose_start

SOURCES = Path(__file__).parent / "dos"
HELLO = "ROMVAULT HELLO"
FLOPPY_SIZE = 1_474_560


@dataclass(frozen=True)
class DosGame:
    file_name: str
    data: bytes
    title: str
    archive: bool  # a zip that js-dos unpacks to drive C:, else one bare file put there
    expect: tuple[str, ...]  # lines the game prints, in order, once it ran
    start: tuple[str, ...] | None = None  # DOS lines when the chooser cannot know them
    program: str | None = None  # the member the chooser must pick
    disks: int = 1

    def members(self):
        """(path, size) of each file, as the scan stores them."""
        if not self.archive:
            return [(self.file_name, len(self.data))]
        with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
            return [(i.filename, i.file_size) for i in archive.infolist() if not i.is_dir()]

    def start_lines(self):
        """The DOS lines after `mount c .` and `c:` that run the game."""
        if self.start is not None:
            return self.start
        return choose_start(self.members(), self.title).command

    def dosbox_conf(self):
        lines = ["mount c .", "c:", *self.start_lines()]
        return "[autoexec]\n" + "\n".join(lines) + "\n"


@functools.cache
def assemble(source, *, exe=False, message=None):
    """The program `dos/<source>.asm` as a .COM, or an .EXE; `message` replaces HELLO's line."""
    nasm = shutil.which("nasm")
    if nasm is None:
        pytest.skip("nasm is missing: run `make browser-deps` (apt-get install nasm)")
    with tempfile.TemporaryDirectory() as folder:
        output = os.path.join(folder, "program")
        command = [nasm, "-f", "bin", f"-I{SOURCES}/", "-o", output, SOURCES / f"{source}.asm"]
        if exe:
            command.append("-DEXE")
        if message is not None:
            command.append(f'-DMESSAGE="{message}"')
        subprocess.run(command, check=True, capture_output=True)
        return Path(output).read_bytes()


def make_zip(files):
    """A zip of {path: bytes}, deflated as most games' zips are."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return buffer.getvalue()


def floppy(files):
    """A 1.44 MB FAT12 floppy image holding `files` ({"NAME.EXT": bytes}) in its root folder.
    Its boot sector (dos/boot.asm) carries the disk's layout and a program of its own, so the
    disk also boots without DOS."""
    sector, reserved, fat_sectors, root_entries = 512, 1, 9, 224
    image = bytearray(FLOPPY_SIZE)
    image[:sector] = assemble("boot")
    fat = [0xFF0, 0xFFF]  # the media byte (F0: 1.44 MB), then an end-of-chain marker
    root = reserved + 2 * fat_sectors
    data_start = root + root_entries * 32 // sector
    date = (1995 - 1980) << 9 | 1 << 5 | 1  # 1 January 1995
    for index, (name, data) in enumerate(files.items()):
        first = len(fat)  # clusters (one sector each) are numbered from 2
        count = max(1, -(-len(data) // sector))
        fat.extend([*range(first + 1, first + count), 0xFFF])
        at = (data_start + first - 2) * sector
        image[at : at + len(data)] = data
        stem, _, extension = name.partition(".")
        entry = struct.pack(
            "<8s3sB10sHHHI", stem.ljust(8).encode(), extension.ljust(3).encode(), 0x20,
            bytes(10), 0, date, first, len(data),
        )  # fmt: skip
        at = root * sector + index * 32
        image[at : at + 32] = entry
    if len(fat) % 2:
        fat.append(0)
    # FAT12 packs two 12-bit entries into three bytes, little-endian.
    pairs = zip(fat[::2], fat[1::2], strict=True)
    packed = b"".join((a | b << 12).to_bytes(3, "little") for a, b in pairs)
    for copy in range(2):
        at = (reserved + copy * fat_sectors) * sector
        image[at : at + len(packed)] = packed
    return bytes(image)


def iso(files, volume="ROMVAULT"):
    """An ISO 9660 CD image holding `files` ({"NAME.EXT": bytes}) in its root folder."""
    import pycdlib  # only the CD image needs it (requirements-dev.txt)

    image = pycdlib.PyCdlib()
    image.new(interchange_level=1, vol_ident=volume)
    for name, data in files.items():
        image.add_fp(io.BytesIO(data), len(data), f"/{name};1")
    buffer = io.BytesIO()
    image.write_fp(buffer)
    image.close()
    return buffer.getvalue()


def decoy(name):
    return assemble("hello", exe=True, message=f"WRONG PROGRAM: {name}")


def hello_zip():
    return DosGame("HELLO.ZIP", make_zip({"HELLO.COM": assemble("hello")}), "Hello", True,
                   (HELLO,), program="HELLO.COM")  # fmt: skip


def subfolder_zip():
    files = {
        "GAME/HELLO.EXE": assemble("hello", exe=True),
        "GAME/INSTALL.EXE": decoy("INSTALL.EXE"),
        "GAME/SETUP.EXE": decoy("SETUP.EXE"),
        "GAME/README.TXT": b"Run HELLO.EXE.\r\n",
    }
    return DosGame("HELLOSUB.ZIP", make_zip(files), "Hello", True, (HELLO,),
                   program="GAME/HELLO.EXE")  # fmt: skip


def bat_zip():
    """A batch file that starts the program, as many games' GO.BAT or PLAY.BAT do: it prints
    its own line first, so the output shows the batch file ran and not the program alone."""
    files = {
        "QUEST/QUEST.BAT": b"@echo off\r\necho ROMVAULT BATCH\r\nENGINE.EXE\r\n",
        "QUEST/ENGINE.EXE": assemble("hello", exe=True),
        "QUEST/SETUP.EXE": decoy("SETUP.EXE"),
    }
    return DosGame("QUEST.ZIP", make_zip(files), "Batch Quest", True, ("ROMVAULT BATCH", HELLO),
                   program="QUEST/QUEST.BAT")  # fmt: skip


def com_file():
    return DosGame("HELLO.COM", assemble("hello"), "Hello", False, (HELLO,), program="HELLO.COM")


def floppy_image():
    """A floppy with the program on it. The chooser cannot see inside an image: it mounts the
    disk and lists it, so the start lines are the admin's."""
    return DosGame("DISK1.IMG", floppy({"HELLO.COM": assemble("hello")}), "Hello", False,
                   (HELLO,), start=("imgmount a DISK1.IMG -t floppy", "a:", "HELLO"))  # fmt: skip


def booter_image():
    """The same kind of floppy started by its boot sector, as booter games are: VGA green."""
    return DosGame("BOOTER.IMG", floppy({"HELLO.COM": assemble("hello")}), "Booter", False, (),
                   start=("imgmount a BOOTER.IMG -t floppy", "boot -l a"))  # fmt: skip


def cd_image():
    return DosGame("HELLOCD.ISO", iso({"HELLO.EXE": assemble("hello", exe=True)}), "Hello", False,
                   (HELLO,), start=("imgmount d HELLOCD.ISO -t iso", "d:", "HELLO"))  # fmt: skip


def cd_game_zip():
    """A game on C: that needs its CD in D:, as most CD games installed from a collection: its
    batch file runs the program from the CD."""
    files = {
        "CDGAME/CDGAME.BAT": b"@echo off\r\necho ROMVAULT CD GAME\r\nD:\\HELLO.EXE\r\n",
        "CDGAME/CDGAME.ISO": iso({"HELLO.EXE": assemble("hello", exe=True)}),
    }
    return DosGame("CDGAME.ZIP", make_zip(files), "CD Game", True, ("ROMVAULT CD GAME", HELLO),
                   program="CDGAME/CDGAME.BAT")  # fmt: skip


def two_disks_zip():
    """Two floppies, each with a program saying which disk it is on, for swapping disks: the
    batch file runs the one on A:, waits for a key, and runs it again."""
    files = {
        "SWAP.BAT": b"@echo off\r\nA:\\DISK.COM\r\npause\r\nA:\\DISK.COM\r\n",
        "DISK1.IMG": floppy({"DISK.COM": assemble("hello", message="ROMVAULT DISK 1")}),
        "DISK2.IMG": floppy({"DISK.COM": assemble("hello", message="ROMVAULT DISK 2")}),
    }
    return DosGame("SWAP.ZIP", make_zip(files), "Swap", True, ("ROMVAULT DISK 1",),
                   program="SWAP.BAT", disks=2)  # fmt: skip


def vga_zip():
    return DosGame("VGA.ZIP", make_zip({"VGA.COM": assemble("vga")}), "VGA", True,
                   ("ROMVAULT VGA",), program="VGA.COM")  # fmt: skip


def save_zip():
    return DosGame("SAVEGAME.ZIP", make_zip({"SAVEGAME.EXE": assemble("save", exe=True)}),
                   "Save Game", True, ("NO SAVE, WRITING", "SAVE WRITTEN"),
                   program="SAVEGAME.EXE")  # fmt: skip


def big_zip(size=5_000_000):
    """About `size` bytes that do not compress, as a game's data would, beside the program: for
    measuring the time from Play to the first output."""
    files = {"HELLO.COM": assemble("hello"), "DATA.BIN": os.urandom(size)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return DosGame("BIG.ZIP", buffer.getvalue(), "Hello", True, (HELLO,), program="HELLO.COM")
