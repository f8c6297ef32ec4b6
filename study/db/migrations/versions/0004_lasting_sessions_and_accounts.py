"""lasting login sessions, invitations to accounts, account status

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 18:30:00

Placeholder reserved for issue 12; it changes nothing yet.
"""
from typing import Sequence, Union

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
