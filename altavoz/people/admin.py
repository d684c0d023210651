"""The Django admin (/manage/, an OTPAdminSite): for site admins with a verified device.

Site roles replace Django's per-model permissions: a user whose role is admin
may manage everything here without being a superuser, so permissions are
checked against the role (AdminRoleOnly) rather than granted one by one.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from altavoz.people.forms import AdminUserAddForm, AdminUserChangeForm
from altavoz.people.models import Membership, Organization, User


def is_site_admin(user) -> bool:
    return bool(
        user.is_active and (user.is_superuser or getattr(user, "role", "") == User.Role.ADMIN)
    )


class AdminRoleOnly:
    """Every permission follows the admin role; the site itself demands a verified device."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_site_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_site_admin(request.user)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return is_site_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_site_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_site_admin(request.user)


class MembershipInline(AdminRoleOnly, admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)
    fields = ("user", "organization", "role", "joined_at")
    readonly_fields = ("joined_at",)


@admin.register(User)
class UserAdmin(AdminRoleOnly, DjangoUserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserAddForm
    list_display = ("username", "display_name", "role", "is_active", "last_login", "date_joined")
    list_filter = ("role", "is_active")
    search_fields = ("username", "display_name")
    ordering = ("username",)
    # No email or real name: contributors' accounts must not lead back to them.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Public profile"), {"fields": ("display_name", "bio")}),
        (_("Role"), {"fields": ("role", "is_active", "is_staff")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("username", "role", "usable_password", "password1", "password2")}),
    )
    # is_staff follows the role (User.save), so it is shown, never edited.
    readonly_fields = ("is_staff", "last_login", "date_joined")
    filter_horizontal = ()
    inlines = [MembershipInline]

    def get_inlines(self, request: HttpRequest, obj=None) -> list:
        # Memberships are added once the account exists; the add page stays short.
        return self.inlines if obj is not None else []


@admin.register(Organization)
class OrganizationAdmin(AdminRoleOnly, admin.ModelAdmin):
    list_display = ("name", "kind", "verified", "created_at")
    list_filter = ("kind", "verified")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]
    actions = ["mark_verified", "mark_unverified"]

    @admin.action(description=_("Mark as verified (publishers skip the queue)"))
    def mark_verified(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        self._set_verified(request, queryset, True)

    @admin.action(description=_("Mark as not verified"))
    def mark_unverified(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        self._set_verified(request, queryset, False)

    def _set_verified(self, request: HttpRequest, queryset: QuerySet, value: bool) -> None:
        count = queryset.update(verified=value)
        self.message_user(
            request,
            ngettext("%(count)d organization updated.", "%(count)d organizations updated.", count)
            % {"count": count},
            messages.SUCCESS,
        )


# django-otp registers its own device admin, which shows secret keys and needs
# model permissions. Ours lets admins see devices and remove a lost one (the
# owner then sets up a new one); keys are never shown.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(AdminRoleOnly, admin.ModelAdmin):
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at",
              "throttling_failure_count")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
