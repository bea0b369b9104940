"""Circle help in the pot: pot_settings.count_circle_help and shift.minutes

An initiative can choose that done dates of its support circles' rotas count as help for the pot, like done
matches (off for every existing initiative); a done date keeps how long it took.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 15:24:52.560899

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pot_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('count_circle_help', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minutes', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.drop_column('minutes')

    with op.batch_alter_table('pot_settings', schema=None) as batch_op:
        batch_op.drop_column('count_circle_help')

