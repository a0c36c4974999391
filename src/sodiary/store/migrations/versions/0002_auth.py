"""auth: login tickets, browser sessions and partner applications

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 02:48:58.570218
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('partner_app',
    sa.Column('app_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('app_id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('auth_token',
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('associate_id', sa.Integer(), nullable=False),
    sa.Column('credential_version', sa.Integer(), nullable=False),
    sa.Column('xsrf_hash', sa.String(length=64), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('expires', sa.DateTime(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['associate_id'], ['associate.associate_id'], ),
    sa.PrimaryKeyConstraint('token_id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index('ix_auth_token_associate', 'auth_token', ['associate_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_auth_token_associate', table_name='auth_token')
    op.drop_table('auth_token')
    op.drop_table('partner_app')
