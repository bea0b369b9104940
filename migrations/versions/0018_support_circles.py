"""Support circles: circle, circle_member, circle_invite, rota_slot, slot_series, shift, circle_message,
calendar_feed

A circle around one person (its centre) with members (centre, coordinator, member; invited, requested, active,
left), signed single-use invitations, a rota of recurring slots (expanded on read; only dates that someone
took, gave back, did or missed are stored as shifts, and a member who takes a whole series is one
slot_series row), a board of messages, and a person's secret calendar address. New tables only.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 14:27:11.125654

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feed',
    sa.Column('neighbour_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_calendar_feed_neighbour_id_neighbour'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('neighbour_id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_feed_token'))
    )
    op.create_table('circle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=True),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('proposed', 'active', 'ended', name='circlestatus', native_enum=False, length=10), nullable=False),
    sa.Column('about', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['neighbour.id'], name=op.f('fk_circle_centre_id_neighbour'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_circle_initiative_id_initiative'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['started_by_id'], ['neighbour.id'], name=op.f('fk_circle_started_by_id_neighbour'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_circle'))
    )
    with op.batch_alter_table('circle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_circle_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index('ix_circle_initiative_id_status', ['initiative_id', 'status'], unique=False)

    op.create_table('circle_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('neighbour_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('centre', 'coordinator', 'member', name='memberrole', native_enum=False, length=12), nullable=False),
    sa.Column('status', sa.Enum('invited', 'requested', 'active', 'left', name='memberstatus', native_enum=False, length=10), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['circle_id'], ['circle.id'], name=op.f('fk_circle_member_circle_id_circle'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['neighbour.id'], name=op.f('fk_circle_member_invited_by_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_circle_member_neighbour_id_neighbour'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_circle_member')),
    sa.UniqueConstraint('circle_id', 'neighbour_id', name=op.f('uq_circle_member_circle_id_neighbour_id'))
    )
    with op.batch_alter_table('circle_member', schema=None) as batch_op:
        batch_op.create_index('ix_circle_member_neighbour_id_status', ['neighbour_id', 'status'], unique=False)

    op.create_table('circle_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['neighbour.id'], name=op.f('fk_circle_message_author_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['circle_id'], ['circle.id'], name=op.f('fk_circle_message_circle_id_circle'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_circle_message'))
    )
    with op.batch_alter_table('circle_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_circle_message_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_circle_message_circle_id_created_at', ['circle_id', 'created_at'], unique=False)

    op.create_table('rota_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('category', sa.Enum('klussen', 'maaltijden', 'boodschappen', 'vervoer', 'gezelschap', 'administratie', 'oppassen', 'bewegen', 'anders', name='category', native_enum=False, length=20), nullable=False),
    sa.Column('kind', sa.Enum('help', 'check_in', name='slotkind', native_enum=False, length=10), nullable=False),
    sa.Column('frequency', sa.Enum('daily', 'weekly', 'fortnightly', name='frequency', native_enum=False, length=12), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=True),
    sa.Column('day_part', sa.Integer(), nullable=True),
    sa.Column('at_time', sa.Time(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['circle_id'], ['circle.id'], name=op.f('fk_rota_slot_circle_id_circle'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rota_slot'))
    )
    with op.batch_alter_table('rota_slot', schema=None) as batch_op:
        batch_op.create_index('ix_rota_slot_circle_id_ends_on', ['circle_id', 'ends_on'], unique=False)

    op.create_table('circle_invite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('slot_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['circle_id'], ['circle.id'], name=op.f('fk_circle_invite_circle_id_circle'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['neighbour.id'], name=op.f('fk_circle_invite_created_by_id_neighbour'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['slot_id'], ['rota_slot.id'], name=op.f('fk_circle_invite_slot_id_rota_slot'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['used_by_id'], ['neighbour.id'], name=op.f('fk_circle_invite_used_by_id_neighbour'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_circle_invite'))
    )
    with op.batch_alter_table('circle_invite', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_circle_invite_circle_id'), ['circle_id'], unique=False)

    op.create_table('shift',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('taken_by_id', sa.Integer(), nullable=True),
    sa.Column('given_back', sa.Boolean(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('check_in', sa.Enum('all_well', 'attention', name='checkin', native_enum=False, length=10), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['slot_id'], ['rota_slot.id'], name=op.f('fk_shift_slot_id_rota_slot'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['taken_by_id'], ['neighbour.id'], name=op.f('fk_shift_taken_by_id_neighbour'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shift')),
    sa.UniqueConstraint('slot_id', 'on_date', name=op.f('uq_shift_slot_id_on_date'))
    )
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.create_index('ix_shift_on_date_done_at', ['on_date', 'done_at'], unique=False)
        batch_op.create_index('ix_shift_taken_by_id_on_date', ['taken_by_id', 'on_date'], unique=False)

    op.create_table('slot_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('neighbour_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['neighbour_id'], ['neighbour.id'], name=op.f('fk_slot_series_neighbour_id_neighbour'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['rota_slot.id'], name=op.f('fk_slot_series_slot_id_rota_slot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slot_series'))
    )
    with op.batch_alter_table('slot_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slot_series_neighbour_id'), ['neighbour_id'], unique=False)
        batch_op.create_index('ix_slot_series_slot_id_neighbour_id', ['slot_id', 'neighbour_id'], unique=False)



def downgrade():
    with op.batch_alter_table('slot_series', schema=None) as batch_op:
        batch_op.drop_index('ix_slot_series_slot_id_neighbour_id')
        batch_op.drop_index(batch_op.f('ix_slot_series_neighbour_id'))

    op.drop_table('slot_series')
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.drop_index('ix_shift_taken_by_id_on_date')
        batch_op.drop_index('ix_shift_on_date_done_at')

    op.drop_table('shift')
    with op.batch_alter_table('circle_invite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_circle_invite_circle_id'))

    op.drop_table('circle_invite')
    with op.batch_alter_table('rota_slot', schema=None) as batch_op:
        batch_op.drop_index('ix_rota_slot_circle_id_ends_on')

    op.drop_table('rota_slot')
    with op.batch_alter_table('circle_message', schema=None) as batch_op:
        batch_op.drop_index('ix_circle_message_circle_id_created_at')
        batch_op.drop_index(batch_op.f('ix_circle_message_author_id'))

    op.drop_table('circle_message')
    with op.batch_alter_table('circle_member', schema=None) as batch_op:
        batch_op.drop_index('ix_circle_member_neighbour_id_status')

    op.drop_table('circle_member')
    with op.batch_alter_table('circle', schema=None) as batch_op:
        batch_op.drop_index('ix_circle_initiative_id_status')
        batch_op.drop_index(batch_op.f('ix_circle_centre_id'))

    op.drop_table('circle')
    op.drop_table('calendar_feed')
