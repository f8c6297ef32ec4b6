"""platform exports (Slack, Viva Engage): people, conversations, messages

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 18:30:00

Placeholder reserved for issue 15; it changes nothing yet.
"""
from typing import Sequence, Union

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
