"""Activities you can join: activity, its organisers, dates, sign-ups, messages and notes

A series is expanded on read: activity_date holds only dates something happened to (moved, cancelled, counted,
reminded), activity_signup who comes or waits (unique per date and neighbour). post.activity_id/activity_on
link a lift ask or offer to a date; notification and report gain activity_id. New tables only, and nullable
columns on existing ones: nothing changes for existing rows. Deleting an activity leaves its lift posts as
ordinary posts (SET NULL) and takes its notifications and reports with it (CASCADE).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 16:33:49.794231

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('kind', sa.Enum('coffee', 'meal', 'walk', 'creative', 'games', 'outing', 'learning', 'other', name='activitykind', native_enum=False, length=12), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('place_note', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('repeat', sa.Enum('once', 'weekly', 'fortnightly', 'monthly', name='repeat', native_enum=False, length=12), nullable=False),
    sa.Column('repeat_until', sa.Date(), nullable=True),
    sa.Column('last_on', sa.Date(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('cost', sa.Enum('free', 'amount', 'pay_what_you_can', name='cost', native_enum=False, length=20), nullable=False),
    sa.Column('cost_cents', sa.Integer(), nullable=True),
    sa.Column('audience', sa.Enum('everyone', 'all_ages', 'other', name='audience', native_enum=False, length=12), nullable=False),
    sa.Column('audience_note', sa.String(length=120), nullable=False),
    sa.Column('show_notes', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('active', 'cancelled', name='activitystatus', native_enum=False, length=10), nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity IS NULL OR capacity > 0', name=op.f('ck_activity_capacity_positive')),
    sa.CheckConstraint('cost_cents IS NULL OR cost_cents >= 0', name=op.f('ck_activity_cost_not_negative')),
    sa.CheckConstraint('duration_minutes BETWEEN 1 AND 1440', name=op.f('ck_activity_duration_range')),
    sa.ForeignKeyConstraint(['author_id'], ['neighbour.id'], name=op.f('fk_activity_author_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['neighbour.id'], name=op.f('fk_activity_hidden_by_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_activity_initiative_id_initiative'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhood.id'], name=op.f('fk_activity_neighbourhood_id_neighbourhood'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['place_id'], ['place.id'], name=op.f('fk_activity_place_id_place'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity'))
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index('ix_activity_author_id', ['author_id'], unique=False)
        batch_op.create_index('ix_activity_initiative_id', ['initiative_id'], unique=False)
        batch_op.create_index('ix_activity_place_id_status', ['place_id', 'status'], unique=False)
        batch_op.create_index('ix_activity_status_neighbourhood_id_last_on', ['status', 'neighbourhood_id', 'last_on'], unique=False)

    op.create_table('activity_date',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('on', 'moved', 'cancelled', name='datestatus', native_enum=False, length=10), nullable=False),
    sa.Column('moved_to', sa.Date(), nullable=True),
    sa.Column('moved_time', sa.Time(), nullable=True),
    sa.Column('change_note', sa.String(length=300), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attendance', sa.Integer(), nullable=True),
    sa.Column('attendance_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('attendance IS NULL OR attendance >= 0', name=op.f('ck_activity_date_attendance_not_negative')),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_date_activity_id_activity'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_date')),
    sa.UniqueConstraint('activity_id', 'on_date', name=op.f('uq_activity_date_activity_id_on_date'))
    )
    with op.batch_alter_table('activity_date', schema=None) as batch_op:
        batch_op.create_index('ix_activity_date_moved_to', ['moved_to'], unique=False, postgresql_where=sa.text('moved_to IS NOT NULL'), sqlite_where=sa.text('moved_to IS NOT NULL'))

    op.create_table('activity_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_message_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['neighbour.id'], name=op.f('fk_activity_message_author_id_neighbour'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_message'))
    )
    with op.batch_alter_table('activity_message', schema=None) as batch_op:
        batch_op.create_index('ix_activity_message_activity_id_on_date', ['activity_id', 'on_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_message_author_id'), ['author_id'], unique=False)

    op.create_table('activity_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_note_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['neighbour.id'], name=op.f('fk_activity_note_author_id_neighbour'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['neighbour.id'], name=op.f('fk_activity_note_hidden_by_id_neighbour'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_note')),
    sa.UniqueConstraint('activity_id', 'on_date', 'author_id', name=op.f('uq_activity_note_activity_id_on_date_author_id'))
    )
    with op.batch_alter_table('activity_note', schema=None) as batch_op:
        batch_op.create_index('ix_activity_note_author_id', ['author_id'], unique=False)

    op.create_table('activity_organiser',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('neighbour_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_organiser_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_activity_organiser_neighbour_id_neighbour'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('activity_id', 'neighbour_id', name=op.f('pk_activity_organiser'))
    )
    with op.batch_alter_table('activity_organiser', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_organiser_neighbour_id'), ['neighbour_id'], unique=False)

    op.create_table('activity_signup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('neighbour_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('coming', 'waiting', name='signupstatus', native_enum=False, length=10), nullable=False),
    sa.Column('signed_up_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('moved_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_signup_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_activity_signup_neighbour_id_neighbour'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signed_up_by_id'], ['neighbour.id'], name=op.f('fk_activity_signup_signed_up_by_id_neighbour'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_signup')),
    sa.UniqueConstraint('activity_id', 'on_date', 'neighbour_id', name=op.f('uq_activity_signup_activity_id_on_date_neighbour_id'))
    )
    with op.batch_alter_table('activity_signup', schema=None) as batch_op:
        batch_op.create_index('ix_activity_signup_activity_id_on_date_status', ['activity_id', 'on_date', 'status', 'created_at'], unique=False)
        batch_op.create_index('ix_activity_signup_neighbour_id_on_date', ['neighbour_id', 'on_date'], unique=False)

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activity_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('activity_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notification_activity_id'), ['activity_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notification_activity_id_activity'), 'activity', ['activity_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activity_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('activity_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_post_activity_id'), ['activity_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_post_activity_id_activity'), 'activity', ['activity_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activity_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_report_activity_id'), ['activity_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_report_activity_id_activity'), 'activity', ['activity_id'], ['id'], ondelete='CASCADE')



def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_report_activity_id_activity'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_report_activity_id'))
        batch_op.drop_column('activity_id')

    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_post_activity_id_activity'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_post_activity_id'))
        batch_op.drop_column('activity_on')
        batch_op.drop_column('activity_id')

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notification_activity_id_activity'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notification_activity_id'))
        batch_op.drop_column('activity_on')
        batch_op.drop_column('activity_id')

    with op.batch_alter_table('activity_signup', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_signup_neighbour_id_on_date')
        batch_op.drop_index('ix_activity_signup_activity_id_on_date_status')

    op.drop_table('activity_signup')
    with op.batch_alter_table('activity_organiser', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_organiser_neighbour_id'))

    op.drop_table('activity_organiser')
    with op.batch_alter_table('activity_note', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_note_author_id')

    op.drop_table('activity_note')
    with op.batch_alter_table('activity_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_message_author_id'))
        batch_op.drop_index('ix_activity_message_activity_id_on_date')

    op.drop_table('activity_message')
    with op.batch_alter_table('activity_date', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_date_moved_to', postgresql_where=sa.text('moved_to IS NOT NULL'), sqlite_where=sa.text('moved_to IS NOT NULL'))

    op.drop_table('activity_date')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_status_neighbourhood_id_last_on')
        batch_op.drop_index('ix_activity_place_id_status')
        batch_op.drop_index('ix_activity_initiative_id')
        batch_op.drop_index('ix_activity_author_id')

    op.drop_table('activity')
