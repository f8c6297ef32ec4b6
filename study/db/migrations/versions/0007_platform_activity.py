"""platform exports (Slack, Viva Engage): people, conversations, messages

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 18:30:00

Pseudonymised platform activity (issue 15): imports, people (an HMAC, a department
and a coarse level), channels, messages without their text, and the conversations
kept as codable documents.
"""
from typing import Sequence, Union

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'platform_import',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('platform', sa.String(length=20), nullable=False),
        sa.Column('source_name', sa.String(length=300), nullable=False),
        sa.Column('salt_check', sa.String(length=64), nullable=False),
        sa.Column('hour_resolution', sa.Boolean(), nullable=False),
        sa.Column('report', sa.JSON(), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['imported_by_id'], ['account.id'],
                                name=op.f('fk_platform_import_imported_by_id_account'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_platform_import_organisation_id_organisation'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_import')))
    op.create_index(op.f('ix_platform_import_organisation_id'), 'platform_import',
                    ['organisation_id'], unique=False)
    op.create_table(
        'platform_person',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('pseudonym', sa.String(length=64), nullable=False),
        sa.Column('department', sa.String(length=200), nullable=True),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('listed', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_platform_person_organisation_id_organisation'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_person')),
        sa.UniqueConstraint('organisation_id', 'pseudonym',
                            name=op.f('uq_platform_person_organisation_id_pseudonym')))
    op.create_index(op.f('ix_platform_person_organisation_id'), 'platform_person',
                    ['organisation_id'], unique=False)
    op.create_table(
        'platform_channel',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_platform_channel_organisation_id_organisation'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_channel')),
        sa.UniqueConstraint('organisation_id', 'key',
                            name=op.f('uq_platform_channel_organisation_id_key')))
    op.create_index(op.f('ix_platform_channel_organisation_id'), 'platform_channel',
                    ['organisation_id'], unique=False)
    op.create_table(
        'platform_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.String(length=40), nullable=False),
        sa.Column('thread_key', sa.String(length=40), nullable=False),
        sa.Column('parent_source_id', sa.String(length=40), nullable=True),
        sa.Column('is_reply', sa.Boolean(), nullable=False),
        sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reactions', sa.Integer(), nullable=False),
        sa.Column('reactors', sa.JSON(), nullable=True),
        sa.Column('mentions', sa.JSON(), nullable=True),
        sa.Column('edited_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['channel_id'], ['platform_channel.id'],
                                name=op.f('fk_platform_message_channel_id_platform_channel'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['edited_by_id'], ['platform_person.id'],
                                name=op.f('fk_platform_message_edited_by_id_platform_person'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['import_id'], ['platform_import.id'],
                                name=op.f('fk_platform_message_import_id_platform_import'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_platform_message_organisation_id_organisation'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['platform_person.id'],
                                name=op.f('fk_platform_message_person_id_platform_person'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_message')),
        sa.UniqueConstraint('channel_id', 'source_id',
                            name=op.f('uq_platform_message_channel_id_source_id')))
    for column in ('organisation_id', 'person_id', 'import_id'):
        op.create_index(op.f(f'ix_platform_message_{column}'), 'platform_message', [column],
                        unique=False)
    op.create_table(
        'platform_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('thread_key', sa.String(length=40), nullable=False),
        sa.Column('transcript_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['channel_id'], ['platform_channel.id'],
                                name=op.f('fk_platform_document_channel_id_platform_channel'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['transcript_id'], ['transcript.id'],
                                name=op.f('fk_platform_document_transcript_id_transcript'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_document')),
        sa.UniqueConstraint('channel_id', 'thread_key',
                            name=op.f('uq_platform_document_channel_id_thread_key')))
    op.create_index(op.f('ix_platform_document_transcript_id'), 'platform_document',
                    ['transcript_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_platform_document_transcript_id'), table_name='platform_document')
    op.drop_table('platform_document')
    for column in ('organisation_id', 'person_id', 'import_id'):
        op.drop_index(op.f(f'ix_platform_message_{column}'), table_name='platform_message')
    op.drop_table('platform_message')
    op.drop_index(op.f('ix_platform_channel_organisation_id'), table_name='platform_channel')
    op.drop_table('platform_channel')
    op.drop_index(op.f('ix_platform_person_organisation_id'), table_name='platform_person')
    op.drop_table('platform_person')
    op.drop_index(op.f('ix_platform_import_organisation_id'), table_name='platform_import')
    op.drop_table('platform_import')
