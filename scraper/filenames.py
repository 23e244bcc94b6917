"""Parse DOS game filenames into a display title, a year and metadata tags.

Pure standard library: no Django, no I/O, so it can run in bulk imports, management commands
and benchmarks alike. The conventions handled (those of the DOS filename corpus whose data is
scraper/tests/data/dos_filenames.tsv):

* TOSEC (TNC 2015-03-23): ``Title version (demo) (date)(publisher)(system)(video)(country)
  (language)(copyright)(devstatus)(media)(label)[dump flags][more info]``
* eXoDOS v5: ``Title (YYYY)``, optionally with a disambiguator group before or after the year.
* Total DOS Collection (TDC) and libretro: ``Title vX (Lang)(EGA)[SW][a1] (YYYY)(Pub) [Genre]``.
* PureDOS ``.dosz``: ``Title (YYYY) (Company) (Variant)``.
* Loose user naming: ``monkey_island_2.zip``, ``Commander.Keen.4.1991.zip``, ``Wolf3D-1.4.zip``.

The title rules follow the corpus normalisation rules R1-R9: the title is the text before the
first ``(`` or ``[`` (R3), trailing versions (R4) and video words (R5) are dropped, a trailing
article moves to the front (R6), and separators and casing are otherwise kept as written (R7).

Field notes: ``flags`` holds the TOSEC dump flags and the copyright status ("SW", "PD", TDC's
"[SW]"); ``tags`` holds every other group verbatim (genres, labels, "M3", systems).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["ParsedName", "disk_only", "is_generic", "match_key", "parse_filename"]


@dataclass(frozen=True, slots=True)
class ParsedName:
    title: str
    year: int | None
    key: str
    publisher: str = ""
    version: str = ""
    disk: int | None = None
    disk_total: int | None = None
    languages: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    video: str = ""
    flags: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    igdb_id: int | None = None

    def as_tags(self) -> dict:
        """The non-empty metadata (everything but title/year/key), ready for a JSONField."""
        out: dict = {}
        for name in _TAG_FIELDS:
            value = getattr(self, name)
            if value is not None and value != "" and value != ():
                out[name] = list(value) if isinstance(value, tuple) else value
        return out


_TAG_FIELDS = (
    "publisher", "version", "disk", "disk_total", "languages", "regions", "video", "flags",
    "tags", "igdb_id",
)  # fmt: skip


# --- vocabularies -------------------------------------------------------------------------

# R1: only strip an extension we know, so "Dr. Doom" keeps its ". Doom".
_EXTENSIONS = frozenset(
    "zip 7z rar dosz iso cue bin img ima exe com bat st stx msa ipf dim scp dsk woz a2r atr atx"
    " xex vhd gog lha lzh arj tar gz tgz bz2 xz ccd mdf mds nrg chd cdi vfd flp".split()
)

# ISO 3166-1 alpha-2, plus TOSEC's "EU" (the corpus has "(EU)" on .ipf dumps).
_COUNTRIES = frozenset(
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR"
    " BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ"
    " EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW"
    " GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY"
    " KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV"
    " MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY"
    " QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG"
    " TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM"
    " ZW EU".split()
)
# No-Intro / PureDOS spell regions out; "UK" is the common non-ISO spelling of GB.
_REGION_NAMES = {
    "USA": "US", "Europe": "EU", "Japan": "JP", "Germany": "DE", "France": "FR", "Spain": "ES",
    "Italy": "IT", "UK": "GB", "United Kingdom": "GB", "Netherlands": "NL", "Sweden": "SE",
    "Brazil": "BR", "Korea": "KR", "Australia": "AU", "Canada": "CA", "Russia": "RU",
    "China": "CN", "Taiwan": "TW", "Poland": "PL",
}  # fmt: skip

# ISO 639-1.
_LANGUAGES = frozenset(
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy"
    " da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu"
    " hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb"
    " lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om"
    " or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv"
    " sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh"
    " zu".split()
)
# TDC writes some languages with their country code ("(Cn)" for Chinese); none of these is a
# valid ISO 639-1 code, so the mapping cannot shadow a real language.
_LANGUAGE_ALIASES = {"cn": "zh", "jp": "ja", "gr": "el", "dk": "da", "cz": "cs"}

# TOSEC copyright status; TDC writes the same in brackets ("[SW]", "[SWR]", "[FW]", "[DC]").
_COPYRIGHT = frozenset("CW CW-R FW GW GW-R LW PD SW SW-R SWR DC".split())
# TOSEC video field, plus the Tandy/Hercules modes eXoDOS uses as disambiguators.
_VIDEO = frozenset(
    "CGA EGA HGC MCGA MDA NTSC NTSC-PAL PAL PAL-60 PAL-NTSC SVGA VGA XGA Tandy Hercules".split()
)

# R6: articles TOSEC/eXoDOS/TDC move behind a comma at the end of the (main) title.
_ARTICLES = "The|An|A|Der|Die|Das|Les|Le|La|L'|El|Los|Las|Il|Lo|De|Het|Een|Eine|Ein|Une|Un"

# --- regular expressions ------------------------------------------------------------------

_BRACKETS = re.compile(r"[()\[\]]")
# TOSEC date "(YYYY)", "(YYYY-MM)", "(YYYY-MM-DD)" with "x" for unknown digits (R2).
_DATE = re.compile(r"(?:19|20)[0-9x]{2}(?:-[0-9x]{2}(?:-[0-9x]{2})?)?", re.I)
_YEAR = re.compile(r"(?:19|20)[0-9]{2}")
_IGDB = re.compile(r"igdb[-_: ]?([0-9]{1,18})", re.I)
# TOSEC media "(Disk 1 of 2)", "(Disk 06 of 13)", "(Part 1-2 of 3)", "(Disk 1 of 2 Side B)".
_MEDIA = re.compile(
    r"(?:Dis[ck]|File|Part|Side|Tape)\s+([0-9]{1,6})(?:\s*-\s*[0-9]{1,6})?\s+of\s+([0-9]{1,6})"
    r"(?:\s+(.*))?",
    re.I,
)
# TOSEC dump flags in their fixed vocabulary, optionally numbered ("a2") or annotated
# ("cr Replicants", "t +2 Elite", "tr de-partial someguy"). Case matters: "[ST]" is more info.
_DUMP_FLAG = re.compile(r"!|(?:cr|tr|[fhmptouvba])[0-9]*(?:\s.*)?")
# A version written as its own group or between groups: "(v1.0)", "(Version 2.0)", "v2.0".
_VERSION_GROUP = re.compile(r"(?:[vV][0-9]\S*|Version\s+[0-9]\S*|Rev\s+\S+|r[0-9]+)")
# R4: trailing version tokens in the title text: "v1.4", "v1.4-Composite", "Rev 1", Infocom /
# TDC releases "r57", "r930804", "build 12". Lower-case "r" only so "R2" stays in a title.
_TRAILING_VERSION = re.compile(
    r"\s+([vV][0-9]\S*|Rev\s+\S+|r[0-9]+|[bB]uild\s+[0-9]\S*|Version\s+[0-9]\S*)$"
)
# In an all-caps name ("LOOM R3537") case says nothing, so an upper-case release counts too.
_TRAILING_CAPS_RELEASE = re.compile(r"\s+(R[0-9]{2,})$")
# Loose naming: "Wolf3D-1.4" -> version "1.4" (a dotted number, so "Raiders-01" stays).
_LOOSE_VERSION = re.compile(r"(?<=\S)-([0-9]+(?:\.[0-9]+)+[a-z]?)$")
# R5: video words that trail the title text ("... Death Angel VGA"), not those inside it.
_TRAILING_VIDEO = re.compile(r"\s+(CGA|EGA|VGA|SVGA|MCGA|Tandy|Hercules)$")
_TRAILING_ARTICLE = re.compile(rf",\s*({_ARTICLES})$", re.I)
# R6/R7: subtitle separators " - " (TOSEC, eXoDOS) and "X- Y" (TDC, libretro).
_SEPARATOR = re.compile(r" - |(?<=\S)- ")
# Loose naming: dots used as spaces ("Commander.Keen.4", "Impact!.1987"); a dot between two
# digits ("Wolf3D-1.4") is part of a number.
_DOT_AS_SPACE = re.compile(r"(?<![0-9])\.|\.(?![0-9])")
_V_TOKEN = re.compile(r"[vV][0-9]+(?:\.[0-9]+)*")
_LOOSE_TRAILING_YEAR = re.compile(r"^(.*\S) +((?:19|20)[0-9]{2})$")
_DASH_YEAR = re.compile(r"^(.*\S) +- +((?:19|20)[0-9]{2})$")
_LANG_SPLIT = re.compile(r"\s*[-,+]\s*")
_REGION_SPLIT = re.compile(r"\s*[-,]\s*")
_KEY_MOVED_ARTICLE = re.compile(r",\s*(?:the|an|a)\s*(?=$|-\s)")
_KEY_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_WORD_DIGITS = re.compile(r"\b([a-z]{4,})([0-9]{1,2})\b")

_SMALL_WORDS = frozenset("a an and at by for from in of on or the to vs with".split())
_ROMAN = frozenset("ii iii iv vi vii viii ix xi xii xiii".split())


# A file named like this says nothing about its game: the folder it sits in names the game.
GENERIC_TITLE = re.compile(
    r"(?i)^(?:(?:disk|disc|cd|part|side|track|image|game|install|setup|data|program)"
    r"[\s_-]*\w{0,2}|\d{0,3})$"
)
# Of those, the ones that number the disks of a folder set: "DISK1", "Disc 2 of 3", "CD_01".
DISK_ONLY = re.compile(r"(?i)^(?:disk|disc|cd)[\s_-]*(\d{1,2})(?:[\s_-]*of[\s_-]*(\d{1,2}))?$")


def is_generic(title: str) -> bool:
    """Whether a parsed title only names a file's place in a set ("DISK1", "INSTALL", "2")."""
    return bool(GENERIC_TITLE.match(title) or DISK_ONLY.match(title))


def disk_only(title: str) -> tuple[int | None, int | None]:
    """(disk, of how many) of a title that is only a disk number: "Disk 2 of 3" -> (2, 3)."""
    if m := DISK_ONLY.match(title):
        return int(m.group(1)), int(m.group(2)) if m.group(2) else None
    return None, None


def match_key(title: str) -> str:
    """Normalised key for matching titles across conventions and against IGDB.

    NFKD + ASCII fold, lower case, "&" -> "and", anything but [a-z0-9] becomes a space, spaces
    collapsed. A leading article, or one moved behind a comma ("Dig, The"), is dropped so
    "Dig, The", "The Dig" and "Dig" share a key.
    """
    if not title.isascii():
        title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    text = title.lower().replace("&", " and ")
    # ", The" at the end of the title or of its main part (before " - ").
    text = _KEY_MOVED_ARTICLE.sub(" ", text)
    words = _KEY_NON_ALNUM.sub(" ", text).split()
    if len(words) > 1 and words[0] in ("the", "a", "an"):
        del words[0]
    return " ".join(words)


def parse_filename(name: str) -> ParsedName:
    """Parse a basename (with extension). Never raises."""
    if isinstance(name, bytes):  # be forgiving with names from os.listdir(b".")
        name = name.decode("utf-8", "surrogateescape")
    try:
        return _parse(name)
    except Exception:  # pragma: no cover - last-resort guard; tests exercise _parse directly
        title = " ".join(name.split())
        return ParsedName(title=title, year=None, key="")


# --- implementation -----------------------------------------------------------------------


def _strip_extension(name: str) -> str:
    dot = name.rfind(".")
    if dot >= 0 and name[dot + 1 :].lower() in _EXTENSIONS:
        name = name[:dot]
        if name.lower().endswith(".tar"):
            name = name[:-4]
    return name.rstrip()


def _undot(stem: str) -> str:
    """Dots used as spaces: "Commander.Keen.4.1991" -> "Commander Keen 4 1991", "v1.3" stays."""
    out: list[str] = []
    for part in stem.split("."):
        if not part:
            continue
        if out and part[0] in "0123456789" and _V_TOKEN.fullmatch(out[-1]):
            out[-1] += "." + part
        else:
            out.append(part)
    return " ".join(out)


def _segments(text: str) -> list[tuple[str, str]]:
    """Split into ("", text), ("(", inner) and ("[", inner) segments.

    Brackets nest ("[Role-Playing (RPG)]"), an unclosed group runs to the end and a stray
    closing bracket is kept as text, so any input splits without error.
    """
    segments: list[tuple[str, str]] = []
    depth = start = 0
    opener = ""
    for m in _BRACKETS.finditer(text):
        char, pos = m.group(), m.start()
        if char in "([":
            if depth == 0:
                if pos > start:
                    segments.append(("", text[start:pos]))
                opener, start = char, pos + 1
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                segments.append((opener, text[start:pos]))
                start = pos + 1
    if depth:
        segments.append((opener, text[start:]))
    elif start < len(text):
        segments.append(("", text[start:]))
    return segments


def _languages(text: str) -> list[str] | None:
    """TOSEC "(de)", "(en-fr)"; TDC "(De)"; No-Intro "(En,Fr)". None if not a language list."""
    codes = []
    for part in _LANG_SPLIT.split(text):
        if len(part) != 2 or not (part.islower() or part.istitle()):
            return None
        code = part.lower()
        code = _LANGUAGE_ALIASES.get(code, code)
        if code not in _LANGUAGES:
            return None
        codes.append(code)
    return codes


def _regions(text: str) -> list[str] | None:
    """TOSEC "(US)", "(DE-GB)"; No-Intro "(USA)", "(USA, Europe)". None if not regions."""
    codes = []
    for part in _REGION_SPLIT.split(text):
        if len(part) == 2 and part in _COUNTRIES:
            codes.append(part)
        elif part in _REGION_NAMES:
            codes.append(_REGION_NAMES[part])
        else:
            return None
    return codes


class _Fields:
    """Mutable collector for everything that is not the title."""

    __slots__ = (
        "disk", "disk_total", "flags", "igdb_id", "languages", "publisher", "regions", "tags",
        "versions", "video",
    )  # fmt: skip

    def __init__(self) -> None:
        self.publisher = ""
        self.versions: list[str] = []
        self.disk: int | None = None
        self.disk_total: int | None = None
        self.languages: list[str] = []
        self.regions: list[str] = []
        self.video = ""
        self.flags: list[str] = []
        self.tags: list[str] = []
        self.igdb_id: int | None = None

    def add_video(self, word: str) -> None:
        if not self.video:
            self.video = word
        elif word != self.video:
            self.tags.append(word)

    def classify(self, text: str, paren: bool) -> bool:
        """File a group under a known field. False if it is free text (publisher/tag)."""
        if m := _IGDB.fullmatch(text):
            self.igdb_id = int(m.group(1))
        elif text in _COPYRIGHT:
            self.flags.append(text)
        elif not paren:
            if not _DUMP_FLAG.fullmatch(text):
                return False
            self.flags.append(text)
        elif text in _VIDEO:
            self.add_video(text)
        elif m := _MEDIA.fullmatch(text):
            if self.disk is None:
                self.disk, self.disk_total = int(m.group(1)), int(m.group(2))
            if m.group(3):
                self.tags.append(m.group(3))
        elif _VERSION_GROUP.fullmatch(text):
            self.versions.append(text)
        elif (codes := _languages(text)) is not None:
            self.languages.extend(c for c in codes if c not in self.languages)
        elif (codes := _regions(text)) is not None:
            self.regions.extend(c for c in codes if c not in self.regions)
        else:
            return False
        return True


_TAIL = 300  # longer than any file name (255 bytes), so real names parse exactly as before


def _clean_title(title: str, fields: _Fields) -> str:
    """R4-R6 in a loop: drop trailing versions and video words, move a trailing article."""
    versions: list[str] = []
    shouting = title.isupper()
    while True:
        # Trailing tokens are short: searching only the tail keeps a hostile name made of
        # thousands of "v1." linear instead of quadratic.
        tail = max(0, len(title) - _TAIL)
        m = _TRAILING_VERSION.search(title, tail)
        if m or (shouting and (m := _TRAILING_CAPS_RELEASE.search(title, tail))):
            versions.insert(0, m.group(1))
            title = title[: m.start()]
            continue
        if m := _TRAILING_VIDEO.search(title, tail):
            fields.add_video(m.group(1))
            title = title[: m.start()]
            continue
        moved = _move_article(title)
        if moved is None:
            break
        title = moved
    fields.versions[:0] = versions
    return title


def _move_article(title: str) -> str | None:
    """R6: "Dig, The" -> "The Dig"; "Beast Within, The - A ..." -> "The Beast Within - A ..."."""
    m = _TRAILING_ARTICLE.search(title)
    if m and m.start() > 0:
        head, tail = title[: m.start()], ""
    else:
        sep = _SEPARATOR.search(title)
        if not sep:
            return None
        main = title[: sep.start()]
        m = _TRAILING_ARTICLE.search(main)
        if not m or m.start() == 0:
            return None
        head, tail = main[: m.start()], title[sep.start() :]
    article = m.group(1)
    glue = "" if article.endswith("'") else " "
    return f"{article}{glue}{head.strip()}{tail}"


def _title_case(title: str) -> str:
    """Loose all-lower-case names ("monkey_island_2") read better title-cased."""
    title = _WORD_DIGITS.sub(r"\1 \2", title)  # "doom2" -> "doom 2", "wolf3d" stays
    words = title.split(" ")
    for i, word in enumerate(words):
        if word in _ROMAN:
            words[i] = word.upper()
        elif i == 0 or word not in _SMALL_WORDS:
            words[i] = word[:1].upper() + word[1:]
    return " ".join(words)


def _parse(name: str) -> ParsedName:
    full = " ".join(name.split())
    original_stem = stem = _strip_extension(full)

    # Loose naming: with no spaces at all, underscores and word dots are the spaces.
    loose = False
    if stem and " " not in stem:
        # Only the part before the groups: "(U.S.Gold)" keeps its dots.
        bracket = _BRACKETS.search(stem)
        cut = bracket.start() if bracket else len(stem)
        if _DOT_AS_SPACE.search(stem, 0, cut):
            stem, loose = f"{_undot(stem[:cut])} {stem[cut:]}".rstrip(), True
        if "_" in stem:
            stem, loose = " ".join(stem.replace("_", " ").split()), True

    segments = _segments(stem) if _BRACKETS.search(stem) else [("", stem)]
    # R3: the title is the text before the first "(" or "[".
    title = ""
    if segments and not segments[0][0]:
        title = segments[0][1]
        segments = segments[1:]

    fields = _Fields()
    year: int | None = None
    date_seen = False
    bracket_year: int | None = None
    publisher_next = False
    for kind, raw in segments:
        text = " ".join(raw.split())
        if not text:  # "(1992) (Impressions Games)": the space keeps the publisher slot
            continue
        after_date, publisher_next = publisher_next, False
        if not kind:  # text between groups: a version ("Pigeons, The (...) v2.0 (1997)")
            if _VERSION_GROUP.fullmatch(text):
                fields.versions.append(text)
            elif text.strip("-& "):
                fields.tags.append(text)
            continue
        if kind == "(" and not date_seen and _DATE.fullmatch(text):
            # R2: the first date group gives the year, blank if any digit is unknown ("19xx").
            date_seen, publisher_next = True, True
            year = None if "x" in text.lower() else int(text[:4])
            continue
        if fields.classify(text, paren=kind == "("):
            continue
        if after_date and kind == "(":  # TOSEC/TDC/PureDOS: the group after the date
            if text != "-":  # "(-)" is TOSEC's unknown publisher
                fields.publisher = text
        elif kind == "[" and bracket_year is None and _YEAR.fullmatch(text):
            bracket_year = int(text)  # loose "Doom [1993]"
        else:
            fields.tags.append(text)

    title = " ".join(title.split())
    if m := _LOOSE_VERSION.search(title):
        fields.versions.insert(0, m.group(1))
        title = title[: m.start()]
    title = _clean_title(title, fields)

    if not date_seen:
        if bracket_year is not None:
            year, bracket_year = bracket_year, None
        else:
            # R2, loose rows only: "Doom - 1993", "Commander.Keen.4.1991", "Doom_1993".
            m = _DASH_YEAR.match(title) or (loose and _LOOSE_TRAILING_YEAR.match(title))
            if m:
                title, year = m.group(1), int(m.group(2))
                title = _clean_title(title, fields)
    if bracket_year is not None:
        fields.tags.append(str(bracket_year))

    if title.endswith(" -"):  # TOSEC multi-image "Title -[a]"
        title = title[:-2].rstrip()
    if title.islower():  # loose "monkey_island_2"; convention names keep their case (R7)
        title = _title_case(title)

    if not title:
        # Only brackets or only a version: fall back to any text outside the groups, then
        # to the stem, then to the whole name, so a title is never empty for a real name.
        outside = " ".join(t for k, t in segments if not k)
        title = " ".join(outside.split()) or original_stem.strip() or full

    return ParsedName(
        title=title,
        year=year,
        key=match_key(title),
        publisher=fields.publisher,
        version=" ".join(fields.versions),
        disk=fields.disk,
        disk_total=fields.disk_total,
        languages=tuple(fields.languages),
        regions=tuple(fields.regions),
        video=fields.video,
        flags=tuple(fields.flags),
        tags=tuple(fields.tags),
        igdb_id=fields.igdb_id,
    )
