"""Hosting a participant abroad: whether the host monitor scores like a mentor
(`placement.monitor_scores`, on unless the call says otherwise) and where the participant
stays (`lodging`).

Revision ID: 0021_hosting
Revises: 0020_mobility_calls
Create Date: 2026-12-07 19:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_hosting'
down_revision = "0020_mobility_calls"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('monitor_scores', sa.Boolean(), server_default=sa.true(), nullable=False)
        )

    op.create_table('lodging',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('host_family', 'bed_and_breakfast', 'hotel', 'other', name='lodgingkind', native_enum=False, length=32), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('from_date', sa.Date(), nullable=False),
    sa.Column('until_date', sa.Date(), nullable=False),
    sa.Column('arranged_by_id', sa.Integer(), nullable=True),
    sa.Column('arranged_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('until_date >= from_date', name=op.f('ck_lodging_leaves_after_arriving')),
    sa.ForeignKeyConstraint(['arranged_by_id'], ['user_account.id'], name=op.f('fk_lodging_arranged_by_id_user_account')),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], name=op.f('fk_lodging_placement_id_placement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lodging'))
    )
    with op.batch_alter_table('lodging', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lodging_placement_id'), ['placement_id'], unique=False)


def downgrade():
    with op.batch_alter_table('lodging', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lodging_placement_id'))

    op.drop_table('lodging')
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.drop_column('monitor_scores')
