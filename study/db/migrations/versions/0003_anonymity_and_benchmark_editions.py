"""anonymity of invitations and published benchmark editions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 18:30:00

Placeholder reserved for issue 13 (items 4 and 5); it changes nothing yet.
"""
from typing import Sequence, Union

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
