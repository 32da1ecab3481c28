"""The blueprints of the e-mail fallback, for `portal.app._register_blueprints`."""

from portal.fallback import models  # noqa: F401 - the tables, for the metadata and Alembic
from portal.fallback.desk_views import bp as desk_bp
from portal.fallback.officer_views import bp as email_files_bp
from portal.fallback.views import bp as helpdesk_bp

ALL = (helpdesk_bp, desk_bp, email_files_bp)
