"""survey invitations and reminders by e-mail

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 18:30:00

Issue 10: ``mail_recipient`` (an address per personal invitation of a campaign,
with opt-out) and ``mail_sent`` (what was sent, and on which day). Neither refers
to a response.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('mail_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.Column('opted_out', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'],
                            name=op.f('fk_mail_recipient_campaign_id_campaign'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'],
                            name=op.f('fk_mail_recipient_invitation_id_invitation'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_recipient')),
    sa.UniqueConstraint('campaign_id', 'email', name=op.f('uq_mail_recipient_campaign_id_email')),
    sa.UniqueConstraint('invitation_id', name=op.f('uq_mail_recipient_invitation_id'))
    )
    with op.batch_alter_table('mail_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_recipient_campaign_id'), ['campaign_id'],
                              unique=False)

    op.create_table('mail_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.CheckConstraint("kind IN ('invitation', 'reminder')", name=op.f('ck_mail_sent_kind')),
    sa.ForeignKeyConstraint(['recipient_id'], ['mail_recipient.id'],
                            name=op.f('fk_mail_sent_recipient_id_mail_recipient'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_sent'))
    )
    with op.batch_alter_table('mail_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_sent_recipient_id'), ['recipient_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('mail_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_sent_recipient_id'))
    op.drop_table('mail_sent')
    with op.batch_alter_table('mail_recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_recipient_campaign_id'))
    op.drop_table('mail_recipient')
