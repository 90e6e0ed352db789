"""Learning agreements of mobilities abroad: the versions of an agreement
(`learning_agreement`) and the parties' signatures (`agreement_signature`).

Revision ID: 0023_learning_agreements
Revises: 0021_hosting
Create Date: 2026-12-07 19:07:38.709373

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_learning_agreements'
down_revision = '0021_hosting'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('learning_agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('outcomes', sa.JSON(), nullable=False),
    sa.Column('framework_id', sa.String(length=64), nullable=True),
    sa.Column('framework_version', sa.Integer(), nullable=True),
    sa.Column('language_goals', sa.JSON(), nullable=False),
    sa.Column('cultural_goals', sa.JSON(), nullable=False),
    sa.Column('tasks', sa.Text(), nullable=False),
    sa.Column('assessment', sa.Text(), nullable=False),
    sa.Column('recognition', sa.Text(), nullable=False),
    sa.Column('liability', sa.Text(), nullable=False),
    sa.Column('insurance', sa.Text(), nullable=False),
    sa.Column('guidance', sa.Text(), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_learning_agreement_author_id_user_account')),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], name=op.f('fk_learning_agreement_placement_id_placement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_agreement')),
    sa.UniqueConstraint('placement_id', 'number', name='one_agreement_number')
    )
    with op.batch_alter_table('learning_agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_agreement_placement_id'), ['placement_id'], unique=False)

    op.create_table('agreement_signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('party', sa.Enum('school', 'participant', 'host', name='party', native_enum=False, length=32), nullable=False),
    sa.Column('signer_id', sa.Integer(), nullable=True),
    sa.Column('capacity', sa.String(length=32), nullable=False),
    sa.Column('typed_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['learning_agreement.id'], name=op.f('fk_agreement_signature_agreement_id_learning_agreement')),
    sa.ForeignKeyConstraint(['signer_id'], ['user_account.id'], name=op.f('fk_agreement_signature_signer_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_signature')),
    sa.UniqueConstraint('agreement_id', 'party', name='one_signature_per_party')
    )
    with op.batch_alter_table('agreement_signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_signature_agreement_id'), ['agreement_id'], unique=False)



def downgrade():
    with op.batch_alter_table('agreement_signature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_signature_agreement_id'))

    op.drop_table('agreement_signature')
    with op.batch_alter_table('learning_agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_agreement_placement_id'))

    op.drop_table('learning_agreement')
