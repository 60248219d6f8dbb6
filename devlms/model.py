"""The development LMS's data: course, users, tools, links, line items, scores.

Plain dataclasses so the whole state can be written to and read back from JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Flavour = Literal["canvas", "moodle"]
Privacy = Literal["public", "name_only", "email_only", "anonymous"]
PRIVACY_LEVELS: tuple[Privacy, ...] = ("public", "name_only", "email_only", "anonymous")

COURSE_ID = "course-101"
COURSE_TITLE = "Year 8 English"
COURSE_LABEL = "ENG8"

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
ROLE_URIS = {
    "Instructor": LIS + "membership#Instructor",
    "Learner": LIS + "membership#Learner",
}
# What a platform administrator's launch carries. Moodle: a site admin gets Instructor in any course plus
# institution and system Administrator; Canvas: an account admin not enrolled in the course gets no course
# role, only institution Administrator and system User.
ADMIN_ROLES = {
    "moodle": [
        LIS + "membership#Instructor",
        LIS + "institution/person#Administrator",
        LIS + "system/person#Administrator",
    ],
    "canvas": [LIS + "institution/person#Administrator", LIS + "system/person#User"],
}
# Canvas sends institution and system roles next to the membership role.
CANVAS_EXTRA_ROLES = {
    "Instructor": [LIS + "institution/person#Instructor", LIS + "system/person#User"],
    "Learner": [LIS + "institution/person#Student", LIS + "system/person#User"],
}

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_RO = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_RO = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_RO, SCOPE_RESULT_RO, SCOPE_SCORE)
SERVICE_SCOPES = (*AGS_SCOPES, SCOPE_NRPS)


@dataclass(frozen=True)
class User:
    key: str
    given_name: str
    family_name: str
    role: Literal["Instructor", "Learner"]
    moodle_sub: str
    canvas_sub: str
    # The platform's administrator (Moodle site admin, Canvas account admin), not a course member.
    site_admin: bool = False
    # What Moodle's and Canvas's $Person.address.timezone substitution gives for this user.
    timezone: str = "Europe/London"

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def email(self) -> str:
        return f"{self.key}@example.com"

    def sub(self, flavour: Flavour) -> str:
        return self.moodle_sub if flavour == "moodle" else self.canvas_sub


USERS: tuple[User, ...] = (
    User("teacher", "Tina", "Teacher", "Instructor", "3", "5d1b8f0e-3c2a-4e7b-9a61-0f4c2d7e8a13"),
    User("student1", "Sam", "Student", "Learner", "4", "9a7e2c41-6b0d-4f3e-8c25-1d9b7a3e5f02"),
    User("student2", "Sue", "Scholar", "Learner", "5", "c3f08d62-1e4b-47a9-b0d8-6e2a9c5f7b34"),
    User("student3", "Ravi", "Reader", "Learner", "6", "e81b5a97-4d2c-4b6f-a3e0-7c9d1f2b8e45"),
)
# Not enrolled (never on the roster); launches with the platform's administrator roles.
ADMIN = User("admin", "Ada", "Admin", "Instructor", "2", "0b6f3c2e-8d41-4a7f-b5e9-2c1d7a9e4f60", site_admin=True)
USERS_BY_KEY = {user.key: user for user in (*USERS, ADMIN)}


def user_by_sub(flavour: Flavour, sub: str) -> User | None:
    return next((user for user in USERS if user.sub(flavour) == sub), None)


@dataclass
class Tool:
    """A registered tool (Canvas developer key / Moodle tool type) with its one deployment."""

    client_id: str
    name: str
    login_url: str
    launch_url: str
    jwks_url: str
    redirect_uris: list[str]
    deployment_id: str
    scopes: list[str]
    privacy: Privacy = "public"
    active: bool = True
    type_id: int = 0
    custom: dict[str, str] = field(default_factory=dict)
    deep_link_url: str | None = None
    placements: list[str] = field(default_factory=list)
    domain: str | None = None
    registration: dict[str, Any] | None = None
    # Moodle's "Tool configuration usage" (coursevisible): 0 hidden, 1 preconfigured tool only (what Dynamic
    # Registration makes: teachers do not see it), 2 also in the activity chooser. Canvas tools are always offered.
    coursevisible: int = 2
    # Moodle 4.3+: the course's own "Show in activity chooser" switch (More › LTI External tools); None = site's.
    course_chooser: bool | None = None

    @property
    def in_chooser(self) -> bool:
        """Whether a teacher sees the tool when adding an activity to the course."""
        if self.coursevisible == 0:
            return False
        return self.course_chooser if self.course_chooser is not None else self.coursevisible == 2

    @property
    def sends_name(self) -> bool:
        return self.privacy in ("public", "name_only")

    @property
    def sends_email(self) -> bool:
        return self.privacy in ("public", "email_only")


@dataclass
class Link:
    """Something launchable in the course: a plain resource link, a Moodle activity or a Canvas assignment."""

    id: str
    client_id: str
    title: str
    kind: Literal["link", "activity", "assignment"] = "link"
    text: str = ""
    url: str | None = None
    custom: dict[str, str] = field(default_factory=dict)
    line_item_id: str | None = None
    published: bool = True
    # "external_tool" is launchable; "none" is a Canvas assignment without a tool.
    submission_type: str = "external_tool"
    unlock_at: str | None = None
    due_at: str | None = None
    lock_at: str | None = None
    points: float | None = None
    resource_id: str | None = None
    tag: str | None = None
    created_by: str = "registration"


@dataclass
class Score:
    user_id: str
    timestamp: str
    activity_progress: str
    grading_progress: str
    score_given: float | None = None
    score_maximum: float | None = None
    result_score: float | None = None
    comment: str | None = None


@dataclass
class LineItem:
    id: str
    client_id: str
    label: str
    score_maximum: float
    resource_id: str = ""
    tag: str = ""
    resource_link_id: str | None = None
    # Canvas keeps dates (on the assignment); Moodle echoes them once and forgets them.
    start_date_time: str | None = None
    end_date_time: str | None = None
    scores: dict[str, Score] = field(default_factory=dict)


@dataclass
class AccessToken:
    client_id: str
    scopes: list[str]
    expires_at: float


@dataclass
class LaunchIntent:
    """What a ``lti_message_hint`` stands for: who launches what (single use)."""

    client_id: str
    user_key: str
    message_type: str
    link_id: str | None
    placement: str | None
    expires_at: float


@dataclass
class DeepLinkSession:
    """A deep-linking request in flight; its key sits in the deep_link_return_url."""

    client_id: str
    user_key: str
    placement: str
    accept_multiple: bool
    data: str
    expires_at: float


@dataclass
class RegistrationToken:
    client_id: str
    expires_at: float
    used: bool = False


def to_plain(obj: Any) -> Any:
    """JSON-ready form of dataclasses nested in dicts/lists."""
    if hasattr(obj, "__dataclass_fields__"):
        return asdict(obj)
    if isinstance(obj, dict):
        return {key: to_plain(value) for key, value in obj.items()}
    if isinstance(obj, list):
        return [to_plain(value) for value in obj]
    return obj


def line_item_from_plain(data: dict[str, Any]) -> LineItem:
    scores = {key: Score(**value) for key, value in data.pop("scores", {}).items()}
    return LineItem(**data, scores=scores)
