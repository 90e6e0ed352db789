"""The domain model, one module per concept. Importing this package registers every table."""

from app.models.audit import AuditEvent
from app.models.followup import (
    Actor,
    Attachment,
    Comment,
    EntryKind,
    EntryRevision,
    LogEntry,
    PlanItem,
    Registration,
    ReviewStatus,
    RubricScore,
    Setting,
)
from app.models.organisations import Organisation, OrganisationKind, Partnership
from app.models.people import Membership, Role, User, normalise_email
from app.models.placements import Placement, PlacementKind, PlacementStatus
from app.models.training import (
    Certificate,
    MentorRecord,
    ModuleProgress,
    PostStatus,
    PracticePost,
    Recommendation,
)

__all__ = [
    "Actor",
    "Attachment",
    "Comment",
    "EntryKind",
    "EntryRevision",
    "LogEntry",
    "PlanItem",
    "PostStatus",
    "PracticePost",
    "Recommendation",
    "Registration",
    "ReviewStatus",
    "RubricScore",
    "Setting",
    "AuditEvent",
    "Certificate",
    "Membership",
    "MentorRecord",
    "ModuleProgress",
    "Organisation",
    "OrganisationKind",
    "Partnership",
    "Placement",
    "PlacementKind",
    "PlacementStatus",
    "Role",
    "User",
    "normalise_email",
]
