"""The names the start-command chooser (scraper/launch.py) knows programs and folders by.

Word lists kept apart from the chooser's rules, each matched on a name upper-cased and reduced to
letters and digits. Pure standard library, like the chooser.
"""

import re

# Programs that are never the game itself, matched on the name without extension, upper-cased,
# with everything but letters and digits removed ("RAP-HELP" -> "RAPHELP"). Games ship them beside
# the real program; picking one shows a set-up screen, an error or a text file instead of the game.
DECOYS = {
    # Installers and set-up: they copy or configure the game (sound card, video, controls).
    "installer": r"INST|SETUP|SETSOUND|SETSND|CONFIG|CFG|UNINST|^SET(BLAST|MAIN|MUSE|VIDEO|TINGS"
    r"|PATH|D|M)$|^SOUND|^SND|^BOOT(DISK|MKR|ME|ALT)?$|FIXBOOT|DETECT|TEST$|^CHECK|^WHAT$"
    r"|CDSPEED|^CPUID$|HAVEVESA|^JOY$",
    # DOS extenders, memory managers, video and sound drivers: loaded by the game, not the game.
    "driver": r"^(DOS4G|DOS4GW|DOS32A|CWSDPMI|PMODEW?|UNIVBE|UNIVESA|UVCONFIG|HDPMI(32)?|32RTM|RTM"
    r"|DPMI.*|LOADPATS|ULTRAMID|[A-Z]?MIDPAK|SOUNDRV|X?DIGPLAY|XMIPLAY|MSSW95|N?NANSI|C?T?MOUSE"
    r"|VESA(FIX)?|TRYVESA|VECTOR|ATISET|MEGAEM|EMUSET|JEMMEX|JEMM386|HIMEM|EMM386|SMARTDRV|MSCDEX"
    r"|ADLIB[A-Z]?|SBLASTER|SBPRO|SB16|SBCLONE|PAS16|GF166|IBMSND|IBMBAK|PAUDIO|LSIZE|DRV.*"
    r"|.*DRV|GRAVIS|PAUSE.*|VBE.*)$",
    # Readers, viewers, catalogues, order forms, intros and end sequences shipped beside the game.
    "reader": r"^READ|README|HELP|HLP$|^MANUAL|^ORDER|^CATALOG|^DEALERS|^SWCBBS|^INFO|REGCARD"
    r"|REG$|^REGISTER|VIEW|SMACKPLY|^CDPLAY|INTRO$|^OPENING$|^LOGO$|^END_?GAME$|^CREDITS$"
    r"|^DEMO$",
    # Level, map and ship editors.
    "editor": r"EDIT|^BUILD$|^LEVELED$|ED95$",
    # Patchers and archivers: they change or unpack files.
    "patcher": r"PATCH|^PKUNZ|^PKZIP|^UNZIP|^LHA$|^ARJ$|^DEARJ$|^UNARC|^MPSCOPY$|^COPY",
    # Network and modem front ends, and the Windows versions of a program.
    "network": r"IPX|^SER(SETUP|DRV)$|^NET|^COMMIT$|^DWANGO$|^KALI|^KCHAT$|^CONNECT$|^WIN"
    r"|95$|^DOSBOX|^AUTORUN$|^AUTOKILL$",
    # Helpers a batch file calls to change folders or test for a file.
    "helper": r"^(PUSHDIR|POPDIR|GODIR|EXISTS)$",
}
DECOY_PATTERNS = {kind: re.compile(pattern) for kind, pattern in DECOYS.items()}

# Names that many collections use to start a game (GO.BAT, PLAY.EXE): possible, but weaker than a
# program named like the game.
GENERIC = re.compile(
    r"^(GO|RUN|PLAY|START|GAME|MAIN|MENU|LAUNCH|LAUNCHER|LOAD|LOADER|BEGIN|RUNGAME|PLAYGAME"
    r"|STARTUP|RUNME|EXE|MAINPROG)$"
)
# The interpreters publishers named instead of the game: Sierra's SIERRA.EXE and SCI*.EXE.
PUBLISHER_LAUNCHERS = re.compile(r"^(SIERRA|SCI[A-Z0-9]{1,5})$")
# Folders of drivers, installers and documentation: their programs are not the game.
SIDE_FOLDERS = re.compile(
    r"^(DRIVERS?|DRV|SOUNDS?|SETUP|INSTALL|INSTDATA|UTILS?|TOOLS|EXTRAS?|DOCS?|MANUAL|BONUS)$"
)

# DPMI hosts a game does not load by itself, unlike DOS4GW or CWSDPMI: they must be resident
# first, so a batch file beside one (PLAY.BAT: "HDPMI32", then the game) is the way to start.
RESIDENT_HOSTS = re.compile(r"^HDPMI(16|32)?$")
# Helpers that change folders for a batch file: the batch files beside them go to the folders
# the game was installed in (a collection's launchers), by paths that only held there.
FOLDER_CHANGERS = re.compile(r"^(PUSHDIR|POPDIR|GODIR)$")

# A version's suffix ("KQ7DOS", "YSEGA", "SC2VESA") or CD prefix ("CDSHOCK"): compare the rest
# with the title, and prefer the DOS, CD and better-graphics versions of the same program.
VARIANT = re.compile(
    r"^(?:(?P<core>[A-Z0-9]{2,}?)(?P<affix>DOS|CD|VGA|MCGA|SVGA|VESA|EGA|TDY|TANDY|PCJR|JR|CGA)"
    r"|CD(?P<core2>[A-Z0-9]{3,}))$"
)
VARIANT_BONUS = {
    "DOS": 0.5, "CDPREFIX": 0.5, "CD": 0.0, "VGA": 0.4, "MCGA": 0.4, "SVGA": 0.4, "VESA": 0.4,
    "EGA": 0.3, "TDY": 0.2, "TANDY": 0.2, "PCJR": 0.2, "JR": 0.2, "CGA": 0.1,
}  # fmt: skip
