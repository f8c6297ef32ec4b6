"""blind coding mode for schemes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 18:30:00

Placeholder reserved for issue 11 (blind mode); it changes nothing yet.
"""
from typing import Sequence, Union

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
