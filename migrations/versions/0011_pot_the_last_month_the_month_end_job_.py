"""Pot: the last month the month-end job handled

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 17:55:25.470752

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pot_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_distributed_month', sa.Date(), nullable=True))



def downgrade():
    with op.batch_alter_table('pot_settings', schema=None) as batch_op:
        batch_op.drop_column('last_distributed_month')

