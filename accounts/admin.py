from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.urls import reverse
from django.utils.html import format_html

from accounts.models import LoginFailure, Role, User
from catalog.models import Favorite

ROLE_FIELD_HELP = (
    "Demo browses only; normal also downloads, plays and keeps favourites; super also manages "
    "the site here."
)


class UserCreationForm(AdminUserCreationForm):
    # A new user always gets a role: one without can log in but sees nothing of the site.
    role = forms.ChoiceField(choices=Role.choices, initial=Role.NORMAL, help_text=ROLE_FIELD_HELP)


class UserChangeWithRoleForm(UserChangeForm):
    # "No role" stays possible here, to take someone's access away without deleting them; they
    # then see a page saying so (templates/accounts/no_role.html) when they log in.
    role = forms.ChoiceField(
        choices=[("", "No role: can log in, sees nothing"), *Role.choices],
        required=False,
        help_text=ROLE_FIELD_HELP,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["role"].initial = self.instance.role


class RoleListFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(groups__name=self.value())
        return queryset


class FavoriteInline(admin.TabularInline):
    """A user's favourites, read-only: they are the user's own choice, made on the site."""

    model = Favorite
    fields = ["game_link", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "favourites"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("game")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="game")
    def game_link(self, favorite):
        return format_html(
            '<a href="{}">{}</a> (<a href="{}">on the site</a>)',
            reverse("admin:catalog_game_change", args=[favorite.game_id]),
            favorite.game,
            favorite.game.get_absolute_url(),
        )


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeWithRoleForm
    inlines = [FavoriteInline]
    add_form = UserCreationForm
    list_display = ["username", "email", "role_display", "is_active", "last_login"]
    list_filter = [RoleListFilter, "is_active", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["username", "password", "role"]}),
        ("Personal info", {"fields": ["first_name", "last_name", "email"]}),
        (
            "Permissions",
            {
                "classes": ["collapse"],
                "fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"],
            },
        ),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "role", "password1", "password2"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    # Superuser status is above every role: only a superuser grants it or touches the record
    # (password, name, active flag) of someone who has it. A super user, staff with every user
    # permission, could otherwise make themselves superuser or take a superuser's account over.
    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser else [*fields, "is_superuser"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # also refuses the password form, which asks the same
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # the list's bulk delete asks this for each user too
        return super().has_delete_permission(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if obj else []  # a new user has no favourites yet

    @admin.display(description="role")
    def role_display(self, obj):
        return obj.role or "—"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "role" in form.cleaned_data:
            form.instance.set_role(form.cleaned_data["role"])


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Failed logins of the last 15 minutes (accounts/throttle.py). Deleting an account's or an
    address's rows lifts its lock early."""

    list_display = ["username", "address", "at"]
    search_fields = ["username", "address"]
    ordering = ["-at"]
