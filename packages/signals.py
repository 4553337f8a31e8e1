"""Events of the package index that higher layers react to (they import packages, not the
reverse): sent by packages.services inside the service's transaction."""

from __future__ import annotations

from django.dispatch import Signal

# A project was deleted: normalized_name (str), collaborators (list of users), request.
# tokens revokes the collaborators' tokens scoped to it (a scope names the project, as on
# PyPI, not whoever registers the freed name next).
project_deleted = Signal()
