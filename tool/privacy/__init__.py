"""Student privacy at the LLM boundary.

``Redactor`` replaces every identity the LMS gives us (and names it does not
know) in text the teacher wrote, before anything leaves for the LLM;
``restore`` puts one-person placeholders back for the teacher's pages.
"""

from tool.privacy.people import (
    EMAIL_PLACEHOLDER,
    HIDDEN_PLACEHOLDER,
    NAME_PLACEHOLDER,
    PLACEHOLDERS,
    Person,
    Role,
)
from tool.privacy.redactor import RESTORABLE, Redactor, Replacement, apply
from tool.privacy.restore import restore, restore_data

__all__ = [
    "EMAIL_PLACEHOLDER",
    "HIDDEN_PLACEHOLDER",
    "NAME_PLACEHOLDER",
    "PLACEHOLDERS",
    "RESTORABLE",
    "Person",
    "Redactor",
    "Replacement",
    "Role",
    "apply",
    "restore",
    "restore_data",
]
