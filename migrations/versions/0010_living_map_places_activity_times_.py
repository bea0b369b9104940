"""Living map: places, activity times, stories, flags; ga-mee posts and referrals link to a place

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 17:47:44.272657

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('place',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('community_centre', 'library', 'help_desk', 'meals', 'coffee', 'walking', 'sport', 'club', 'food_bank', 'other', name='placekind', native_enum=False, length=20), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('where_note', sa.String(length=300), nullable=False),
    sa.Column('opening_hours', sa.String(length=300), nullable=False),
    sa.Column('contact', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'public', 'hidden', name='placestatus', native_enum=False, length=20), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['neighbour.id'], name=op.f('fk_place_author_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_place_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['neighbour.id'], name=op.f('fk_place_reviewed_by_id_neighbour'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place'))
    )
    with op.batch_alter_table('place', schema=None) as batch_op:
        batch_op.create_index('ix_place_author_id', ['author_id'], unique=False)
        batch_op.create_index('ix_place_status_confirmed_at', ['status', 'confirmed_at'], unique=False)
        batch_op.create_index('ix_place_status_neighbourhood_id_kind', ['status', 'neighbourhood_id', 'kind'], unique=False)

    op.create_table('place_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=True),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_place_activity_weekday_range')),
    sa.ForeignKeyConstraint(['place_id'], ['place.id'], name=op.f('fk_place_activity_place_id_place'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place_activity'))
    )
    with op.batch_alter_table('place_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_place_activity_place_id'), ['place_id'], unique=False)

    op.create_table('place_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('neighbour_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_place_flag_neighbour_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['place_id'], ['place.id'], name=op.f('fk_place_flag_place_id_place'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['neighbour.id'], name=op.f('fk_place_flag_resolved_by_id_neighbour'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place_flag'))
    )
    with op.batch_alter_table('place_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_place_flag_neighbour_id'), ['neighbour_id'], unique=False)
        batch_op.create_index('ix_place_flag_place_id_resolved_at', ['place_id', 'resolved_at'], unique=False)

    op.create_table('story',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['neighbour.id'], name=op.f('fk_story_author_id_neighbour'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['neighbour.id'], name=op.f('fk_story_hidden_by_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['place_id'], ['place.id'], name=op.f('fk_story_place_id_place'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_story'))
    )
    with op.batch_alter_table('story', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_story_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_story_place_id_created_at', ['place_id', 'created_at'], unique=False)

    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.add_column(sa.Column('place_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_post_place_id'), ['place_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_post_place_id_place'), 'place', ['place_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('place_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_referral_place_id'), ['place_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_referral_place_id_place'), 'place', ['place_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_referral_place_id_place'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_referral_place_id'))
        batch_op.drop_column('place_id')

    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_post_place_id_place'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_post_place_id'))
        batch_op.drop_column('place_id')

    with op.batch_alter_table('story', schema=None) as batch_op:
        batch_op.drop_index('ix_story_place_id_created_at')
        batch_op.drop_index(batch_op.f('ix_story_author_id'))

    op.drop_table('story')
    with op.batch_alter_table('place_flag', schema=None) as batch_op:
        batch_op.drop_index('ix_place_flag_place_id_resolved_at')
        batch_op.drop_index(batch_op.f('ix_place_flag_neighbour_id'))

    op.drop_table('place_flag')
    with op.batch_alter_table('place_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_place_activity_place_id'))

    op.drop_table('place_activity')
    with op.batch_alter_table('place', schema=None) as batch_op:
        batch_op.drop_index('ix_place_status_neighbourhood_id_kind')
        batch_op.drop_index('ix_place_status_confirmed_at')
        batch_op.drop_index('ix_place_author_id')

    op.drop_table('place')
