"""Digest deliveries: one row per neighbour and month

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 18:10:57.610171

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('digest_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('neighbour_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('sent', 'empty', 'failed', name='deliverystatus', native_enum=False, length=20), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('sections', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_digest_delivery_neighbour_id_neighbour'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_delivery')),
    sa.UniqueConstraint('month', 'neighbour_id', name=op.f('uq_digest_delivery_month_neighbour_id'))
    )
    with op.batch_alter_table('digest_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_digest_delivery_month_status', ['month', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_digest_delivery_neighbour_id'), ['neighbour_id'], unique=False)



def downgrade():
    with op.batch_alter_table('digest_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digest_delivery_neighbour_id'))
        batch_op.drop_index('ix_digest_delivery_month_status')

    op.drop_table('digest_delivery')
