"""Mail outbox and heartbeat

mail_outbox: every mail is a row written in the same transaction as the change that caused it, sent by the
mail job with retries (status, attempts, next_attempt_at, last_error; uncertain when the reply after DATA was
lost, so that it is sent again only with the same Message-ID). heartbeat: the scheduler process says every
minute that it is alive, for /healthz. The digest's delivery status gains "uncertain" (a plain string column,
no schema change).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 14:12:11.526103

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('heartbeat',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_heartbeat'))
    )
    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('template', sa.String(length=100), nullable=False),
    sa.Column('subject', sa.String(length=998), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('status', sa.Enum('queued', 'sent', 'failed', 'discarded', name='mailstatus', native_enum=False, length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uncertain', sa.Boolean(), nullable=False),
    sa.Column('last_error', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox')),
    sa.UniqueConstraint('message_id', name=op.f('uq_mail_outbox_message_id'))
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_mail_outbox_sent_at', ['sent_at'], unique=False)
        batch_op.create_index('ix_mail_outbox_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_mail_outbox_to_address', ['to_address'], unique=False)



def downgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_outbox_to_address')
        batch_op.drop_index('ix_mail_outbox_status_next_attempt_at')
        batch_op.drop_index('ix_mail_outbox_sent_at')

    op.drop_table('mail_outbox')
    op.drop_table('heartbeat')
