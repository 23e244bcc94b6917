"""The catalogue's filters: which values exist, what a request asked for, the query it makes.

Every filter is a GET parameter, so each view of the catalogue is a link. Parameters that do
not validate (a word where a year goes, an id no game uses, a 10,000-character search) are
dropped, never an error: the page shows the catalogue without that filter.
"""

from urllib.parse import urlencode

from django import forms
from django.core.cache import cache
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Coalesce, ExtractYear

from catalog.models import Company, Game, Genre, Involvement, Theme

YEAR = Coalesce("year", ExtractYear("release_date"))
# key: (label, default direction, {direction: (label, ordering)}). Each sort starts in the
# direction people expect of it (A to Z, newest, best rated, latest added); `dir` flips it. Games
# without the value go last either way, and ties go by title.
SORTS = {
    "title": (
        "Title",
        "asc",
        {"asc": ("A to Z", ["sort_title", "year"]), "desc": ("Z to A", ["-sort_title", "-year"])},
    ),
    "year": (
        "Year",
        "desc",
        {
            "desc": ("Newest first", [YEAR.desc(nulls_last=True), "sort_title"]),
            "asc": ("Oldest first", [YEAR.asc(nulls_last=True), "sort_title"]),
        },
    ),
    "rating": (
        "Rating",
        "desc",
        {
            "desc": ("Highest first", [F("rating").desc(nulls_last=True), "sort_title"]),
            "asc": ("Lowest first", [F("rating").asc(nulls_last=True), "sort_title"]),
        },
    ),
    "added": (
        "Recently added",
        "desc",
        {
            "desc": ("Newest first", ["-created_at", "-pk"]),
            "asc": ("Oldest first", ["created_at", "pk"]),
        },
    ),
    # With a search only, and then the default (catalog/search.py ranks the matches); one
    # direction, best first.
    "relevance": (
        "Best match",
        "asc",
        {"asc": ("Best first", []), "desc": ("Best first", [])},  # search()'s own order
    ),
}
DIRECTIONS = ("asc", "desc")
DEFAULT_SORT = "title"


def default_sort(values) -> str:
    return "relevance" if values.get("q") else DEFAULT_SORT


MATCH_CHOICES = [("matched", "Matched"), ("unmatched", "Not matched")]
YEAR_MIN, YEAR_MAX = 1950, 2100
OPTION_KINDS = ("genre", "theme", "developer", "publisher")
# Genres and themes are the same for every user and every view of the catalogue, and change only
# when a scrape brings new metadata: each worker keeps them this long instead of running the
# query on every request. Kept under the catalogue's version, as rendered pages are: each
# worker's cache is its own memory, and a scrape (another process, maybe another host) retires
# them only through the version row.
LABEL_OPTIONS_SECONDS = 60


def _rows(queryset, kind, id_field="pk", name_field="name"):
    # Every part of the UNION annotates the same four columns in the same order.
    return (
        queryset.order_by()
        .annotate(
            row_kind=Value(kind, output_field=CharField()),
            row_id=F(id_field),
            row_name=F(name_field),
        )
        .values_list("row_kind", "row_id", "row_name")
    )


def _requested_id(data, name):
    try:
        return int(data.get(name, ""))
    except (TypeError, ValueError):
        return None


def _label_options():
    """[(kind, id, name)] of the genres and themes some game has, in one query."""
    genres = Genre.objects.filter(Exists(Game.genres.through.objects.filter(genre=OuterRef("pk"))))
    themes = Theme.objects.filter(Exists(Game.themes.through.objects.filter(theme=OuterRef("pk"))))
    return list(_rows(genres, "genre").union(_rows(themes, "theme"), all=True))


def filter_options(data, catalogue_version):
    """{"genre": [(id, name), ...], "theme": ..., "developer": ..., "publisher": ...}.

    Genres and themes: every one some game has, for the select lists. Companies: only the
    developer and publisher the request asks for, if that company did develop or publish a game.
    A library knows thousands of companies; listing them all made the catalogue page twice as
    slow to render. Companies are chosen from the links on game pages instead.
    """
    key = f"catalog:label-options:{catalogue_version}"
    rows = cache.get_or_set(key, _label_options, LABEL_OPTIONS_SECONDS)
    companies = []
    for kind in ("developer", "publisher"):
        if (pk := _requested_id(data, kind)) is not None:
            role = Involvement.objects.filter(company=OuterRef("pk"), **{kind: True})
            companies.append(_rows(Company.objects.filter(Exists(role), pk=pk), kind))
    if companies:
        rows = rows + list(companies[0].union(*companies[1:], all=True))
    options = {kind: [] for kind in OPTION_KINDS}
    for kind, pk, name in rows:
        options[kind].append((pk, name))
    for values in options.values():
        values.sort(key=lambda option: (option[1].casefold(), option[0]))
    return options


class CatalogueFilters(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    genre = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    theme = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    developer = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    publisher = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    year_from = forms.IntegerField(required=False, min_value=YEAR_MIN, max_value=YEAR_MAX)
    year_to = forms.IntegerField(required=False, min_value=YEAR_MIN, max_value=YEAR_MAX)
    match = forms.ChoiceField(required=False, choices=MATCH_CHOICES)
    fav = forms.BooleanField(required=False)
    sort = forms.ChoiceField(required=False, choices=[(k, v[0]) for k, v in SORTS.items()])
    dir = forms.ChoiceField(required=False, choices=[(d, d) for d in DIRECTIONS])

    def __init__(self, data, *, options, can_favorite, can_see_matching):
        super().__init__(data)
        for kind in OPTION_KINDS:
            self.fields[kind].choices = [(str(pk), name) for pk, name in options[kind]]
        if not can_favorite:
            del self.fields["fav"]
        if not can_see_matching:
            del self.fields["match"]  # the scraper's bookkeeping: for those who run it

    def values(self):
        """The valid parameters, invalid ones dropped (the form's errors are never shown)."""
        self.is_valid()
        values = {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}
        if values.get("sort") == "relevance" and not values.get("q"):
            del values["sort"]  # nothing to rank
        values.setdefault("sort", default_sort(values))
        values.setdefault("dir", default_direction(values["sort"]))
        low, high = values.get("year_from"), values.get("year_to")
        if low and high and low > high:
            values["year_from"], values["year_to"] = high, low
        return values


def filter_games(games, values, user, typos=None):
    if values.get("q"):
        games = games.search(values["q"], typos)
    if "genre" in values:
        games = games.filter(genres=values["genre"])
    if "theme" in values:
        games = games.filter(themes=values["theme"])
    if "developer" in values:
        games = games.developed_by(values["developer"])
    if "publisher" in values:
        games = games.published_by(values["publisher"])
    if "year_from" in values:
        games = games.released_from(values["year_from"])
    if "year_to" in values:
        games = games.released_until(values["year_to"])
    if values.get("match") == "matched":
        games = games.matched()
    elif values.get("match") == "unmatched":
        games = games.unmatched()
    if values.get("fav"):
        games = games.favorites_of(user)
    ordering = SORTS[values["sort"]][2][values["dir"]][1]
    return games.order_by(*ordering) if ordering else games


def default_direction(sort):
    return SORTS[sort][1]


def sort_options():
    """[(key, label, default direction, {direction: label})] for the two sort selects."""
    return [
        (key, label, default, {d: names[0] for d, names in directions.items()})
        for key, (label, default, directions) in SORTS.items()
    ]


def query_string(values, **changes):
    """The canonical query string of these filters: defaults left out, `page` last."""
    values = {**values, **changes}
    params = []
    defaults = {"sort": default_sort(values), "page": 1}
    if values.get("sort") in SORTS:
        defaults["dir"] = default_direction(values["sort"])
    names = ("q", *OPTION_KINDS, "year_from", "year_to", "match", "fav", "sort", "dir", "page")
    for name in names:
        value = values.get(name)
        if value in (None, "", False) or defaults.get(name) == value:
            continue
        params.append((name, 1 if value is True else value))
    return urlencode(params)


def active_filters(values, options):
    """[(label, query string without it)] for the "remove this filter" links."""
    names = {kind: dict(options[kind]) for kind in OPTION_KINDS}
    labels = {
        "q": lambda v: f"“{v}”",
        **{
            kind: (lambda v, kind=kind: f"{kind.title()}: {names[kind].get(v, v)}")
            for kind in OPTION_KINDS
        },
        "year_from": lambda v: f"From {v}",
        "year_to": lambda v: f"Until {v}",
        "match": lambda v: dict(MATCH_CHOICES)[v],
        "fav": lambda v: "My favourites",
    }
    return [
        (label(values[name]), query_string(values, **{name: None}))
        for name, label in labels.items()
        if name in values
    ]
