"""job runs of the scheduler

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 15:06:33.256469

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=50), nullable=False),
    sa.Column('slot', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Enum('running', 'ok', 'failed', name='runoutcome', native_enum=False, length=10), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_run')),
    sa.UniqueConstraint('job', 'slot', name=op.f('uq_job_run_job_slot'))
    )
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.create_index('ix_job_run_outcome_started_at', ['outcome', 'started_at'], unique=False)
        batch_op.create_index('ix_job_run_started_at', ['started_at'], unique=False)



def downgrade():
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_index('ix_job_run_started_at')
        batch_op.drop_index('ix_job_run_outcome_started_at')

    op.drop_table('job_run')
