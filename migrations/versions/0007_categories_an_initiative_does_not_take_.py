"""categories an initiative does not take on

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 16:08:31.703033

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_categories', sa.String(length=200), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.drop_column('hidden_categories')

