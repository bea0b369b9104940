"""Circle-only asks: post.circle_id and post.circle_only_until

An ask posted "to my circle" is shown to the author's support circle first; from circle_only_until on (when
set) it shows to the neighbourhood like any post, without it to the circle only. Existing posts have neither:
nothing changes for them. SET NULL when a circle is deleted: the post becomes an ordinary one.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 15:02:13.266434

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.add_column(sa.Column('circle_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('circle_only_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_post_circle_id'), ['circle_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_post_circle_id_circle'), 'circle', ['circle_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_post_circle_id_circle'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_post_circle_id'))
        batch_op.drop_column('circle_only_until')
        batch_op.drop_column('circle_id')

