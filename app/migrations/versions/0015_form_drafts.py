"""Drafts of forms: what someone typed and has not saved yet, kept when a session ended
under a form being sent, or autosaved while typing (`form_draft`).

Revision ID: 0015_form_drafts
Revises: 0014_account_mail
Create Date: 2026-12-07 12:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_form_drafts'
down_revision = '0014_account_mail'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('action', sa.String(length=300), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('kept', sa.Boolean(), nullable=False),
    sa.Column('session_key', sa.String(length=32), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_form_draft_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_draft')),
    sa.UniqueConstraint('user_id', 'path', name=op.f('uq_form_draft_user_id_path'))
    )
    with op.batch_alter_table('form_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_draft_saved_at'), ['saved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_draft_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('form_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_draft_user_id'))
        batch_op.drop_index(batch_op.f('ix_form_draft_saved_at'))

    op.drop_table('form_draft')
