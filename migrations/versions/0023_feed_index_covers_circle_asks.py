"""The feed's index carries circle_id and circle_only_until too (PostgreSQL)

Since circle asks (0019) the feed also filters on those two columns, which the index lacked: every count and page
of the feed read each candidate post from the table. With them included, the feed's count and ids come from the
index alone again. SQLite has no INCLUDE: nothing changes there.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 18:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

COLUMNS = ['status', 'neighbourhood_id', 'created_at', 'id']
BEFORE = ['expires_at', 'hidden_at', 'author_id', 'kind', 'category']
AFTER = BEFORE + ['circle_id', 'circle_only_until']


def _rebuild(include):
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_post_feed', table_name='post')
    op.create_index('ix_post_feed', 'post', COLUMNS, unique=False, postgresql_include=include)


def upgrade():
    _rebuild(AFTER)


def downgrade():
    _rebuild(BEFORE)
