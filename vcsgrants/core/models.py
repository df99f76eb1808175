"""Areas, financial years, organisations, users and the business event log."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    """A role is a Django group of the same name; rules predicates check membership."""

    ADMIN = "admin", "Administrator"
    OFFICER = "officer", "Council officer"
    FINANCE = "finance", "Finance officer"
    CABINET = "cabinet", "Cabinet member"
    PARTNER = "partner", "Partner user"
    PROVIDER = "provider", "Provider user"
    APPLICANT = "applicant", "Applicant (applies to open calls)"
    ASSESSOR = "assessor", "Assessor (scores the applications assigned to them)"


class FinancialYear(models.Model):
    """1 April to 31 March, written 2022-23."""

    start_year = models.PositiveSmallIntegerField(unique=True)

    class Meta:
        ordering = ["start_year"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.start_year, 4, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.start_year + 1, 3, 31)


gss_validator = RegexValidator(r"^[EWSN]\d{8}$", "Enter a 9-character GSS code (a letter and 8 digits, such as E08000001).")


class AreaIndicator(models.Model):
    """A need indicator the council records for its areas (an IMD score, a rurality index…), named by the council.

    Each area's values are in `Area.indicators` under `key`. Indicators where a higher value means more need are
    offered as need weights when allocation options are modelled (vcsgrants.equity); the others are kept and shown.
    """

    key = models.SlugField(
        "short name",
        max_length=40,
        unique=True,
        help_text="Letters, digits, - and _ only, such as imd: how option sets and spreadsheets name the indicator.",
    )
    name = models.CharField(max_length=120, unique=True, help_text="For example: IMD 2019 average score.")
    description = models.TextField(blank=True, help_text="Where the figures come from and what they measure.")
    higher_is_more_need = models.BooleanField(
        "a higher value means more need",
        default=True,
        help_text="Only such indicators are offered as need weights in allocation options (an IMD score is; an IMD rank is not).",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """An area the council allocates to (its districts, wards, community areas…) or its whole area.

    The words for them are the council's (CouncilSettings.area_word, whole_area_name); `kind` keeps the
    internal names district and county. The official (GSS) code is optional; a retired area keeps its history
    but is offered for no new allocation, lot or option set.
    """

    class Kind(models.TextChoices):
        DISTRICT = "district", "An area the council allocates to"
        COUNTY = "county", "The council's whole area"

    gss_code = models.CharField(
        "GSS code",
        max_length=9,
        unique=True,
        null=True,
        blank=True,
        validators=[gss_validator],
        help_text="The official code where the area has one (9 characters, such as E07000001); leave blank otherwise.",
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DISTRICT)
    population = models.PositiveIntegerField(null=True, blank=True)
    indicators = models.JSONField(
        default=dict, blank=True, help_text="Need indicator values: AreaIndicator.key → the value as decimal text."
    )
    retired_on = models.DateField(
        null=True, blank=True, help_text="From this date the area is offered for no new allocation; its history stays."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name"]  # "county" sorts before "district": the whole area first

    def __str__(self) -> str:
        if self.kind == self.Kind.COUNTY:
            from vcsgrants.core.council import whole_area_name

            return whole_area_name()
        return self.name

    def save(self, *args, **kwargs):
        self.gss_code = (self.gss_code or "").strip().upper() or None  # blank is "none", so unique only when given
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.retired_on is None

    @property
    def code(self) -> str:
        """How option sets and exports identify the area: its GSS code, or its name where it has none."""
        return self.gss_code or self.name[:40]

    def indicator_value(self, key: str) -> Decimal | None:
        value = (self.indicators or {}).get(key)
        return None if value in (None, "") else Decimal(str(value))


org_id_validator = RegexValidator(
    r"^[A-Z]{2}-[A-Z0-9]{2,5}-[A-Za-z0-9_.\-]+$", "Enter an Org-ID such as GB-CHC-1234567 (list prefix, then the identifier)."
)


class Organisation(models.Model):
    class Kind(models.TextChoices):
        FUNDER = "funder", "Funder (the council)"
        PARTNER = "partner", "Partner body"
        PROVIDER = "provider", "Provider"
        APPLICANT = "applicant", "Applicant"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    org_id = models.CharField(
        "Org-ID",
        max_length=60,
        unique=True,
        null=True,
        blank=True,
        validators=[org_id_validator],
        help_text="From org-id.guide, for example GB-CHC-1234567 (charity) or GB-COH-01234567 (company).",
    )
    charity_number = models.CharField(max_length=20, blank=True)
    company_number = models.CharField(max_length=20, blank=True)
    supplier_reference = models.CharField(
        max_length=40, blank=True, help_text="The finance system's supplier number for paying this organisation."
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="departments",
        help_text="For a department (such as Public Health) that belongs to a larger body.",
    )
    successor = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="predecessors")
    succeeded_on = models.DateField(null=True, blank=True, help_text="The date the successor took over.")
    is_demo = models.BooleanField(default=False, help_text="Fictional organisation created by the demo loader.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("hub:organisation-detail", args=[self.pk])

    def clean(self) -> None:
        if bool(self.successor_id) != bool(self.succeeded_on):
            raise ValidationError({"succeeded_on": "Give both the successor and the date it took over, or neither."})
        if self.successor_id and self.successor_id == self.pk:
            raise ValidationError({"successor": "An organisation cannot succeed itself."})


class User(AbstractUser):
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users")

    def has_perm(self, perm: str, obj=None) -> bool:
        """Django's check, remembered for this user object when it asks about no object (a role-wide permission).

        request.user is a fresh object each request, so this is a per-request memo: a page asks `perms.x.y` (or
        has_perm) per table row and the rules run once (docs/development/architecture.md, "Long lists page").
        Answers about an object are not remembered: the object may change within the request (a return submitted).
        """
        if obj is not None:
            return super().has_perm(perm, obj)
        memo = self.__dict__.setdefault("_perm_memo", {})
        key = (perm, self.is_active, self.is_superuser)
        if key not in memo:
            memo[key] = super().has_perm(perm)
        return memo[key]

    def forget_permissions(self) -> None:
        """Forget the remembered answers and roles (after this user's roles or organisation change in a request)."""
        self.__dict__.pop("_perm_memo", None)
        self.__dict__.pop("_role_names", None)

    def has_role(self, role: str) -> bool:
        if not self.is_active:
            return False
        if not hasattr(self, "_role_names"):
            self._role_names = set(self.groups.values_list("name", flat=True))
        return role in self._role_names

    @property
    def role_names(self) -> list[str]:
        return [label for value, label in Role.choices if self.has_role(value)]

    @property
    def display_name(self) -> str:
        """How pages name a person: their full name, or their username when no name is recorded."""
        return self.get_full_name() or self.username

    def __str__(self) -> str:
        # Wherever a person is named by default ({{ user }}, an f-string, a choice label), the name people use;
        # the username only where it is asked for (sign-in, tokens, the API's fields).
        return self.display_name


class SsoIdentity(models.Model):
    """A council account at the council's identity provider that signs in as this user (single sign-on, core.sso).

    Matched by the provider's issuer and the account's subject (`sub`), which never change, never by e-mail address:
    an address is not proof of the account (see ADR 0020). A user with one has no usable password.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="sso_identity")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    groups = models.JSONField(default=list, blank=True, help_text="The groups claim at the last sign-in")
    created_at = models.DateTimeField(auto_now_add=True)
    last_signed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_issuer_subject")]

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer}"


class CouncilSettings(models.Model):
    """Who runs this service and the words it uses: one row (pk 1), edited by administrators.

    Everything the pages, reports, e-mails and open data say about "the council" comes from here
    (vcsgrants.core.council.current() reads it), never from templates or code.
    """

    council_name = models.CharField(
        max_length=200, blank=True, help_text="As it appears on reports and e-mails, for example Northshire County Council."
    )
    council_org_id = models.CharField(
        "council's Org-ID",
        max_length=60,
        blank=True,
        validators=[org_id_validator],
        help_text="The council's identifier from org-id.guide, for example GB-LAE-NSH. Open data uses it as the publisher.",
    )
    service_name = models.CharField(max_length=80, default="VCS Grants", help_text="Shown in the header of every page.")
    logo = models.FileField(
        upload_to="council/", blank=True, help_text="A PNG or JPEG image, shown in the header, on reports and in e-mails."
    )
    contact_email = models.EmailField(
        blank=True, help_text="Where people can write to the team that runs the service (shown in the footer and e-mails)."
    )
    footer_text = models.TextField(blank=True, help_text="A sentence or two at the foot of every page.")
    email_sign_off = models.TextField(
        "e-mail sign-off", blank=True, help_text="The lines that end every e-mail, for example the team's name."
    )
    area_word = models.CharField(
        max_length=40,
        default="district",
        help_text="What the council calls an area it allocates to: district, ward, community area…",
    )
    area_word_plural = models.CharField(max_length=40, default="districts")
    whole_area_name = models.CharField(
        max_length=60,
        default="County-wide",
        help_text="What the council calls money for its whole area: County-wide, Borough-wide, Council-wide…",
    )
    service_phase = models.CharField(
        max_length=20,
        blank=True,
        help_text="Alpha or Beta while the service is being proven: shown in a phase banner on every page. Blank for none.",
    )
    accessibility_contact = models.CharField(
        max_length=200,
        blank=True,
        help_text=(
            "An e-mail address or telephone number for anyone who needs information in another format or finds an "
            "accessibility problem: shown in the accessibility statement. Blank uses the contact e-mail address."
        ),
    )
    privacy_notice = models.TextField(
        blank=True,
        help_text=(
            "The service's privacy notice, in plain paragraphs (a blank line between them). Blank shows the standard "
            "notice, which names the council and its contact."
        ),
    )
    report_sections = models.JSONField(
        "sections of Cabinet reports",
        default=dict,
        blank=True,
        help_text="Each standard section's heading, keyed as in core.council.REPORT_SECTIONS; blank leaves it out.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "council settings"
        verbose_name_plural = "council settings"

    def __str__(self) -> str:
        return self.council_name or "Council settings"

    def save(self, *args, **kwargs):
        self.pk = 1  # one row: the council this installation serves
        super().save(*args, **kwargs)


class AuditEvent(models.Model):
    """A business action: who did what, to which record, with the details that matter."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audit_events")
    verb = models.CharField(max_length=60)
    summary = models.CharField(max_length=500)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%d %b %Y %H:%M} {self.actor}: {self.summary}"


class UploadedDocument(models.Model):
    """What every uploaded document keeps besides its file: agreement, consultation and call documents.

    Each concrete model adds its owner and its `file` (stored under its own folder); the upload is checked by
    `vcsgrants.core.uploads.check_upload` before it is saved, and served by `download_response`.
    """

    title = models.CharField(max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title


class BackgroundJob(models.Model):
    """Work a person asked for that runs in the worker (`manage.py run_worker`), not in their request: a report
    rendered as PDF or Word, an export, an import. Its page (/jobs/<id>/) shows its progress and, when it is
    done, its file (kept in the default storage, so any app server can serve it) or its error. Only the person
    who asked, and administrators, can see it (rules: core.view_job). See vcsgrants/core/jobs.py."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "In progress"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="background_jobs")
    kind = models.CharField(max_length=60, help_text="What it does, e.g. report-pdf")
    title = models.CharField(max_length=300, help_text="What the person asked for, in their words")
    back_url = models.CharField(max_length=500, blank=True, help_text="The page it was asked for from")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    step = models.CharField(max_length=200, blank=True, help_text="What it is doing now")
    result_file = models.FileField(upload_to="jobs/%Y/%m/", blank=True)
    result_name = models.CharField(max_length=255, blank=True, help_text="The file's name when downloaded")
    result_content_type = models.CharField(max_length=120, blank=True)
    result_url = models.CharField(max_length=500, blank=True, help_text="A page to see the result on")
    result_summary = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True, help_text="Why it failed, for the person who asked")
    task_id = models.CharField(max_length=64, blank=True, help_text="The task's id in the task queue")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("core:job-detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int | None:
        return min(100, round(100 * self.done / self.total)) if self.total else None


class ScheduledRun(models.Model):
    """One slot of a scheduled task (vcsgrants/core/schedule.py), e.g. "send-outbox" at 07:10 UTC. The unique
    constraint is what stops two workers (on two servers) both enqueuing the same slot: the second insert fails."""

    name = models.CharField(max_length=60)
    slot = models.DateTimeField(help_text="The start of the interval this run is for (UTC)")
    enqueued_at = models.DateTimeField(auto_now_add=True)
    worker = models.CharField(max_length=100, blank=True, help_text="The worker that enqueued it")
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-slot", "name"]
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="scheduled_run_name_slot")]

    def __str__(self) -> str:
        return f"{self.name} at {self.slot:%Y-%m-%d %H:%M}"
